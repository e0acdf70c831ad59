/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "core/vfmig-error.h"
#include "profile-read.h"

/* Every vfmig/ file holds one short line (kmod-interface §3). */
#define VFMIG_ATTR_MAX 128

/* host_read_device_attr() takes attribute names without '/', so the
 * driver's group directory is read here, through the host's root. */
static gboolean read_vfmig_attr(Host *host, const char *vf, const char *attr,
                                char **value, GError **error)
{
        g_autofree char *rel = g_strdup_printf("sys/bus/pci/devices/%s/vfmig/%s", vf, attr);
        g_autofree char *path = host_path(host, rel);
        g_autoptr(GError) e = NULL;
        g_autofree char *buf = NULL;
        gsize len = 0;

        if (!g_file_get_contents(path, &buf, &len, &e)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "%s: cannot read vfmig/%s: %s", vf, attr, e->message);
                return FALSE;
        }
        if (len > VFMIG_ATTR_MAX || memchr(buf, '\0', len)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "%s: vfmig/%s is not a one-line value", vf, attr);
                return FALSE;
        }
        if (len > 0 && buf[len - 1] == '\n')
                buf[len - 1] = '\0';
        if (strchr(buf, '\n')) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "%s: vfmig/%s has more than one line", vf, attr);
                return FALSE;
        }
        *value = g_steal_pointer(&buf);
        return TRUE;
}

static gboolean bad_value(GError **error, const char *vf, const char *attr,
                          const char *value, const char *want)
{
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                    "%s: vfmig/%s holds \"%s\", not %s", vf, attr, value, want);
        return FALSE;
}

static gboolean read_hex(Host *host, const char *vf, const char *attr,
                         guint64 max, guint64 *out, GError **error)
{
        g_autofree char *v = NULL;

        if (!read_vfmig_attr(host, vf, attr, &v, error))
                return FALSE;
        if (!g_str_has_prefix(v, "0x") || v[2] == '\0' || strlen(v) > 18 ||
            strspn(v + 2, "0123456789abcdefABCDEF") != strlen(v + 2))
                return bad_value(error, vf, attr, v, "a 0x-prefixed hex number");
        *out = g_ascii_strtoull(v + 2, NULL, 16);
        if (*out > max)
                return bad_value(error, vf, attr, v, "in range");
        return TRUE;
}

static gboolean read_stream(Host *host, const char *vf, guint *major,
                            guint *minor, GError **error)
{
        g_autofree char *v = NULL;
        g_auto(GStrv) parts = NULL;
        guint64 a, b;

        if (!read_vfmig_attr(host, vf, "stream_version", &v, error))
                return FALSE;
        parts = g_strsplit(v, ".", -1);
        if (g_strv_length(parts) != 2 ||
            !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT16, &a, NULL) ||
            !g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXUINT16, &b, NULL))
                return bad_value(error, vf, "stream_version", v, "major.minor");
        *major = (guint) a;
        *minor = (guint) b;
        return TRUE;
}

static gboolean read_variant(Host *host, const char *vf, VfProfile *p,
                             GError **error)
{
        g_autofree char *type = NULL, *legacy = NULL;
        guint64 flags;

        if (!read_vfmig_attr(host, vf, "type", &type, error))
                return FALSE;
        /* "none": the driver has no transport for it or does not know the
         * device; its state cannot be saved, and it matches only another
         * such VF. */
        if (g_str_equal(type, "none"))
                p->type = DEVICE_TYPE_OTHER;
        else if (g_str_equal(type, "net") || g_str_equal(type, "blk"))
                p->type = device_type_from_string(type);
        else
                return bad_value(error, vf, "type", type, "net, blk or none");

        if (!read_hex(host, vf, "features", G_MAXUINT64, &p->features, error) ||
            !read_hex(host, vf, "driver_features", G_MAXUINT64, &p->driver_features, error) ||
            !read_stream(host, vf, &p->stream_major, &p->stream_minor, error) ||
            !read_hex(host, vf, "migration_flags", G_MAXUINT32, &flags, error) ||
            !read_vfmig_attr(host, vf, "legacy_io", &legacy, error))
                return FALSE;
        p->migration_flags = (guint32) flags;
        if (g_str_equal(legacy, "0") || g_str_equal(legacy, "1"))
                p->legacy_io = g_str_equal(legacy, "1");
        else
                return bad_value(error, vf, "legacy_io", legacy, "0 or 1");
        /* The device config (MAC, MTU, ...) is one of the device parts the
         * stream carries (kmod-interface §6), so a restore gives the
         * destination VF the source's MAC. */
        p->mac_settable = TRUE;
        return TRUE;
}

VfProfile *profile_read(Host *host, const Vf *vf, const Pf *pf, GError **error)
{
        g_autoptr(VfProfile) p = vf_profile_new();
        g_autofree char *driver = NULL;

        g_return_val_if_fail(host && vf, NULL);

        p->vendor_id = vf->vendor_id;
        p->device_id = vf->device_id;
        p->subsystem_vendor_id = vf->subsystem_vendor_id;
        p->subsystem_id = vf->subsystem_id;
        if (pf) {
                p->pf_vendor_id = pf->vendor_id;
                p->pf_device_id = pf->device_id;
        }
        /* PCI identity: virtio net/blk by ID, anything else (a PF the
         * config names, such as the rig's igb) is "other". */
        p->type = device_type_from_ids(vf->vendor_id, vf->device_id);
        if ((int) p->type < 0)
                p->type = DEVICE_TYPE_OTHER;
        p->source = PROFILE_SOURCE_PCI;

        if (!host_get_driver(host, vf->address, &driver, error))
                return NULL;
        p->driver = g_strdup(driver);
        if (driver && g_str_equal(driver, VFMIG_DRIVER_VARIANT)) {
                p->source = PROFILE_SOURCE_VARIANT;
                if (!read_variant(host, vf->address, p, error))
                        return NULL;
        }
        return g_steal_pointer(&p);
}
