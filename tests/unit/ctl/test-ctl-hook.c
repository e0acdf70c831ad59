/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl-exit.h"
#include "ctl-hook.h"

static void test_action_table_complete(void **state)
{
        for (int a = 0; a < _CTL_HOOK_ACTION_MAX; a++) {
                const char *name = ctl_hook_action_to_string(a);

                assert_non_null(name);
                assert_int_equal(ctl_hook_action_from_string(name), a);
        }
        assert_null(ctl_hook_action_to_string(_CTL_HOOK_ACTION_MAX));
        assert_null(ctl_hook_action_to_string(-1));
        assert_int_equal(ctl_hook_action_from_string("nope"), _CTL_HOOK_ACTION_INVALID);
        assert_int_equal(ctl_hook_action_from_string(NULL), _CTL_HOOK_ACTION_INVALID);
}

/* Every operation libvirt 11.3 runs the qemu hook with (libvirt's hooks page). */
static const struct {
        const char *op, *subop;
        CtlHookAction action;
} qemu_cases[] = {
        { "prepare", "begin", CTL_HOOK_ACTION_CLAIM },
        { "start", "begin", CTL_HOOK_ACTION_NONE },
        { "started", "begin", CTL_HOOK_ACTION_NONE },
        { "stopped", "end", CTL_HOOK_ACTION_RELEASE },
        { "release", "end", CTL_HOOK_ACTION_RELEASE },
        { "migrate", "begin", CTL_HOOK_ACTION_PREPARE },
        { "restore", "begin", CTL_HOOK_ACTION_NONE },
        { "reconnect", "begin", CTL_HOOK_ACTION_RECONCILE },
        { "attach", "begin", CTL_HOOK_ACTION_NONE },
        /* Near misses are not ours. */
        { "prepare", "end", CTL_HOOK_ACTION_NONE },
        { "migrate", "end", CTL_HOOK_ACTION_NONE },
        { "Prepare", "begin", CTL_HOOK_ACTION_NONE },
        { "release", "begin", CTL_HOOK_ACTION_NONE },
        { "", "", CTL_HOOK_ACTION_NONE },
};

static void test_qemu_actions(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(qemu_cases); i++) {
                CtlHookAction got = ctl_hook_qemu_action(qemu_cases[i].op, qemu_cases[i].subop);

                if (got != qemu_cases[i].action)
                        fail_msg("%s %s: expected %s, got %s", qemu_cases[i].op, qemu_cases[i].subop,
                                 ctl_hook_action_to_string(qemu_cases[i].action),
                                 ctl_hook_action_to_string(got));
        }
        assert_int_equal(ctl_hook_qemu_action(NULL, "begin"), CTL_HOOK_ACTION_NONE);
        assert_string_equal(ctl_hook_qemu_reason("-"), "");
        assert_string_equal(ctl_hook_qemu_reason(NULL), "");
        assert_string_equal(ctl_hook_qemu_reason("migrated"), "migrated");
}

static const struct {
        const char *event;
        CtlHookAction action;
        const char *reason;
} vdsm_cases[] = {
        { "before_vm_start", CTL_HOOK_ACTION_CLAIM, "" },
        { "before_vm_migrate_destination", CTL_HOOK_ACTION_PREPARE, "" },
        { "after_vm_migrate_source", CTL_HOOK_ACTION_RELEASE, "migrated" },
        { "after_vm_destroy", CTL_HOOK_ACTION_RELEASE, "destroyed" },
        { "before_vm_destroy", CTL_HOOK_ACTION_NONE, "" },   /* VDSM gives it no XML */
        { "after_vm_start", CTL_HOOK_ACTION_NONE, "" },
        { "before_vm_migrate_source", CTL_HOOK_ACTION_NONE, "" },
        { "after_vm_migrate_destination", CTL_HOOK_ACTION_NONE, "" },
        { "after_vm_migrate_fail", CTL_HOOK_ACTION_NONE, "" },  /* no such VDSM hook */
        { "", CTL_HOOK_ACTION_NONE, "" },
};

static void test_vdsm_actions(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(vdsm_cases); i++) {
                const char *reason = NULL;
                CtlHookAction got = ctl_hook_vdsm_action(vdsm_cases[i].event, &reason);

                if (got != vdsm_cases[i].action)
                        fail_msg("%s: expected %s, got %s", vdsm_cases[i].event,
                                 ctl_hook_action_to_string(vdsm_cases[i].action),
                                 ctl_hook_action_to_string(got));
                assert_string_equal(reason, vdsm_cases[i].reason);
        }
        assert_int_equal(ctl_hook_vdsm_action(NULL, NULL), CTL_HOOK_ACTION_NONE);
}

