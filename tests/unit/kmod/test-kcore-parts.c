/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device parts encode/decode and the simulator's state text: round trips,
 * and bad input refused with nothing changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vfmig_parts.h"
#include "vfmig_state_text.h"

static void fmt(const struct vfmig_dev_state *st, char *buf)
{
	vfmig_state_format(st, buf, 4096);
}

static void test_parts_roundtrip(void **state)
{
	for (u16 type = 1; type <= 2; type++) {
		struct vfmig_dev_state a, b;
		char ta[4096], tb[4096];
		u8 buf[8192];
		u32 count;
		int n;

		assert_int_equal(vfmig_dev_state_init(&a, type, 5), 0);
		assert_int_equal(vfmig_state_parse(&a, "status=0x0f blob_size=300 blob_seed=9", 38), 0);
		n = vfmig_parts_encode(&a, buf, sizeof(buf));
		assert_int_equal(n, vfmig_parts_size(&a));
		assert_int_equal(vfmig_parts_walk(buf, n, &count), 0);
		assert_int_equal(count, vfmig_parts_count(&a));
		/* too small a buffer */
		assert_int_equal(vfmig_parts_encode(&a, buf, n - 1), -ENOSPC);

		assert_int_equal(vfmig_dev_state_init(&b, type, 0), 0);
		assert_int_equal(vfmig_parts_decode(buf, n, &b), 0);
		fmt(&a, ta);
		fmt(&b, tb);
		assert_string_equal(ta, tb);
		vfmig_dev_state_clear(&a);
		vfmig_dev_state_clear(&b);
	}
	assert_int_equal(vfmig_dev_state_init(&(struct vfmig_dev_state){0}, 3, 0), -EINVAL);
}

static void test_parts_bad(void **state)
{
	struct vfmig_dev_state net, blk;
	char before[4096], after[4096];
	u8 buf[8192], hdr[16];
	u64 dev, drv;
	u32 count;
	int n;

	vfmig_dev_state_init(&net, VFMIG_VIRTIO_ID_NET, 1);
	vfmig_dev_state_init(&blk, VFMIG_VIRTIO_ID_BLOCK, 1);
	n = vfmig_parts_encode(&net, buf, sizeof(buf));
	fmt(&blk, before);

	/* a net blob into a blk device */
	assert_int_equal(vfmig_parts_decode(buf, n, &blk), -EMEDIUMTYPE);
	/* short: every cut inside a part is malformed */
	for (int cut = 1; cut < n; cut++) {
		int ret = vfmig_parts_decode(buf, cut, &net);

		assert_true(ret == -EINVAL);
	}
	/* features read back from the blob */
	assert_int_equal(vfmig_parts_features(buf, n, &dev, &drv), 0);
	assert_int_equal(dev, net.device_features);
	assert_int_equal(vfmig_parts_nth_header(buf, n, 0, hdr), 0);
	assert_int_equal(get_unaligned_le16(hdr), VFMIG_PART_DEVICE_FEATURES);
	assert_int_equal(vfmig_parts_nth_header(buf, n, 999, hdr), -EINVAL);
	/* unknown mandatory part */
	put_unaligned_le16(0x999, buf);
	assert_int_equal(vfmig_parts_decode(buf, n, &net), -EPROTO);
	/* unknown optional part is skipped, but then features are missing */
	buf[2] = VFMIG_PART_F_OPTIONAL;
	assert_int_equal(vfmig_parts_decode(buf, n, &net), -EINVAL);
	/* a part length past the end */
	put_unaligned_le32(100000, buf + 12);
	assert_int_equal(vfmig_parts_walk(buf, n, &count), -EINVAL);
	fmt(&blk, after);
	assert_string_equal(before, after);
}

static void test_text_good(void **state)
{
	struct vfmig_dev_state st;
	char out[4096];
	const char *in = "device_features=0x100000020\nmac=02:11:22:33:44:55\n"
			 "num_queues=4 q3=128,0x0002,1,0x1000,0x2000,0x3000\n"
			 "mtu=9000 net_status=0\n";

	vfmig_dev_state_init(&st, VFMIG_VIRTIO_ID_NET, 0);
	assert_int_equal(vfmig_state_parse(&st, in, strlen(in)), 0);
	assert_int_equal(st.device_features, 0x100000020ull);
	assert_int_equal(st.mac[0], 0x02);
	assert_int_equal(st.mac[5], 0x55);
	assert_int_equal(st.num_queues, 4);
	assert_int_equal(st.vq[3].size, 128);
	assert_int_equal(st.vq[3].device, 0x3000);
	assert_int_equal(st.mtu, 9000);
	/* the text read back parses to the same state */
	fmt(&st, out);
	{
		struct vfmig_dev_state st2;
		char out2[4096];
		/* blob_crc is read-only: strip it before writing back */
		char *crc = strstr(out, "blob_crc=");

		*crc = '\0';
		vfmig_dev_state_init(&st2, VFMIG_VIRTIO_ID_NET, 7);
		assert_int_equal(vfmig_state_parse(&st2, out, strlen(out)), 0);
		fmt(&st, out);
		fmt(&st2, out2);
		assert_string_equal(out, out2);
	}
	/* blob content is deterministic from the seed */
	assert_int_equal(vfmig_state_parse(&st, "blob_size=64 blob_seed=3", 24), 0);
	assert_non_null(st.blob);
	{
		u8 ref[64];

		vfmig_blob_fill(ref, 64, 3);
		assert_memory_equal(ref, st.blob, 64);
	}
	assert_int_equal(vfmig_state_parse(&st, "blob_size=0", 11), 0);
	assert_null(st.blob);
	vfmig_dev_state_clear(&st);
}

static void test_text_bad(void **state)
{
	static const char * const bad[] = {
		"bogus=1", "status", "status=", "status=0x100", "status=12a",
		"mac=52:54:00:00:00", "mac=52-54-00-00-00-01", "mac=zz:54:00:00:00:01",
		"num_queues=0", "num_queues=17", "q2=1,2,3,4,5,6", "q0=1,2,3,4,5",
		"q0=1,2,2,4,5,6", "capacity=5", "blob_size=4194305",
		"device_features=0x10000000000000000", "mtu=1500 bogus=2",
		"=5", "status=1=2",
	};
	struct vfmig_dev_state st;
	char before[4096], after[4096];

	vfmig_dev_state_init(&st, VFMIG_VIRTIO_ID_NET, 0);
	vfmig_state_parse(&st, "blob_size=10", 12);
	fmt(&st, before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vfmig_state_parse(&st, bad[i], strlen(bad[i]));

		if (ret != -EINVAL)
			fail_msg("'%s' gave %d", bad[i], ret);
		fmt(&st, after);
		assert_string_equal(before, after);
	}
	vfmig_dev_state_clear(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_roundtrip),
		cmocka_unit_test(test_parts_bad),
		cmocka_unit_test(test_text_good),
		cmocka_unit_test(test_text_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
