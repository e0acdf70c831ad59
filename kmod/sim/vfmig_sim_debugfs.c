// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * debugfs face of the simulator (docs/kmod-interface.md §6): attach and
 * detach PFs, and per VF the device state, mode, faults and counters.
 * Every write is parsed completely before anything changes.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vfmig_sim.h"
#include "../core/vfmig_state_text.h"

#define VFMIG_SIM_TEXT_MAX	4096

static struct dentry *vfmig_sim_root;

struct vfmig_sim_file {
	const char *name;
	umode_t mode;
	/* both run under v->lock */
	size_t (*show)(struct vfmig_sim_vf *v, char *buf, size_t cap);
	int (*store)(struct vfmig_sim_vf *v, char *text);
};

static size_t vfmig_sim_show_type(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "%s\n",
			 v->st.type == VFMIG_VIRTIO_ID_NET ? "net" : "blk");
}

static int vfmig_sim_store_type(struct vfmig_sim_vf *v, char *text)
{
	struct vfmig_dev_state st;
	u16 type;
	int ret;

	if (sysfs_streq(text, "net"))
		type = VFMIG_VIRTIO_ID_NET;
	else if (sysfs_streq(text, "blk"))
		type = VFMIG_VIRTIO_ID_BLOCK;
	else
		return -EINVAL;
	if (vfmig_sim_vf_bound(v))
		return -EBUSY;
	ret = vfmig_dev_state_init(&st, type, v->index);
	if (ret)
		return ret;
	vfmig_dev_state_clear(&v->st);
	v->st = st;
	return 0;
}

static size_t vfmig_sim_show_legacy(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "%d\n", v->legacy_io);
}

static int vfmig_sim_store_bool(struct vfmig_sim_vf *v, char *text, bool *dst)
{
	bool val;

	if (kstrtobool(strim(text), &val))
		return -EINVAL;
	if (vfmig_sim_vf_bound(v))
		return -EBUSY;
	WRITE_ONCE(*dst, val);
	return 0;
}

static int vfmig_sim_store_legacy(struct vfmig_sim_vf *v, char *text)
{
	return vfmig_sim_store_bool(v, text, &v->legacy_io);
}

static size_t vfmig_sim_show_parts(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "%d\n", v->dev_parts);
}

static int vfmig_sim_store_parts(struct vfmig_sim_vf *v, char *text)
{
	return vfmig_sim_store_bool(v, text, &v->dev_parts);
}

static size_t vfmig_sim_show_member(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "%u\n", v->index + 1);
}

static size_t vfmig_sim_show_mode(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "%s\n", v->stopped ? "stopped" : "running");
}

static size_t vfmig_sim_show_state(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return vfmig_state_format(&v->st, buf, cap);
}

static int vfmig_sim_store_state(struct vfmig_sim_vf *v, char *text)
{
	return vfmig_state_parse(&v->st, text, strlen(text));
}

static size_t vfmig_sim_show_size(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "%u\n", vfmig_parts_size(&v->st));
}

static size_t vfmig_sim_show_fault(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	struct vfmig_sim_fault *f = &v->fault;

	if (f->kind == VFMIG_SIM_FAULT_NONE)
		return scnprintf(buf, cap, "none\nhits=%u\n", f->hits);
	return scnprintf(buf, cap,
			 "kind=%s opcode=%s count=%d skip=%u status=%u qualifier=%u delay_ms=%u bytes=%u\nhits=%u\n",
			 vfmig_sim_fault_kind_to_string(f->kind),
			 vfmig_sim_opcode_name(f->opcode), f->count, f->skip,
			 f->status, f->qualifier, f->delay_ms, f->bytes,
			 f->hits);
}

