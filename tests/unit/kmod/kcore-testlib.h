/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds streams the way the driver does, for the stream tests and fuzz seeds. */
#ifndef KCORE_TESTLIB_H
#define KCORE_TESTLIB_H

#include "vfmig_stream.h"
#include "vfmig_parts.h"

/* A complete stream for @st (header, INFO, one snapshot, COMMIT, END). */
uint8_t *kt_stream_for_state(const struct vfmig_dev_state *st, size_t *len);
/* Recomputes the header CRC after a test changed a header field. */
void kt_fix_header_crc(uint8_t *stream);
/* Offset of the @n-th record (0 = the first after the header). */
size_t kt_record_offset(const uint8_t *stream, size_t len, unsigned int n);
/* Recomputes the CRC of the record at @off. */
void kt_fix_record_crc(uint8_t *stream, size_t off);
/* Feeds @len bytes in pieces of @piece; returns the first error or finish(). */
int kt_parse(const uint8_t *buf, size_t len, size_t piece, u16 type,
	     u64 offered, struct vfmig_parser *out_keep);

#endif
