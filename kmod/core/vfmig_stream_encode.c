// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stream encoding: header, records, snapshots. Sizes are computed by the
 * same arithmetic as the writers so MIG_DATA_SIZE can be exact.
 */
#include "vfmig_stream.h"
#include "vfmig_crc32c.h"

size_t vfmig_stream_put_header(u8 *buf, const struct vfmig_stream_info *info)
{
	memset(buf, 0, VFMIG_STREAM_HDR_LEN);
	put_unaligned_le32(VFMIG_STREAM_MAGIC, buf);
	put_unaligned_le16(info->version_major, buf + 4);
	put_unaligned_le16(info->version_minor, buf + 6);
	put_unaligned_le16(VFMIG_STREAM_HDR_LEN, buf + 8);
	put_unaligned_le16(info->device_type, buf + 10);
	put_unaligned_le32(info->flags, buf + 12);
	put_unaligned_le64(info->device_features, buf + 16);
	put_unaligned_le64(info->driver_features, buf + 24);
	put_unaligned_le32(vfmig_crc32c(0, buf, VFMIG_STREAM_HDR_LEN - 4),
			   buf + VFMIG_STREAM_HDR_LEN - 4);
	return VFMIG_STREAM_HDR_LEN;
}

size_t vfmig_stream_put_record(u8 *buf, u16 type, u16 flags,
			       const void *prefix, size_t prefix_len,
			       const void *data, size_t len)
{
	size_t payload = prefix_len + len;
	u8 *p = buf + VFMIG_STREAM_REC_HDR_LEN;
	u32 crc;

	put_unaligned_le16(type, buf);
	put_unaligned_le16(flags, buf + 2);
	put_unaligned_le32((u32)payload, buf + 4);
	if (prefix_len)
		memcpy(p, prefix, prefix_len);
	if (len)
		memcpy(p + prefix_len, data, len);
	crc = vfmig_crc32c(0, buf, VFMIG_STREAM_REC_HDR_LEN + payload);
	put_unaligned_le32(crc, p + payload);
	return vfmig_stream_record_size(payload);
}

u32 vfmig_stream_snapshot_records(u32 len)
{
	/* An empty blob still gets one chunk so the generation is announced. */
	if (!len)
		return 1;
	return (len + VFMIG_STREAM_CHUNK_DATA - 1) / VFMIG_STREAM_CHUNK_DATA;
}

size_t vfmig_stream_snapshot_size(u32 len)
{
	u32 n = vfmig_stream_snapshot_records(len);

	return (size_t)n * vfmig_stream_record_size(VFMIG_STREAM_CHUNK_HDR) + len;
}

size_t vfmig_stream_put_snapshot(u8 *buf, u32 generation,
				 const u8 *blob, u32 len)
{
	u32 off = 0, n = vfmig_stream_snapshot_records(len), i;
	size_t pos = 0;
	u8 pre[VFMIG_STREAM_CHUNK_HDR];

	for (i = 0; i < n; i++) {
		u32 chunk = len - off;

		if (chunk > VFMIG_STREAM_CHUNK_DATA)
			chunk = VFMIG_STREAM_CHUNK_DATA;
		put_unaligned_le32(generation, pre);
		put_unaligned_le32(len, pre + 4);
		put_unaligned_le32(off, pre + 8);
		pos += vfmig_stream_put_record(buf + pos, VFMIG_REC_SNAP_CHUNK, 0,
					       pre, sizeof(pre),
					       chunk ? blob + off : NULL, chunk);
		off += chunk;
	}
	return pos;
}

size_t vfmig_stream_trailer_size(void)
{
	return vfmig_stream_record_size(12) + vfmig_stream_record_size(4);
}

size_t vfmig_stream_put_trailer(u8 *buf, u32 generation, const u8 *blob,
				u32 len, u32 records_before)
{
	u8 commit[12], end[4];
	size_t pos;

	put_unaligned_le32(generation, commit);
	put_unaligned_le32(len, commit + 4);
	put_unaligned_le32(vfmig_crc32c(0, blob, len), commit + 8);
	pos = vfmig_stream_put_record(buf, VFMIG_REC_SNAP_COMMIT, 0,
				      NULL, 0, commit, sizeof(commit));
	put_unaligned_le32(records_before + 1, end);
	pos += vfmig_stream_put_record(buf + pos, VFMIG_REC_END, 0,
				       NULL, 0, end, sizeof(end));
	return pos;
}
