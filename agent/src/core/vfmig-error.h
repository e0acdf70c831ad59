/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * One error domain for the whole agent. Each code maps to a D-Bus error
 * name org.vfmig.Agent1.Error.<Name>; the message always names the device
 * and the reason ("0000:3b:00.2 is claimed by vm1 (uuid ...)").
 */
#define VFMIG_ERROR (vfmig_error_quark())
GQuark vfmig_error_quark(void);

typedef enum {
        VFMIG_ERROR_FAILED,             /* anything else */
        VFMIG_ERROR_INVALID_ARGUMENT,   /* malformed address, bad number, ... */
        VFMIG_ERROR_NO_SUCH_DEVICE,     /* no PF/VF at that address */
        VFMIG_ERROR_NOT_A_VF,           /* a PF (or other device) where a VF is expected */
        VFMIG_ERROR_NOT_A_PF,           /* a VF (or other device) where a PF is expected */
        VFMIG_ERROR_BUSY,               /* claimed/reserved/assigned: refused */
        VFMIG_ERROR_INVALID_STATE,      /* transition not allowed from the current state */
        VFMIG_ERROR_NOT_OWNER,          /* owned by another domain */
        VFMIG_ERROR_UNKNOWN_DRIVER,     /* driver not allowed by policy */
        VFMIG_ERROR_DRIVER_NOT_LOADED,  /* allowed driver, but not present in the kernel */
        VFMIG_ERROR_OUT_OF_RANGE,       /* numvfs above sriov_totalvfs, ... */
        VFMIG_ERROR_IO,                 /* a sysfs or journal read/write failed */
        VFMIG_ERROR_QUARANTINED,        /* the VF is quarantined */
        VFMIG_ERROR_ACCESS_DENIED,      /* polkit said no */
        VFMIG_ERROR_NOT_COMPATIBLE,     /* migration compatibility (later) */
        _VFMIG_ERROR_MAX,
        _VFMIG_ERROR_INVALID = -EINVAL,
} VfmigError;

/* "NoSuchDevice" etc.; NULL for values out of range. */
const char *vfmig_error_to_string(VfmigError e);
VfmigError vfmig_error_from_string(const char *s);
/* "org.vfmig.Agent1.Error.NoSuchDevice" */
#define VFMIG_DBUS_ERROR_PREFIX "org.vfmig.Agent1.Error."
