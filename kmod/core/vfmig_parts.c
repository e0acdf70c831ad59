// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Encoding and decoding of device parts. The layout of each part follows
 * the virtio device parts header (type, flags, 8-byte selector, length);
 * the values are little endian like every virtio structure.
 */
#include "vfmig_parts.h"

#define VFMIG_VQ_PART_LEN	32
#define VFMIG_NET_PART_LEN	12
#define VFMIG_BLK_PART_LEN	16

/* Virtio feature bits used for the default states. */
#define VFMIG_F_VERSION_1	(1ull << 32)
#define VFMIG_F_NET_MAC		(1ull << 5)
#define VFMIG_F_NET_STATUS	(1ull << 16)
#define VFMIG_F_NET_MTU		(1ull << 3)
#define VFMIG_F_BLK_SIZE	(1ull << 6)
#define VFMIG_F_BLK_MQ		(1ull << 12)

int vfmig_dev_state_init(struct vfmig_dev_state *st, u16 type, u32 index)
{
	if (type != VFMIG_VIRTIO_ID_NET && type != VFMIG_VIRTIO_ID_BLOCK)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->type = type;
	st->msix_config = 0xffff;
	if (type == VFMIG_VIRTIO_ID_NET) {
		st->device_features = VFMIG_F_VERSION_1 | VFMIG_F_NET_MAC |
				      VFMIG_F_NET_STATUS | VFMIG_F_NET_MTU;
		st->num_queues = 3;
		st->mac[0] = 0x52;
		st->mac[1] = 0x54;
		st->mac[5] = (u8)(index + 1);
		st->net_status = 1;
		st->max_pairs = 1;
		st->mtu = 1500;
	} else {
		st->device_features = VFMIG_F_VERSION_1 | VFMIG_F_BLK_SIZE |
				      VFMIG_F_BLK_MQ;
		st->num_queues = 1;
		st->capacity = 2048;
		st->blk_size = 512;
		st->blk_num_queues = 1;
	}
	return 0;
}

void vfmig_dev_state_clear(struct vfmig_dev_state *st)
{
	vfmig_free(st->blob);
	st->blob = NULL;
	st->blob_size = 0;
}

int vfmig_dev_state_copy(struct vfmig_dev_state *dst,
			 const struct vfmig_dev_state *src)
{
	u8 *blob = NULL;

	if (src->blob_size) {
		blob = vfmig_zalloc(src->blob_size);
		if (!blob)
			return -ENOMEM;
		memcpy(blob, src->blob, src->blob_size);
	}
	*dst = *src;
	dst->blob = blob;
	return 0;
}

void vfmig_blob_fill(u8 *buf, u32 len, u32 seed)
{
	/* xorshift32: cheap, deterministic, and never stuck at zero */
	u32 x = seed * 2654435761u + 0x9e3779b9u;
	u32 i;

	if (!x)
		x = 1;
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (u8)x;
	}
}

u32 vfmig_parts_count(const struct vfmig_dev_state *st)
{
	return 5 + st->num_queues + (st->blob_size ? 1 : 0);
}

u32 vfmig_parts_size(const struct vfmig_dev_state *st)
{
	u32 n = vfmig_parts_count(st) * VFMIG_PART_HDR_LEN;

	n += 8 + 8 + 4 + 1;
	n += st->num_queues * VFMIG_VQ_PART_LEN;
	n += st->type == VFMIG_VIRTIO_ID_NET ? VFMIG_NET_PART_LEN :
					       VFMIG_BLK_PART_LEN;
	if (st->blob_size)
		n += 4 + st->blob_size;
	return n;
}

static u8 *vfmig_put_part(u8 *p, u16 type, u8 flags, u16 index, u32 len)
{
	memset(p, 0, VFMIG_PART_HDR_LEN);
	put_unaligned_le16(type, p);
	p[2] = flags;
	put_unaligned_le16(index, p + 4);
	put_unaligned_le32(len, p + 12);
	return p + VFMIG_PART_HDR_LEN;
}

