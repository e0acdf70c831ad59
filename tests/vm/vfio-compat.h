/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The build machine's <linux/vfio.h> may come from an older linux-libc-dev
 * (Debian 12 ships 6.1) than the guest kernel (6.12).  The few uAPI items
 * added in 6.2 are ABI, so they are spelled out here when missing.
 */
#ifndef VFMIG_VM_VFIO_COMPAT_H
#define VFMIG_VM_VFIO_COMPAT_H

#include <linux/types.h>
#include <linux/vfio.h>

#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
#define VFIO_DEVICE_STATE_PRE_COPY 6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P 7
#endif

#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO _IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif

/* Number of states in enum vfio_device_mig_state as of 6.12. */
#define VMT_NUM_STATES 8

#endif
