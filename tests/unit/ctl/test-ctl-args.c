/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl-args.h"
#include "ctl-exit.h"

#define UUID "6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b"

/* Parses a space-separated command line (no quoting needed in these tests). */
static CtlArgs *parse(const char *line, GError **error)
{
        g_auto(GStrv) words = g_strsplit(line, " ", -1);
        g_autoptr(GPtrArray) argv = g_ptr_array_new();

        g_ptr_array_add(argv, "vfmigctl");
        for (int i = 0; words[i]; i++)
                if (*words[i])
                        g_ptr_array_add(argv, words[i]);
        return ctl_args_parse(argv->len, (char *const *) argv->pdata, error);
}

static CtlArgs *parse_ok(const char *line)
{
        g_autoptr(GError) error = NULL;
        CtlArgs *a = parse(line, &error);

        if (!a)
                fail_msg("\"%s\": %s", line, error->message);
        return a;
}

/* The error message must contain `needle`; the code is always usage. */
static void parse_fails(const char *line, const char *needle)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(CtlArgs) a = parse(line, &error);

        if (a)
                fail_msg("\"%s\" parsed, expected an error", line);
        assert_true(g_error_matches(error, CTL_ERROR, CTL_EXIT_USAGE));
        if (!strstr(error->message, needle))
                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", line, error->message, needle);
}

static void test_verb_table_complete(void **state)
{
        for (int v = 0; v < _CTL_VERB_MAX; v++) {
                const char *name = ctl_verb_to_string(v);
                g_autofree char *help = NULL;
                g_autofree char *tool_help = ctl_args_help();

                assert_non_null(name);
                assert_non_null(ctl_verb_synopsis(v));
                assert_int_equal(ctl_verb_from_string(name), v);
                help = ctl_verb_help(v);
                assert_non_null(strstr(help, name));
                /* The tool's help lists every verb. */
                assert_non_null(strstr(tool_help, name));
        }
        assert_null(ctl_verb_to_string(_CTL_VERB_MAX));
        assert_int_equal(ctl_verb_from_string("frobnicate"), _CTL_VERB_INVALID);
        assert_int_equal(ctl_verb_from_string(NULL), _CTL_VERB_INVALID);
}

static void test_help_lists_exit_codes(void **state)
{
        g_autofree char *help = ctl_args_help();

        for (int e = 0; e < _CTL_EXIT_MAX; e++) {
                g_autofree char *line = g_strdup_printf("  %d  %s\n", e, ctl_exit_description(e));

                assert_non_null(strstr(help, line));
        }
}

static void test_pci_address(void **state)
{
        static const char *const good[] = {
                "0000:3b:00.2", "0000:3B:1F.7", "ffff:ff:1f.0", "3b:00.2", "00:00.0", NULL,
        };
        static const char *const bad[] = {
                "", "0000:3b:00", "0000:3b:00.8", "0000:3b:20.0", "000:3b:00.2", "0000:3b:00.2x",
                "00000:3b:00.2", "0000-3b:00.2", "0000:3b:00:2", "g000:3b:00.2", "3b:0.2",
                " 3b:00.2", "0000:3b:00.", NULL,
        };

        for (int i = 0; good[i]; i++)
                if (!ctl_pci_address_is_valid(good[i]))
                        fail_msg("\"%s\" should be valid", good[i]);
        for (int i = 0; bad[i]; i++)
                if (ctl_pci_address_is_valid(bad[i]))
                        fail_msg("\"%s\" should be invalid", bad[i]);
        assert_false(ctl_pci_address_is_valid(NULL));
}

static void test_parse_uint(void **state)
{
        guint v = 99;

        assert_true(ctl_parse_uint("0", 10, &v));
        assert_int_equal(v, 0);
        assert_true(ctl_parse_uint("4294967295", G_MAXUINT32, &v));
        assert_int_equal(v, G_MAXUINT32);
        v = 99;
        assert_false(ctl_parse_uint("4294967296", G_MAXUINT32, &v));
        assert_false(ctl_parse_uint("11", 10, &v));
        assert_false(ctl_parse_uint("-1", 10, &v));
        assert_false(ctl_parse_uint("+1", 10, &v));
        assert_false(ctl_parse_uint(" 1", 10, &v));
        assert_false(ctl_parse_uint("0x10", 100, &v));
        assert_false(ctl_parse_uint("", 10, &v));
        assert_false(ctl_parse_uint(NULL, 10, &v));
        assert_false(ctl_parse_uint("99999999999999999999999", G_MAXUINT32, &v));
        /* Written only on success. */
        assert_int_equal(v, 99);
}

