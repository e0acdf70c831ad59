/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <string.h>

#include "profile.h"

static const char *const profile_source_table[_PROFILE_SOURCE_MAX] = {
        [PROFILE_SOURCE_VARIANT] = "variant",
        [PROFILE_SOURCE_PCI] = "pci",
};

const char *profile_source_to_string(ProfileSource s)
{
        if ((int) s < 0 || s >= _PROFILE_SOURCE_MAX)
                return NULL;
        return profile_source_table[s];
}

ProfileSource profile_source_from_string(const char *s)
{
        if (!s)
                return _PROFILE_SOURCE_INVALID;
        for (int i = 0; i < _PROFILE_SOURCE_MAX; i++)
                if (profile_source_table[i] && g_str_equal(profile_source_table[i], s))
                        return (ProfileSource) i;
        return _PROFILE_SOURCE_INVALID;
}

VfProfile *vf_profile_new(void)
{
        VfProfile *p = g_new0(VfProfile, 1);

        p->version = VFMIG_PROFILE_VERSION;
        p->type = DEVICE_TYPE_OTHER;
        p->source = PROFILE_SOURCE_PCI;
        return p;
}

VfProfile *vf_profile_copy(const VfProfile *p)
{
        VfProfile *c;

        if (!p)
                return NULL;
        c = g_memdup2(p, sizeof(*p));
        c->mac = g_strdup(p->mac);
        c->firmware = g_strdup(p->firmware);
        c->driver = g_strdup(p->driver);
        return c;
}

void vf_profile_free(VfProfile *p)
{
        if (!p)
                return;
        g_free(p->mac);
        g_free(p->firmware);
        g_free(p->driver);
        g_free(p);
}

/* ---- compatibility ---- */

static void add_reason(GPtrArray *reasons, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_reason(GPtrArray *reasons, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        g_ptr_array_add(reasons, g_strdup_vprintf(fmt, ap));
        va_end(ap);
}

/* Both known (non-zero) and dst below src: the guest may already use more
 * than the destination can give (a queue pair, a sector past its end). */
static void check_limit(GPtrArray *reasons, const char *name, guint64 src,
                        guint64 dst)
{
        if (src != 0 && dst != 0 && dst < src)
                add_reason(reasons,
                           "%s lower: source %" G_GUINT64_FORMAT
                           ", destination %" G_GUINT64_FORMAT,
                           name, src, dst);
}

static const char *type_str(DeviceType t)
{
        const char *s = device_type_to_string(t);

        return s ? s : "invalid";
}

GPtrArray *profile_compat_reasons(const VfProfile *src, const VfProfile *dst)
{
        GPtrArray *reasons = g_ptr_array_new_with_free_func(g_free);
        guint64 needed, missing;

        g_return_val_if_fail(src && dst, reasons);

        if (src->type != dst->type)
                add_reason(reasons, "type differs: source %s, destination %s",
                           type_str(src->type), type_str(dst->type));

        /* The guest's driver negotiated driver_features and keeps using them
         * after the switch; before it negotiated anything it may still pick
         * any offered bit. A destination whose features are unknown (0,
         * profile from PCI identity only) cannot be judged here: the
         * variant driver refuses an incompatible stream at load time. */
        needed = src->driver_features ? src->driver_features : src->features;
        missing = needed & ~dst->features;
        if ((dst->source == PROFILE_SOURCE_VARIANT || dst->features != 0) &&
            missing != 0)
                add_reason(reasons,
                           "destination lacks %s feature bits 0x%016" G_GINT64_MODIFIER "x",
                           src->driver_features ? "negotiated" : "offered",
                           (guint64) missing);

        check_limit(reasons, "max_queue_pairs", src->limits.max_queue_pairs,
                    dst->limits.max_queue_pairs);
        check_limit(reasons, "mtu", src->limits.mtu, dst->limits.mtu);
        check_limit(reasons, "capacity_sectors", src->limits.capacity_sectors,
                    dst->limits.capacity_sectors);
        check_limit(reasons, "num_queues", src->limits.num_queues,
                    dst->limits.num_queues);
        /* Block size must be equal, not only at least: the guest's
         * filesystem was laid out in the source's logical block size. */
        if (src->limits.block_size != 0 && dst->limits.block_size != 0 &&
            src->limits.block_size != dst->limits.block_size)
                add_reason(reasons, "block_size differs: source %u, destination %u",
                           src->limits.block_size, dst->limits.block_size);

        /* Stream format (kmod-interface §5): a reader refuses another
         * major (EPROTONOSUPPORT) and accepts every minor of its own, newer
         * ones too (longer headers, optional records skipped), so minors
         * are not compared. 0.0 is unknown. */
        if ((src->stream_major || src->stream_minor) &&
            (dst->stream_major || dst->stream_minor) &&
            src->stream_major != dst->stream_major)
                add_reason(reasons,
                           "stream version major differs: source %u.%u, destination %u.%u",
                           src->stream_major, src->stream_minor,
                           dst->stream_major, dst->stream_minor);

        /* A profile read from PCI identity only has no flags (0): then the
         * destination is unknown, not lacking. */
        if ((src->migration_flags & PROFILE_MIGRATION_STOP_COPY) &&
            dst->source == PROFILE_SOURCE_VARIANT &&
            !(dst->migration_flags & PROFILE_MIGRATION_STOP_COPY))
                add_reason(reasons, "destination does not support STOP_COPY migration");

        /* Legacy I/O and MAC setting are properties of the variant driver
         * (its emulated BAR0, its restore of the device config). A profile
         * from PCI identity only does not know them (false there means
         * unknown), so they are judged only where known. */
        if (src->source == PROFILE_SOURCE_VARIANT &&
            dst->source == PROFILE_SOURCE_VARIANT &&
            !src->legacy_io != !dst->legacy_io)
                add_reason(reasons, "legacy I/O differs: source %s, destination %s",
                           src->legacy_io ? "yes" : "no",
                           dst->legacy_io ? "yes" : "no");

        if (src->mac && dst->source == PROFILE_SOURCE_VARIANT && !dst->mac_settable &&
            !(dst->mac && g_ascii_strcasecmp(src->mac, dst->mac) == 0))
                add_reason(reasons,
                           "MAC %s not reproducible: destination has %s and cannot set it",
                           src->mac, dst->mac ? dst->mac : "none");

        /* Vendor 0 is no PCI vendor: the IDs were left out of a JSON or
         * XML profile (unknown, 0), which never refuses by itself. */
        if (src->vendor_id != 0 && dst->vendor_id != 0 &&
            (src->vendor_id != dst->vendor_id || src->device_id != dst->device_id))
                add_reason(reasons,
                           "PCI id differs: source %04x:%04x, destination %04x:%04x",
                           src->vendor_id, src->device_id, dst->vendor_id,
                           dst->device_id);

        return reasons;
}
