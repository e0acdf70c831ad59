/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctl-json.h"

static char *quoted(const char *s)
{
        GString *out = g_string_new(NULL);

        ctl_json_append_quoted(out, s);
        return g_string_free(out, FALSE);
}

static const struct {
        const char *in;
        const char *out;
} escapes[] = {
        { "", "\"\"" },
        { "plain 0000:3b:00.2", "\"plain 0000:3b:00.2\"" },
        { "a\"b", "\"a\\\"b\"" },
        { "back\\slash", "\"back\\\\slash\"" },
        { "line\nfeed\ttab\rcr", "\"line\\nfeed\\ttab\\rcr\"" },
        { "\b\f", "\"\\b\\f\"" },
        { "\x01\x1f", "\"\\u0001\\u001f\"" },
        { "del\x7f", "\"del\x7f\"" },
        /* Slashes need no escape. */
        { "/org/vfmig/Agent1", "\"/org/vfmig/Agent1\"" },
        /* Non-ASCII passes through untouched. */
        { "vm-\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "\"vm-\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7\"" },
        /* Invalid UTF-8 becomes U+FFFD, one per bad byte. */
        { "bad\xff", "\"bad\\ufffd\"" },
        { "trunc\xe2\x82", "\"trunc\\ufffd\\ufffd\"" },
        { "\xc3(", "\"\\ufffd(\"" },
};

static void test_json_escape(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(escapes); i++) {
                g_autofree char *got = quoted(escapes[i].in);

                if (!g_str_equal(got, escapes[i].out))
                        fail_msg("case %zu: expected %s, got %s", i, escapes[i].out, got);
        }
}

static void test_json_compact(void **state)
{
        g_autoptr(CtlJson) j = ctl_json_new(FALSE);
        const char *const strv[] = { "a", "b", NULL };

        ctl_json_begin_object(j);
        ctl_json_key(j, "s");
        ctl_json_string(j, "x");
        ctl_json_key(j, "n");
        ctl_json_null(j);
        ctl_json_key(j, "none");
        ctl_json_string(j, NULL);
        ctl_json_key(j, "u");
        ctl_json_uint(j, G_MAXUINT64);
        ctl_json_key(j, "i");
        ctl_json_int(j, G_MININT64);
        ctl_json_key(j, "t");
        ctl_json_bool(j, TRUE);
        ctl_json_key(j, "f");
        ctl_json_bool(j, FALSE);
        ctl_json_key(j, "empty");
        ctl_json_begin_array(j);
        ctl_json_end_array(j);
        ctl_json_key(j, "eo");
        ctl_json_begin_object(j);
        ctl_json_end_object(j);
        ctl_json_key(j, "v");
        ctl_json_strv(j, strv);
        ctl_json_key(j, "nv");
        ctl_json_strv(j, NULL);
        ctl_json_key(j, "k\"ey");
        ctl_json_begin_array(j);
        ctl_json_uint(j, 1);
        ctl_json_begin_object(j);
        ctl_json_key(j, "x");
        ctl_json_uint(j, 2);
        ctl_json_end_object(j);
        ctl_json_end_array(j);
        assert_false(ctl_json_is_complete(j));
        ctl_json_end_object(j);
        assert_true(ctl_json_is_complete(j));
        assert_string_equal(ctl_json_get(j),
                            "{\"s\":\"x\",\"n\":null,\"none\":null,\"u\":18446744073709551615,"
                            "\"i\":-9223372036854775808,\"t\":true,\"f\":false,\"empty\":[],"
                            "\"eo\":{},\"v\":[\"a\",\"b\"],\"nv\":[],\"k\\\"ey\":[1,{\"x\":2}]}");
}

static void test_json_pretty(void **state)
{
        g_autoptr(CtlJson) j = ctl_json_new(TRUE);
        g_autofree char *text = NULL;

        ctl_json_begin_object(j);
        ctl_json_key(j, "pfs");
        ctl_json_begin_array(j);
        ctl_json_begin_object(j);
        ctl_json_key(j, "a");
        ctl_json_uint(j, 1);
        ctl_json_key(j, "vfs");
        ctl_json_begin_array(j);
        ctl_json_end_array(j);
        ctl_json_end_object(j);
        ctl_json_end_array(j);
        ctl_json_end_object(j);
        text = ctl_json_steal(g_steal_pointer(&j));
        assert_string_equal(text,
                            "{\n"
                            "  \"pfs\": [\n"
                            "    {\n"
                            "      \"a\": 1,\n"
                            "      \"vfs\": []\n"
                            "    }\n"
                            "  ]\n"
                            "}\n");
}

static void test_json_scalar_top(void **state)
{
        g_autoptr(CtlJson) j = ctl_json_new(FALSE);

        assert_false(ctl_json_is_complete(j));
        ctl_json_string(j, "x");
        assert_true(ctl_json_is_complete(j));
        assert_string_equal(ctl_json_get(j), "\"x\"");
}

static guint n_criticals;

/* Counts g_return_if_fail() reports instead of printing them. */
static GLogWriterOutput count_criticals(GLogLevelFlags level, const GLogField *fields,
                                        gsize n_fields, gpointer data)
{
        if (level & G_LOG_LEVEL_CRITICAL)
                n_criticals++;
        return G_LOG_WRITER_HANDLED;
}

static void test_json_misuse(void **state)
{
        g_autoptr(CtlJson) j = ctl_json_new(FALSE);

        /* A value without a key in an object, and an unbalanced end, are refused. */
        ctl_json_begin_object(j);
        n_criticals = 0;
        ctl_json_uint(j, 1);
        ctl_json_end_array(j);
        assert_int_equal(n_criticals, 2);
        assert_string_equal(ctl_json_get(j), "{");
        assert_false(ctl_json_is_complete(j));
}

int main(void)
{
        g_log_set_writer_func(count_criticals, NULL, NULL);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_escape),
                cmocka_unit_test(test_json_compact),
                cmocka_unit_test(test_json_pretty),
                cmocka_unit_test(test_json_scalar_top),
                cmocka_unit_test(test_json_misuse),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
