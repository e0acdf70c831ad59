/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfmig-error.h"

G_DEFINE_QUARK(vfmig-error-quark, vfmig_error)

/* The names are the last label of the D-Bus error names, so they are part
 * of the API (docs/dbus-api.md): never rename one. */
static const char *const vfmig_error_table[_VFMIG_ERROR_MAX] = {
        [VFMIG_ERROR_FAILED] = "Failed",
        [VFMIG_ERROR_INVALID_ARGUMENT] = "InvalidArgument",
        [VFMIG_ERROR_NO_SUCH_DEVICE] = "NoSuchDevice",
        [VFMIG_ERROR_NOT_A_VF] = "NotAVf",
        [VFMIG_ERROR_NOT_A_PF] = "NotAPf",
        [VFMIG_ERROR_BUSY] = "Busy",
        [VFMIG_ERROR_INVALID_STATE] = "InvalidState",
        [VFMIG_ERROR_NOT_OWNER] = "NotOwner",
        [VFMIG_ERROR_UNKNOWN_DRIVER] = "UnknownDriver",
        [VFMIG_ERROR_DRIVER_NOT_LOADED] = "DriverNotLoaded",
        [VFMIG_ERROR_OUT_OF_RANGE] = "OutOfRange",
        [VFMIG_ERROR_IO] = "IO",
        [VFMIG_ERROR_QUARANTINED] = "Quarantined",
        [VFMIG_ERROR_ACCESS_DENIED] = "AccessDenied",
        [VFMIG_ERROR_NOT_COMPATIBLE] = "NotCompatible",
};

const char *vfmig_error_to_string(VfmigError e)
{
        if ((int) e < 0 || e >= _VFMIG_ERROR_MAX)
                return NULL;
        return vfmig_error_table[e];
}

VfmigError vfmig_error_from_string(const char *s)
{
        if (!s)
                return _VFMIG_ERROR_INVALID;
        /* Accept the full D-Bus name too, so a client can map back what it
         * received without stripping the prefix itself. */
        if (g_str_has_prefix(s, VFMIG_DBUS_ERROR_PREFIX))
                s += strlen(VFMIG_DBUS_ERROR_PREFIX);
        for (int i = 0; i < _VFMIG_ERROR_MAX; i++)
                if (vfmig_error_table[i] && g_str_equal(vfmig_error_table[i], s))
                        return (VfmigError) i;
        return _VFMIG_ERROR_INVALID;
}
