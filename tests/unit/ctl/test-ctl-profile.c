/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfmigctl's profile forms against the agent's own core: every form
 * `vfmigctl profile` prints is one `vfmigctl check` reads back to the same
 * profiles, and bad input is refused naming what is wrong. Fixtures are
 * in tests/data/ctl/ (README.md there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/domxml.h"
#include "core/profile.h"
#include "ctl-exit.h"
#include "ctl-profile.h"

static char *fixture(const char *rel, gsize *len)
{
        g_autofree char *path = g_build_filename(CTL_TEST_DATA, rel, NULL);
        g_autoptr(GError) error = NULL;
        char *text = NULL;

        if (!g_file_get_contents(path, &text, len, &error))
                fail_msg("%s", error->message);
        return text;
}

/* The profiles of a metadata text, as profile_to_json strings with alias and address. */
static char *summary(const char *metadata)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) meta = domxml_parse_metadata(metadata, strlen(metadata), &error);
        GString *s = g_string_new(NULL);

        if (!meta)
                fail_msg("metadata does not parse: %s\n%s", error->message, metadata);
        for (guint i = 0; i < meta->len; i++) {
                const DomxmlMetaDevice *m = meta->pdata[i];
                g_autofree char *j = profile_to_json(m->profile, FALSE);

                g_string_append_printf(s, "%s|%s|%s\n", m->alias ? m->alias : "(null)", m->address, j);
        }
        return g_string_free(s, FALSE);
}

static void test_input_kind_table(void **state)
{
        for (int k = 0; k < _CTL_INPUT_MAX; k++) {
                const char *name = ctl_input_kind_to_string(k);

                assert_non_null(name);
                assert_int_equal(ctl_input_kind_from_string(name), k);
        }
        assert_null(ctl_input_kind_to_string(_CTL_INPUT_MAX));
        assert_int_equal(ctl_input_kind_from_string("yaml"), _CTL_INPUT_INVALID);
}

static const struct {
        const char *text;
        CtlInputKind kind;
} classify_cases[] = {
        { "<domain/>", CTL_INPUT_XML },
        { "  \n\t<?xml version='1.0'?><domain/>", CTL_INPUT_XML },
        { "\xef\xbb\xbf<vfmig:migration/>", CTL_INPUT_XML },
        { "{\"address\": \"0000:3b:00.2\"}", CTL_INPUT_JSON },
        { "\n[ ]", CTL_INPUT_JSON },
        { "address=0000:3b:00.2", _CTL_INPUT_INVALID },
        { "   ", _CTL_INPUT_INVALID },
        { "", _CTL_INPUT_INVALID },
};

static void test_classify(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(classify_cases); i++)
                if (ctl_input_classify(classify_cases[i].text, strlen(classify_cases[i].text)) !=
                    classify_cases[i].kind)
                        fail_msg("\"%s\": expected %d", classify_cases[i].text, classify_cases[i].kind);
        assert_int_equal(ctl_input_classify(NULL, 0), _CTL_INPUT_INVALID);
}

/* metadata -> profile --json (domain form) -> check request: the same devices and profiles. */
static void test_domain_json_round_trip(void **state)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *metadata = fixture("two-devices/metadata.xml", NULL);
        g_autofree char *json = ctl_profile_metadata_to_json(metadata, FALSE, &error);
        g_autofree char *request = NULL;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;

        assert_non_null(json);
        assert_true(json[0] == '[');
        assert_non_null(strstr(json, "\"alias\" : \"hostdev1\""));
        assert_non_null(strstr(json, "\"address\" : \"0000:af:00.2\""));
        request = ctl_input_to_check_request(json, strlen(json), &error);
        if (!request)
                fail_msg("%s\n%s", error->message, json);
        before = summary(metadata);
        after = summary(request);
        assert_string_equal(before, after);
        assert_int_equal(ctl_input_classify(json, strlen(json)), CTL_INPUT_JSON);
}

/* The VF form: one object, read back alone or inside an array. */
static void test_vf_json_round_trip(void **state)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *metadata = fixture("two-devices/metadata.xml", NULL);
        g_autoptr(GPtrArray) meta = domxml_parse_metadata(metadata, strlen(metadata), &error);
        g_autoptr(GPtrArray) first = g_ptr_array_new();
        g_autofree char *one = NULL;
        g_autofree char *json = NULL;
        g_autofree char *array = NULL;
        g_autofree char *request = NULL;
        g_autofree char *request2 = NULL;
        g_autofree char *want = NULL;
        g_autofree char *got = NULL;
        g_autofree char *got2 = NULL;

        assert_non_null(meta);
        g_ptr_array_add(first, meta->pdata[0]);
        one = domxml_format_metadata(first);
        json = ctl_profile_metadata_to_json(one, TRUE, &error);
        assert_non_null(json);
        assert_true(json[0] == '{');
        request = ctl_input_to_check_request(json, strlen(json), &error);
        assert_non_null(request);
        want = summary(one);
        got = summary(request);
        assert_string_equal(want, got);
        array = g_strdup_printf("[%s]", json);
        request2 = ctl_input_to_check_request(array, strlen(array), &error);
        assert_non_null(request2);
        got2 = summary(request2);
        assert_string_equal(want, got2);

        /* The VF form of a two-device answer is the agent's mistake: refused. */
        g_clear_pointer(&json, g_free);
        json = ctl_profile_metadata_to_json(metadata, TRUE, &error);
        assert_null(json);
        assert_true(g_error_matches(error, CTL_ERROR, CTL_EXIT_FAILURE));
        assert_non_null(strstr(error->message, "2 devices"));
}

