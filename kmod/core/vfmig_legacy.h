/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Legacy (virtio 0.9.5) I/O BAR layout decoding for the emulated BAR0 of a
 * transitional virtio-net VF: which admin command an access becomes.
 */
#ifndef VFMIG_LEGACY_H
#define VFMIG_LEGACY_H

#include "vfmig_compat.h"

#define VFMIG_LEGACY_QUEUE_NOTIFY	0x10
#define VFMIG_LEGACY_HDR_LEN		0x14	/* without MSI-X */
#define VFMIG_LEGACY_HDR_LEN_MSIX	0x18
#define VFMIG_LEGACY_BAR_SIZE		0x40	/* header + virtio_net_config, pow2 */

enum vfmig_legacy_area {
	VFMIG_LEGACY_COMMON,	/* admin LEGACY_COMMON_CFG_READ/WRITE */
	VFMIG_LEGACY_DEVICE,	/* admin LEGACY_DEV_CFG_READ/WRITE */
	VFMIG_LEGACY_NOTIFY,	/* write of the queue index to the notify area */
	VFMIG_LEGACY_AREA_MAX,
	VFMIG_LEGACY_AREA_INVALID = -EINVAL,
};

struct vfmig_legacy_access {
	enum vfmig_legacy_area area;
	u8 offset;		/* within the area */
};

/*
 * Decodes an access of @size bytes at @off of the legacy BAR. An access
 * must be at least one byte and stay inside one area and inside the BAR;
 * only a 2-byte write of queue notify is a notification.
 * Returns 0 or -EINVAL.
 */
int vfmig_legacy_decode(u32 off, u32 size, bool write, bool msix_enabled,
			struct vfmig_legacy_access *out);

const char *vfmig_legacy_area_to_string(int a);
int vfmig_legacy_area_from_string(const char *s);

#endif /* VFMIG_LEGACY_H */
