// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Refusals: damaged or incompatible streams, and failing admin commands.
 * Each case checks the specific errno, a kernel log line naming the VF,
 * the driver's last_error, that the destination's state did not change,
 * that no resource object leaked, and that the VF migrates fine afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "guest-util.h"
#include "mig.h"
#include "sim.h"
#include "stream.h"
#include "tap.h"

#define SRC_STATE "blob_size=5000 blob_seed=51"
#define SRC_NET_STATE "mac=52:54:00:ab:cd:50 " SRC_STATE

enum bad_where { AT_WRITE, AT_LEAVE };

typedef int (*mutate_fn)(struct vmt_buf *s);

static int mut_truncate_half(struct vmt_buf *s)
{
	s->len /= 2;
	return 0;
}

static int mut_drop_end(struct vmt_buf *s)
{
	static struct vs_layout l;

	if (vs_parse(s->p, s->len, &l) || l.rec[l.nrec - 1].type != VS_REC_END)
		return -1;
	s->len = l.rec[l.nrec - 1].off;
	return 0;
}

static int mut_flip_payload(struct vmt_buf *s)
{
	static struct vs_layout l;
	int i;

	if (vs_parse(s->p, s->len, &l))
		return -1;
	for (i = 0; i < l.nrec; i++)
		if (l.rec[i].type == VS_REC_SNAP_CHUNK && l.rec[i].len > 64) {
			s->p[l.rec[i].off + VS_REC_HDR + 40] ^= 0x10;
			return 0;
		}
	return -1;
}

static int mut_flip_header(struct vmt_buf *s)
{
	s->p[VS_OFF_DEVFEAT + 1] ^= 0x01;
	return 0;
}

static int mut_bad_magic(struct vmt_buf *s)
{
	s->p[0] ^= 0xff;
	vs_fix_header_crc(s->p, vs_get16(s->p + VS_OFF_HDRLEN));
	return 0;
}

static int mut_version(struct vmt_buf *s)
{
	vs_put16(s->p + VS_OFF_MAJOR, 2);
	vs_fix_header_crc(s->p, vs_get16(s->p + VS_OFF_HDRLEN));
	return 0;
}

static int mut_type_blk(struct vmt_buf *s)
{
	vs_put16(s->p + VS_OFF_TYPE, 2);
	vs_fix_header_crc(s->p, vs_get16(s->p + VS_OFF_HDRLEN));
	return 0;
}

static int mut_features(struct vmt_buf *s)
{
	uint8_t *p = s->p;
	size_t hl = vs_get16(p + VS_OFF_HDRLEN);

	/* Feature bit 50: offered by no simulated device. */
	p[VS_OFF_DEVFEAT + 6] |= 0x04;
	p[VS_OFF_DRVFEAT + 6] |= 0x04;
	vs_fix_header_crc(p, hl);
	return 0;
}

static int buf_reserve(struct vmt_buf *s, size_t len)
{
	if (len > s->cap) {
		uint8_t *n = realloc(s->p, len);

		if (!n)
			return -1;
		s->p = n;
		s->cap = len;
	}
	return 0;
}

/* Header, then one record of our making, nothing else. */
static int replace_body(struct vmt_buf *s, uint16_t type, uint16_t flags,
			const uint8_t *payload, uint32_t len)
{
	size_t hl = vs_get16(s->p + VS_OFF_HDRLEN);

	if (buf_reserve(s, hl + VS_REC_HDR + len + VS_REC_CRC))
		return -1;
	s->len = hl + vs_put_record(s->p + hl, type, flags, payload, len);
	return 0;
}

static int mut_oversized_record(struct vmt_buf *s)
{
	uint32_t len = VS_MAX_PAYLOAD + 1;
	uint8_t *pl = calloc(1, len);
	int ret;

	if (!pl)
		return -1;
	vs_put32(pl, 1);		/* generation */
	vs_put32(pl + 4, len - 12);	/* total_len */
	vs_put32(pl + 8, 0);		/* offset */
	ret = replace_body(s, VS_REC_SNAP_CHUNK, 0, pl, len);
	free(pl);
	return ret;
}