static int vfmig_sim_fault_key(struct vfmig_sim_fault *f, char *key, char *val)
{
	int ret = 0, n;
	u32 u;

	if (!strcmp(key, "kind")) {
		n = vfmig_sim_fault_kind_from_string(val);
		if (n <= VFMIG_SIM_FAULT_NONE)
			return -EINVAL;
		f->kind = n;
	} else if (!strcmp(key, "opcode")) {
		if (!strcmp(val, "any"))
			f->opcode = -1;
		else if (!kstrtou32(val, 0, &u) && u <= 0xffff)
			f->opcode = u;
		else
			f->opcode = vfmig_sim_opcode_from_name(val);
		if (f->opcode < -1)
			return -EINVAL;
	} else if (!strcmp(key, "count")) {
		ret = kstrtoint(val, 0, &f->count);
		if (!ret && f->count < -1)
			ret = -EINVAL;
	} else if (!strcmp(key, "skip")) {
		ret = kstrtou32(val, 0, &f->skip);
	} else if (!strcmp(key, "status")) {
		ret = kstrtou16(val, 0, &f->status);
		if (!ret && !f->status)
			ret = -EINVAL;
	} else if (!strcmp(key, "qualifier")) {
		ret = kstrtou16(val, 0, &f->qualifier);
	} else if (!strcmp(key, "delay_ms")) {
		ret = kstrtou32(val, 0, &f->delay_ms);
	} else if (!strcmp(key, "bytes")) {
		ret = kstrtou32(val, 0, &f->bytes);
		if (!ret && (!f->bytes || f->bytes > VFMIG_SIM_GROW_MAX))
			ret = -EINVAL;
	} else {
		ret = -EINVAL;
	}
	return ret ? -EINVAL : 0;
}

static int vfmig_sim_store_fault(struct vfmig_sim_vf *v, char *text)
{
	struct vfmig_sim_fault f = {
		.opcode = -1,
		.count = 1,
		.status = VFMIG_ADMIN_STATUS_EINVAL,
		.qualifier = VFMIG_ADMIN_Q_INVALID_FIELD,
		.delay_ms = 2000,
		.bytes = 512,
		.hits = v->fault.hits,
	};
	char *tok, *s = strim(text);
	int ret;

	if (!strcmp(s, "clear")) {
		memset(&v->fault, 0, sizeof(v->fault));
		return 0;
	}
	while ((tok = strsep(&s, " \t\n")) != NULL) {
		char *val;

		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		ret = vfmig_sim_fault_key(&f, tok, val);
		if (ret)
			return ret;
	}
	if (f.kind == VFMIG_SIM_FAULT_NONE)
		return -EINVAL;
	v->fault = f;
	return 0;
}

static size_t vfmig_sim_show_stats(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	unsigned int i, objs = 0;

	for (i = 0; i < VFMIG_SIM_MAX_OBJS; i++)
		objs += v->objs[i].used;
	return scnprintf(buf, cap,
			 "cmds=%llu\ncmds_stopped=%llu\nparts_get_bytes=%llu\nparts_set_bytes=%llu\nobjs=%u\nfaults_hit=%llu\n",
			 v->stats.cmds, v->stats.cmds_stopped,
			 v->stats.parts_get_bytes, v->stats.parts_set_bytes,
			 objs, v->stats.faults_hit);
}

static int vfmig_sim_store_stats(struct vfmig_sim_vf *v, char *text)
{
	if (!sysfs_streq(text, "0"))
		return -EINVAL;
	memset(&v->stats, 0, sizeof(v->stats));
	return 0;
}

static size_t vfmig_sim_show_status(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "opcode=0x%x status=%u qualifier=%u\n",
			 v->last_opcode, v->last_status, v->last_qualifier);
}

static size_t vfmig_sim_show_notify(struct vfmig_sim_vf *v, char *buf, size_t cap)
{
	return scnprintf(buf, cap, "notifies=%llu\nlast_queue=%u\n",
			 v->notifies, v->last_notify);
}

static const struct vfmig_sim_file vfmig_sim_files[] = {
	{ "type", 0644, vfmig_sim_show_type, vfmig_sim_store_type },
	{ "legacy_io", 0644, vfmig_sim_show_legacy, vfmig_sim_store_legacy },
	{ "dev_parts", 0644, vfmig_sim_show_parts, vfmig_sim_store_parts },
	{ "member_id", 0444, vfmig_sim_show_member, NULL },
	{ "mode", 0444, vfmig_sim_show_mode, NULL },
	{ "state", 0644, vfmig_sim_show_state, vfmig_sim_store_state },
	{ "state_size", 0444, vfmig_sim_show_size, NULL },
	{ "fault", 0644, vfmig_sim_show_fault, vfmig_sim_store_fault },
	{ "stats", 0644, vfmig_sim_show_stats, vfmig_sim_store_stats },
	{ "last_status", 0444, vfmig_sim_show_status, NULL },
	{ "notify", 0444, vfmig_sim_show_notify, NULL },
};

