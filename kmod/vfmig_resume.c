// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VFIO migration v2: the resume data file. write() feeds the incremental
 * stream parser; RESUMING -> STOP loads the committed snapshot.
 * Stream format: core/vfmig_stream.h; behaviour: docs/kmod-interface.md §4.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfmig_common.h"
#include "core/vfmig_parts.h"

#define VFMIG_WRITE_CHUNK	65536u

struct vfmig_resume_file {
	struct file *filp;
	struct vfmig_vf *vf;
	/* lock protects everything below */
	struct mutex lock;
	struct vfmig_parser parser;
	u8 *bounce;
	int err;
};

static ssize_t vfmig_resume_write(struct file *filp, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct vfmig_resume_file *rf = filp->private_data;
	struct vfmig_vf *vf = rf->vf;
	size_t done = 0;
	int ret = 0;

	if (ppos)
		return -ESPIPE;
	mutex_lock(&rf->lock);
	if (rf->err) {
		ret = rf->err;
		goto out;
	}
	while (done < count) {
		size_t n = min_t(size_t, count - done, VFMIG_WRITE_CHUNK);

		/* what the parser consumed before a fault is written */
		if (copy_from_user(rf->bounce, ubuf + done, n)) {
			if (!done)
				ret = -EFAULT;
			break;
		}
		ret = vfmig_parser_feed(&rf->parser, rf->bounce, n);
		if (ret) {
			rf->err = ret;
			vfmig_set_error(vf, ret);
			pci_warn(vfmig_pdev(vf), "resume: stream refused at byte %llu (%d)\n",
				 (unsigned long long)atomic64_read(&vf->bytes_restored) + done,
				 ret);
			goto out;
		}
		done += n;
	}
	atomic64_add(done, &vf->bytes_restored);
out:
	mutex_unlock(&rf->lock);
	return ret ? ret : (ssize_t)done;
}

static int vfmig_resume_release(struct inode *inode, struct file *filp)
{
	struct vfmig_resume_file *rf = filp->private_data;

	vfmig_parser_fini(&rf->parser);
	kvfree(rf->bounce);
	mutex_destroy(&rf->lock);
	kfree(rf);
	return 0;
}

static const struct file_operations vfmig_resume_fops = {
	.owner = THIS_MODULE,
	.write = vfmig_resume_write,
	.release = vfmig_resume_release,
};

void vfmig_resume_put(struct vfmig_vf *vf, int err)
{
	struct vfmig_resume_file *rf = vf->resuming;

	lockdep_assert_held(&vf->state_mutex);
	if (!rf)
		return;
	mutex_lock(&rf->lock);
	if (!rf->err)
		rf->err = err;
	mutex_unlock(&rf->lock);
	fput(rf->filp);
	vf->resuming = NULL;
}

struct file *vfmig_resume_start(struct vfmig_vf *vf)
{
	struct vfmig_resume_file *rf;
	struct file *filp;
	int ret;

	lockdep_assert_held(&vf->state_mutex);
	rf = kzalloc_obj(*rf, GFP_KERNEL_ACCOUNT);
	if (!rf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&rf->lock);
	rf->vf = vf;
	rf->bounce = kvmalloc(VFMIG_WRITE_CHUNK, GFP_KERNEL);
	ret = rf->bounce ? vfmig_parser_init(&rf->parser, vf->type, vf->features,
					     VFMIG_STREAM_MAX_STATE) : -ENOMEM;
	if (ret)
		goto err;
	filp = anon_inode_getfile("vfmig_resume", &vfmig_resume_fops, rf,
				  O_WRONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err;
	}
	rf->filp = filp;
	stream_open(filp->f_inode, filp);
	get_file(filp);
	vf->resuming = rf;
	return filp;
err:
	vfmig_parser_fini(&rf->parser);
	kvfree(rf->bounce);
	mutex_destroy(&rf->lock);
	kfree(rf);
	return ERR_PTR(ret);
}

/*
 * RESUMING -> STOP: load the committed snapshot into the stopped device.
 * rf->lock is held throughout: the parser keeps the snapshot until the
 * load succeeded, so a refused load can be retried (docs: the device
 * stays in RESUMING).
 */
int vfmig_resume_load(struct vfmig_vf *vf)
{
	struct vfmig_resume_file *rf = vf->resuming;
	const u8 *blob = NULL;
	u8 *taken;
	u32 len = 0, id;
	bool has_features;
	u64 dev, drv;
	int ret;

	lockdep_assert_held(&vf->state_mutex);
	if (!rf)
		return -EINVAL;
	mutex_lock(&rf->lock);
	ret = rf->err;
	if (!ret)
		ret = vfmig_parser_peek_state(&rf->parser, &blob, &len);
	if (ret == -ENODATA)
		pci_warn(vfmig_pdev(vf), "resume: stream truncated (%d)\n", ret);
	if (ret)
		goto out;

	/*
	 * The header's features were checked at write(); the state itself
	 * must not need more either (a source may have sent a stale header).
	 */
	has_features = !vfmig_parts_features(blob, len, &dev, &drv);
	if (has_features && (drv & ~vf->features)) {
		ret = -EOPNOTSUPP;
		pci_warn(vfmig_pdev(vf),
			 "resume: negotiated features 0x%016llx not offered by this device (%d)\n",
			 drv & ~vf->features, ret);
		goto out;
	}

	ret = vfmig_admin_obj_create(vf, VFMIG_OBJ_PARTS_SET, &id);
	if (ret)
		goto out_log;
	ret = vfmig_admin_parts_set(vf, id, blob, len);
	if (vfmig_admin_obj_destroy(vf, id))
		pci_warn(vfmig_pdev(vf), "Failed to destroy parts object %u, continuing\n",
			 id);
	if (ret)
		goto out_log;
	if (has_features)
		vf->driver_features = drv;
	atomic64_inc(&vf->restores);
	/* loaded: the parser need not keep it for a retry any more */
	if (!vfmig_parser_take_state(&rf->parser, &taken, &len))
		vfmig_free(taken);
	goto out;
out_log:
	pci_warn(vfmig_pdev(vf), "resume: device refused the state (%d)\n", ret);
out:
	mutex_unlock(&rf->lock);
	if (ret)
		vfmig_set_error(vf, ret);
	return ret;
}
