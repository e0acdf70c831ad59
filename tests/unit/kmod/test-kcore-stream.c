/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stream round trip and every corruption class with its errno
 * (docs/kmod-interface.md §4, "Errnos for bad streams").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kcore-testlib.h"
#include "vfmig_crc32c.h"
#include "vfmig_state_text.h"

static struct vfmig_dev_state net_state(u32 blob)
{
	struct vfmig_dev_state st;

	assert_int_equal(vfmig_dev_state_init(&st, VFMIG_VIRTIO_ID_NET, 3), 0);
	st.driver_features = st.device_features & ~(1ull << 3);
	st.status = 0x0f;
	st.vq[0].size = 256;
	st.vq[0].desc = 0x12340000;
	st.vq[1].enable = 1;
	if (blob) {
		st.blob_size = blob;
		st.blob_seed = 7;
		st.blob = malloc(blob);
		vfmig_blob_fill(st.blob, blob, 7);
	}
	return st;
}

static void test_crc32c(void **state)
{
	/* the standard check value of CRC-32C */
	assert_int_equal(vfmig_crc32c(0, "123456789", 9), 0xE3069283);
	/* incremental == one shot */
	assert_int_equal(vfmig_crc32c(vfmig_crc32c(0, "1234", 4), "56789", 5),
			 0xE3069283);
	assert_int_equal(vfmig_crc32c(0, "", 0), 0);
}

static void roundtrip(u32 blob, size_t piece)
{
	struct vfmig_dev_state src = net_state(blob), dst;
	struct vfmig_parser p;
	char a[4096], b[4096];
	size_t len;
	uint8_t *s = kt_stream_for_state(&src, &len);
	u8 *state_blob;
	u32 state_len;

	assert_int_equal(kt_parse(s, len, piece, VFMIG_VIRTIO_ID_NET,
				  src.device_features, &p), 0);
	assert_int_equal(p.info.device_type, VFMIG_VIRTIO_ID_NET);
	assert_int_equal(p.skipped, 0);
	assert_int_equal(vfmig_parser_take_state(&p, &state_blob, &state_len), 0);
	assert_int_equal(state_len, vfmig_parts_size(&src));
	/* taking twice is refused */
	assert_int_equal(vfmig_parser_take_state(&p, &state_blob, &state_len) != 0, 1);
	vfmig_parser_fini(&p);

	assert_int_equal(vfmig_dev_state_init(&dst, VFMIG_VIRTIO_ID_NET, 0), 0);
	assert_int_equal(vfmig_parts_decode(state_blob, state_len, &dst), 0);
	vfmig_state_format(&src, a, sizeof(a));
	vfmig_state_format(&dst, b, sizeof(b));
	assert_string_equal(a, b);
	free(state_blob);
	free(s);
	vfmig_dev_state_clear(&src);
	vfmig_dev_state_clear(&dst);
}

static void test_roundtrip(void **state)
{
	roundtrip(0, 1);
	roundtrip(0, 7);
	roundtrip(0, 1 << 20);
	roundtrip(4096, 1000);
	/* more than one chunk record */
	roundtrip(200000, 65536);
	roundtrip(200000, 3);
}

static uint8_t *good_stream(size_t *len)
{
	struct vfmig_dev_state st = net_state(100);
	uint8_t *s = kt_stream_for_state(&st, len);

	vfmig_dev_state_clear(&st);
	return s;
}

static u64 net_offered(void)
{
	struct vfmig_dev_state st;

	vfmig_dev_state_init(&st, VFMIG_VIRTIO_ID_NET, 0);
	return st.device_features;
}

static int parse(const uint8_t *s, size_t len)
{
	return kt_parse(s, len, 4096, VFMIG_VIRTIO_ID_NET, net_offered(), NULL);
}

static void test_truncated(void **state)
{
	size_t len;
	uint8_t *s = good_stream(&len);

	assert_int_equal(parse(s, len), 0);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(parse(s, cut), -ENODATA);
	free(s);
}