static int mut_oversized_state(struct vmt_buf *s)
{
	uint8_t pl[12 + 1000] = { 0 };

	vs_put32(pl, 1);
	vs_put32(pl + 4, VS_MAX_STATE + 1);
	vs_put32(pl + 8, 0);
	return replace_body(s, VS_REC_SNAP_CHUNK, 0, pl, sizeof(pl));
}

/*
 * Inserts a record of an unknown type right after the header and bumps
 * the record count in END, so only the unknown record is at stake.
 */
static int insert_unknown(struct vmt_buf *s, uint16_t flags)
{
	static struct vs_layout l;
	size_t hl, add, end_off;
	uint8_t rec[VS_REC_HDR + 16 + VS_REC_CRC];
	uint8_t pl[16] = "vfmig-vm-test";

	if (vs_parse(s->p, s->len, &l) || l.rec[l.nrec - 1].type != VS_REC_END)
		return -1;
	hl = l.hdr_len;
	add = vs_put_record(rec, 0x0042, flags, pl, sizeof(pl));
	if (buf_reserve(s, s->len + add))
		return -1;
	memmove(s->p + hl + add, s->p + hl, s->len - hl);
	memcpy(s->p + hl, rec, add);
	s->len += add;
	end_off = l.rec[l.nrec - 1].off + add;
	vs_put32(s->p + end_off + VS_REC_HDR,
		 vs_get32(s->p + end_off + VS_REC_HDR) + 1);
	vs_fix_record_crc(s->p, end_off);
	return 0;
}

static int mut_unknown_mandatory(struct vmt_buf *s)
{
	return insert_unknown(s, 0);
}

static int mut_unknown_optional(struct vmt_buf *s)
{
	return insert_unknown(s, VS_REC_F_OPTIONAL);
}

static int mut_after_end(struct vmt_buf *s)
{
	uint8_t pl[8] = { 0 };

	if (buf_reserve(s, s->len + VS_REC_HDR + sizeof(pl) + VS_REC_CRC))
		return -1;
	s->len += vs_put_record(s->p + s->len, VS_REC_INFO, VS_REC_F_OPTIONAL,
				pl, sizeof(pl));
	return 0;
}

/* want == 0: the stream must be accepted (and B must equal the source). */
/*
 * good_vf: a source compatible with dst_vf for the migration that shows the
 * VF works afterwards (src_vf itself may be incompatible on purpose).
 */
static int bad_stream(const char *src_vf, const char *dst_vf,
		      const char *good_vf, mutate_fn mut, int want,
		      enum bad_where where)
{
	static char before[SIM_STATE_MAX], after[SIM_STATE_MAX];
	const char *needles[] = { dst_vf, "resume", NULL };
	struct vmt_buf s = { 0 };
	struct vmt_dev a, b;
	unsigned int st = 0;
	int fd = -1, ret, kmsg;
	int64_t err = 0;
	uint8_t byte = 0;