/* XML is passed to the agent as it is: it has the one safe parser. */
/* "" as alias means none (the metadata form has no empty alias); short addresses are normalized. */
static void test_json_normalized(void **state)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *bare = fixture("bare-profile/input.json", NULL);
        g_autofree char *json = g_strdup_printf("{\"alias\": \"\", \"address\": \"3B:00.2\", \"profile\": %s}", bare);
        g_autofree char *request = ctl_input_to_check_request(json, strlen(json), &error);
        g_autoptr(GPtrArray) meta = NULL;
        const DomxmlMetaDevice *m;

        if (!request)
                fail_msg("%s", error->message);
        meta = domxml_parse_metadata(request, strlen(request), &error);
        if (!meta)
                fail_msg("%s\n%s", error->message, request);
        assert_int_equal(meta->len, 1);
        m = meta->pdata[0];
        assert_null(m->alias);
        assert_string_equal(m->address, "0000:3b:00.2");
}

static void test_xml_passes_through(void **state)
{
        g_autofree char *metadata = fixture("two-devices/metadata.xml", NULL);
        g_autofree char *request = ctl_input_to_check_request(metadata, strlen(metadata), NULL);

        assert_string_equal(request, metadata);
}

static void refused(const char *text, const char *needle)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *request = ctl_input_to_check_request(text, strlen(text), &error);

        if (request)
                fail_msg("accepted: %s", text);
        assert_true(g_error_matches(error, CTL_ERROR, CTL_EXIT_USAGE));
        if (!strstr(error->message, needle))
                fail_msg("message \"%s\" lacks \"%s\"", error->message, needle);
}

static void test_bad_input(void **state)
{
        g_autofree char *bare = fixture("bare-profile/input.json", NULL);
        g_autofree char *bad_array = fixture("bad-array/input.json", NULL);
        g_autofree char *bad_profile = NULL;
        g_autofree char *no_address = NULL;

        refused(bare, "bare profile");
        refused(bad_array, "device 1 of the array");
        refused("[]", "names no device");
        refused("{\"address\": \"0000:3b:00.2\",", "not valid JSON");
        refused("[1]", "device 0 of the array");
        refused("hello", "neither XML nor JSON");
        {
                /* A nesting bomb is refused before json-glib recurses into it. */
                g_autofree char *deep = g_strnfill(200000, '[');
                g_autofree char *ok_depth = g_strdup("[[[[[[[[\"[[[[[[[[[[[[[[[[[[\"]]]]]]]]");
                /* json-glib skips comments: a quote inside one must not
                 * hide the brackets after it. */
                g_autofree char *hidden = g_strconcat("[/*\"*/", deep, NULL);

                refused(deep, "nested deeper than 8 levels");
                refused(hidden, "nested deeper than 8 levels");
                refused("{\"address\": \"0000:3b:00.2\\u0000x\"}", "NUL");
                /* Brackets inside strings do not count: this one fails later, as JSON of the wrong shape. */
                refused(ok_depth, "device 0 of the array");
        }
        no_address = g_strdup_printf("{\"alias\": \"hostdev0\", \"profile\": %s}", bare);
        refused(no_address, "\"address\"");
        refused("{\"alias\": 7, \"address\": \"0000:3b:00.2\", \"profile\": {}}", "\"alias\"");
        refused("{\"alias\": null, \"address\": \"0000:3b:00.9\", \"profile\": {}}", "\"address\": ");
        refused("{\"alias\": null, \"address\": \"0000:3b:00.2xxxxxxxxxxxxxxxxxxxxx\", \"profile\": {}}",
                "\"address\": ");
        /* The profile's own parser names the member; we add the device. */
        bad_profile = g_strdup_printf("{\"alias\": null, \"address\": \"0000:3b:00.2\", \"profile\": %s}",
                                      "{\"version\": 1, \"type\": \"nett\"}");
        refused(bad_profile, "0000:3b:00.2");
}

static void test_table(void **state)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *metadata = fixture("two-devices/metadata.xml", NULL);
        g_autofree char *text = ctl_profile_metadata_to_table(metadata, &error);
        g_autofree char *empty = NULL;
        g_auto(GStrv) blocks = NULL;

        assert_non_null(text);
        blocks = g_strsplit(text, "\n\n", -1);
        assert_int_equal(g_strv_length(blocks), 2);
        assert_non_null(strstr(blocks[0], "device"));
        assert_non_null(strstr(blocks[0], "hostdev0"));
        assert_non_null(strstr(blocks[0], "0000:3b:00.2"));
        assert_non_null(strstr(blocks[0], "limits.mtu"));
        assert_non_null(strstr(blocks[0], "1500"));
        assert_non_null(strstr(blocks[1], "0000:af:00.2"));
        assert_non_null(strstr(blocks[1], "blk"));

        empty = ctl_profile_metadata_to_table("<vfmig:migration xmlns:vfmig=\"" VFMIG_XML_NS "\"/>", &error);
        assert_non_null(empty);
        assert_string_equal(empty, "No managed VF: no profile.\n");

        g_clear_pointer(&text, g_free);
        text = ctl_profile_metadata_to_table("<domain/>", &error);
        assert_null(text);
        assert_true(g_error_matches(error, CTL_ERROR, CTL_EXIT_FAILURE));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_input_kind_table),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_domain_json_round_trip),
                cmocka_unit_test(test_vf_json_round_trip),
                cmocka_unit_test(test_json_normalized),
                cmocka_unit_test(test_xml_passes_through),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_table),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
