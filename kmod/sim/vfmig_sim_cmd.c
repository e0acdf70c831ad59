// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulated virtio admin commands of one SR-IOV group member: legacy
 * registers, device mode, resource objects and device parts, with the
 * status and status qualifier codes of the virtio spec, and injected
 * faults. Each command runs under the member's lock, like a device that
 * executes one admin command of a member at a time.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "vfmig_sim.h"

static struct vfmig_sim_vf *vfmig_sim_member(void *priv, struct pci_dev *vf)
{
	struct vfmig_sim_pf *pf = priv;
	int id;

	if (!vf->is_virtfn || pci_physfn(vf) != pf->pdev)
		return NULL;
	id = pci_iov_vf_id(vf);
	if (id < 0 || id >= pf->nvfs)
		return NULL;
	return &pf->vfs[id];
}

/* Records a failed command and returns what the transport returns. */
static int vfmig_sim_status(struct vfmig_sim_vf *v, int op, u16 status,
			    u16 qualifier)
{
	v->last_opcode = op;
	v->last_status = status;
	v->last_qualifier = qualifier;
	return -(int)status;
}

/*
 * Models a running device whose state grows between two commands (a
 * "grow" fault): the vendor blob gets @bytes longer, refilled from its seed.
 */
static int vfmig_sim_grow(struct vfmig_sim_vf *v, int op, u32 bytes)
{
	u32 size = v->st.blob_size + bytes;
	u8 *blob;

	if (size < bytes || size > VFMIG_SIM_GROW_MAX)
		return vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
					VFMIG_ADMIN_Q_INVALID_FIELD);
	blob = vfmig_zalloc(size);
	if (!blob)
		return vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_ENOMEM,
					VFMIG_ADMIN_Q_NORESOURCE);
	vfmig_blob_fill(blob, size, v->st.blob_seed);
	vfmig_free(v->st.blob);
	v->st.blob = blob;
	v->st.blob_size = size;
	return 0;
}

/*
 * Runs the armed fault for @op. Returns 0 to go on, 1 for a short read,
 * or the command's error.
 */
static int vfmig_sim_fault(struct vfmig_sim_vf *v, int op)
{
	struct vfmig_sim_fault *f = &v->fault;

	if (f->kind == VFMIG_SIM_FAULT_NONE || !f->count ||
	    (f->opcode >= 0 && f->opcode != op))
		return 0;
	if (f->skip) {
		f->skip--;
		return 0;
	}
	if (f->count > 0)
		f->count--;
	f->hits++;
	v->stats.faults_hit++;
	switch (f->kind) {
	case VFMIG_SIM_FAULT_EAGAIN:
		return vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EAGAIN,
					VFMIG_ADMIN_Q_TRYAGAIN);
	case VFMIG_SIM_FAULT_SHORT:
		if (op == VFMIG_SIM_OP_PARTS_GET)
			return 1;
		fallthrough;
	case VFMIG_SIM_FAULT_STATUS:
		return vfmig_sim_status(v, op, f->status, f->qualifier);
	case VFMIG_SIM_FAULT_SLOW:
		if (f->delay_ms > vfmig_sim_cmd_timeout_ms) {
			msleep(vfmig_sim_cmd_timeout_ms);
			v->last_opcode = op;
			return -ETIMEDOUT;
		}
		msleep(f->delay_ms);
		return 0;
	case VFMIG_SIM_FAULT_GROW:
		return vfmig_sim_grow(v, op, f->bytes);
	default:
		return 0;
	}
}

/* Common entry of every command: counts it, applies faults. */
static int vfmig_sim_begin(struct vfmig_sim_vf *v, int op)
{
	mutex_lock(&v->lock);
	v->stats.cmds++;
	if (v->stopped)
		v->stats.cmds_stopped++;
	return vfmig_sim_fault(v, op);
}

static int vfmig_sim_dev_type(void *priv, struct pci_dev *vf)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	int type;

	if (!v)
		return -ENODEV;
	mutex_lock(&v->lock);
	type = v->st.type;
	mutex_unlock(&v->lock);
	return type;
}

