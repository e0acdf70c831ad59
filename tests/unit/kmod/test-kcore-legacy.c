/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Legacy I/O BAR decoding, as a table of accesses and their outcome. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vfmig_legacy.h"

static const struct {
	unsigned int off, size;
	bool write, msix;
	int ret, area, offset;
} cases[] = {
	{ 0x00, 4, false, false, 0, VFMIG_LEGACY_COMMON, 0x00 },	/* host features */
	{ 0x04, 4, true, false, 0, VFMIG_LEGACY_COMMON, 0x04 },		/* guest features */
	{ 0x0e, 2, true, false, 0, VFMIG_LEGACY_COMMON, 0x0e },		/* queue select */
	{ 0x10, 2, true, false, 0, VFMIG_LEGACY_NOTIFY, 0 },		/* queue notify */
	{ 0x10, 2, false, false, 0, VFMIG_LEGACY_COMMON, 0x10 },	/* notify read */
	{ 0x12, 1, true, false, 0, VFMIG_LEGACY_COMMON, 0x12 },		/* status */
	{ 0x14, 1, false, false, 0, VFMIG_LEGACY_DEVICE, 0 },		/* mac[0] */
	{ 0x14, 2, false, true, 0, VFMIG_LEGACY_COMMON, 0x14 },		/* config vector */
	{ 0x18, 4, false, true, 0, VFMIG_LEGACY_DEVICE, 0 },		/* mac with msix */
	{ 0x1a, 2, false, false, 0, VFMIG_LEGACY_DEVICE, 6 },		/* net status */
	{ 0x12, 4, false, false, -EINVAL, 0, 0 },			/* crosses header end */
	{ 0x16, 4, false, true, -EINVAL, 0, 0 },			/* crosses msix end */
	{ 0x14, 6, false, false, 0, VFMIG_LEGACY_DEVICE, 0 },		/* whole mac */
	{ 0x00, 8, false, false, 0, VFMIG_LEGACY_COMMON, 0 },		/* both feature words */
	{ 0x10, 4, true, false, 0, VFMIG_LEGACY_COMMON, 0x10 },		/* notify+status: no notify */
	{ 0x10, 1, true, false, 0, VFMIG_LEGACY_COMMON, 0x10 },
	{ 0x00, 0x14, false, false, 0, VFMIG_LEGACY_COMMON, 0 },	/* whole header */
	{ 0x00, 0x15, false, false, -EINVAL, 0, 0 },			/* header + 1 */
	{ 0x00, 0, false, false, -EINVAL, 0, 0 },			/* empty */
	{ 0x14, 0x2c, false, false, 0, VFMIG_LEGACY_DEVICE, 0 },	/* to the BAR end */
	{ 0x14, 0x2d, false, false, -EINVAL, 0, 0 },
	{ 0x3e, 4, false, false, -EINVAL, 0, 0 },			/* past the BAR */
	{ 0x40, 1, false, false, -EINVAL, 0, 0 },
	{ 0xffffffffu, 1, false, false, -EINVAL, 0, 0 },
};

static void test_decode_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vfmig_legacy_access acc = { .area = 99, .offset = 77 };
		int ret = vfmig_legacy_decode(cases[i].off, cases[i].size,
					      cases[i].write, cases[i].msix, &acc);

		if (ret != cases[i].ret)
			fail_msg("case %zu (off 0x%x size %u): ret %d, expected %d",
				 i, cases[i].off, cases[i].size, ret, cases[i].ret);
		if (ret) {
			/* output untouched on error */
			assert_int_equal(acc.area, 99);
			assert_int_equal(acc.offset, 77);
			continue;
		}
		assert_int_equal(acc.area, cases[i].area);
		assert_int_equal(acc.offset, cases[i].offset);
	}
}

static void test_area_strings(void **state)
{
	for (int i = 0; i < VFMIG_LEGACY_AREA_MAX; i++) {
		const char *n = vfmig_legacy_area_to_string(i);

		assert_non_null(n);
		assert_int_equal(vfmig_legacy_area_from_string(n), i);
	}
	assert_null(vfmig_legacy_area_to_string(VFMIG_LEGACY_AREA_MAX));
	assert_null(vfmig_legacy_area_to_string(VFMIG_LEGACY_AREA_INVALID));
	assert_int_equal(vfmig_legacy_area_from_string("x"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_area_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