static void test_bit_flips(void **state)
{
	size_t len;
	uint8_t *s = good_stream(&len);

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			int ret;

			s[i] ^= 1u << bit;
			ret = parse(s, len);
			s[i] ^= 1u << bit;
			if (i < 4) {
				/* magic: not a stream we know */
				assert_int_equal(ret, -EINVAL);
			} else if (i >= 8 && i < 10) {
				/* header length: out of range, or the CRC misses */
				assert_true(ret == -EINVAL || ret == -EBADMSG);
			} else if (i < VFMIG_STREAM_HDR_LEN) {
				assert_int_equal(ret, -EBADMSG);
			} else if (ret != -EBADMSG) {
				/* a flipped record length desynchronises the parse */
				size_t rec = VFMIG_STREAM_HDR_LEN;
				bool in_len = false;

				while (rec < len) {
					if (i >= rec + 4 && i < rec + 8)
						in_len = true;
					rec += vfmig_stream_record_size(get_unaligned_le32(s + rec + 4));
				}
				if (!in_len || ret == 0)
					fail_msg("flip at %zu bit %d: %d", i, bit, ret);
			}
		}
	}
	free(s);
}

static void test_header_fields(void **state)
{
	size_t len;
	uint8_t *s = good_stream(&len);

	/* wrong version: valid CRC, major 2 */
	put_unaligned_le16(2, s + 4);
	kt_fix_header_crc(s);
	assert_int_equal(parse(s, len), -EPROTONOSUPPORT);
	put_unaligned_le16(1, s + 4);
	/* newer minor is fine */
	put_unaligned_le16(9, s + 6);
	kt_fix_header_crc(s);
	assert_int_equal(parse(s, len), 0);
	put_unaligned_le16(0, s + 6);
	kt_fix_header_crc(s);
	/* wrong device type */
	assert_int_equal(kt_parse(s, len, 4096, VFMIG_VIRTIO_ID_BLOCK, ~0ull, NULL),
			 -EMEDIUMTYPE);
	/* negotiated features the destination does not offer */
	assert_int_equal(kt_parse(s, len, 4096, VFMIG_VIRTIO_ID_NET, 1ull << 32, NULL),
			 -EOPNOTSUPP);
	/* header length out of range */
	put_unaligned_le16(8, s + 8);
	assert_int_equal(parse(s, len), -EINVAL);
	put_unaligned_le16(1000, s + 8);
	assert_int_equal(parse(s, len), -EINVAL);
	free(s);
}

static void test_records(void **state)
{
	size_t len, off;
	uint8_t *s = good_stream(&len), *big;

	/* record 0 is INFO (optional): make it an unknown optional type */
	off = kt_record_offset(s, len, 0);
	put_unaligned_le16(0x7777, s + off);
	kt_fix_record_crc(s, off);
	assert_int_equal(parse(s, len), 0);
	/* the same type without the optional flag */
	put_unaligned_le16(0, s + off + 2);
	kt_fix_record_crc(s, off);
	assert_int_equal(parse(s, len), -EPROTO);
	free(s);

	/* record longer than the limit */
	s = good_stream(&len);
	off = kt_record_offset(s, len, 0);
	put_unaligned_le32(VFMIG_STREAM_REC_MAX_PAYLOAD + 1, s + off + 4);
	assert_int_equal(parse(s, len), -EFBIG);
	free(s);

	/* state larger than 4 MiB announced by a valid chunk */
	s = good_stream(&len);
	off = kt_record_offset(s, len, 1);
	put_unaligned_le32(VFMIG_STREAM_MAX_STATE + 1, s + off + 8 + 4);
	kt_fix_record_crc(s, off);
	assert_int_equal(parse(s, len), -EFBIG);
	free(s);

	/* data after END */
	s = good_stream(&len);
	big = malloc(len + 1);
	memcpy(big, s, len);
	big[len] = 0;
	assert_int_equal(parse(big, len + 1), -EINVAL);
	free(big);

	/* END with a wrong record count */
	off = kt_record_offset(s, len, 3);
	assert_int_equal(get_unaligned_le16(s + off), VFMIG_REC_END);
	put_unaligned_le32(99, s + off + 8);
	kt_fix_record_crc(s, off);
	assert_int_equal(parse(s, len), -EINVAL);
	free(s);

	/* COMMIT whose whole-snapshot CRC is wrong */
	s = good_stream(&len);
	off = kt_record_offset(s, len, 2);
	assert_int_equal(get_unaligned_le16(s + off), VFMIG_REC_SNAP_COMMIT);
	s[off + 8 + 8] ^= 1;
	kt_fix_record_crc(s, off);
	assert_int_equal(parse(s, len), -EBADMSG);
	free(s);

	/* END without any COMMIT: no state */
	s = good_stream(&len);
	off = kt_record_offset(s, len, 2);
	{
		u8 end[4];
		size_t n;

		put_unaligned_le32(2, end);
		n = vfmig_stream_put_record(s + off, VFMIG_REC_END, 0, NULL, 0, end, 4);
		assert_int_equal(parse(s, off + n), -ENODATA);
	}
	free(s);
}