static bool vfmig_sim_has_legacy(void *priv, struct pci_dev *vf)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);

	return v && READ_ONCE(v->legacy_io) && v->st.type == VFMIG_VIRTIO_ID_NET;
}

static bool vfmig_sim_has_parts(void *priv, struct pci_dev *vf)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);

	return v && READ_ONCE(v->dev_parts);
}

/*
 * Legacy common configuration as a byte image: the registers are built
 * from the device state, a write changes the image and is folded back.
 */
#define VFMIG_SIM_LEGACY_COMMON_LEN	24

static void vfmig_sim_legacy_image(struct vfmig_sim_vf *v, u8 *img)
{
	struct vfmig_dev_state *st = &v->st;
	u16 q = v->legacy_qsel < st->num_queues ? v->legacy_qsel : 0;

	memset(img, 0, VFMIG_SIM_LEGACY_COMMON_LEN);
	put_unaligned_le32((u32)st->device_features, img);
	put_unaligned_le32((u32)st->driver_features, img + 4);
	put_unaligned_le32((u32)(st->vq[q].desc >> 12), img + 8);
	put_unaligned_le16(st->vq[q].size, img + 12);
	put_unaligned_le16(v->legacy_qsel, img + 14);
	img[18] = st->status;
	put_unaligned_le16(st->msix_config, img + 20);
	put_unaligned_le16(st->vq[q].msix, img + 22);
}

static void vfmig_sim_legacy_fold(struct vfmig_sim_vf *v, const u8 *img)
{
	struct vfmig_dev_state *st = &v->st;
	u16 q;
	u32 pfn;

	st->driver_features = (st->driver_features & ~0xffffffffull) |
			      get_unaligned_le32(img + 4);
	v->legacy_qsel = get_unaligned_le16(img + 14);
	q = v->legacy_qsel < st->num_queues ? v->legacy_qsel : 0;
	pfn = get_unaligned_le32(img + 8);
	st->vq[q].desc = (u64)pfn << 12;
	st->vq[q].enable = pfn != 0;
	st->status = img[18];
	st->msix_config = get_unaligned_le16(img + 20);
	st->vq[q].msix = get_unaligned_le16(img + 22);
}

static int vfmig_sim_legacy(void *priv, struct pci_dev *vf, int op,
			    u8 offset, u8 size, u8 *buf)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	bool write = op == VFMIG_SIM_OP_LEGACY_COMMON_WRITE ||
		     op == VFMIG_SIM_OP_LEGACY_DEV_WRITE;
	bool common = op == VFMIG_SIM_OP_LEGACY_COMMON_WRITE ||
		      op == VFMIG_SIM_OP_LEGACY_COMMON_READ;
	u8 img[VFMIG_SIM_LEGACY_COMMON_LEN];
	u32 len = common ? VFMIG_SIM_LEGACY_COMMON_LEN : 12;
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, op);
	if (ret)
		goto out;
	if (!v->legacy_io || v->st.type != VFMIG_VIRTIO_ID_NET) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_OPCODE);
		goto out;
	}
	if (!size || offset + size > len) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	if (common) {
		vfmig_sim_legacy_image(v, img);
	} else {
		memcpy(img, v->st.mac, 6);
		put_unaligned_le16(v->st.net_status, img + 6);
		put_unaligned_le16(v->st.max_pairs, img + 8);
		put_unaligned_le16(v->st.mtu, img + 10);
	}
	if (!write) {
		memcpy(buf, img + offset, size);
		goto out;
	}
	memcpy(img + offset, buf, size);
	if (common)
		vfmig_sim_legacy_fold(v, img);
	else
		memcpy(v->st.mac, img, 6);	/* the rest is read-only */
out:
	mutex_unlock(&v->lock);
	return ret;
}

static int vfmig_sim_lc_write(void *priv, struct pci_dev *vf, u8 off, u8 size,
			      u8 *buf)
{
	return vfmig_sim_legacy(priv, vf, VFMIG_SIM_OP_LEGACY_COMMON_WRITE, off,
				size, buf);
}