static void test_may_refuse(void **state)
{
        assert_true(ctl_hook_action_may_refuse(CTL_HOOK_ACTION_CLAIM));
        assert_true(ctl_hook_action_may_refuse(CTL_HOOK_ACTION_PREPARE));
        /* A stop must go through; a failed reconnect hook kills the guest. */
        assert_false(ctl_hook_action_may_refuse(CTL_HOOK_ACTION_RELEASE));
        assert_false(ctl_hook_action_may_refuse(CTL_HOOK_ACTION_RECONCILE));
        assert_false(ctl_hook_action_may_refuse(CTL_HOOK_ACTION_NONE));
}

static const struct {
        const char *xml;
        gboolean may;
} vf_cases[] = {
        { "<domain><name>a</name><devices><disk type='file'/></devices></domain>", FALSE },
        { "<domain><devices><hostdev mode='subsystem' type='pci'/></devices></domain>", TRUE },
        { "<domain><devices><interface type='hostdev'/></devices></domain>", TRUE },
        { "<domain><devices><interface type=\"hostdev\"/></devices></domain>", TRUE },
        /* A character reference could spell "hostdev": take the slow path. */
        { "<domain><devices><interface type='&#104;ostdev'/></devices></domain>", TRUE },
        { "<domain><devices><interface type='network'/></devices></domain>", FALSE },
        { "", FALSE },
};

static void test_may_have_vf(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(vf_cases); i++)
                if (ctl_hook_xml_may_have_vf(vf_cases[i].xml, strlen(vf_cases[i].xml)) != vf_cases[i].may)
                        fail_msg("%s: expected %d", vf_cases[i].xml, vf_cases[i].may);
        /* The length bounds the scan: a match beyond it does not count. */
        assert_false(ctl_hook_xml_may_have_vf("<domain/>hostdev", strlen("<domain/>")));
        assert_false(ctl_hook_xml_may_have_vf(NULL, 0));
}

static void check_refused(const char *text, gsize len, const char *needle)
{
        g_autoptr(GError) error = NULL;

        assert_false(ctl_hook_check_text("the domain XML", text, len, &error));
        assert_true(g_error_matches(error, CTL_ERROR, CTL_EXIT_USAGE));
        if (!strstr(error->message, needle) || !strstr(error->message, "the domain XML"))
                fail_msg("message \"%s\" lacks \"%s\"", error->message, needle);
}

static void test_check_text(void **state)
{
        g_autofree char *big = g_malloc(CTL_HOOK_MAX_XML + 1);
        static const char nul[] = "<domain>\0</domain>";

        assert_true(ctl_hook_check_text("x", "<domain/>", 9, NULL));
        assert_true(ctl_hook_check_text("x", "<domain><name>vm-é</name></domain>",
                                        strlen("<domain><name>vm-é</name></domain>"), NULL));
        memset(big, 'a', CTL_HOOK_MAX_XML + 1);
        assert_true(ctl_hook_check_text("x", big, CTL_HOOK_MAX_XML, NULL));
        check_refused(big, CTL_HOOK_MAX_XML + 1, "larger than");
        check_refused(nul, sizeof(nul) - 1, "NUL byte at offset 8");
        check_refused("<domain>\xff</domain>", 18, "not valid UTF-8 at offset 8");
        check_refused("", 0, "empty");
}

static void test_format_lines(void **state)
{
        g_autofree char *one = ctl_hook_format_lines("hostdev0 (0000:3b:00.2): type differs");
        g_autofree char *two = ctl_hook_format_lines("hostdev0 (0000:3b:00.2): a; b\n\n  hostdev1 (0000:3b:00.3): c\n");
        g_autofree char *none = ctl_hook_format_lines("");

        assert_string_equal(one, "vfmig: hostdev0 (0000:3b:00.2): type differs\n");
        assert_string_equal(two, "vfmig: hostdev0 (0000:3b:00.2): a; b\n"
                                 "vfmig: hostdev1 (0000:3b:00.3): c\n");
        assert_string_equal(none, "vfmig: failed without a message\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_action_table_complete),
                cmocka_unit_test(test_qemu_actions),
                cmocka_unit_test(test_vdsm_actions),
                cmocka_unit_test(test_may_refuse),
                cmocka_unit_test(test_may_have_vf),
                cmocka_unit_test(test_check_text),
                cmocka_unit_test(test_format_lines),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