int vfmig_parts_encode(const struct vfmig_dev_state *st, u8 *buf, u32 cap)
{
	u32 size = vfmig_parts_size(st);
	u8 *p = buf;
	u16 i;

	if (cap < size)
		return -ENOSPC;
	p = vfmig_put_part(p, VFMIG_PART_DEVICE_FEATURES, 0, 0, 8);
	put_unaligned_le64(st->device_features, p);
	p = vfmig_put_part(p + 8, VFMIG_PART_DRIVER_FEATURES, 0, 0, 8);
	put_unaligned_le64(st->driver_features, p);
	p = vfmig_put_part(p + 8, VFMIG_PART_COMMON_CFG, 0, 0, 4);
	put_unaligned_le16(st->msix_config, p);
	put_unaligned_le16(st->num_queues, p + 2);
	p = vfmig_put_part(p + 4, VFMIG_PART_DEVICE_STATUS, 0, 0, 1);
	*p++ = st->status;
	for (i = 0; i < st->num_queues; i++) {
		const struct vfmig_vq_state *q = &st->vq[i];

		p = vfmig_put_part(p, VFMIG_PART_VQ_CFG, 0, i, VFMIG_VQ_PART_LEN);
		put_unaligned_le16(q->size, p);
		put_unaligned_le16(q->msix, p + 2);
		put_unaligned_le16(q->enable, p + 4);
		put_unaligned_le16(0, p + 6);
		put_unaligned_le64(q->desc, p + 8);
		put_unaligned_le64(q->driver, p + 16);
		put_unaligned_le64(q->device, p + 24);
		p += VFMIG_VQ_PART_LEN;
	}
	if (st->type == VFMIG_VIRTIO_ID_NET) {
		p = vfmig_put_part(p, VFMIG_PART_NET_CFG, 0, 0, VFMIG_NET_PART_LEN);
		memcpy(p, st->mac, 6);
		put_unaligned_le16(st->net_status, p + 6);
		put_unaligned_le16(st->max_pairs, p + 8);
		put_unaligned_le16(st->mtu, p + 10);
		p += VFMIG_NET_PART_LEN;
	} else {
		p = vfmig_put_part(p, VFMIG_PART_BLK_CFG, 0, 0, VFMIG_BLK_PART_LEN);
		put_unaligned_le64(st->capacity, p);
		put_unaligned_le32(st->blk_size, p + 8);
		put_unaligned_le16(st->blk_num_queues, p + 12);
		put_unaligned_le16(0, p + 14);
		p += VFMIG_BLK_PART_LEN;
	}
	if (st->blob_size) {
		p = vfmig_put_part(p, VFMIG_PART_VENDOR_BLOB, VFMIG_PART_F_OPTIONAL,
				   0, 4 + st->blob_size);
		put_unaligned_le32(st->blob_seed, p);
		memcpy(p + 4, st->blob, st->blob_size);
		p += 4 + st->blob_size;
	}
	return (int)(p - buf);
}

int vfmig_parts_walk(const u8 *buf, u32 len, u32 *count)
{
	u32 off = 0, n = 0;

	while (off < len) {
		u32 plen;

		if (len - off < VFMIG_PART_HDR_LEN)
			return -EINVAL;
		plen = get_unaligned_le32(buf + off + 12);
		if (plen > len - off - VFMIG_PART_HDR_LEN)
			return -EINVAL;
		off += VFMIG_PART_HDR_LEN + plen;
		n++;
	}
	*count = n;
	return 0;
}

int vfmig_parts_nth_header(const u8 *buf, u32 len, u32 n, u8 *hdr)
{
	u32 off = 0, i = 0;

	while (off + VFMIG_PART_HDR_LEN <= len) {
		u32 plen = get_unaligned_le32(buf + off + 12);

		if (i == n) {
			memcpy(hdr, buf + off, VFMIG_PART_HDR_LEN);
			return 0;
		}
		off += VFMIG_PART_HDR_LEN + plen;
		i++;
	}
	return -EINVAL;
}

int vfmig_parts_features(const u8 *buf, u32 len, u64 *dev, u64 *drv)
{
	u32 off = 0, count;
	int ret = vfmig_parts_walk(buf, len, &count);

	if (ret)
		return ret;
	*dev = 0;
	*drv = 0;
	while (off < len) {
		u16 type = get_unaligned_le16(buf + off);
		u32 plen = get_unaligned_le32(buf + off + 12);
		const u8 *v = buf + off + VFMIG_PART_HDR_LEN;

		if (type == VFMIG_PART_DEVICE_FEATURES && plen == 8)
			*dev = get_unaligned_le64(v);
		else if (type == VFMIG_PART_DRIVER_FEATURES && plen == 8)
			*drv = get_unaligned_le64(v);
		off += VFMIG_PART_HDR_LEN + plen;
	}
	return 0;
}

/* Parts a complete blob must carry; anything less is a cut-off blob. */
#define VFMIG_SEEN_FEATURES	0x01
#define VFMIG_SEEN_DRIVER	0x02
#define VFMIG_SEEN_COMMON	0x04
#define VFMIG_SEEN_STATUS	0x08
#define VFMIG_SEEN_DEVCFG	0x10
#define VFMIG_SEEN_ALL		0x1f

static u32 vfmig_part_bit(u16 type)
{
	switch (type) {
	case VFMIG_PART_DEVICE_FEATURES:
		return VFMIG_SEEN_FEATURES;
	case VFMIG_PART_DRIVER_FEATURES:
		return VFMIG_SEEN_DRIVER;
	case VFMIG_PART_COMMON_CFG:
		return VFMIG_SEEN_COMMON;
	case VFMIG_PART_DEVICE_STATUS:
		return VFMIG_SEEN_STATUS;
	case VFMIG_PART_NET_CFG:
	case VFMIG_PART_BLK_CFG:
		return VFMIG_SEEN_DEVCFG;
	default:
		return 0;
	}
}

