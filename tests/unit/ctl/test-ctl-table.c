/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl-table.h"

static void test_table_aligned(void **state)
{
        static const char *const headers[] = { "VF", "INDEX", "STATE", NULL };
        g_autoptr(CtlTable) t = ctl_table_new(3, headers);
        g_autofree char *text = NULL;

        ctl_table_set_align(t, 1, CTL_ALIGN_RIGHT);
        ctl_table_add(t, "0000:3b:00.2", "0", "free");
        ctl_table_add(t, "0000:3b:00.3", "12", "claimed");
        assert_int_equal(ctl_table_n_rows(t), 2);
        text = ctl_table_format(t);
        assert_string_equal(text,
                            "VF            INDEX  STATE\n"
                            "0000:3b:00.2      0  free\n"
                            "0000:3b:00.3     12  claimed\n");
}

/* Widths follow the data: a long cell widens its column, nothing is cut. */
static void test_table_long_field(void **state)
{
        static const char *const headers[] = { "A", "B", NULL };
        g_autoptr(CtlTable) t = ctl_table_new(2, headers);
        g_autofree char *long_cell = g_strnfill(300, 'x');
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        ctl_table_add(t, long_cell, "end");
        ctl_table_add(t, "short", "end");
        text = ctl_table_format(t);
        lines = g_strsplit(text, "\n", -1);
        assert_int_equal(g_strv_length(lines), 4); /* 3 lines + "" after the last \n */
        assert_int_equal(strlen(lines[0]), 300 + 2 + 1);
        assert_int_equal(strlen(lines[1]), 300 + 2 + 3);
        assert_int_equal(strlen(lines[2]), 300 + 2 + 3);
        assert_true(g_str_has_prefix(lines[1], long_cell));
        assert_true(g_str_has_suffix(lines[2], "  end"));
        assert_string_equal(lines[3], "");
}

/* Empty cells show the placeholder; no line ends in a blank. */
static void test_table_empty_cells(void **state)
{
        g_autoptr(CtlTable) t = ctl_table_new(3, NULL);
        g_autofree char *text = NULL;
        g_autofree char *text2 = NULL;

        ctl_table_add(t, "a", NULL, "");
        ctl_table_add(t, "bbb", "c", "d");
        text = ctl_table_format(t);
        assert_string_equal(text,
                            "a    -  -\n"
                            "bbb  c  d\n");
        ctl_table_set_empty(t, "");
        text2 = ctl_table_format(t);
        assert_string_equal(text2,
                            "a\n"
                            "bbb  c  d\n");
}

/* Characters, not bytes, decide the width of UTF-8 cells. */
static void test_table_utf8(void **state)
{
        g_autoptr(CtlTable) t = ctl_table_new(2, NULL);
        g_autofree char *text = NULL;

        ctl_table_add(t, "\xc3\xa9t\xc3\xa9", "x");   /* "été": 3 characters, 5 bytes */
        ctl_table_add(t, "abcd", "y");
        text = ctl_table_format(t);
        assert_string_equal(text,
                            "\xc3\xa9t\xc3\xa9   x\n"
                            "abcd  y\n");
}

/* Control characters in a cell cannot split a row or shift columns. */
static void test_table_control_chars(void **state)
{
        g_autoptr(CtlTable) t = ctl_table_new(2, NULL);
        g_autofree char *text = NULL;

        ctl_table_add(t, "two\nlines", "x");
        ctl_table_add(t, "tab\there", "y");
        text = ctl_table_format(t);
        assert_string_equal(text,
                            "two lines  x\n"
                            "tab here   y\n");
}

static void test_table_header_only(void **state)
{
        static const char *const headers[] = { "PF", "TYPE", NULL };
        g_autoptr(CtlTable) t = ctl_table_new(2, headers);
        g_autofree char *text = ctl_table_format(t);

        assert_int_equal(ctl_table_n_rows(t), 0);
        assert_string_equal(text, "PF  TYPE\n");
}

static void test_align_table_complete(void **state)
{
        for (int a = 0; a < _CTL_ALIGN_MAX; a++) {
                const char *name = ctl_align_to_string(a);

                assert_non_null(name);
                assert_int_equal(ctl_align_from_string(name), a);
        }
        assert_null(ctl_align_to_string(_CTL_ALIGN_MAX));
        assert_null(ctl_align_to_string(_CTL_ALIGN_INVALID));
        assert_int_equal(ctl_align_from_string("centre"), _CTL_ALIGN_INVALID);
        assert_int_equal(ctl_align_from_string(NULL), _CTL_ALIGN_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_aligned),
                cmocka_unit_test(test_table_long_field),
                cmocka_unit_test(test_table_empty_cells),
                cmocka_unit_test(test_table_utf8),
                cmocka_unit_test(test_table_control_chars),
                cmocka_unit_test(test_table_header_only),
                cmocka_unit_test(test_align_table_complete),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
