// SPDX-License-Identifier: GPL-2.0-or-later
#include "mig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "tap.h"

void vmt_buf_free(struct vmt_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int mig_save(struct vmt_dev *d, struct vmt_buf *out)
{
	ssize_t n;
	int fd, ret;

	ret = vmt_set_state(d, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	if (fd < 0)
		return -EBADF;
	n = vmt_read_all(fd, &out->p, &out->cap, 0, NULL);
	close(fd);
	if (n < 0)
		return (int)n;
	out->len = (size_t)n;
	return vmt_set_state(d, VFIO_DEVICE_STATE_STOP, NULL);
}

int mig_load(struct vmt_dev *d, const uint8_t *s, size_t len, int *step)
{
	int fd, ret;

	*step = 0;
	ret = vmt_set_state(d, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	if (fd < 0)
		return -EBADF;
	*step = 1;
	ret = vmt_write_all(fd, s, len);
	close(fd);
	if (ret)
		return ret;
	*step = 2;
	return vmt_set_state(d, VFIO_DEVICE_STATE_STOP, NULL);
}

int mig_to_running(struct vmt_dev *d)
{
	unsigned int st;

	if (vmt_set_state(d, VFIO_DEVICE_STATE_RUNNING, NULL) == 0)
		return 0;
	if (vmt_reset(d) == 0 && vmt_get_state(d, &st) == 0 &&
	    st == VFIO_DEVICE_STATE_RUNNING)
		return 0;
	return -EIO;
}

int mig_move(struct vmt_dev *src, struct vmt_dev *dst, struct vmt_buf *stream)
{
	struct vmt_buf local = { 0 };
	struct vmt_buf *b = stream ? stream : &local;
	int ret, step;

	b->len = 0;
	ret = mig_save(src, b);
	if (ret) {
		tap_diag("save from %s failed: %s", src->bdf, strerror(-ret));
		goto out;
	}
	ret = mig_load(dst, b->p, b->len, &step);
	if (ret) {
		tap_diag("restore into %s failed at step %d: %s", dst->bdf,
			 step, strerror(-ret));
		goto out;
	}
	ret = vmt_set_state(dst, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (!ret)
		ret = vmt_set_state(src, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		tap_diag("back to RUNNING failed: %s", strerror(-ret));
out:
	vmt_buf_free(&local);
	return ret;
}

int mig_same_state(const char *vf_a, const char *vf_b)
{
	static char a[SIM_STATE_MAX], b[SIM_STATE_MAX];

	if (sim_state_get(vf_a, a, sizeof(a)) || sim_state_get(vf_b, b, sizeof(b)))
		return 0;
	if (strcmp(a, b)) {
		tap_diag("state of %s:\n%s", vf_a, a);
		tap_diag("state of %s:\n%s", vf_b, b);
		return 0;
	}
	return 1;
}
