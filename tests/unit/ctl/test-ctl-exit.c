/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctl-exit.h"

/* Every code has a name and a description, and names round-trip. */
static void test_exit_table_complete(void **state)
{
        for (int e = 0; e < _CTL_EXIT_MAX; e++) {
                const char *name = ctl_exit_to_string(e);

                assert_non_null(name);
                assert_non_null(ctl_exit_description(e));
                assert_int_equal(ctl_exit_from_string(name), e);
        }
        assert_null(ctl_exit_to_string(_CTL_EXIT_MAX));
        assert_null(ctl_exit_to_string(-1));
        assert_null(ctl_exit_description(_CTL_EXIT_MAX));
        assert_int_equal(ctl_exit_from_string("nope"), _CTL_EXIT_INVALID);
        assert_int_equal(ctl_exit_from_string(NULL), _CTL_EXIT_INVALID);
}

/* The documented numbers are an interface: pin them. */
static void test_exit_values(void **state)
{
        assert_int_equal(CTL_EXIT_SUCCESS, 0);
        assert_int_equal(CTL_EXIT_FAILURE, 1);
        assert_int_equal(CTL_EXIT_USAGE, 2);
        assert_int_equal(CTL_EXIT_UNREACHABLE, 3);
        assert_int_equal(CTL_EXIT_ACCESS_DENIED, 4);
        assert_int_equal(CTL_EXIT_NO_SUCH_DEVICE, 5);
        assert_int_equal(CTL_EXIT_NOT_COMPATIBLE, 6);
}

static const struct {
        const char *name;
        CtlExit exit;
} cases[] = {
        { "org.vfmig.Agent1.Error.NoSuchDevice", CTL_EXIT_NO_SUCH_DEVICE },
        { "org.vfmig.Agent1.Error.AccessDenied", CTL_EXIT_ACCESS_DENIED },
        { "org.vfmig.Agent1.Error.InvalidArgument", CTL_EXIT_USAGE },
        { "org.vfmig.Agent1.Error.NotAVf", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.NotAPf", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.Busy", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.InvalidState", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.NotOwner", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.UnknownDriver", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.DriverNotLoaded", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.OutOfRange", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.IO", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.Quarantined", CTL_EXIT_FAILURE },
        /* Only check and profile meet it: vfmigctl's own "not compatible". */
        { "org.vfmig.Agent1.Error.NotCompatible", CTL_EXIT_NOT_COMPATIBLE },
        { "org.vfmig.Agent1.Error.Failed", CTL_EXIT_FAILURE },
        { "org.freedesktop.DBus.Error.AccessDenied", CTL_EXIT_ACCESS_DENIED },
        { "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", CTL_EXIT_ACCESS_DENIED },
        { "org.freedesktop.DBus.Error.ServiceUnknown", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NameHasNoOwner", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NoReply", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Disconnected", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Spawn.ChildExited", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.UnknownObject", CTL_EXIT_NO_SUCH_DEVICE },
        { "org.freedesktop.DBus.Error.UnknownMethod", CTL_EXIT_FAILURE },
        { "org.freedesktop.DBus.Error.InvalidArgs", CTL_EXIT_USAGE },
        { "com.example.Whatever", CTL_EXIT_FAILURE },
        /* Near misses must not match. */
        { "org.vfmig.Agent1.Error.NoSuchDeviceX", CTL_EXIT_FAILURE },
        { "org.vfmig.Agent1.Error.nosuchdevice", CTL_EXIT_FAILURE },
        { "", CTL_EXIT_FAILURE },
};

static void test_exit_from_dbus_error(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                if (ctl_exit_from_dbus_error(cases[i].name) != cases[i].exit)
                        fail_msg("%s: expected %d, got %d", cases[i].name, cases[i].exit,
                                 ctl_exit_from_dbus_error(cases[i].name));
        }
        assert_int_equal(ctl_exit_from_dbus_error(NULL), CTL_EXIT_FAILURE);
}

static void test_exit_from_errno(void **state)
{
        assert_int_equal(ctl_exit_from_errno(0), CTL_EXIT_SUCCESS);
        assert_int_equal(ctl_exit_from_errno(-ENOENT), CTL_EXIT_UNREACHABLE);
        assert_int_equal(ctl_exit_from_errno(-ECONNREFUSED), CTL_EXIT_UNREACHABLE);
        assert_int_equal(ctl_exit_from_errno(-EACCES), CTL_EXIT_ACCESS_DENIED);
        assert_int_equal(ctl_exit_from_errno(EPERM), CTL_EXIT_ACCESS_DENIED);
        assert_int_equal(ctl_exit_from_errno(-EINVAL), CTL_EXIT_USAGE);
        assert_int_equal(ctl_exit_from_errno(-EIO), CTL_EXIT_FAILURE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exit_table_complete),
                cmocka_unit_test(test_exit_values),
                cmocka_unit_test(test_exit_from_dbus_error),
                cmocka_unit_test(test_exit_from_errno),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
