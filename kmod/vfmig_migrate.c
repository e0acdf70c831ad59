// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VFIO migration v2: the state machine and the save data file (the resume
 * file is in vfmig_resume.c).
 * Stream format: core/vfmig_stream.h; behaviour: docs/kmod-interface.md §4.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfmig_common.h"
#include "core/vfmig_arcs.h"
#include "core/vfmig_crc32c.h"
#include "core/vfmig_parts.h"

#define VFMIG_INFO_TEXT		"vfmig_virtio_pci " VFMIG_DRV_VERSION

struct vfmig_save_file {
	struct file *filp;
	struct vfmig_vf *vf;
	/*
	 * The device's parts object: created and destroyed under state_mutex
	 * (vfmig_save_start/put); read()/PRECOPY_INFO use it under lock while
	 * err is 0, and vfmig_save_put() sets err before destroying it.
	 */
	u32 obj_id;
	bool obj_valid;
	/* lock protects everything below */
	struct mutex lock;
	u8 *buf;		/* queued stream bytes, [pos, len) unread */
	size_t len;
	size_t pos;
	u64 consumed;		/* stream bytes read so far */
	u64 initial_end;	/* stream offset where the initial data ends */
	u32 gen;		/* generation of the last queued snapshot */
	u8 *last;		/* that snapshot */
	u32 last_len;
	u32 records;
	bool precopy;		/* more data may come (PRE_COPY states) */
	bool finished;		/* trailer queued */
	bool counted;		/* saves counter bumped */
	int err;		/* nonzero: every call fails with it */
	/*
	 * poll() waiters: woken when data is queued by someone other than
	 * the reader (STOP_COPY entry) and when the file goes into error.
	 */
	wait_queue_head_t wq;
};

/* ---- save side ---- */

static int vfmig_save_append(struct vfmig_save_file *sf, size_t extra,
			     u8 **dst)
{
	size_t unread = sf->len - sf->pos;
	u8 *nbuf;

	nbuf = kvmalloc(unread + extra, GFP_KERNEL);
	if (!nbuf)
		return -ENOMEM;
	if (unread)
		memcpy(nbuf, sf->buf + sf->pos, unread);
	kvfree(sf->buf);
	sf->buf = nbuf;
	sf->len = unread;
	sf->pos = 0;
	*dst = nbuf + unread;
	return 0;
}

/* Metadata+get pairs tried while the device runs (its state may change). */
#define VFMIG_CAPTURE_TRIES	3

/*
 * One metadata+get pair. *raced: the get disagreed with the size just
 * read, either refusing the buffer as too small (the device reports
 * EINVAL) or returning another byte count.
 */
