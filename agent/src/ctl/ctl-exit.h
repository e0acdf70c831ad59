/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * vfmigctl's exit codes. They are a documented interface (--help,
 * vfmigctl(8)): scripts branch on them, so values never change meaning.
 */
typedef enum {
        CTL_EXIT_SUCCESS = 0,
        CTL_EXIT_FAILURE = 1,        /* the agent refused, or the operation failed */
        CTL_EXIT_USAGE = 2,          /* bad command line or arguments */
        CTL_EXIT_UNREACHABLE = 3,    /* no bus, or no agent on it */
        CTL_EXIT_ACCESS_DENIED = 4,  /* bus policy or polkit said no */
        CTL_EXIT_NO_SUCH_DEVICE = 5, /* the address names no device the agent manages */
        CTL_EXIT_NOT_COMPATIBLE = 6, /* check: a device has no compatible VF here */
        _CTL_EXIT_MAX,
        _CTL_EXIT_INVALID = -EINVAL,
} CtlExit;

/* Short keyword ("success", "no-such-device", ...); NULL when out of range. */
const char *ctl_exit_to_string(CtlExit e);
CtlExit ctl_exit_from_string(const char *s);
/* One-line explanation for --help and the man page. */
const char *ctl_exit_description(CtlExit e);

/*
 * The exit code for a D-Bus error name (org.vfmig.Agent1.Error.* or
 * org.freedesktop.DBus.Error.*). Unknown names are CTL_EXIT_FAILURE.
 */
CtlExit ctl_exit_from_dbus_error(const char *name);
/* The exit code for a negative errno from connecting or calling. */
CtlExit ctl_exit_from_errno(int err);

/* GError domain of vfmigctl; the code is a CtlExit. */
#define CTL_ERROR (ctl_error_quark())
GQuark ctl_error_quark(void);