static const struct vfmig_sim_file *vfmig_sim_file_of(struct file *file)
{
	const char *name = file_dentry(file)->d_name.name;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vfmig_sim_files); i++)
		if (!strcmp(vfmig_sim_files[i].name, name))
			return &vfmig_sim_files[i];
	return NULL;
}

static ssize_t vfmig_sim_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	const struct vfmig_sim_file *f = vfmig_sim_file_of(file);
	struct vfmig_sim_vf *v = file->private_data;
	ssize_t ret;
	size_t len;
	char *buf;

	if (!f || !f->show)
		return -EINVAL;
	buf = kzalloc(VFMIG_SIM_TEXT_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&v->lock);
	len = f->show(v, buf, VFMIG_SIM_TEXT_MAX);
	mutex_unlock(&v->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, len);
	kfree(buf);
	return ret;
}

static ssize_t vfmig_sim_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	const struct vfmig_sim_file *f = vfmig_sim_file_of(file);
	struct vfmig_sim_vf *v = file->private_data;
	char *text;
	int ret;

	if (!f || !f->store)
		return -EINVAL;
	if (count >= VFMIG_SIM_TEXT_MAX)
		return -EFBIG;
	text = memdup_user_nul(ubuf, count);
	if (IS_ERR(text))
		return PTR_ERR(text);
	mutex_lock(&v->lock);
	ret = f->store(v, text);
	mutex_unlock(&v->lock);
	kfree(text);
	if (ret)
		pr_info("vfmig_sim: %s: write to %s refused (%d)\n", v->addr,
			f->name, ret);
	return ret ? ret : count;
}

static const struct file_operations vfmig_sim_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vfmig_sim_read,
	.write = vfmig_sim_write,
	.llseek = default_llseek,
};

static ssize_t vfmig_sim_ctl_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	bool attach = file->private_data == (void *)1;
	char *text;
	int ret;

	if (count >= 64)
		return -EINVAL;
	text = memdup_user_nul(ubuf, count);
	if (IS_ERR(text))
		return PTR_ERR(text);
	strim(text);
	ret = attach ? vfmig_sim_attach(strim(text)) : vfmig_sim_detach(strim(text));
	kfree(text);
	return ret ? ret : count;
}

static const struct file_operations vfmig_sim_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vfmig_sim_ctl_write,
	.llseek = noop_llseek,
};

void vfmig_sim_debugfs_add_pf(struct vfmig_sim_pf *pf)
{
	unsigned int i, j;
	char link[32], target[32];

	for (i = 0; i < pf->nvfs; i++) {
		struct vfmig_sim_vf *v = &pf->vfs[i];

		v->dir = debugfs_create_dir(v->addr, vfmig_sim_root);
		for (j = 0; j < ARRAY_SIZE(vfmig_sim_files); j++)
			debugfs_create_file(vfmig_sim_files[j].name,
					    vfmig_sim_files[j].mode, v->dir, v,
					    &vfmig_sim_fops);
		snprintf(link, sizeof(link), "%s-vf%u", pf->addr, i);
		snprintf(target, sizeof(target), "%s", v->addr);
		debugfs_create_symlink(link, vfmig_sim_root, target);
	}
}

void vfmig_sim_debugfs_del_pf(struct vfmig_sim_pf *pf)
{
	unsigned int i;
	char link[32];

	for (i = 0; i < pf->nvfs; i++) {
		snprintf(link, sizeof(link), "%s-vf%u", pf->addr, i);
		debugfs_lookup_and_remove(link, vfmig_sim_root);
		debugfs_remove_recursive(pf->vfs[i].dir);
		pf->vfs[i].dir = NULL;
	}
}

int vfmig_sim_debugfs_init(void)
{
	vfmig_sim_root = debugfs_create_dir("vfmig_sim", NULL);
	debugfs_create_file("attach", 0200, vfmig_sim_root, (void *)1,
			    &vfmig_sim_ctl_fops);
	debugfs_create_file("detach", 0200, vfmig_sim_root, (void *)0,
			    &vfmig_sim_ctl_fops);
	return 0;
}

void vfmig_sim_debugfs_exit(void)
{
	debugfs_remove_recursive(vfmig_sim_root);
}