static int vfmig_capture_once(struct vfmig_save_file *sf, u8 **blob,
			      u32 *len, bool *raced)
{
	struct vfmig_vf *vf = sf->vf;
	u32 size, res = 0, count;
	u8 *b;
	int ret;

	*raced = false;
	ret = vfmig_admin_parts_size(vf, sf->obj_id, &size);
	if (ret)
		return ret;
	if (size > VFMIG_STREAM_MAX_STATE)
		return -EFBIG;
	b = kvzalloc(size ? size : 1, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = vfmig_admin_parts_get(vf, sf->obj_id, b, size, &res);
	if (ret == -EINVAL) {
		*raced = true;
	} else if (!ret && (res != size || vfmig_parts_walk(b, res, &count))) {
		*raced = res != size;
		pci_warn(vfmig_pdev(vf),
			 "save: short device parts read (%u of %u bytes)\n",
			 res, size);
		ret = -EIO;
	}
	if (ret) {
		kvfree(b);
		return ret;
	}
	*blob = b;
	*len = size;
	return 0;
}

/*
 * Reads the whole device-parts blob through the get object. A running
 * device may change its state size between the two commands, so a
 * disagreeing get is retried a few times; a stopped one must not change.
 */
static int vfmig_capture(struct vfmig_save_file *sf, u8 **blob, u32 *len)
{
	struct vfmig_vf *vf = sf->vf;
	bool raced;
	int ret, i;

	for (i = 1; ; i++) {
		ret = vfmig_capture_once(sf, blob, len, &raced);
		if (!ret || !raced || READ_ONCE(vf->stopped) ||
		    i >= VFMIG_CAPTURE_TRIES)
			return ret;
		pci_info(vfmig_pdev(vf),
			 "save: device state changed size during capture (%d), retry %d\n",
			 ret, i);
	}
}

/* Queues @blob as the next generation, unless it equals the last one. */
static int vfmig_queue_snapshot(struct vfmig_save_file *sf, u8 *blob,
				u32 len)
{
	u8 *dst;
	int ret;

	if (sf->last && sf->last_len == len && !memcmp(sf->last, blob, len)) {
		kvfree(blob);
		return 0;
	}
	ret = vfmig_save_append(sf, vfmig_stream_snapshot_size(len), &dst);
	if (ret) {
		kvfree(blob);
		return ret;
	}
	sf->gen++;
	sf->len += vfmig_stream_put_snapshot(dst, sf->gen, blob, len);
	sf->records += vfmig_stream_snapshot_records(len);
	kvfree(sf->last);
	sf->last = blob;
	sf->last_len = len;
	return 0;
}

/*
 * The profile follows the device: a guest may negotiate other features
 * after bind (a driver reload), and the stream header must describe the
 * state it carries, so every capture at a state change refreshes it.
 */
static void vfmig_refresh_features(struct vfmig_vf *vf, const u8 *blob,
				   u32 len)
{
	u64 dev, drv;

	lockdep_assert_held(&vf->state_mutex);
	if (vfmig_parts_features(blob, len, &dev, &drv))
		return;
	vf->features = dev;
	vf->driver_features = drv;
}

/* After vfmig_refresh_features() of the first snapshot. */
static int vfmig_queue_header(struct vfmig_save_file *sf)
{
	struct vfmig_vf *vf = sf->vf;
	struct vfmig_stream_info info = {
		.version_major = VFMIG_STREAM_VERSION_MAJOR,
		.version_minor = VFMIG_STREAM_VERSION_MINOR,
		.device_type = vf->type,
		.device_features = vf->features,
		.driver_features = vf->driver_features,
	};
	size_t tlen = sizeof(VFMIG_INFO_TEXT) - 1;
	u8 *dst;
	int ret;

	ret = vfmig_save_append(sf, VFMIG_STREAM_HDR_LEN +
				vfmig_stream_record_size(tlen), &dst);
	if (ret)
		return ret;
	dst += vfmig_stream_put_header(dst, &info);
	vfmig_stream_put_record(dst, VFMIG_REC_INFO, VFMIG_REC_F_OPTIONAL,
				NULL, 0, VFMIG_INFO_TEXT, tlen);
	sf->len += VFMIG_STREAM_HDR_LEN + vfmig_stream_record_size(tlen);
	sf->records = 1;
	return 0;
}

static int vfmig_queue_trailer(struct vfmig_save_file *sf)
{
	u8 *dst;
	int ret;

	ret = vfmig_save_append(sf, vfmig_stream_trailer_size(), &dst);
	if (ret)
		return ret;
	sf->len += vfmig_stream_put_trailer(dst, sf->gen, sf->last,
					    sf->last_len, sf->records);
	sf->finished = true;
	sf->precopy = false;
	return 0;
}

/* Re-reads the running device; a changed state becomes dirty data. */
static int vfmig_save_refresh(struct vfmig_save_file *sf)
{
	u8 *blob;
	u32 len;
	int ret;

	lockdep_assert_held(&sf->lock);
	if (!sf->precopy || sf->len != sf->pos)
		return 0;
	ret = vfmig_capture(sf, &blob, &len);
	if (ret)
		return ret;
	return vfmig_queue_snapshot(sf, blob, len);
}

static void vfmig_save_disable(struct vfmig_save_file *sf, int err)
{
	mutex_lock(&sf->lock);
	if (!sf->err)
		sf->err = err;
	kvfree(sf->buf);
	sf->buf = NULL;
	sf->len = 0;
	sf->pos = 0;
	mutex_unlock(&sf->lock);
	wake_up_interruptible_poll(&sf->wq, EPOLLIN | EPOLLRDNORM | EPOLLERR);
}

static ssize_t vfmig_save_read(struct file *filp, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct vfmig_save_file *sf = filp->private_data;
	struct vfmig_vf *vf = sf->vf;
	size_t n;
	ssize_t ret;

	if (ppos)
		return -ESPIPE;
	mutex_lock(&sf->lock);
	if (sf->err) {
		ret = sf->err;
		goto out;
	}
	if (sf->len == sf->pos) {
		ret = vfmig_save_refresh(sf);
		if (ret) {
			sf->err = ret;
			vfmig_set_error(vf, ret);
			goto out;
		}
	}
	if (sf->len == sf->pos) {
		if (!sf->finished) {
			ret = -ENOMSG;
			goto out;
		}
		if (!sf->counted) {
			sf->counted = true;
			atomic64_inc(&vf->saves);
		}
		ret = 0;
		goto out;
	}
	n = min(count, sf->len - sf->pos);
	if (copy_to_user(ubuf, sf->buf + sf->pos, n)) {
		ret = -EFAULT;
		goto out;
	}
	sf->pos += n;
	sf->consumed += n;
	atomic64_add(n, &vf->bytes_saved);
	ret = n;
out:
	mutex_unlock(&sf->lock);
	return ret;
}

static long vfmig_save_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	struct vfmig_save_file *sf = filp->private_data;
	struct vfmig_vf *vf = sf->vf;
	struct vfio_precopy_info info = {};
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	u64 unread, initial;
	int ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	/*
	 * Only sf->lock: holding it with no error set keeps the device alive
	 * (close and reset disable the file under it), and sf->precopy is
	 * cleared under it when the device leaves the PRE_COPY states.
	 */
	mutex_lock(&sf->lock);
	if (sf->err) {
		ret = sf->err;
		goto out;
	}
	if (!sf->precopy) {
		ret = -EINVAL;
		goto out;
	}
	initial = sf->initial_end > sf->consumed ?
		  sf->initial_end - sf->consumed : 0;
	if (!initial) {
		ret = vfmig_save_refresh(sf);
		if (ret) {
			sf->err = ret;
			vfmig_set_error(vf, ret);
			goto out;
		}
	}
	unread = sf->len - sf->pos;
	info.initial_bytes = initial;
	info.dirty_bytes = unread - initial;
out:
	mutex_unlock(&sf->lock);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Readable when unread data is queued, at the end of the stream (read()
 * gives EOF) or in the error state (EPOLLERR too; read() gives the
 * error). After ENOMSG in PRE_COPY nothing is queued until a read or
 * PRECOPY_INFO re-reads the device, so poll() waits for the device to
 * leave PRE_COPY (STOP_COPY queues the final data) or for an error.
 */
static __poll_t vfmig_save_poll(struct file *filp,
				struct poll_table_struct *wait)
{
	struct vfmig_save_file *sf = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &sf->wq, wait);
	mutex_lock(&sf->lock);
	if (sf->err)
		mask = EPOLLIN | EPOLLRDNORM | EPOLLERR;
	else if (sf->len != sf->pos || sf->finished)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&sf->lock);
	return mask;
}

