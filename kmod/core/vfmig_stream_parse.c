// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incremental stream parser. Input arrives in write() sized pieces, so the
 * parser buffers one header or one record at a time and checks it as soon
 * as it is complete; the destination learns about a bad stream on the
 * write that completes the bad part, not at the end.
 */
#include "vfmig_stream.h"
#include "vfmig_crc32c.h"

#define VFMIG_REC_BUF	(VFMIG_STREAM_REC_HDR_LEN + VFMIG_STREAM_REC_MAX_PAYLOAD + \
			 VFMIG_STREAM_REC_CRC_LEN)
/* magic, major, minor, header length */
#define VFMIG_HDR_FIXED	10

int vfmig_parser_init(struct vfmig_parser *p, u16 device_type,
		      u64 offered_features, u32 max_state)
{
	memset(p, 0, sizeof(*p));
	p->rec = vfmig_zalloc(VFMIG_REC_BUF);
	if (!p->rec)
		return -ENOMEM;
	p->expect_type = device_type;
	p->offered_features = offered_features;
	p->max_state = max_state ? max_state : VFMIG_STREAM_MAX_STATE;
	p->phase = VFMIG_PARSE_HDR_FIXED;
	p->need = VFMIG_HDR_FIXED;
	return 0;
}

void vfmig_parser_fini(struct vfmig_parser *p)
{
	vfmig_free(p->rec);
	vfmig_free(p->snap);
	vfmig_free(p->state);
	p->rec = NULL;
	p->snap = NULL;
	p->state = NULL;
}

static int vfmig_parser_fail(struct vfmig_parser *p, int err)
{
	p->phase = VFMIG_PARSE_ERROR;
	p->err = err;
	return err;
}

static int vfmig_parse_header(struct vfmig_parser *p)
{
	const u8 *h = p->hdr;
	size_t len = p->need;
	u64 missing;

	if (get_unaligned_le32(h + len - 4) != vfmig_crc32c(0, h, len - 4))
		return -EBADMSG;
	p->info.version_major = get_unaligned_le16(h + 4);
	p->info.version_minor = get_unaligned_le16(h + 6);
	p->info.device_type = get_unaligned_le16(h + 10);
	p->info.flags = get_unaligned_le32(h + 12);
	p->info.device_features = get_unaligned_le64(h + 16);
	p->info.driver_features = get_unaligned_le64(h + 24);
	if (p->info.version_major != VFMIG_STREAM_VERSION_MAJOR)
		return -EPROTONOSUPPORT;
	if (p->info.device_type != p->expect_type)
		return -EMEDIUMTYPE;
	missing = p->info.driver_features & ~p->offered_features;
	if (missing)
		return -EOPNOTSUPP;
	return 0;
}

static int vfmig_parse_chunk(struct vfmig_parser *p, const u8 *pl, u32 len)
{
	u32 gen, total, off, data;

	if (len < VFMIG_STREAM_CHUNK_HDR)
		return -EINVAL;
	gen = get_unaligned_le32(pl);
	total = get_unaligned_le32(pl + 4);
	off = get_unaligned_le32(pl + 8);
	data = len - VFMIG_STREAM_CHUNK_HDR;
	if (total > p->max_state)
		return -EFBIG;

	if (!p->snap_active || gen != p->snap_gen) {
		/* A new generation replaces one still being received. */
		if (off != 0)
			return -EINVAL;
		vfmig_free(p->snap);
		p->snap = vfmig_zalloc(total ? total : 1);
		if (!p->snap) {
			p->snap_active = false;
			return -ENOMEM;
		}
		p->snap_active = true;
		p->snap_gen = gen;
		p->snap_len = total;
		p->snap_filled = 0;
	}
	if (total != p->snap_len || off != p->snap_filled ||
	    data > p->snap_len - p->snap_filled)
		return -EINVAL;
	memcpy(p->snap + off, pl + VFMIG_STREAM_CHUNK_HDR, data);
	p->snap_filled += data;
	return 0;
}

static int vfmig_parse_commit(struct vfmig_parser *p, const u8 *pl, u32 len)
{
	if (len != 12)
		return -EINVAL;
	if (!p->snap_active || get_unaligned_le32(pl) != p->snap_gen ||
	    get_unaligned_le32(pl + 4) != p->snap_len)
		return -EINVAL;
	if (p->snap_filled != p->snap_len)
		return -ENODATA;
	if (get_unaligned_le32(pl + 8) != vfmig_crc32c(0, p->snap, p->snap_len))
		return -EBADMSG;
	vfmig_free(p->state);
	p->state = p->snap;
	p->state_len = p->snap_len;
	p->snap = NULL;
	p->snap_active = false;
	p->committed = true;
	return 0;
}