static void test_parse_simple_verbs(void **state)
{
        static const struct {
                const char *line;
                CtlVerb verb;
        } cases[] = {
                { "list", CTL_VERB_LIST },
                { "apply", CTL_VERB_APPLY },
                { "rescan", CTL_VERB_RESCAN },
                { "status", CTL_VERB_STATUS },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(CtlArgs) a = parse_ok(cases[i].line);
                g_autofree char *extra = g_strconcat(cases[i].line, " 0000:3b:00.2", NULL);

                assert_int_equal(a->verb, cases[i].verb);
                assert_null(a->device);
                assert_false(a->json);
                parse_fails(extra, "unexpected argument \"0000:3b:00.2\"");
        }
}

static void test_parse_options(void **state)
{
        g_autoptr(CtlArgs) a = parse_ok("--json --bus-address unix:path=/tmp/x list");
        g_autoptr(CtlArgs) b = parse_ok("list -j --bus-address=unix:path=/tmp/y");
        g_autoptr(CtlArgs) h = parse_ok("--help");
        g_autoptr(CtlArgs) hv = parse_ok("claim --help");
        g_autoptr(CtlArgs) v = parse_ok("-V");
        g_autoptr(CtlArgs) dd = parse_ok("show -- 0000:3b:00.0");

        assert_int_equal(a->verb, CTL_VERB_LIST);
        assert_true(a->json);
        assert_string_equal(a->bus_address, "unix:path=/tmp/x");
        assert_true(b->json);
        assert_string_equal(b->bus_address, "unix:path=/tmp/y");
        assert_true(h->help);
        assert_int_equal(h->verb, _CTL_VERB_INVALID);
        /* A verb's --help needs none of its arguments. */
        assert_true(hv->help);
        assert_int_equal(hv->verb, CTL_VERB_CLAIM);
        assert_true(v->version);
        assert_string_equal(dd->device, "0000:3b:00.0");

        parse_fails("", "no verb given");
        parse_fails("--json", "no verb given");
        parse_fails("frobnicate", "unknown verb \"frobnicate\"");
        parse_fails("list --frob", "unknown option \"--frob\"");
        parse_fails("list --bus-address", "option --bus-address needs a value");
        parse_fails("list --bus-address=", "non-empty");
        parse_fails("list --lease 5", "--lease only applies to reserve");
        /* "--" ends options: what follows is an argument, here a bad address. */
        parse_fails("show -- --json", "\"--json\" is not a PCI address");
}

static void test_parse_show(void **state)
{
        g_autoptr(CtlArgs) a = parse_ok("show 0000:3b:00.2");
        g_autoptr(CtlArgs) s = parse_ok("show 3b:00.0 --json");

        assert_int_equal(a->verb, CTL_VERB_SHOW);
        assert_string_equal(a->device, "0000:3b:00.2");
        /* Passed as typed: the agent normalizes. */
        assert_string_equal(s->device, "3b:00.0");
        assert_true(s->json);
        parse_fails("show", "show: missing device");
        parse_fails("show 0000:3b:00.9", "show: \"0000:3b:00.9\" is not a PCI address");
        parse_fails("show 0000:3b:00.2 0000:3b:00.3", "unexpected argument \"0000:3b:00.3\"");
}