/* A later generation replaces an earlier one; an error sticks. */
static void test_generations_and_sticky_error(void **state)
{
	struct vfmig_dev_state a = net_state(0), b = net_state(0);
	struct vfmig_parser p;
	u32 la, lb;
	u8 pa[4096], pb[4096], buf[65536], *out;
	size_t pos = 0;
	u32 outlen;
	struct vfmig_stream_info info = {
		.version_major = 1, .device_type = VFMIG_VIRTIO_ID_NET,
		.driver_features = a.driver_features,
	};

	b.mtu = 9000;
	la = vfmig_parts_encode(&a, pa, sizeof(pa));
	lb = vfmig_parts_encode(&b, pb, sizeof(pb));
	pos += vfmig_stream_put_header(buf, &info);
	pos += vfmig_stream_put_snapshot(buf + pos, 1, pa, la);
	pos += vfmig_stream_put_snapshot(buf + pos, 2, pb, lb);
	pos += vfmig_stream_put_trailer(buf + pos, 2, pb, lb, 2);
	assert_int_equal(kt_parse(buf, pos, 5, VFMIG_VIRTIO_ID_NET, ~0ull, &p), 0);
	assert_int_equal(vfmig_parser_take_state(&p, &out, &outlen), 0);
	assert_int_equal(outlen, lb);
	assert_memory_equal(out, pb, lb);
	free(out);
	vfmig_parser_fini(&p);

	/* sticky: after an error every feed returns it */
	assert_int_equal(vfmig_parser_init(&p, VFMIG_VIRTIO_ID_NET, ~0ull, 0), 0);
	assert_int_equal(vfmig_parser_feed(&p, (const u8 *)"XXXXXXXXXXXX", 12), -EINVAL);
	assert_int_equal(vfmig_parser_feed(&p, buf, pos), -EINVAL);
	assert_int_equal(vfmig_parser_finish(&p), -EINVAL);
	vfmig_parser_fini(&p);
}

/*
 * Peeking leaves the state with the parser (a refused load is retried),
 * repeatedly and unchanged, until it is taken; an incomplete stream has
 * nothing to peek.
 */
static void test_peek_state(void **state)
{
	struct vfmig_dev_state src = net_state(700);
	struct vfmig_parser p;
	const u8 *b1, *b2;
	u32 l1 = 0, l2 = 0, lt;
	size_t len;
	uint8_t *s = kt_stream_for_state(&src, &len);
	u8 *taken;

	(void)state;
	/* truncated: no state to peek, parser stays usable */
	assert_int_equal(vfmig_parser_init(&p, VFMIG_VIRTIO_ID_NET,
					   src.device_features, 0), 0);
	assert_int_equal(vfmig_parser_feed(&p, s, len - 1), 0);
	assert_int_equal(vfmig_parser_peek_state(&p, &b1, &l1), -ENODATA);
	assert_int_equal(vfmig_parser_feed(&p, s + len - 1, 1), 0);
	assert_int_equal(vfmig_parser_peek_state(&p, &b1, &l1), 0);
	assert_int_equal(l1, vfmig_parts_size(&src));
	assert_int_equal(vfmig_parser_peek_state(&p, &b2, &l2), 0);
	assert_ptr_equal(b1, b2);
	assert_int_equal(l1, l2);
	assert_int_equal(vfmig_parser_take_state(&p, &taken, &lt), 0);
	assert_ptr_equal(taken, b1);
	assert_int_equal(lt, l1);
	/* taken: gone from the parser */
	assert_int_equal(vfmig_parser_peek_state(&p, &b2, &l2) != 0, 1);
	free(taken);
	vfmig_parser_fini(&p);
	free(s);
	vfmig_dev_state_clear(&src);
}

/* What the driver reports as MIG_DATA_SIZE is exactly the stream size. */
static void test_sizes(void **state)
{
	for (u32 len = 0; len < 300000; len += 17011) {
		u8 *blob = calloc(1, len + 1), *buf;
		size_t n = vfmig_stream_snapshot_size(len);

		buf = malloc(n + vfmig_stream_trailer_size());
		assert_int_equal(vfmig_stream_put_snapshot(buf, 1, blob, len), n);
		assert_int_equal(vfmig_stream_put_trailer(buf + n, 1, blob, len, 1),
				 vfmig_stream_trailer_size());
		free(buf);
		free(blob);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_generations_and_sticky_error),
		cmocka_unit_test(test_peek_state),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