static int vfmig_save_release(struct inode *inode, struct file *filp)
{
	struct vfmig_save_file *sf = filp->private_data;

	vfmig_save_disable(sf, -ENODEV);
	kvfree(sf->last);
	mutex_destroy(&sf->lock);
	kfree(sf);
	return 0;
}

static const struct file_operations vfmig_save_fops = {
	.owner = THIS_MODULE,
	.read = vfmig_save_read,
	.poll = vfmig_save_poll,
	.unlocked_ioctl = vfmig_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = vfmig_save_release,
};

/* Drops the driver's reference; the fd may live on in the error state. */
static void vfmig_save_put(struct vfmig_vf *vf, int err)
{
	struct vfmig_save_file *sf = vf->saving;

	lockdep_assert_held(&vf->state_mutex);
	if (!sf)
		return;
	/*
	 * Disable first: this waits for a read or PRECOPY_INFO that is
	 * re-reading the device through the object, and stops later ones,
	 * so the object is destroyed only when nobody can use it.
	 */
	vfmig_save_disable(sf, err);
	if (sf->obj_valid && vfmig_admin_obj_destroy(vf, sf->obj_id))
		pci_warn(vfmig_pdev(vf), "Failed to destroy parts object %u, continuing\n",
			 sf->obj_id);
	sf->obj_valid = false;
	fput(sf->filp);
	vf->saving = NULL;
}

