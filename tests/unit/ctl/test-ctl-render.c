/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl-render.h"

#define UUID "6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b"

typedef struct {
        GPtrArray *pfs;
        GPtrArray *vfs;
} Fixture;

/* Two PFs, given out of order, with VFs out of order too. */
static int setup(void **state)
{
        Fixture *f = g_new0(Fixture, 1);

        f->pfs = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_pf_free);
        f->vfs = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_vf_free);
        g_ptr_array_add(f->pfs, ctl_pf_new("0000:5e:00.0", "/p2", "blk", "", 0x1af4, 0x1042, 4, 0));
        g_ptr_array_add(f->pfs, ctl_pf_new("0000:3b:00.0", "/p1", "net", "virtio-pci", 0x1af4, 0x1041, 8, 2));
        g_ptr_array_add(f->vfs, ctl_vf_new("0000:3b:00.3", "/v2", "0000:3b:00.0", 1, "", "", "free", "", ""));
        g_ptr_array_add(f->vfs, ctl_vf_new("0000:3b:00.2", "/v1", "0000:3b:00.0", 0, "vfmig_virtio_pci",
                                           "vfmig_virtio_pci", "claimed", UUID, "vm \"one\""));
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        g_ptr_array_unref(f->pfs);
        g_ptr_array_unref(f->vfs);
        g_free(f);
        return 0;
}

static void test_list_json(void **state)
{
        Fixture *f = *state;
        g_autofree char *json = ctl_render_list_json(f->pfs, f->vfs);

        assert_string_equal(json,
                "{\n"
                "  \"pfs\": [\n"
                "    {\n"
                "      \"address\": \"0000:3b:00.0\",\n"
                "      \"type\": \"net\",\n"
                "      \"total_vfs\": 8,\n"
                "      \"num_vfs\": 2,\n"
                "      \"driver\": \"virtio-pci\",\n"
                "      \"vfs\": [\n"
                "        {\n"
                "          \"address\": \"0000:3b:00.2\",\n"
                "          \"index\": 0,\n"
                "          \"driver\": \"vfmig_virtio_pci\",\n"
                "          \"state\": \"claimed\",\n"
                "          \"owner\": {\n"
                "            \"uuid\": \"" UUID "\",\n"
                "            \"name\": \"vm \\\"one\\\"\"\n"
                "          }\n"
                "        },\n"
                "        {\n"
                "          \"address\": \"0000:3b:00.3\",\n"
                "          \"index\": 1,\n"
                "          \"driver\": null,\n"
                "          \"state\": \"free\",\n"
                "          \"owner\": null\n"
                "        }\n"
                "      ]\n"
                "    },\n"
                "    {\n"
                "      \"address\": \"0000:5e:00.0\",\n"
                "      \"type\": \"blk\",\n"
                "      \"total_vfs\": 4,\n"
                "      \"num_vfs\": 0,\n"
                "      \"driver\": null,\n"
                "      \"vfs\": []\n"
                "    }\n"
                "  ]\n"
                "}\n");
}

static void test_list_json_owner_without_name(void **state)
{
        g_autoptr(GPtrArray) pfs = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_pf_free);
        g_autoptr(GPtrArray) vfs = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_vf_free);
        g_autofree char *json = NULL;

        g_ptr_array_add(pfs, ctl_pf_new("0000:3b:00.0", "/p", "net", "", 0, 0, 1, 1));
        g_ptr_array_add(vfs, ctl_vf_new("0000:3b:00.1", "/v", "0000:3b:00.0", 0, "", "", "reserved", UUID, ""));
        json = ctl_render_list_json(pfs, vfs);
        assert_non_null(strstr(json, "\"owner\": {\n"
                                     "            \"uuid\": \"" UUID "\",\n"
                                     "            \"name\": null\n"));
}

