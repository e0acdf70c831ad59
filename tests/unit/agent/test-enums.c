/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/device.h"
#include "core/domxml.h"
#include "core/pool.h"
#include "core/profile.h"
#include "core/vfmig-error.h"
#include "sys/libvirt-monitor.h"

/*
 * Every enum value has a string, strings are distinct, each round-trips,
 * and out-of-range values and unknown strings are refused. Adding a value
 * without its string makes this fail.
 */
#define CHECK_ENUM(max, invalid, to_string, from_string)                          \
        do {                                                                      \
                g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal); \
                for (int i = 0; i < (max); i++) {                                 \
                        const char *s = to_string(i);                             \
                        if (!s)                                                   \
                                fail_msg(#to_string "(%d) has no string", i);     \
                        assert_true(*s != '\0');                                  \
                        if (!g_hash_table_add(seen, (gpointer) s))                \
                                fail_msg(#to_string ": '%s' twice", s);           \
                        assert_int_equal(from_string(s), i);                      \
                }                                                                 \
                assert_null(to_string(max));                                      \
                assert_null(to_string(invalid));                                  \
                assert_null(to_string(-1));                                       \
                assert_int_equal(from_string("no-such-value"), invalid);          \
                assert_int_equal(from_string(""), invalid);                       \
                assert_int_equal(from_string(NULL), invalid);                     \
                assert_int_equal((invalid), -EINVAL);                             \
        } while (0)

static void test_vf_state(void **state)
{
        CHECK_ENUM(_VF_STATE_MAX, _VF_STATE_INVALID, vf_state_to_string,
                   vf_state_from_string);
        /* These strings are API (D-Bus State property, --json). */
        assert_string_equal(vf_state_to_string(VF_STATE_FREE), "free");
        assert_string_equal(vf_state_to_string(VF_STATE_QUARANTINED), "quarantined");
}

static void test_device_type(void **state)
{
        CHECK_ENUM(_DEVICE_TYPE_MAX, _DEVICE_TYPE_INVALID, device_type_to_string,
                   device_type_from_string);
        assert_string_equal(device_type_to_string(DEVICE_TYPE_NET), "net");
        assert_string_equal(device_type_to_string(DEVICE_TYPE_BLK), "blk");
}

static void test_profile_source(void **state)
{
        CHECK_ENUM(_PROFILE_SOURCE_MAX, _PROFILE_SOURCE_INVALID,
                   profile_source_to_string, profile_source_from_string);
        /* These strings are API (JSON and XML forms, docs/profile.md). */
        assert_string_equal(profile_source_to_string(PROFILE_SOURCE_VARIANT), "variant");
        assert_string_equal(profile_source_to_string(PROFILE_SOURCE_PCI), "pci");
}

static void test_libvirt_event(void **state)
{
        CHECK_ENUM(_LIBVIRT_EVENT_MAX, _LIBVIRT_EVENT_INVALID, libvirt_event_to_string,
                   libvirt_event_from_string);
}

static void test_domxml_device_kind(void **state)
{
        CHECK_ENUM(_DOMXML_DEVICE_KIND_MAX, _DOMXML_DEVICE_KIND_INVALID,
                   domxml_device_kind_to_string, domxml_device_kind_from_string);
        /* The element names libvirt uses for these devices. */
        assert_string_equal(domxml_device_kind_to_string(DOMXML_DEVICE_HOSTDEV), "hostdev");
        assert_string_equal(domxml_device_kind_to_string(DOMXML_DEVICE_INTERFACE), "interface");
}

static void test_vfmig_error(void **state)
{
        CHECK_ENUM(_VFMIG_ERROR_MAX, _VFMIG_ERROR_INVALID, vfmig_error_to_string,
                   vfmig_error_from_string);
        for (int i = 0; i < _VFMIG_ERROR_MAX; i++) {
                const char *s = vfmig_error_to_string(i);
                g_autofree char *full = g_strconcat(VFMIG_DBUS_ERROR_PREFIX, s, NULL);

                /* A D-Bus error name's last element: letters only. */
                for (const char *p = s; *p; p++)
                        assert_true(g_ascii_isalpha(*p));
                assert_true(g_ascii_isupper(s[0]));
                assert_int_equal(vfmig_error_from_string(full), i);
        }
        assert_string_equal(vfmig_error_to_string(VFMIG_ERROR_NO_SUCH_DEVICE),
                            "NoSuchDevice");
        assert_string_equal(vfmig_error_to_string(VFMIG_ERROR_NOT_A_VF), "NotAVf");
        assert_true(VFMIG_ERROR != 0);
        assert_int_equal(VFMIG_ERROR, g_quark_from_string("vfmig-error-quark"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vf_state),
                cmocka_unit_test(test_device_type),
                cmocka_unit_test(test_profile_source),
                cmocka_unit_test(test_domxml_device_kind),
                cmocka_unit_test(test_vfmig_error),
                cmocka_unit_test(test_libvirt_event),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