	CHECK(vmt_dev_open(&a, src_vf) == 0 && vmt_dev_open(&b, dst_vf) == 0,
	      "open");
	{
		char type[16] = "";
		char path[128];

		snprintf(path, sizeof(path), "/sys/kernel/debug/vfmig_sim/%s/type",
			 src_vf);
		CHECK(vmt_file_read(path, type, sizeof(type)) == 0, "%s", path);
		ret = sim_state_set(src_vf, strcmp(type, "net") ? SRC_STATE :
				    SRC_NET_STATE);
		CHECK(ret == 0, "set source state: %s", strerror(-ret));
	}
	CHECK(mig_save(&a, &s) == 0, "save from %s", src_vf);
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL) == 0, "A run");
	CHECK(mut(&s) == 0, "the test could not build the stream");
	CHECK(sim_state_get(dst_vf, before, sizeof(before)) == 0, "B state");
	kmsg = vmt_kmsg_open();
	CHECK(kmsg >= 0, "/dev/kmsg: %s", strerror(-kmsg));

	ret = vmt_set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd);
	CHECK(ret == 0 && fd >= 0, "-> RESUMING: %s", strerror(-ret));
	ret = vmt_write_all(fd, s.p, s.len);
	if (want && where == AT_WRITE) {
		CHECK(ret == -want, "write: want %s, got %s", strerror(want),
		      ret ? strerror(-ret) : "success");
		CHECK(write(fd, &byte, 1) < 0 && errno == want,
		      "the fd left its error state");
	} else {
		CHECK(ret == 0, "write: %s", strerror(-ret));
	}
	ret = vmt_set_state(&b, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	if (!want) {
		CHECK(ret == 0, "RESUMING -> STOP: %s", strerror(-ret));
		CHECK(vmt_set_state(&b, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
		      "-> RUNNING");
		CHECK(mig_same_state(src_vf, dst_vf), "B differs from A");
		vmt_kmsg_close(kmsg);
		goto out;
	}
	if (where == AT_LEAVE)
		CHECK(ret == -want, "RESUMING -> STOP: want %s, got %s",
		      strerror(want), ret ? strerror(-ret) : "success");
	else
		CHECK(ret != 0, "RESUMING -> STOP accepted a refused stream");
	CHECK(vmt_get_state(&b, &st) == 0 && st == VFIO_DEVICE_STATE_RESUMING,
	      "state after the failed arc: %s", vmt_state_name(st));
	CHECK(vmt_kmsg_find(kmsg, needles), "no kernel log line naming %s",
	      dst_vf);
	vmt_kmsg_close(kmsg);
	CHECK(drv_attr_s64(dst_vf, "last_error", &err) == 0 && err == -want,
	      "last_error %lld", (long long)err);
	/* Checked before the reset, which may reset device state itself. */
	CHECK(sim_state_get(dst_vf, after, sizeof(after)) == 0, "B state");
	CHECK(!strcmp(before, after), "the refused stream changed %s", dst_vf);
	CHECK(vmt_reset(&b) == 0, "reset");
	CHECK(vmt_get_state(&b, &st) == 0 && st == VFIO_DEVICE_STATE_RUNNING,
	      "after reset: %s", vmt_state_name(st));
	CHECK(sim_running(dst_vf) == 1, "%s not running after reset", dst_vf);
	/* The VF works afterwards. */
	if (strcmp(good_vf, src_vf)) {
		vmt_dev_close(&a);
		CHECK(vmt_dev_open(&a, good_vf) == 0, "open %s", good_vf);
	}
	CHECK(mig_move(&a, &b, NULL) == 0, "migration after the refusal");
	CHECK(mig_same_state(good_vf, dst_vf), "%s differs from %s", dst_vf,
	      good_vf);
out:
	vmt_buf_free(&s);
	vmt_dev_close(&a);
	vmt_dev_close(&b);
	return 1;
}

static int mut_none(struct vmt_buf *s)
{
	(void)s;
	return 0;
}

/* Clears the header's driver feature bit 39 the source negotiated. */
static int mut_hide_bit39(struct vmt_buf *s)
{
	uint8_t *p = s->p;

	p[VS_OFF_DRVFEAT + 4] &= (uint8_t)~0x80;
	vs_fix_header_crc(p, vs_get16(p + VS_OFF_HDRLEN));
	return 0;
}

/*
 * The source's guest negotiates feature bit 39 after the VF was bound (no
 * simulated device offers it): the stream must carry the features of the
 * saved state, not the bind-time ones, so the destination refuses it; and
 * a header that hides the bit must not get the state past the destination
 * either (checked against the committed state at RESUMING -> STOP).
 * good_vf is used for the migration afterwards, as src_vf stays odd until
 * its driver features are put back.
 */
static int late_feature(const char *src_vf, const char *dst_vf,
			const char *good_vf, mutate_fn mut,
			enum bad_where where)
{
	char old[64], text[96];
	unsigned long long drv;
	int ok, ret;

	CHECK(sim_state_key(src_vf, "driver_features", old, sizeof(old)) == 0,
	      "driver_features");
	drv = strtoull(old, NULL, 0);
	snprintf(text, sizeof(text), "driver_features=0x%llx",
		 drv | (1ull << 39));
	ret = sim_state_set(src_vf, text);
	CHECK(ret == 0, "set %s: %s", text, strerror(-ret));
	ok = bad_stream(src_vf, dst_vf, good_vf, mut, EOPNOTSUPP, where);
	snprintf(text, sizeof(text), "driver_features=%s", old);
	ret = sim_state_set(src_vf, text);
	CHECK(ret == 0, "restore %s: %s", text, strerror(-ret));
	return ok;
}

void cases_bad_streams(const struct vmt_env *env)
{
	const char *a = env->vf[0], *b = env->vf[1], *d = env->vf[3];

	RUN_CASE("stream truncated mid-record refused with ENODATA",
		 bad_stream(a, b, a, mut_truncate_half, ENODATA, AT_LEAVE));
	RUN_CASE("stream without END refused with ENODATA",
		 bad_stream(a, b, a, mut_drop_end, ENODATA, AT_LEAVE));
	RUN_CASE("bit flip in a snapshot record refused with EBADMSG",
		 bad_stream(a, b, a, mut_flip_payload, EBADMSG, AT_WRITE));
	RUN_CASE("bit flip in the header refused with EBADMSG",
		 bad_stream(a, b, a, mut_flip_header, EBADMSG, AT_WRITE));
	RUN_CASE("bad magic refused with EINVAL",
		 bad_stream(a, b, a, mut_bad_magic, EINVAL, AT_WRITE));
	RUN_CASE("stream version 2.0 refused with EPROTONOSUPPORT",
		 bad_stream(a, b, a, mut_version, EPROTONOSUPPORT, AT_WRITE));
	RUN_CASE("blk stream (from a blk VF) into a net VF refused with EMEDIUMTYPE",
		 bad_stream(d, b, a, mut_none, EMEDIUMTYPE, AT_WRITE));
	RUN_CASE("header claiming blk into a net VF refused with EMEDIUMTYPE",
		 bad_stream(a, b, a, mut_type_blk, EMEDIUMTYPE, AT_WRITE));
	RUN_CASE("negotiated feature the destination lacks refused with EOPNOTSUPP",
		 bad_stream(a, b, a, mut_features, EOPNOTSUPP, AT_WRITE));
	RUN_CASE("feature negotiated after bind: stream header carries it, EOPNOTSUPP",
		 late_feature(a, b, env->vf[2], mut_none, AT_WRITE));
	RUN_CASE("feature hidden from the header: committed state refused with EOPNOTSUPP",
		 late_feature(a, b, env->vf[2], mut_hide_bit39, AT_LEAVE));
	RUN_CASE("record over 64 KiB refused with EFBIG",
		 bad_stream(a, b, a, mut_oversized_record, EFBIG, AT_WRITE));
	RUN_CASE("device state over 4 MiB refused with EFBIG",
		 bad_stream(a, b, a, mut_oversized_state, EFBIG, AT_WRITE));
	RUN_CASE("unknown mandatory record refused with EPROTO",
		 bad_stream(a, b, a, mut_unknown_mandatory, EPROTO, AT_WRITE));
	RUN_CASE("data after END refused with EINVAL",
		 bad_stream(a, b, a, mut_after_end, EINVAL, AT_WRITE));
	RUN_CASE("unknown optional record skipped, state restored",
		 bad_stream(a, b, a, mut_unknown_optional, 0, AT_WRITE));
}
