/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/config.h"
#include "core/vfmig-error.h"

static VfmigConfig *parse_ok(const char *text)
{
        g_autoptr(GError) error = NULL;
        VfmigConfig *cfg = vfmig_config_parse(text, strlen(text), &error);

        if (!cfg)
                fail_msg("refused: %s\n%s", error->message, text);
        return cfg;
}

static void test_defaults(void **state)
{
        g_autoptr(VfmigConfig) d = vfmig_config_new_default();
        g_autoptr(VfmigConfig) empty = parse_ok("");
        g_autoptr(VfmigConfig) comments = parse_ok("# nothing\n\n[agent]\n");

        for (VfmigConfig *c = d; c; c = c == d ? empty : c == empty ? comments : NULL) {
                assert_string_equal(c->default_driver, "vfmig_virtio_pci");
                assert_int_equal(c->reservation_lease_sec, 300);
                assert_int_equal(c->reconcile_interval_sec, 30);
                assert_true(c->bind_on_claim);
                assert_int_equal(c->pf_policies->len, 0);
        }
        assert_string_equal(vfmig_config_driver_for(d, NULL), "vfmig_virtio_pci");
        vfmig_config_free(NULL);
}

static const char good[] =
        "# vfmig.conf\n"
        "[agent]\n"
        "default-driver=vfio-pci\n"
        "reservation-lease-sec = 60\n"
        "reconcile-interval-sec=0\n"
        "bind-on-claim=false\n"
        "\n"
        "[pf 0000:3B:00.0]\n"
        "num-vfs=8\n"
        "driver=vfmig_virtio_pci\n"
        "\n"
        "[pf 8086:10c9]\n"
        "num-vfs=4\n"
        "\n"
        "[pf 5e:00.0]\n";

static void test_good_file(void **state)
{
        g_autoptr(VfmigConfig) cfg = parse_ok(good);
        const PfPolicy *p;

        assert_string_equal(cfg->default_driver, "vfio-pci");
        assert_int_equal(cfg->reservation_lease_sec, 60);
        assert_int_equal(cfg->reconcile_interval_sec, 0);
        assert_false(cfg->bind_on_claim);
        assert_int_equal(cfg->pf_policies->len, 3);

        p = cfg->pf_policies->pdata[0];
        assert_string_equal(p->match_address, "0000:3b:00.0");   /* normalized */
        assert_true(p->has_num_vfs);
        assert_int_equal(p->num_vfs, 8);
        assert_string_equal(p->driver, "vfmig_virtio_pci");
        assert_string_equal(vfmig_config_driver_for(cfg, p), "vfmig_virtio_pci");

        p = cfg->pf_policies->pdata[1];
        assert_null(p->match_address);
        assert_int_equal(p->match_vendor, 0x8086);
        assert_int_equal(p->match_device, 0x10c9);
        assert_int_equal(p->num_vfs, 4);
        assert_null(p->driver);
        assert_string_equal(vfmig_config_driver_for(cfg, p), "vfio-pci");

        p = cfg->pf_policies->pdata[2];
        assert_string_equal(p->match_address, "0000:5e:00.0");
        assert_false(p->has_num_vfs);
}

static void test_precedence(void **state)
{
        g_autoptr(VfmigConfig) cfg = NULL;
        const PfPolicy *p;

        /* The ids group comes first in the file; the address still wins. */
        cfg = parse_ok("[pf 1af4:1041]\nnum-vfs=2\n[pf 0000:3b:00.0]\nnum-vfs=8\n");
        p = vfmig_config_find_policy(cfg, "0000:3b:00.0", 0x1af4, 0x1041);
        assert_non_null(p);
        assert_int_equal(p->num_vfs, 8);
        p = vfmig_config_find_policy(cfg, "0000:3B:00.0", 0x1af4, 0x1041);
        assert_int_equal(p->num_vfs, 8);
        p = vfmig_config_find_policy(cfg, "0000:5e:00.0", 0x1af4, 0x1041);
        assert_non_null(p);
        assert_int_equal(p->num_vfs, 2);
        assert_null(vfmig_config_find_policy(cfg, "0000:5e:00.0", 0x1af4, 0x1042));
        assert_null(vfmig_config_find_policy(cfg, NULL, 0x8086, 0x10c9));
        assert_non_null(vfmig_config_find_policy(cfg, NULL, 0x1af4, 0x1041));
        assert_null(vfmig_config_find_policy(NULL, "0000:3b:00.0", 0x1af4, 0x1041));
}

typedef struct {
        const char *text;
        int code;
        const char *must_mention[3];
} Bad;