static struct file *vfmig_save_start(struct vfmig_vf *vf, bool precopy)
{
	struct vfmig_save_file *sf;
	struct file *filp;
	u8 *blob;
	u32 len;
	int ret;

	lockdep_assert_held(&vf->state_mutex);
	sf = kzalloc_obj(*sf, GFP_KERNEL_ACCOUNT);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&sf->lock);
	init_waitqueue_head(&sf->wq);
	sf->vf = vf;
	filp = anon_inode_getfile("vfmig_save", &vfmig_save_fops, sf, O_RDONLY);
	if (IS_ERR(filp)) {
		mutex_destroy(&sf->lock);
		kfree(sf);
		return filp;
	}
	sf->filp = filp;
	stream_open(filp->f_inode, filp);
	sf->precopy = precopy;
	/* from here on the fd owns sf; errors go through fput() */
	vf->saving = sf;
	get_file(filp);

	ret = vfmig_admin_obj_create(vf, VFMIG_OBJ_PARTS_GET, &sf->obj_id);
	if (ret)
		goto err;
	sf->obj_valid = true;
	mutex_lock(&sf->lock);
	ret = vfmig_capture(sf, &blob, &len);
	if (!ret) {
		vfmig_refresh_features(vf, blob, len);
		ret = vfmig_queue_header(sf);
		if (ret)
			kvfree(blob);
	}
	if (!ret)
		ret = vfmig_queue_snapshot(sf, blob, len);
	if (!ret && !precopy)
		ret = vfmig_queue_trailer(sf);
	sf->initial_end = sf->len;
	mutex_unlock(&sf->lock);
	if (ret)
		goto err;
	return filp;
err:
	pci_warn(vfmig_pdev(vf), "save: cannot start (%d)\n", ret);
	vfmig_set_error(vf, ret);
	vfmig_save_put(vf, ret);
	fput(filp);
	return ERR_PTR(ret);
}

/* PRE_COPY_P2P -> STOP_COPY: the final delta on the same fd. */
static int vfmig_save_final(struct vfmig_vf *vf)
{
	struct vfmig_save_file *sf = vf->saving;
	u8 *blob;
	u32 len;
	int ret;

	lockdep_assert_held(&vf->state_mutex);
	if (!sf)
		return -EINVAL;
	mutex_lock(&sf->lock);
	ret = sf->err;
	if (!ret)
		ret = vfmig_capture(sf, &blob, &len);
	if (!ret) {
		vfmig_refresh_features(vf, blob, len);
		ret = vfmig_queue_snapshot(sf, blob, len);
	}
	if (!ret)
		ret = vfmig_queue_trailer(sf);
	if (ret && !sf->err)
		sf->err = ret;
	mutex_unlock(&sf->lock);
	wake_up_interruptible_poll(&sf->wq, EPOLLIN | EPOLLRDNORM |
					    (ret ? EPOLLERR : 0));
	if (ret) {
		pci_warn(vfmig_pdev(vf), "save: final state failed (%d)\n", ret);
		vfmig_set_error(vf, ret);
	}
	return ret;
}

/* ---- state machine ---- */

