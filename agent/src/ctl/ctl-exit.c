/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-exit.h"

#include <string.h>

G_DEFINE_QUARK(vfmigctl-error-quark, ctl_error)

static const char *const exit_names[_CTL_EXIT_MAX] = {
        [CTL_EXIT_SUCCESS] = "success",
        [CTL_EXIT_FAILURE] = "failure",
        [CTL_EXIT_USAGE] = "usage",
        [CTL_EXIT_UNREACHABLE] = "unreachable",
        [CTL_EXIT_ACCESS_DENIED] = "access-denied",
        [CTL_EXIT_NO_SUCH_DEVICE] = "no-such-device",
        [CTL_EXIT_NOT_COMPATIBLE] = "not-compatible",
};

static const char *const exit_descriptions[_CTL_EXIT_MAX] = {
        [CTL_EXIT_SUCCESS] = "success",
        [CTL_EXIT_FAILURE] = "the agent refused the request or the operation failed",
        [CTL_EXIT_USAGE] = "usage error: bad option, verb or argument",
        [CTL_EXIT_UNREACHABLE] = "the bus or the agent (org.vfmig.Agent1) is unreachable",
        [CTL_EXIT_ACCESS_DENIED] = "access denied by the bus policy or polkit",
        [CTL_EXIT_NO_SUCH_DEVICE] = "no such device: the address names no PF or VF the agent manages",
        [CTL_EXIT_NOT_COMPATIBLE] = "not compatible: a device of the checked domain has no fitting VF here",
};

const char *ctl_exit_to_string(CtlExit e)
{
        if (e < 0 || e >= _CTL_EXIT_MAX)
                return NULL;
        return exit_names[e];
}

CtlExit ctl_exit_from_string(const char *s)
{
        if (!s)
                return _CTL_EXIT_INVALID;
        for (int i = 0; i < _CTL_EXIT_MAX; i++)
                if (g_str_equal(exit_names[i], s))
                        return i;
        return _CTL_EXIT_INVALID;
}

const char *ctl_exit_description(CtlExit e)
{
        if (e < 0 || e >= _CTL_EXIT_MAX)
                return NULL;
        return exit_descriptions[e];
}

typedef struct {
        const char *name;
        CtlExit exit;
} ErrorMap;

/*
 * Only the names that are not plain failures. NotAVf/NotAPf stay
 * failures: the device exists, it is just of the other kind.
 * InvalidArgument is the agent rejecting what we sent, the same class as
 * a local usage error.
 */
static const ErrorMap error_map[] = {
        { "org.vfmig.Agent1.Error.NoSuchDevice", CTL_EXIT_NO_SUCH_DEVICE },
        { "org.vfmig.Agent1.Error.NotCompatible", CTL_EXIT_NOT_COMPATIBLE },
        { "org.vfmig.Agent1.Error.AccessDenied", CTL_EXIT_ACCESS_DENIED },
        { "org.vfmig.Agent1.Error.InvalidArgument", CTL_EXIT_USAGE },
        { "org.freedesktop.DBus.Error.AccessDenied", CTL_EXIT_ACCESS_DENIED },
        { "org.freedesktop.DBus.Error.AuthFailed", CTL_EXIT_ACCESS_DENIED },
        { "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", CTL_EXIT_ACCESS_DENIED },
        { "org.freedesktop.DBus.Error.ServiceUnknown", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NameHasNoOwner", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NoReply", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NoServer", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NoNetwork", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Disconnected", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Timeout", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.TimedOut", CTL_EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.UnknownObject", CTL_EXIT_NO_SUCH_DEVICE },
        { "org.freedesktop.DBus.Error.InvalidArgs", CTL_EXIT_USAGE },
};

CtlExit ctl_exit_from_dbus_error(const char *name)
{
        if (!name)
                return CTL_EXIT_FAILURE;
        for (size_t i = 0; i < G_N_ELEMENTS(error_map); i++)
                if (g_str_equal(error_map[i].name, name))
                        return error_map[i].exit;
        /* Activation failures: the agent could not be started. */
        if (g_str_has_prefix(name, "org.freedesktop.DBus.Error.Spawn."))
                return CTL_EXIT_UNREACHABLE;
        return CTL_EXIT_FAILURE;
}

CtlExit ctl_exit_from_errno(int err)
{
        switch (err < 0 ? -err : err) {
        case 0:
                return CTL_EXIT_SUCCESS;
        case EACCES:
        case EPERM:
                return CTL_EXIT_ACCESS_DENIED;
        case ENOENT:
        case ECONNREFUSED:
        case ECONNRESET:
        case ENOTCONN:
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case ENXIO:
        case ESRCH:
                return CTL_EXIT_UNREACHABLE;
        case ENODEV:
                return CTL_EXIT_NO_SUCH_DEVICE;
        case EINVAL:
                return CTL_EXIT_USAGE;
        default:
                return CTL_EXIT_FAILURE;
        }
}