static int vfmig_sim_lc_read(void *priv, struct pci_dev *vf, u8 off, u8 size,
			     u8 *buf)
{
	return vfmig_sim_legacy(priv, vf, VFMIG_SIM_OP_LEGACY_COMMON_READ, off,
				size, buf);
}

static int vfmig_sim_ld_write(void *priv, struct pci_dev *vf, u8 off, u8 size,
			      u8 *buf)
{
	return vfmig_sim_legacy(priv, vf, VFMIG_SIM_OP_LEGACY_DEV_WRITE, off,
				size, buf);
}

static int vfmig_sim_ld_read(void *priv, struct pci_dev *vf, u8 off, u8 size,
			     u8 *buf)
{
	return vfmig_sim_legacy(priv, vf, VFMIG_SIM_OP_LEGACY_DEV_READ, off,
				size, buf);
}

/* Stands for the notify-info command plus the write to the notify area. */
static int vfmig_sim_notify(void *priv, struct pci_dev *vf, u16 queue)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, VFMIG_SIM_OP_NOTIFY_INFO);
	if (!ret) {
		v->notifies++;
		v->last_notify = queue;
	}
	mutex_unlock(&v->lock);
	return ret;
}

static int vfmig_sim_mode_set(void *priv, struct pci_dev *vf, u8 flags)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, VFMIG_SIM_OP_MODE_SET);
	if (!ret && (flags & ~BIT(VFMIG_MODE_F_STOPPED)))
		ret = vfmig_sim_status(v, VFMIG_SIM_OP_MODE_SET,
				       VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
	if (!ret)
		v->stopped = flags & BIT(VFMIG_MODE_F_STOPPED);
	mutex_unlock(&v->lock);
	return ret;
}

static struct vfmig_sim_obj *vfmig_sim_obj_find(struct vfmig_sim_vf *v,
						 u32 id)
{
	int i;

	for (i = 0; i < VFMIG_SIM_MAX_OBJS; i++)
		if (v->objs[i].used && v->objs[i].id == id)
			return &v->objs[i];
	return NULL;
}

static unsigned int vfmig_sim_obj_count(struct vfmig_sim_vf *v)
{
	unsigned int i, n = 0;

	for (i = 0; i < VFMIG_SIM_MAX_OBJS; i++)
		n += v->objs[i].used;
	return n;
}

static int vfmig_sim_obj_create(void *priv, struct pci_dev *vf, u16 type,
				u8 op_type, u32 *id)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	const int op = VFMIG_SIM_OP_OBJ_CREATE;
	unsigned int i;
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, op);
	if (ret)
		goto out;
	if (type != VFMIG_OBJ_DEV_PARTS ||
	    (op_type != VFMIG_OBJ_PARTS_GET && op_type != VFMIG_OBJ_PARTS_SET)) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	if (vfmig_sim_obj_count(v) >= min_t(unsigned int, vfmig_sim_obj_limit,
					    VFMIG_SIM_MAX_OBJS)) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_ENOMEM,
				       VFMIG_ADMIN_Q_NORESOURCE);
		goto out;
	}
	for (i = 0; i < VFMIG_SIM_MAX_OBJS; i++) {
		if (v->objs[i].used)
			continue;
		v->objs[i].used = true;
		v->objs[i].id = v->next_obj_id++;
		v->objs[i].op_type = op_type;
		*id = v->objs[i].id;
		break;
	}
out:
	mutex_unlock(&v->lock);
	return ret;
}

