/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole save and restore sequences on top of vfio-util, as QEMU runs them. */
#ifndef VFMIG_VM_MIG_H
#define VFMIG_VM_MIG_H

#include <stddef.h>
#include <stdint.h>

#include "vfio-util.h"

struct vmt_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void vmt_buf_free(struct vmt_buf *b);

/*
 * RUNNING -> STOP_COPY, read the save fd to EOF, -> STOP.  Returns 0 or the
 * -errno of the failing step; the device is left where that step left it.
 */
int mig_save(struct vmt_dev *d, struct vmt_buf *out);
/*
 * -> RESUMING, write the stream, -> STOP.  *step tells what failed:
 * 0 entering RESUMING, 1 write, 2 leaving RESUMING.
 */
int mig_load(struct vmt_dev *d, const uint8_t *s, size_t len, int *step);
/* Returns the device to RUNNING, by state change, else by reset. */
int mig_to_running(struct vmt_dev *d);
/* Save from src, restore into dst, both end RUNNING; stream optional. */
int mig_move(struct vmt_dev *src, struct vmt_dev *dst, struct vmt_buf *stream);
/* 1 when both VFs' simulated device state texts are equal. */
int mig_same_state(const char *vf_a, const char *vf_b);

#endif