static void test_list_json_empty(void **state)
{
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        g_autofree char *json = ctl_render_list_json(none, none);
        g_autofree char *table = ctl_render_list_table(none, none);

        assert_string_equal(json, "{\n  \"pfs\": []\n}\n");
        assert_string_equal(table, "No PFs managed.\n");
}

static void test_list_table(void **state)
{
        Fixture *f = *state;
        g_autofree char *text = ctl_render_list_table(f->pfs, f->vfs);

        assert_string_equal(text,
                "PF            TYPE  DRIVER      VENDOR:DEVICE  VFS  TOTAL\n"
                "0000:3b:00.0  net   virtio-pci  1af4:1041        2      8\n"
                "0000:5e:00.0  blk   -           1af4:1042        0      4\n"
                "\n"
                "VF            PF            INDEX  DRIVER            STATE    OWNER\n"
                "0000:3b:00.2  0000:3b:00.0      0  vfmig_virtio_pci  claimed  vm \"one\" (" UUID ")\n"
                "0000:3b:00.3  0000:3b:00.0      1  -                 free     -\n");
}

static GPtrArray *vf_props(void)
{
        GPtrArray *p = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_prop_free);
        const char *const report[] = { "journal loaded", "line\ttwo", NULL };
        const char *const vfs[] = { "/org/vfmig/Agent1/vf/_30000_3a3b_3a00_2e2", NULL };

        g_ptr_array_add(p, ctl_prop_new_string("Address", "s", "0000:3b:00.2"));
        g_ptr_array_add(p, ctl_prop_new_uint("Index", "u", 0));
        g_ptr_array_add(p, ctl_prop_new_uint("VendorId", "q", 0x1af4));
        g_ptr_array_add(p, ctl_prop_new_int("IommuGroup", "i", -1));
        g_ptr_array_add(p, ctl_prop_new_string("OwnerUUID", "s", ""));
        g_ptr_array_add(p, ctl_prop_new_uint("Since", "t", G_GUINT64_CONSTANT(1764031212000000)));
        g_ptr_array_add(p, ctl_prop_new_uint("LeaseUntil", "t", 0));
        g_ptr_array_add(p, ctl_prop_new_uint("TotalVFs", "u", 8));
        g_ptr_array_add(p, ctl_prop_new_bool("Flag", TRUE));
        g_ptr_array_add(p, ctl_prop_new_strv("StartupReport", "as", report));
        g_ptr_array_add(p, ctl_prop_new_strv("VirtualFunctions", "ao", vfs));
        g_ptr_array_add(p, ctl_prop_new_strv("Empty", "as", NULL));
        g_ptr_array_add(p, ctl_prop_new_other("Odd", "a{ss}"));
        return p;
}

static void test_props_json(void **state)
{
        g_autoptr(GPtrArray) p = vf_props();
        g_autofree char *json = ctl_render_props_json(p);

        assert_string_equal(json,
                "{\n"
                "  \"address\": \"0000:3b:00.2\",\n"
                "  \"index\": 0,\n"
                "  \"vendor_id\": 6900,\n"
                "  \"iommu_group\": -1,\n"
                "  \"owner_uuid\": \"\",\n"
                "  \"since\": 1764031212000000,\n"
                "  \"lease_until\": 0,\n"
                "  \"total_vfs\": 8,\n"
                "  \"flag\": true,\n"
                "  \"startup_report\": [\n"
                "    \"journal loaded\",\n"
                "    \"line\\ttwo\"\n"
                "  ],\n"
                "  \"virtual_functions\": [\n"
                "    \"/org/vfmig/Agent1/vf/_30000_3a3b_3a00_2e2\"\n"
                "  ],\n"
                "  \"empty\": [],\n"
                "  \"odd\": null\n"
                "}\n");
}