static int vfmig_sim_obj_destroy(void *priv, struct pci_dev *vf, u16 type,
				 u32 id)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	struct vfmig_sim_obj *o;
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, VFMIG_SIM_OP_OBJ_DESTROY);
	if (ret)
		goto out;
	o = vfmig_sim_obj_find(v, id);
	if (!o || type != VFMIG_OBJ_DEV_PARTS) {
		ret = vfmig_sim_status(v, VFMIG_SIM_OP_OBJ_DESTROY,
				       VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	o->used = false;
out:
	mutex_unlock(&v->lock);
	return ret;
}

static int vfmig_sim_metadata(void *priv, struct pci_dev *vf, u16 type,
			      u32 id, u8 mtype, u32 *out)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	const int op = VFMIG_SIM_OP_PARTS_METADATA_GET;
	struct vfmig_sim_obj *o;
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, op);
	if (ret)
		goto out;
	o = vfmig_sim_obj_find(v, id);
	if (!o || type != VFMIG_OBJ_DEV_PARTS || o->op_type != VFMIG_OBJ_PARTS_GET ||
	    (mtype != VFMIG_META_SIZE && mtype != VFMIG_META_COUNT)) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	*out = mtype == VFMIG_META_SIZE ? vfmig_parts_size(&v->st) :
					  vfmig_parts_count(&v->st);
out:
	mutex_unlock(&v->lock);
	return ret;
}

static int vfmig_sim_parts_get(void *priv, struct pci_dev *vf, u16 type,
			       u32 id, u8 get_type, void *buf, u32 cap,
			       u32 *res)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	const int op = VFMIG_SIM_OP_PARTS_GET;
	struct vfmig_sim_obj *o;
	int ret, n;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, op);
	if (ret < 0)
		goto out;
	o = vfmig_sim_obj_find(v, id);
	if (!o || type != VFMIG_OBJ_DEV_PARTS || o->op_type != VFMIG_OBJ_PARTS_GET ||
	    get_type != VFMIG_PARTS_GET_ALL) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	n = vfmig_parts_encode(&v->st, buf, cap);
	if (n < 0) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_MEM);
		goto out;
	}
	/* a short read delivers only the first half */
	*res = ret == 1 ? n / 2 : n;
	v->stats.parts_get_bytes += *res;
	ret = 0;
out:
	mutex_unlock(&v->lock);
	return ret;
}

static int vfmig_sim_parts_set(void *priv, struct pci_dev *vf, u32 id,
			       const void *buf, u32 len)
{
	struct vfmig_sim_vf *v = vfmig_sim_member(priv, vf);
	const int op = VFMIG_SIM_OP_PARTS_SET;
	struct vfmig_sim_obj *o;
	int ret;

	if (!v)
		return -ENODEV;
	ret = vfmig_sim_begin(v, op);
	if (ret)
		goto out;
	o = vfmig_sim_obj_find(v, id);
	if (!o || o->op_type != VFMIG_OBJ_PARTS_SET) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	/* the spec only lets parts be set while the member is stopped */
	if (!v->stopped) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_COMMAND);
		goto out;
	}
	if (vfmig_parts_decode(buf, len, &v->st)) {
		ret = vfmig_sim_status(v, op, VFMIG_ADMIN_STATUS_EINVAL,
				       VFMIG_ADMIN_Q_INVALID_FIELD);
		goto out;
	}
	v->stats.parts_set_bytes += len;
out:
	mutex_unlock(&v->lock);
	return ret;
}

const struct vfmig_admin_ops vfmig_sim_ops = {
	.owner = THIS_MODULE,
	.dev_type = vfmig_sim_dev_type,
	.has_legacy_io = vfmig_sim_has_legacy,
	.has_dev_parts = vfmig_sim_has_parts,
	.legacy_common_write = vfmig_sim_lc_write,
	.legacy_common_read = vfmig_sim_lc_read,
	.legacy_dev_write = vfmig_sim_ld_write,
	.legacy_dev_read = vfmig_sim_ld_read,
	.legacy_notify = vfmig_sim_notify,
	.mode_set = vfmig_sim_mode_set,
	.obj_create = vfmig_sim_obj_create,
	.obj_destroy = vfmig_sim_obj_destroy,
	.parts_metadata_get = vfmig_sim_metadata,
	.parts_get = vfmig_sim_parts_get,
	.parts_set = vfmig_sim_parts_set,
};

int vfmig_sim_vf_init(struct vfmig_sim_vf *v, u16 type)
{
	mutex_init(&v->lock);
	v->dev_parts = true;
	v->next_obj_id = 1;
	return vfmig_dev_state_init(&v->st, type, v->index);
}