static const Bad bad[] = {
        { "[agent]\ndefault-driver=virtio-pci\n", VFMIG_ERROR_UNKNOWN_DRIVER,
          { "[agent]", "default-driver", "virtio-pci" } },
        { "[agent]\ndefault-driver=\n", VFMIG_ERROR_UNKNOWN_DRIVER,
          { "[agent]", "default-driver" } },
        { "[agent]\nreservation-lease-sec=0\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[agent]", "reservation-lease-sec", "'0'" } },
        { "[agent]\nreservation-lease-sec=-5\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "reservation-lease-sec", "-5" } },
        { "[agent]\nreservation-lease-sec=abc\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "reservation-lease-sec", "abc" } },
        { "[agent]\nreservation-lease-sec=5m\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "reservation-lease-sec" } },
        { "[agent]\nreservation-lease-sec=99999999999999999999\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "reservation-lease-sec" } },
        { "[agent]\nreservation-lease-sec=86401\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "reservation-lease-sec" } },
        { "[agent]\nreconcile-interval-sec=1.5\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[agent]", "reconcile-interval-sec" } },
        { "[agent]\nbind-on-claim=yes\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[agent]", "bind-on-claim", "yes" } },
        { "[agent]\nbind-on-claim=\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "bind-on-claim" } },
        { "[agent]\ncolour=blue\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[agent]", "colour", "unknown key" } },
        { "[agent]\ndefault-driver[de]=vfio-pci\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "default-driver[de]" } },
        { "[agnet]\n", VFMIG_ERROR_INVALID_ARGUMENT, { "[agnet]", "unknown group" } },
        { "[pf]\n", VFMIG_ERROR_INVALID_ARGUMENT, { "[pf]" } },
        { "[pf ]\n", VFMIG_ERROR_INVALID_ARGUMENT, { "[pf ]" } },
        { "[pf 0000:3b:00.8]\n", VFMIG_ERROR_INVALID_ARGUMENT, { "0000:3b:00.8" } },
        { "[pf 8086:10c]\n", VFMIG_ERROR_INVALID_ARGUMENT, { "8086:10c" } },
        { "[pf 8086:10c9x]\n", VFMIG_ERROR_INVALID_ARGUMENT, { "8086:10c9x" } },
        { "[pf 0000:3b:00.0]\nnum-vfs=-1\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[pf 0000:3b:00.0]", "num-vfs", "-1" } },
        { "[pf 0000:3b:00.0]\nnum-vfs=65536\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[pf 0000:3b:00.0]", "num-vfs" } },
        { "[pf 0000:3b:00.0]\nnum-vfs=eight\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "num-vfs", "eight" } },
        { "[pf 0000:3b:00.0]\ndriver=igbvf\n", VFMIG_ERROR_UNKNOWN_DRIVER,
          { "[pf 0000:3b:00.0]", "driver", "igbvf" } },
        { "[pf 0000:3b:00.0]\nnumvfs=2\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[pf 0000:3b:00.0]", "numvfs", "unknown key" } },
        { "[pf 0000:3b:00.0]\n[pf 3b:00.0]\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[pf 3b:00.0]", "already configured" } },
        { "[pf 1af4:1041]\n[pf 0000:3b:00.0]\n[pf 1af4:1041]\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[pf 1af4:1041]", "twice" } },
        { "[agent]\nbind-on-claim=true\nbind-on-claim = false\n", VFMIG_ERROR_INVALID_ARGUMENT,
          { "[agent]", "bind-on-claim", "twice" } },
        { "key-without-group=1\n", VFMIG_ERROR_INVALID_ARGUMENT, { "key file" } },
        { "[agent\n", VFMIG_ERROR_INVALID_ARGUMENT, { "key file" } },
        { "[agent]\nno equals sign\n", VFMIG_ERROR_INVALID_ARGUMENT, { "key file" } },
};

static void test_bad_values(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;
                VfmigConfig *cfg = vfmig_config_parse(bad[i].text, strlen(bad[i].text), &error);

                if (cfg) {
                        vfmig_config_free(cfg);
                        fail_msg("accepted:\n%s", bad[i].text);
                }
                if (!g_error_matches(error, VFMIG_ERROR, bad[i].code))
                        fail_msg("%s: wrong error %s", bad[i].text, error->message);
                for (int k = 0; k < 3 && bad[i].must_mention[k]; k++)
                        if (!strstr(error->message, bad[i].must_mention[k]))
                                fail_msg("'%s' does not mention '%s'", error->message,
                                         bad[i].must_mention[k]);
        }
}

static void test_nul_in_text(void **state)
{
        static const char text[] = "[agent]\nbind-on-claim=true\0junk\n";
        g_autoptr(GError) error = NULL;

        assert_null(vfmig_config_parse(text, sizeof(text) - 1, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
}

static void test_driver_allowed(void **state)
{
        assert_true(vfmig_driver_is_allowed("vfmig_virtio_pci"));
        assert_true(vfmig_driver_is_allowed("vfio-pci"));
        assert_false(vfmig_driver_is_allowed("vfio_pci"));
        assert_false(vfmig_driver_is_allowed("virtio-pci"));
        assert_false(vfmig_driver_is_allowed("igbvf"));
        assert_false(vfmig_driver_is_allowed(""));
        assert_false(vfmig_driver_is_allowed(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_good_file),
                cmocka_unit_test(test_precedence),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_nul_in_text),
                cmocka_unit_test(test_driver_allowed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
