/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "kcore-testlib.h"
#include "vfmig_crc32c.h"

uint8_t *kt_stream_for_state(const struct vfmig_dev_state *st, size_t *len)
{
	struct vfmig_stream_info info = {
		.version_major = VFMIG_STREAM_VERSION_MAJOR,
		.version_minor = VFMIG_STREAM_VERSION_MINOR,
		.device_type = st->type,
		.device_features = st->device_features,
		.driver_features = st->driver_features,
	};
	u32 plen = vfmig_parts_size(st);
	uint8_t *parts = malloc(plen);
	size_t cap = VFMIG_STREAM_HDR_LEN + vfmig_stream_record_size(4) +
		     vfmig_stream_snapshot_size(plen) + vfmig_stream_trailer_size();
	uint8_t *buf = malloc(cap);
	size_t pos = 0;
	u32 records;

	if (!parts || !buf || vfmig_parts_encode(st, parts, plen) != (int)plen)
		abort();
	pos += vfmig_stream_put_header(buf, &info);
	pos += vfmig_stream_put_record(buf + pos, VFMIG_REC_INFO, VFMIG_REC_F_OPTIONAL,
				       NULL, 0, "test", 4);
	pos += vfmig_stream_put_snapshot(buf + pos, 1, parts, plen);
	records = 1 + vfmig_stream_snapshot_records(plen);
	pos += vfmig_stream_put_trailer(buf + pos, 1, parts, plen, records);
	if (pos != cap)
		abort();
	free(parts);
	*len = pos;
	return buf;
}

void kt_fix_header_crc(uint8_t *s)
{
	put_unaligned_le32(vfmig_crc32c(0, s, VFMIG_STREAM_HDR_LEN - 4),
			   s + VFMIG_STREAM_HDR_LEN - 4);
}

size_t kt_record_offset(const uint8_t *s, size_t len, unsigned int n)
{
	size_t off = VFMIG_STREAM_HDR_LEN;

	while (n--) {
		if (off + 8 > len)
			abort();
		off += vfmig_stream_record_size(get_unaligned_le32(s + off + 4));
	}
	return off;
}

void kt_fix_record_crc(uint8_t *s, size_t off)
{
	u32 plen = get_unaligned_le32(s + off + 4);

	put_unaligned_le32(vfmig_crc32c(0, s + off, 8 + plen), s + off + 8 + plen);
}

int kt_parse(const uint8_t *buf, size_t len, size_t piece, u16 type,
	     u64 offered, struct vfmig_parser *keep)
{
	struct vfmig_parser p;
	size_t off = 0;
	int ret;

	ret = vfmig_parser_init(&p, type, offered, 0);
	if (ret)
		return ret;
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece;

		ret = vfmig_parser_feed(&p, buf + off, n);
		if (ret)
			break;
		off += n;
	}
	if (!ret)
		ret = vfmig_parser_finish(&p);
	if (keep)
		*keep = p;
	else
		vfmig_parser_fini(&p);
	return ret;
}