static int vfmig_decode_one(struct vfmig_dev_state *st, u16 type, u8 flags,
			    u16 index, const u8 *v, u32 plen, u32 *seen)
{
	struct vfmig_vq_state *q;

	switch (type) {
	case VFMIG_PART_DEVICE_FEATURES:
	case VFMIG_PART_DRIVER_FEATURES:
		if (plen != 8)
			return -EINVAL;
		if (type == VFMIG_PART_DEVICE_FEATURES)
			st->device_features = get_unaligned_le64(v);
		else
			st->driver_features = get_unaligned_le64(v);
		break;
	case VFMIG_PART_COMMON_CFG:
		if (plen != 4)
			return -EINVAL;
		st->msix_config = get_unaligned_le16(v);
		st->num_queues = get_unaligned_le16(v + 2);
		if (!st->num_queues || st->num_queues > VFMIG_MAX_VQS)
			return -EINVAL;
		break;
	case VFMIG_PART_DEVICE_STATUS:
		if (plen != 1)
			return -EINVAL;
		st->status = v[0];
		break;
	case VFMIG_PART_VQ_CFG:
		if (plen != VFMIG_VQ_PART_LEN || index >= VFMIG_MAX_VQS)
			return -EINVAL;
		q = &st->vq[index];
		q->size = get_unaligned_le16(v);
		q->msix = get_unaligned_le16(v + 2);
		q->enable = get_unaligned_le16(v + 4);
		q->desc = get_unaligned_le64(v + 8);
		q->driver = get_unaligned_le64(v + 16);
		q->device = get_unaligned_le64(v + 24);
		break;
	case VFMIG_PART_NET_CFG:
		if (st->type != VFMIG_VIRTIO_ID_NET)
			return -EMEDIUMTYPE;
		if (plen != VFMIG_NET_PART_LEN)
			return -EINVAL;
		memcpy(st->mac, v, 6);
		st->net_status = get_unaligned_le16(v + 6);
		st->max_pairs = get_unaligned_le16(v + 8);
		st->mtu = get_unaligned_le16(v + 10);
		break;
	case VFMIG_PART_BLK_CFG:
		if (st->type != VFMIG_VIRTIO_ID_BLOCK)
			return -EMEDIUMTYPE;
		if (plen != VFMIG_BLK_PART_LEN)
			return -EINVAL;
		st->capacity = get_unaligned_le64(v);
		st->blk_size = get_unaligned_le32(v + 8);
		st->blk_num_queues = get_unaligned_le16(v + 12);
		break;
	case VFMIG_PART_VENDOR_BLOB:
		if (plen < 4 || plen - 4 > VFMIG_MAX_BLOB)
			return -EINVAL;
		st->blob_seed = get_unaligned_le32(v);
		st->blob_size = plen - 4;
		st->blob = NULL;
		if (st->blob_size) {
			st->blob = vfmig_zalloc(st->blob_size);
			if (!st->blob)
				return -ENOMEM;
			memcpy(st->blob, v + 4, st->blob_size);
		}
		break;
	default:
		if (!(flags & VFMIG_PART_F_OPTIONAL))
			return -EPROTO;
		return 0;
	}
	*seen |= vfmig_part_bit(type);
	return 0;
}

int vfmig_parts_decode(const u8 *buf, u32 len, struct vfmig_dev_state *st)
{
	struct vfmig_dev_state tmp;
	u32 off = 0, count, seen = 0, vqs = 0;
	int ret = vfmig_parts_walk(buf, len, &count);

	if (ret)
		return ret;
	tmp = *st;
	/* The blob is only present if the stream carries it. */
	tmp.blob = NULL;
	tmp.blob_size = 0;
	tmp.blob_seed = 0;
	while (off < len) {
		u16 type = get_unaligned_le16(buf + off);
		u8 flags = buf[off + 2];
		u16 index = get_unaligned_le16(buf + off + 4);
		u32 plen = get_unaligned_le32(buf + off + 12);

		if (type == VFMIG_PART_VENDOR_BLOB && tmp.blob) {
			ret = -EINVAL;
			break;
		}
		ret = vfmig_decode_one(&tmp, type, flags, index,
				       buf + off + VFMIG_PART_HDR_LEN, plen, &seen);
		if (ret)
			break;
		vqs += type == VFMIG_PART_VQ_CFG;
		off += VFMIG_PART_HDR_LEN + plen;
	}
	/* every fixed part and one part per queue, else the blob is cut off */
	if (!ret && (seen != VFMIG_SEEN_ALL || vqs != tmp.num_queues))
		ret = -EINVAL;
	if (ret) {
		vfmig_free(tmp.blob);
		return ret;
	}
	vfmig_free(st->blob);
	*st = tmp;
	return 0;
}