static void test_props_table(void **state)
{
        g_autoptr(GPtrArray) p = vf_props();
        g_autofree char *text = ctl_render_props_table(p);

        assert_string_equal(text,
                "Address           0000:3b:00.2\n"
                "Index             0\n"
                "VendorId          0x1af4\n"
                "IommuGroup        -1\n"
                "OwnerUUID         -\n"
                "Since             2025-11-25 00:40:12 UTC\n"
                "LeaseUntil        -\n"
                "TotalVFs          8\n"
                "Flag              yes\n"
                "StartupReport     journal loaded\n"
                "                  line two\n"
                "VirtualFunctions  0000:3b:00.2\n"
                "Empty             -\n"
                "Odd               (a{ss})\n");
}

static void test_strv(void **state)
{
        const char *const two[] = { "set 0000:3b:00.0 numvfs 0 -> 4", "bound \"x\"", NULL };
        const char *const none[] = { NULL };
        g_autofree char *j = ctl_render_strv_json("changes", two);
        g_autofree char *je = ctl_render_strv_json("findings", none);
        g_autofree char *l = ctl_render_strv_lines(two, "nothing");
        g_autofree char *le = ctl_render_strv_lines(none, "nothing");
        g_autofree char *ln = ctl_render_strv_lines(NULL, NULL);

        assert_string_equal(j, "{\n  \"changes\": [\n    \"set 0000:3b:00.0 numvfs 0 -> 4\",\n"
                               "    \"bound \\\"x\\\"\"\n  ]\n}\n");
        assert_string_equal(je, "{\n  \"findings\": []\n}\n");
        assert_string_equal(l, "set 0000:3b:00.0 numvfs 0 -> 4\nbound \"x\"\n");
        assert_string_equal(le, "nothing\n");
        assert_string_equal(ln, "");
}