static void test_parse_provision(void **state)
{
        g_autoptr(CtlArgs) a = parse_ok("provision 0000:3b:00.0 8");
        g_autoptr(CtlArgs) z = parse_ok("provision 0000:3b:00.0 0");

        assert_int_equal(a->verb, CTL_VERB_PROVISION);
        assert_string_equal(a->device, "0000:3b:00.0");
        assert_int_equal(a->num_vfs, 8);
        assert_int_equal(z->num_vfs, 0);
        parse_fails("provision 0000:3b:00.0", "provision: missing number of VFs");
        parse_fails("provision", "provision: missing PF");
        parse_fails("provision 0000:3b:00.0 eight", "provision 0000:3b:00.0: \"eight\" is not a number of VFs");
        parse_fails("provision 0000:3b:00.0 -1", "unknown option \"-1\"");
        parse_fails("provision 0000:3b:00.0 99999999999", "is not a number of VFs");
        parse_fails("provision nope 8", "provision: \"nope\" is not a PCI address");
}

static void test_parse_bind_unbind(void **state)
{
        g_autoptr(CtlArgs) a = parse_ok("bind 0000:3b:00.2 vfio-pci");
        g_autoptr(CtlArgs) d = parse_ok("bind 0000:3b:00.2");
        g_autoptr(CtlArgs) u = parse_ok("unbind 0000:3b:00.2");

        assert_int_equal(a->verb, CTL_VERB_BIND);
        assert_string_equal(a->driver, "vfio-pci");
        /* No driver: the agent picks the PF's policy driver. */
        assert_null(d->driver);
        assert_int_equal(u->verb, CTL_VERB_UNBIND);
        assert_string_equal(u->device, "0000:3b:00.2");
        parse_fails("bind 0000:3b:00.2 ../../evil", "is not a driver name");
        parse_fails("unbind", "unbind: missing VF");
        parse_fails("unbind 0000:3b:00.2 vfio-pci", "unexpected argument");
}

static void test_parse_claim_reserve_assign_release(void **state)
{
        g_autoptr(CtlArgs) c = parse_ok("claim 0000:3b:00.2 " UUID " vm1");
        g_autoptr(CtlArgs) cn = parse_ok("claim 0000:3b:00.2 " UUID);
        g_autoptr(CtlArgs) r = parse_ok("reserve 0000:3b:00.2 " UUID " vm1 --lease 60");
        g_autoptr(CtlArgs) rl = parse_ok("reserve --lease=0 0000:3b:00.2 " UUID);
        g_autoptr(CtlArgs) rd = parse_ok("reserve 0000:3b:00.2 " UUID);
        g_autoptr(CtlArgs) as = parse_ok("assign 0000:3b:00.2 " UUID);
        g_autoptr(CtlArgs) re = parse_ok("release 0000:3b:00.2 " UUID);
        g_autoptr(CtlArgs) ra = parse_ok("release 0000:3b:00.2");
        g_autoptr(CtlArgs) uq = parse_ok("unquarantine 0000:3b:00.2");

        assert_int_equal(c->verb, CTL_VERB_CLAIM);
        assert_string_equal(c->owner_uuid, UUID);
        assert_string_equal(c->owner_name, "vm1");
        assert_null(cn->owner_name);
        assert_int_equal(r->verb, CTL_VERB_RESERVE);
        assert_true(r->has_lease);
        assert_int_equal(r->lease_sec, 60);
        assert_true(rl->has_lease);
        assert_int_equal(rl->lease_sec, 0);
        assert_false(rd->has_lease);
        assert_int_equal(rd->lease_sec, 0);
        assert_int_equal(as->verb, CTL_VERB_ASSIGN);
        assert_string_equal(as->owner_uuid, UUID);
        assert_string_equal(re->owner_uuid, UUID);
        /* Administrative release: no owner. */
        assert_null(ra->owner_uuid);
        assert_int_equal(uq->verb, CTL_VERB_UNQUARANTINE);

        parse_fails("claim 0000:3b:00.2", "claim: missing owner UUID");
        parse_fails("claim 0000:3b:00.2 not-a-uuid vm1", "claim 0000:3b:00.2: \"not-a-uuid\" is not a UUID");
        parse_fails("claim 0000:3b:00.2 " UUID " vm1 extra", "unexpected argument \"extra\"");
        parse_fails("claim 0000:3b:00.2 " UUID " --lease 5", "claim 0000:3b:00.2: option --lease only applies to reserve");
        parse_fails("reserve 0000:3b:00.2 " UUID " --lease soon", "\"soon\" is not a lease in seconds");
        parse_fails("reserve 0000:3b:00.2 " UUID " --lease", "option --lease needs a value");
        parse_fails("assign 0000:3b:00.2 " UUID " vm1", "unexpected argument \"vm1\"");
        parse_fails("assign 0000:3b:00.2", "assign: missing owner UUID");
        parse_fails("release 0000:3b:00.2 xyz", "\"xyz\" is not a UUID");
        parse_fails("release 3b:00.2.1", "is not a PCI address");
}

