/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Just enough of the vfmig stream format (docs/kmod-interface.md §5) to
 * find the header and records of a stream the driver produced and to craft
 * damaged variants with valid or invalid checksums.  Written from the
 * document, not from the driver's code.
 */
#ifndef VFMIG_VM_STREAM_H
#define VFMIG_VM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define VS_MAGIC 0x53474D56u
#define VS_OFF_MAJOR 4
#define VS_OFF_HDRLEN 8
#define VS_OFF_TYPE 10
#define VS_OFF_DEVFEAT 16
#define VS_OFF_DRVFEAT 24
#define VS_REC_HDR 8
#define VS_REC_CRC 4
#define VS_MAX_PAYLOAD 65536u
#define VS_MAX_STATE (4u << 20)

enum {
	VS_REC_SNAP_CHUNK = 0x0001,
	VS_REC_SNAP_COMMIT = 0x0002,
	VS_REC_INFO = 0x0003,
	VS_REC_END = 0xffff,
};
#define VS_REC_F_OPTIONAL 0x0001

struct vs_rec {
	size_t off; /* of the record header */
	uint16_t type;
	uint16_t flags;
	uint32_t len; /* payload */
};

#define VS_MAX_RECS 512

struct vs_layout {
	size_t hdr_len;
	int nrec;
	struct vs_rec rec[VS_MAX_RECS];
};

uint16_t vs_get16(const uint8_t *p);
uint32_t vs_get32(const uint8_t *p);
void vs_put16(uint8_t *p, uint16_t v);
void vs_put32(uint8_t *p, uint32_t v);
void vs_put64(uint8_t *p, uint64_t v);

/*
 * Splits a complete stream into header and records, checking magic and
 * every CRC.  Returns 0 or -EINVAL.
 */
int vs_parse(const uint8_t *s, size_t len, struct vs_layout *l);
/* Recomputes the header CRC after a header field was changed. */
void vs_fix_header_crc(uint8_t *s, size_t hdr_len);
/* Recomputes the CRC of the record at off. */
void vs_fix_record_crc(uint8_t *s, size_t off);
/*
 * Appends a record with a valid CRC at buf + off; returns its size.
 * payload may be NULL (zero-filled).
 */
size_t vs_put_record(uint8_t *buf, uint16_t type, uint16_t flags,
		     const void *payload, uint32_t len);

#endif