static int vfmig_parse_record(struct vfmig_parser *p)
{
	u16 type = get_unaligned_le16(p->rec);
	u16 flags = get_unaligned_le16(p->rec + 2);
	u32 len = get_unaligned_le32(p->rec + 4);
	const u8 *pl = p->rec + VFMIG_STREAM_REC_HDR_LEN;
	int ret;

	if (get_unaligned_le32(pl + len) !=
	    vfmig_crc32c(0, p->rec, VFMIG_STREAM_REC_HDR_LEN + len))
		return -EBADMSG;

	switch (type) {
	case VFMIG_REC_SNAP_CHUNK:
		ret = vfmig_parse_chunk(p, pl, len);
		break;
	case VFMIG_REC_SNAP_COMMIT:
		ret = vfmig_parse_commit(p, pl, len);
		break;
	case VFMIG_REC_INFO:
		ret = 0;
		break;
	case VFMIG_REC_END:
		if (len != 4 || get_unaligned_le32(pl) != p->records)
			return -EINVAL;
		if (!p->committed)
			return -ENODATA;
		p->phase = VFMIG_PARSE_DONE;
		return 0;
	default:
		if (!(flags & VFMIG_REC_F_OPTIONAL))
			return -EPROTO;
		p->skipped++;
		ret = 0;
		break;
	}
	if (!ret)
		p->records++;
	return ret;
}

/* Called when p->have == p->need: moves to the next item. */
static int vfmig_parser_step(struct vfmig_parser *p)
{
	u32 len;
	int ret;

	switch (p->phase) {
	case VFMIG_PARSE_HDR_FIXED:
		if (get_unaligned_le32(p->hdr) != VFMIG_STREAM_MAGIC)
			return -EINVAL;
		len = get_unaligned_le16(p->hdr + 8);
		if (len < VFMIG_STREAM_HDR_LEN || len > VFMIG_STREAM_HDR_MAX)
			return -EINVAL;
		p->phase = VFMIG_PARSE_HDR_REST;
		p->need = len;
		return 0;
	case VFMIG_PARSE_HDR_REST:
		ret = vfmig_parse_header(p);
		if (ret)
			return ret;
		break;
	case VFMIG_PARSE_REC_HDR:
		len = get_unaligned_le32(p->rec + 4);
		if (len > VFMIG_STREAM_REC_MAX_PAYLOAD)
			return -EFBIG;
		p->phase = VFMIG_PARSE_REC_BODY;
		p->need = VFMIG_STREAM_REC_HDR_LEN + len + VFMIG_STREAM_REC_CRC_LEN;
		return 0;
	case VFMIG_PARSE_REC_BODY:
		ret = vfmig_parse_record(p);
		if (ret)
			return ret;
		if (p->phase == VFMIG_PARSE_DONE)
			return 0;
		break;
	default:
		return -EINVAL;
	}
	p->phase = VFMIG_PARSE_REC_HDR;
	p->have = 0;
	p->need = VFMIG_STREAM_REC_HDR_LEN;
	return 0;
}

int vfmig_parser_feed(struct vfmig_parser *p, const u8 *data, size_t len)
{
	int ret;

	if (p->phase == VFMIG_PARSE_ERROR)
		return p->err;
	while (len) {
		u8 *dst;
		size_t n;

		if (p->phase == VFMIG_PARSE_DONE)
			return vfmig_parser_fail(p, -EINVAL);
		dst = (p->phase == VFMIG_PARSE_HDR_FIXED ||
		       p->phase == VFMIG_PARSE_HDR_REST) ? p->hdr : p->rec;
		n = p->need - p->have;
		if (n > len)
			n = len;
		memcpy(dst + p->have, data, n);
		p->have += n;
		data += n;
		len -= n;
		if (p->have < p->need)
			break;
		ret = vfmig_parser_step(p);
		if (ret)
			return vfmig_parser_fail(p, ret);
	}
	return 0;
}

int vfmig_parser_finish(struct vfmig_parser *p)
{
	if (p->phase == VFMIG_PARSE_ERROR)
		return p->err;
	if (p->phase != VFMIG_PARSE_DONE)
		return -ENODATA;
	return 0;
}

int vfmig_parser_peek_state(struct vfmig_parser *p, const u8 **blob,
			    u32 *len)
{
	int ret = vfmig_parser_finish(p);

	if (ret)
		return ret;
	if (!p->state)
		return -ENODATA;
	*blob = p->state;
	*len = p->state_len;
	return 0;
}

int vfmig_parser_take_state(struct vfmig_parser *p, u8 **blob, u32 *len)
{
	int ret = vfmig_parser_finish(p);

	if (ret)
		return ret;
	if (!p->state)
		return -ENODATA;
	*blob = p->state;
	*len = p->state_len;
	p->state = NULL;
	p->committed = false;
	return 0;
}