void vfmig_sim_vf_fini(struct vfmig_sim_vf *v)
{
	vfmig_dev_state_clear(&v->st);
	mutex_destroy(&v->lock);
}

/*
 * Bus number of VF @id: pci_iov_virtfn_bus() is not exported, so it is
 * computed from the SR-IOV capability's offset and stride.
 */
int vfmig_sim_vf_bus(struct pci_dev *pf, u32 id)
{
	int pos = pci_find_ext_capability(pf, PCI_EXT_CAP_ID_SRIOV);
	u16 offset = 0, stride = 0;

	if (!pos)
		return -ENODEV;
	pci_read_config_word(pf, pos + PCI_SRIOV_VF_OFFSET, &offset);
	pci_read_config_word(pf, pos + PCI_SRIOV_VF_STRIDE, &stride);
	return pf->bus->number + ((pf->devfn + offset + stride * id) >> 8);
}

/* Whether a driver is bound to the VF (then its identity must not change) */
bool vfmig_sim_vf_bound(struct vfmig_sim_vf *v)
{
	struct pci_dev *pf = v->pf->pdev;
	struct pci_dev *vf;
	bool bound;

	vf = pci_get_domain_bus_and_slot(pci_domain_nr(pf->bus),
					 vfmig_sim_vf_bus(pf, v->index),
					 pci_iov_virtfn_devfn(pf, v->index));
	if (!vf)
		return false;
	bound = READ_ONCE(vf->dev.driver) != NULL;
	pci_dev_put(vf);
	return bound;
}

static const char * const vfmig_sim_opnames[] = {
	[VFMIG_SIM_OP_LEGACY_COMMON_WRITE] = "legacy_common_write",
	[VFMIG_SIM_OP_LEGACY_COMMON_READ] = "legacy_common_read",
	[VFMIG_SIM_OP_LEGACY_DEV_WRITE] = "legacy_dev_write",
	[VFMIG_SIM_OP_LEGACY_DEV_READ] = "legacy_dev_read",
	[VFMIG_SIM_OP_NOTIFY_INFO] = "notify_info",
	[VFMIG_SIM_OP_OBJ_CREATE] = "obj_create",
	[VFMIG_SIM_OP_OBJ_DESTROY] = "obj_destroy",
	[VFMIG_SIM_OP_PARTS_METADATA_GET] = "parts_metadata_get",
	[VFMIG_SIM_OP_PARTS_GET] = "parts_get",
	[VFMIG_SIM_OP_PARTS_SET] = "parts_set",
	[VFMIG_SIM_OP_MODE_SET] = "mode_set",
};

const char *vfmig_sim_opcode_name(int op)
{
	if (op < 0 || op >= ARRAY_SIZE(vfmig_sim_opnames) || !vfmig_sim_opnames[op])
		return "any";
	return vfmig_sim_opnames[op];
}

int vfmig_sim_opcode_from_name(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vfmig_sim_opnames); i++)
		if (vfmig_sim_opnames[i] && sysfs_streq(s, vfmig_sim_opnames[i]))
			return i;
	return -EINVAL;
}

static const char * const vfmig_sim_fault_names[VFMIG_SIM_FAULT_MAX] = {
	[VFMIG_SIM_FAULT_NONE] = "none",
	[VFMIG_SIM_FAULT_STATUS] = "status",
	[VFMIG_SIM_FAULT_EAGAIN] = "eagain",
	[VFMIG_SIM_FAULT_SHORT] = "short",
	[VFMIG_SIM_FAULT_SLOW] = "slow",
	[VFMIG_SIM_FAULT_GROW] = "grow",
};

const char *vfmig_sim_fault_kind_to_string(int k)
{
	if (k < 0 || k >= VFMIG_SIM_FAULT_MAX)
		return NULL;
	return vfmig_sim_fault_names[k];
}

int vfmig_sim_fault_kind_from_string(const char *s)
{
	int i;

	for (i = 0; i < VFMIG_SIM_FAULT_MAX; i++)
		if (sysfs_streq(s, vfmig_sim_fault_names[i]))
			return i;
	return -EINVAL;
}