static void test_parse_profile_check_migrations(void **state)
{
        g_autoptr(CtlArgs) vf = parse_ok("profile 0000:3b:00.2 --json");
        g_autoptr(CtlArgs) dom = parse_ok("profile vm-one --xml");
        g_autoptr(CtlArgs) check = parse_ok("check -");
        g_autoptr(CtlArgs) check_file = parse_ok("--json check /tmp/dom.xml");
        g_autoptr(CtlArgs) mig = parse_ok("migrations --json");

        assert_int_equal(vf->verb, CTL_VERB_PROFILE);
        assert_string_equal(vf->target, "0000:3b:00.2");
        assert_true(vf->json);
        assert_string_equal(dom->target, "vm-one");
        assert_true(dom->xml);
        assert_int_equal(check->verb, CTL_VERB_CHECK);
        assert_string_equal(check->input, "-");
        assert_string_equal(check_file->input, "/tmp/dom.xml");
        assert_true(check_file->json);
        assert_int_equal(mig->verb, CTL_VERB_MIGRATIONS);

        parse_fails("profile", "missing VF or domain");
        parse_fails("profile a b", "unexpected argument");
        parse_fails("profile vm1 --json --xml", "exclude each other");
        parse_fails("list --xml", "only applies to profile");
        parse_fails("check", "missing file");
        parse_fails("migrations extra", "unexpected argument");
}

static void test_parse_hook(void **state)
{
        g_autoptr(CtlArgs) q = parse_ok("hook qemu -- vm1 prepare begin -");
        g_autoptr(CtlArgs) v = parse_ok("hook vdsm before_vm_start");
        g_autoptr(CtlArgs) dash = NULL;
        const char *argv[] = { "vfmigctl", "hook", "qemu", "--", "--odd-name", "release", "end", "destroyed" };
        g_autoptr(GError) error = NULL;

        assert_int_equal(q->verb, CTL_VERB_HOOK);
        assert_string_equal(q->hook_kind, "qemu");
        assert_int_equal(g_strv_length(q->hook_args), 4);
        assert_string_equal(q->hook_args[0], "vm1");
        assert_string_equal(q->hook_args[3], "-");
        assert_string_equal(v->hook_kind, "vdsm");
        assert_int_equal(g_strv_length(v->hook_args), 1);
        assert_string_equal(v->hook_args[0], "before_vm_start");
        /* After "--" a domain name may look like an option. */
        dash = ctl_args_parse(G_N_ELEMENTS(argv), (char *const *) argv, &error);
        assert_non_null(dash);
        assert_string_equal(dash->hook_args[0], "--odd-name");

        parse_fails("hook", "missing hook kind");
        parse_fails("hook xen vm1 prepare begin -", "unknown hook kind");
        parse_fails("hook qemu vm1 prepare begin", "expected 4 arguments");
        parse_fails("hook vdsm", "missing hook argument");
        parse_fails("hook vdsm a b", "expected 1 argument");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_verb_table_complete),
                cmocka_unit_test(test_help_lists_exit_codes),
                cmocka_unit_test(test_pci_address),
                cmocka_unit_test(test_parse_uint),
                cmocka_unit_test(test_parse_simple_verbs),
                cmocka_unit_test(test_parse_options),
                cmocka_unit_test(test_parse_show),
                cmocka_unit_test(test_parse_provision),
                cmocka_unit_test(test_parse_bind_unbind),
                cmocka_unit_test(test_parse_claim_reserve_assign_release),
                cmocka_unit_test(test_parse_profile_check_migrations),
                cmocka_unit_test(test_parse_hook),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