static struct file *vfmig_step(struct vfmig_vf *vf,
			       enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = vf->mig_state;
	int ret = 0;

	lockdep_assert_held(&vf->state_mutex);
	switch (vfmig_arc_action(cur, next)) {
	case VFMIG_ARC_STOP_DEVICE:
		ret = vfmig_admin_mode_set(vf, true);
		if (!ret)
			WRITE_ONCE(vf->stopped, true);
		break;
	case VFMIG_ARC_START_DEVICE:
		ret = vfmig_admin_mode_set(vf, false);
		if (!ret)
			WRITE_ONCE(vf->stopped, false);
		break;
	case VFMIG_ARC_QUIESCE:
	case VFMIG_ARC_UNQUIESCE:
		/* the device is already stopped; P2P DMA is not modelled */
		break;
	case VFMIG_ARC_SAVE_START:
		return vfmig_save_start(vf, false);
	case VFMIG_ARC_PRECOPY_START:
	case VFMIG_ARC_PRECOPY_P2P_START:
		return vfmig_save_start(vf, true);
	case VFMIG_ARC_SAVE_FINAL:
		ret = vfmig_save_final(vf);
		break;
	case VFMIG_ARC_SAVE_END:
	case VFMIG_ARC_PRECOPY_END:
	case VFMIG_ARC_PRECOPY_P2P_END:
		vfmig_save_put(vf, -EINVAL);
		break;
	case VFMIG_ARC_RESUME_START:
		return vfmig_resume_start(vf);
	case VFMIG_ARC_RESUME_END:
		ret = vfmig_resume_load(vf);
		if (!ret)
			vfmig_resume_put(vf, -EINVAL);
		break;
	default:
		WARN(1, "vfmig: arc %d->%d never requested\n", cur, next);
		ret = -EINVAL;
		break;
	}
	return ret ? ERR_PTR(ret) : NULL;
}

/*
 * A reset while the mutex is held is applied here, when the holder lets
 * go: the device is back in RUNNING and the data fds are dead.
 */
static void vfmig_state_mutex_unlock(struct vfmig_vf *vf)
{
again:
	spin_lock(&vf->reset_lock);
	if (vf->deferred_reset) {
		vf->deferred_reset = false;
		spin_unlock(&vf->reset_lock);
		vfmig_save_put(vf, -ENODEV);
		vfmig_resume_put(vf, -ENODEV);
		if (vf->stopped && !vfmig_admin_mode_set(vf, false))
			WRITE_ONCE(vf->stopped, false);
		vf->mig_state = VFIO_DEVICE_STATE_RUNNING;
		goto again;
	}
	mutex_unlock(&vf->state_mutex);
	spin_unlock(&vf->reset_lock);
}

static struct file *vfmig_set_state(struct vfio_device *vdev,
				    enum vfio_device_mig_state new)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&vf->state_mutex);
	while (new != vf->mig_state) {
		ret = vfio_mig_get_next_state(vdev, vf->mig_state, new, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = vfmig_step(vf, next);
		if (IS_ERR(res)) {
			vfmig_set_error(vf, PTR_ERR(res));
			/* the cause was logged where it arose; this may repeat */
			dev_notice_ratelimited(&vfmig_pdev(vf)->dev,
					       "migration arc %s -> %s failed (%ld)\n",
					       vfmig_mig_state_to_string(vf->mig_state),
					       vfmig_mig_state_to_string(next),
					       PTR_ERR(res));
			break;
		}
		vf->mig_state = next;
		if (WARN_ON(res && new != next)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	vfmig_state_mutex_unlock(vf);
	return res;
}

static int vfmig_get_state(struct vfio_device *vdev,
			   enum vfio_device_mig_state *state)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);

	mutex_lock(&vf->state_mutex);
	*state = vf->mig_state;
	vfmig_state_mutex_unlock(vf);
	return 0;
}