static void test_json_key(void **state)
{
        static const char *const cases[][2] = {
                { "Address", "address" },
                { "OwnerUUID", "owner_uuid" },
                { "OwnerName", "owner_name" },
                { "TotalVFs", "total_vfs" },
                { "NumVFs", "num_vfs" },
                { "IommuGroup", "iommu_group" },
                { "VendorId", "vendor_id" },
                { "SubsystemVendorId", "subsystem_vendor_id" },
                { "PhysicalFunctionAddress", "physical_function_address" },
                { "NPhysicalFunctions", "n_physical_functions" },
                { "NVirtualFunctions", "n_virtual_functions" },
                { "SysfsRoot", "sysfs_root" },
                { "LeaseUntil", "lease_until" },
                { "QuarantineReason", "quarantine_reason" },
                { "VFsCount", "vfs_count" },
                { "IO", "io" },
                { "x", "x" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *got = ctl_property_json_key(cases[i][0]);

                if (!g_str_equal(got, cases[i][1]))
                        fail_msg("%s: expected %s, got %s", cases[i][0], cases[i][1], got);
        }
}

static void test_format_usec(void **state)
{
        g_autofree char *zero = ctl_format_usec(0);
        g_autofree char *t = ctl_format_usec(G_GUINT64_CONSTANT(86400000000));

        assert_string_equal(zero, "-");
        assert_string_equal(t, "1970-01-02 00:00:00 UTC");
}

static void test_format_error(void **state)
{
        static const char *const cases[][4] = {
                { "list", NULL, "cannot reach the agent", "vfmigctl: list: cannot reach the agent" },
                { "claim", "0000:3b:00.2", "0000:3b:00.2 is claimed by vm1",
                  "vfmigctl: claim 0000:3b:00.2: 0000:3b:00.2 is claimed by vm1" },
                /* A leading "DEVICE: " is not repeated, in whichever form. */
                { "show", "0000:3b:09.1", "0000:3b:09.1: no such VF",
                  "vfmigctl: show 0000:3b:09.1: no such VF" },
                { "show", "3b:09.1", "0000:3b:09.1: no such VF", "vfmigctl: show 3b:09.1: no such VF" },
                { "show", "0000:3B:09.1", "0000:3b:09.1: no such VF",
                  "vfmigctl: show 0000:3B:09.1: no such VF" },
                /* Another device's prefix stays. */
                { "show", "0000:3b:09.1", "0000:3b:09.2: gone", "vfmigctl: show 0000:3b:09.1: 0000:3b:09.2: gone" },
                /* Nothing after the prefix: keep the message whole. */
                { "show", "3b:00.1", "3b:00.1: ", "vfmigctl: show 3b:00.1: 3b:00.1: " },
                { "apply", NULL, "", "vfmigctl: apply: unknown error" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *got = ctl_format_error(cases[i][0], cases[i][1], cases[i][2]);

                if (!g_str_equal(got, cases[i][3]))
                        fail_msg("case %zu: expected \"%s\", got \"%s\"", i, cases[i][3], got);
        }
}

static void test_migrations(void **state)
{
        g_autoptr(GPtrArray) m = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_migration_free);
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        g_autofree char *table = NULL;
        g_autofree char *json = NULL;
        g_autofree char *empty = NULL;
        g_autofree char *empty_json = NULL;
        g_autofree char *check = NULL;
        const char *lines[] = { "hostdev0 (0000:3b:00.2): fits 0000:3b:00.3", NULL };

        /* Out of order on purpose: output is sorted by id. */
        g_ptr_array_add(m, ctl_migration_new("/org/vfmig/Agent1/migration/12", 12, "outgoing",
                                             "completed", "6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b", ""));
        g_ptr_array_add(m, ctl_migration_new("/org/vfmig/Agent1/migration/3", 3, "incoming",
                                             "prepared", "6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b", "vm1"));
        table = ctl_render_migrations_table(m);
        assert_string_equal(table,
                            "ID  ROLE      PHASE      DOMAIN\n"
                            " 3  incoming  prepared   vm1 (6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b)\n"
                            "12  outgoing  completed  6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b\n");
        json = ctl_render_migrations_json(m);
        assert_string_equal(json,
                            "{\n"
                            "  \"migrations\": [\n"
                            "    {\n"
                            "      \"id\": 3,\n"
                            "      \"object\": \"/org/vfmig/Agent1/migration/3\",\n"
                            "      \"role\": \"incoming\",\n"
                            "      \"phase\": \"prepared\",\n"
                            "      \"domain_uuid\": \"6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b\",\n"
                            "      \"domain_name\": \"vm1\"\n"
                            "    },\n"
                            "    {\n"
                            "      \"id\": 12,\n"
                            "      \"object\": \"/org/vfmig/Agent1/migration/12\",\n"
                            "      \"role\": \"outgoing\",\n"
                            "      \"phase\": \"completed\",\n"
                            "      \"domain_uuid\": \"6f1e9a3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b\",\n"
                            "      \"domain_name\": null\n"
                            "    }\n"
                            "  ]\n"
                            "}\n");
        empty = ctl_render_migrations_table(none);
        assert_string_equal(empty, "No migrations.\n");
        empty_json = ctl_render_migrations_json(none);
        assert_string_equal(empty_json, "{\n  \"migrations\": []\n}\n");
        check = ctl_render_check_json(TRUE, lines);
        assert_string_equal(check, "{\n  \"compatible\": true,\n  \"lines\": [\n"
                                   "    \"hostdev0 (0000:3b:00.2): fits 0000:3b:00.3\"\n  ]\n}\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_list_json, setup, teardown),
                cmocka_unit_test(test_list_json_owner_without_name),
                cmocka_unit_test(test_list_json_empty),
                cmocka_unit_test_setup_teardown(test_list_table, setup, teardown),
                cmocka_unit_test(test_props_json),
                cmocka_unit_test(test_props_table),
                cmocka_unit_test(test_strv),
                cmocka_unit_test(test_json_key),
                cmocka_unit_test(test_format_usec),
                cmocka_unit_test(test_format_error),
                cmocka_unit_test(test_migrations),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
