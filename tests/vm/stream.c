// SPDX-License-Identifier: GPL-2.0-or-later
#include "stream.h"

#include <errno.h>
#include <string.h>

#include "crc32c.h"

uint16_t vs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t vs_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void vs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void vs_put32(uint8_t *p, uint32_t v)
{
	vs_put16(p, (uint16_t)v);
	vs_put16(p + 2, (uint16_t)(v >> 16));
}

void vs_put64(uint8_t *p, uint64_t v)
{
	vs_put32(p, (uint32_t)v);
	vs_put32(p + 4, (uint32_t)(v >> 32));
}

int vs_parse(const uint8_t *s, size_t len, struct vs_layout *l)
{
	size_t off;

	memset(l, 0, sizeof(*l));
	if (len < 40 || vs_get32(s) != VS_MAGIC)
		return -EINVAL;
	l->hdr_len = vs_get16(s + VS_OFF_HDRLEN);
	if (l->hdr_len < 40 || l->hdr_len > len)
		return -EINVAL;
	if (vmt_crc32c(s, l->hdr_len - 4) != vs_get32(s + l->hdr_len - 4))
		return -EINVAL;
	for (off = l->hdr_len; off < len;) {
		struct vs_rec *r;
		size_t body;

		if (l->nrec == VS_MAX_RECS || len - off < VS_REC_HDR + VS_REC_CRC)
			return -EINVAL;
		r = &l->rec[l->nrec++];
		r->off = off;
		r->type = vs_get16(s + off);
		r->flags = vs_get16(s + off + 2);
		r->len = vs_get32(s + off + 4);
		body = VS_REC_HDR + (size_t)r->len;
		if (r->len > VS_MAX_PAYLOAD || len - off < body + VS_REC_CRC)
			return -EINVAL;
		if (vmt_crc32c(s + off, body) != vs_get32(s + off + body))
			return -EINVAL;
		off += body + VS_REC_CRC;
	}
	return 0;
}

void vs_fix_header_crc(uint8_t *s, size_t hdr_len)
{
	vs_put32(s + hdr_len - 4, vmt_crc32c(s, hdr_len - 4));
}

void vs_fix_record_crc(uint8_t *s, size_t off)
{
	size_t body = VS_REC_HDR + vs_get32(s + off + 4);

	vs_put32(s + off + body, vmt_crc32c(s + off, body));
}

size_t vs_put_record(uint8_t *buf, uint16_t type, uint16_t flags,
		     const void *payload, uint32_t len)
{
	vs_put16(buf, type);
	vs_put16(buf + 2, flags);
	vs_put32(buf + 4, len);
	if (payload)
		memcpy(buf + VS_REC_HDR, payload, len);
	else
		memset(buf + VS_REC_HDR, 0, len);
	vs_fix_record_crc(buf, 0);
	return VS_REC_HDR + (size_t)len + VS_REC_CRC;
}
