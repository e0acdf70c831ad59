/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Thin wrappers over the VFIO legacy container/group/device uAPI and the
 * migration feature ioctls, shared by the VM test program and the kmod
 * benchmark.  Every function returns 0 (or a count) or -errno.
 */
#ifndef VFMIG_VM_VFIO_UTIL_H
#define VFMIG_VM_VFIO_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfio-compat.h"

struct vmt_dev {
	char bdf[32];
	int group_id;
	int container;
	int group;
	int device;
};

/* The IOMMU group number of a PCI device, read from sysfs. */
int vmt_iommu_group(const char *bdf);

/*
 * Opens a container, the device's group and the device fd, with the type1
 * IOMMU set (one container per device: every VF is its own group).
 */
int vmt_dev_open(struct vmt_dev *d, const char *bdf);
void vmt_dev_close(struct vmt_dev *d);

int vmt_dev_info(struct vmt_dev *d, struct vfio_device_info *info);
int vmt_region_info(struct vmt_dev *d, unsigned int index,
		    struct vfio_region_info *ri);
int vmt_config_read(struct vmt_dev *d, unsigned int off, void *buf,
		    size_t len);
int vmt_reset(struct vmt_dev *d);
/* Maps and unmaps one anonymous buffer for DMA at iova. */
int vmt_dma_map_unmap(struct vmt_dev *d, uint64_t iova, size_t len);

/* VFIO_DEVICE_FEATURE_MIGRATION: the migration flags. */
int vmt_mig_flags(struct vmt_dev *d, uint64_t *flags);
int vmt_get_state(struct vmt_dev *d, unsigned int *state);
/*
 * Requests a state; on success *data_fd is the new data fd or -1.
 * data_fd may be NULL: a returned fd is then closed.
 */
int vmt_set_state(struct vmt_dev *d, unsigned int state, int *data_fd);
int vmt_mig_data_size(struct vmt_dev *d, uint64_t *len);
int vmt_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty);

/*
 * Reads until EOF (or ENOMSG, the end of a PRE_COPY chunk) into a growing
 * buffer.  Returns the byte count, or -errno of the failing read.  With
 * enomsg_ok, ENOMSG ends the read like EOF and sets *got_enomsg.
 */
ssize_t vmt_read_all(int fd, uint8_t **buf, size_t *cap, int enomsg_ok,
		     int *got_enomsg);
/* Writes everything; returns 0 or -errno of the failing write. */
int vmt_write_all(int fd, const uint8_t *buf, size_t len);

const char *vmt_state_name(unsigned int state);

/* Monotonic clock in nanoseconds. */
uint64_t vmt_now_ns(void);

#endif