static int vfmig_get_data_size(struct vfio_device *vdev,
			       unsigned long *stop_copy_length)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	size_t tlen = sizeof(VFMIG_INFO_TEXT) - 1;
	struct vfmig_save_file *sf;
	u32 id, size;
	int ret;

	mutex_lock(&vf->state_mutex);
	sf = vf->saving;
	if (sf && sf->obj_valid) {
		/*
		 * QEMU asks during PRE_COPY: the open save's object reads the
		 * live device too, and a second one may exceed the device's
		 * resource limit. sf->lock keeps a reader off it meanwhile.
		 */
		mutex_lock(&sf->lock);
		ret = vfmig_admin_parts_size(vf, sf->obj_id, &size);
		mutex_unlock(&sf->lock);
		goto out;
	}
	ret = vfmig_admin_obj_create(vf, VFMIG_OBJ_PARTS_GET, &id);
	if (!ret) {
		ret = vfmig_admin_parts_size(vf, id, &size);
		if (vfmig_admin_obj_destroy(vf, id))
			pci_warn(vfmig_pdev(vf), "Failed to destroy parts object %u, continuing\n",
				 id);
	}
out:
	vfmig_state_mutex_unlock(vf);
	if (ret)
		return ret;
	*stop_copy_length = VFMIG_STREAM_HDR_LEN + vfmig_stream_record_size(tlen) +
			    vfmig_stream_snapshot_size(size) +
			    vfmig_stream_trailer_size();
	return 0;
}

const struct vfio_migration_ops vfmig_mig_ops = {
	.migration_set_state = vfmig_set_state,
	.migration_get_state = vfmig_get_state,
	.migration_get_data_size = vfmig_get_data_size,
};

/* Features for the sysfs profile, from a snapshot of the device parts. */
int vfmig_read_features(struct vfmig_vf *vf)
{
	struct vfmig_save_file tmp = { .vf = vf };
	u8 *blob;
	u32 len;
	int ret;

	ret = vfmig_admin_obj_create(vf, VFMIG_OBJ_PARTS_GET, &tmp.obj_id);
	if (ret)
		return ret;
	ret = vfmig_capture(&tmp, &blob, &len);
	if (vfmig_admin_obj_destroy(vf, tmp.obj_id))
		pci_warn(vfmig_pdev(vf), "Failed to destroy parts object %u, continuing\n",
			 tmp.obj_id);
	if (ret)
		return ret;
	ret = vfmig_parts_features(blob, len, &vf->features, &vf->driver_features);
	kvfree(blob);
	return ret;
}

void vfmig_mig_init(struct vfmig_vf *vf)
{
	mutex_init(&vf->state_mutex);
	spin_lock_init(&vf->reset_lock);
	vf->mig_state = VFIO_DEVICE_STATE_RUNNING;
}

/*
 * A new user starts in RUNNING, so the device must run: if resuming it
 * failed earlier (at close or in a deferred reset) it is still stopped,
 * and the open is refused unless resuming it now works.
 */
int vfmig_mig_open(struct vfmig_vf *vf)
{
	int ret = 0;

	mutex_lock(&vf->state_mutex);
	if (vf->stopped) {
		ret = vfmig_admin_mode_set(vf, false);
		if (ret) {
			pci_warn(vfmig_pdev(vf),
				 "open: device still stopped, resume failed (%d)\n",
				 ret);
			vfmig_set_error(vf, ret);
		} else {
			WRITE_ONCE(vf->stopped, false);
		}
	}
	vf->mig_state = VFIO_DEVICE_STATE_RUNNING;
	vfmig_state_mutex_unlock(vf);
	return ret;
}

void vfmig_mig_close(struct vfmig_vf *vf)
{
	mutex_lock(&vf->state_mutex);
	vfmig_save_put(vf, -ENODEV);
	vfmig_resume_put(vf, -ENODEV);
	if (vf->stopped && !vfmig_admin_mode_set(vf, false))
		WRITE_ONCE(vf->stopped, false);
	vf->mig_state = VFIO_DEVICE_STATE_RUNNING;
	vfmig_state_mutex_unlock(vf);
}

/* From the PCI reset_done handler: defer if a state change is running. */
void vfmig_mig_reset_done(struct vfmig_vf *vf)
{
	spin_lock(&vf->reset_lock);
	vf->deferred_reset = true;
	if (!mutex_trylock(&vf->state_mutex)) {
		spin_unlock(&vf->reset_lock);
		return;
	}
	spin_unlock(&vf->reset_lock);
	vfmig_state_mutex_unlock(vf);
}
