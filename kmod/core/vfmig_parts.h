/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device parts: the virtio admin "device parts" blob (a list of
 * struct virtio_dev_part: 16-byte header, then the value) and the device
 * state it encodes. The simulator keeps its state as struct
 * vfmig_dev_state; the driver only walks blobs and reads features.
 */
#ifndef VFMIG_PARTS_H
#define VFMIG_PARTS_H

#include "vfmig_compat.h"

#define VFMIG_VIRTIO_ID_NET	1
#define VFMIG_VIRTIO_ID_BLOCK	2

#define VFMIG_PART_HDR_LEN	16
#define VFMIG_PART_F_OPTIONAL	0x01

/* Part types: common parts 0x100.., device type parts 0x200.., vendor 0x300 */
enum vfmig_part_type {
	VFMIG_PART_DEVICE_FEATURES	= 0x100,	/* le64 */
	VFMIG_PART_DRIVER_FEATURES	= 0x101,	/* le64 */
	VFMIG_PART_COMMON_CFG		= 0x102,	/* le16 msix_config, le16 num_queues */
	VFMIG_PART_DEVICE_STATUS	= 0x103,	/* u8 */
	VFMIG_PART_VQ_CFG		= 0x104,	/* selector: vq index; 32 bytes */
	VFMIG_PART_NET_CFG		= 0x200,	/* mac[6], le16 status, le16 pairs, le16 mtu */
	VFMIG_PART_BLK_CFG		= 0x201,	/* le64 capacity, le32 blk_size, le16 nq, le16 0 */
	VFMIG_PART_VENDOR_BLOB		= 0x300,	/* le32 seed, data (optional part) */
};

#define VFMIG_MAX_VQS		16
#define VFMIG_MAX_BLOB		(4u << 20)

struct vfmig_vq_state {
	u16 size;
	u16 msix;
	u16 enable;
	u64 desc;
	u64 driver;
	u64 device;
};

struct vfmig_dev_state {
	u16 type;
	u64 device_features;
	u64 driver_features;
	u8 status;
	u16 msix_config;
	u16 num_queues;
	struct vfmig_vq_state vq[VFMIG_MAX_VQS];
	/* net */
	u8 mac[6];
	u16 net_status;
	u16 max_pairs;
	u16 mtu;
	/* blk */
	u64 capacity;
	u32 blk_size;
	u16 blk_num_queues;
	/* opaque vendor part, to model big device states */
	u32 blob_seed;
	u32 blob_size;
	u8 *blob;
};

/* Default state of a freshly reset VF of @type. */
int vfmig_dev_state_init(struct vfmig_dev_state *st, u16 type, u32 index);
void vfmig_dev_state_clear(struct vfmig_dev_state *st);
int vfmig_dev_state_copy(struct vfmig_dev_state *dst,
			 const struct vfmig_dev_state *src);
void vfmig_blob_fill(u8 *buf, u32 len, u32 seed);

u32 vfmig_parts_size(const struct vfmig_dev_state *st);
u32 vfmig_parts_count(const struct vfmig_dev_state *st);
/* Returns bytes written or -ENOSPC. */
int vfmig_parts_encode(const struct vfmig_dev_state *st, u8 *buf, u32 cap);
/*
 * Parses a blob into @st (type must already be set): -EINVAL malformed,
 * -EPROTO unknown mandatory part, -EMEDIUMTYPE part of the other type.
 * @st is only changed on success.
 */
int vfmig_parts_decode(const u8 *buf, u32 len, struct vfmig_dev_state *st);

/* Checks the list structure; *count = parts. -EINVAL if malformed/short. */
int vfmig_parts_walk(const u8 *buf, u32 len, u32 *count);
/* Copies the @n-th part header (16 bytes) to @hdr. */
int vfmig_parts_nth_header(const u8 *buf, u32 len, u32 n, u8 *hdr);
/* Feature parts of a blob; a missing part reads as 0. */
int vfmig_parts_features(const u8 *buf, u32 len, u64 *dev, u64 *drv);

#endif /* VFMIG_PARTS_H */
