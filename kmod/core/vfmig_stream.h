/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfmig migration stream: a versioned header and CRC-checked records that
 * carry snapshots of a virtio device-parts blob (docs/kmod-interface.md §5).
 */
#ifndef VFMIG_STREAM_H
#define VFMIG_STREAM_H

#include "vfmig_compat.h"

#define VFMIG_STREAM_MAGIC		0x53474D56u
#define VFMIG_STREAM_VERSION_MAJOR	1
#define VFMIG_STREAM_VERSION_MINOR	0
#define VFMIG_STREAM_HDR_LEN		40
/* A newer minor may grow the header; anything past this is nonsense. */
#define VFMIG_STREAM_HDR_MAX		256
#define VFMIG_STREAM_REC_HDR_LEN	8
#define VFMIG_STREAM_REC_CRC_LEN	4
#define VFMIG_STREAM_REC_MAX_PAYLOAD	65536u
#define VFMIG_STREAM_MAX_STATE		(4u << 20)
/* generation, total_len, offset */
#define VFMIG_STREAM_CHUNK_HDR		12u
#define VFMIG_STREAM_CHUNK_DATA		(VFMIG_STREAM_REC_MAX_PAYLOAD - VFMIG_STREAM_CHUNK_HDR)

#define VFMIG_REC_F_OPTIONAL		0x0001

enum vfmig_rec_type {
	VFMIG_REC_SNAP_CHUNK	= 0x0001,
	VFMIG_REC_SNAP_COMMIT	= 0x0002,
	VFMIG_REC_INFO		= 0x0003,
	VFMIG_REC_END		= 0xFFFF,
};

/* What the header says about the source. */
struct vfmig_stream_info {
	u16 version_major;
	u16 version_minor;
	u16 device_type;
	u32 flags;
	u64 device_features;
	u64 driver_features;
};

/* ---- encoding ---- */

/* Writes the 40-byte header into @buf (at least VFMIG_STREAM_HDR_LEN). */
size_t vfmig_stream_put_header(u8 *buf, const struct vfmig_stream_info *info);

/*
 * Writes one record: header, @prefix (may be NULL) then @data as payload,
 * then the CRC. Returns the bytes written (record size).
 */
size_t vfmig_stream_put_record(u8 *buf, u16 type, u16 flags,
			       const void *prefix, size_t prefix_len,
			       const void *data, size_t len);

static inline size_t vfmig_stream_record_size(size_t payload)
{
	return VFMIG_STREAM_REC_HDR_LEN + payload + VFMIG_STREAM_REC_CRC_LEN;
}

/* Bytes that vfmig_stream_put_snapshot() writes for a @len byte blob. */
size_t vfmig_stream_snapshot_size(u32 len);

/* Writes @blob as SNAP_CHUNK records of @generation. Returns bytes. */
size_t vfmig_stream_put_snapshot(u8 *buf, u32 generation,
				 const u8 *blob, u32 len);

/* SNAP_COMMIT + END. Returns bytes; size is vfmig_stream_trailer_size(). */
size_t vfmig_stream_put_trailer(u8 *buf, u32 generation, const u8 *blob,
				u32 len, u32 records_before);
size_t vfmig_stream_trailer_size(void);

/* Records that a snapshot of @len bytes takes. */
u32 vfmig_stream_snapshot_records(u32 len);

/* ---- parsing ---- */

enum vfmig_parse_phase {
	VFMIG_PARSE_HDR_FIXED,	/* first bytes up to the header length */
	VFMIG_PARSE_HDR_REST,
	VFMIG_PARSE_REC_HDR,
	VFMIG_PARSE_REC_BODY,
	VFMIG_PARSE_DONE,
	VFMIG_PARSE_ERROR,
};

/*
 * Incremental parser: accepts the stream in pieces of any size, checks
 * everything as soon as a header or record is complete and keeps the last
 * committed snapshot.
 */
struct vfmig_parser {
	/* what the destination is; set by vfmig_parser_init() */
	u16 expect_type;
	u64 offered_features;
	u32 max_state;

	enum vfmig_parse_phase phase;
	int err;
	u8 hdr[VFMIG_STREAM_HDR_MAX];
	u8 *rec;		/* current record, VFMIG_STREAM_REC_MAX_PAYLOAD + 12 */
	size_t have;		/* bytes buffered for the current item */
	size_t need;		/* bytes the current item has in total */
	u32 records;		/* complete records seen, END not counted */
	struct vfmig_stream_info info;

	/* snapshot being received */
	u8 *snap;
	u32 snap_gen;
	u32 snap_len;
	u32 snap_filled;
	bool snap_active;

	/* last committed snapshot */
	u8 *state;
	u32 state_len;
	bool committed;
	u32 skipped;		/* optional records skipped */
};

int vfmig_parser_init(struct vfmig_parser *p, u16 device_type,
		      u64 offered_features, u32 max_state);
void vfmig_parser_fini(struct vfmig_parser *p);

/* Feeds bytes. 0 or -errno; after an error every call returns it again. */
int vfmig_parser_feed(struct vfmig_parser *p, const u8 *data, size_t len);

/* The stream must be complete: 0, or -ENODATA (truncated) or the error. */
int vfmig_parser_finish(struct vfmig_parser *p);

/*
 * The committed state, still owned by the parser: loading it may fail and
 * be retried. Only after vfmig_parser_finish() returned 0.
 */
int vfmig_parser_peek_state(struct vfmig_parser *p, const u8 **blob,
			    u32 *len);

/*
 * Hands the committed state to the caller (free with vfmig_free()).
 * Only after vfmig_parser_finish() returned 0.
 */
int vfmig_parser_take_state(struct vfmig_parser *p, u8 **blob, u32 *len);

#endif /* VFMIG_STREAM_H */
