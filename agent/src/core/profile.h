/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>
#include <libxml/tree.h>

#include "device.h"
#include "pci-address.h"

/*
 * The migration profile of one VF (DESIGN.md §4): what a destination VF
 * must match for a guest's device state to be loaded into it. Pure data
 * and rules; reading it from sysfs is sys/profile-read.c.
 *
 * Two forms, both documented in docs/profile.md:
 *  - XML, the element <vfmig:profile> in the namespace VFMIG_XML_NS, used
 *    inside domain metadata (see domxml.h);
 *  - JSON, an object with the same fields, for people and orchestrators.
 * Both carry "version" (VFMIG_PROFILE_VERSION); a parser refuses a newer
 * major version and names it.
 */
#define VFMIG_XML_NS "http://vfmig.org/xmlns/domain/1.0"
#define VFMIG_XML_PREFIX "vfmig"
#define VFMIG_PROFILE_VERSION 1

/* Where the profile's facts come from. */
typedef enum {
        PROFILE_SOURCE_VARIANT, /* the variant driver's sysfs profile (vfmig/) */
        PROFILE_SOURCE_PCI,     /* PCI identity and the config only */
        _PROFILE_SOURCE_MAX,
        _PROFILE_SOURCE_INVALID = -EINVAL,
} ProfileSource;

const char *profile_source_to_string(ProfileSource s); /* "variant", "pci" */
ProfileSource profile_source_from_string(const char *s);

/* A limit the device reports; 0 means "not known", which never refuses. */
typedef struct {
        guint32 max_queue_pairs;   /* net */
        guint32 mtu;               /* net */
        guint64 capacity_sectors;  /* blk */
        guint32 block_size;        /* blk */
        guint32 num_queues;        /* blk */
} ProfileLimits;

typedef struct {
        guint version;             /* VFMIG_PROFILE_VERSION */
        DeviceType type;
        ProfileSource source;
        guint64 features;          /* offered by the device */
        guint64 driver_features;   /* negotiated by the guest (0: not yet) */
        ProfileLimits limits;
        guint stream_major, stream_minor; /* variant driver stream version; 0.0 unknown */
        guint32 migration_flags;   /* VFIO_MIGRATION_* the driver supports */
        gboolean legacy_io;
        char *mac;                 /* "52:54:00:..." lower case, or NULL */
        gboolean mac_settable;     /* destination can give the VF any MAC */
        guint16 pf_vendor_id, pf_device_id;
        guint16 vendor_id, device_id;                 /* of the VF */
        guint16 subsystem_vendor_id, subsystem_id;    /* of the VF */
        char *firmware;            /* NULL when unknown */
        char *driver;              /* VF driver when read; informative */
} VfProfile;

VfProfile *vf_profile_new(void);
VfProfile *vf_profile_copy(const VfProfile *p);
void vf_profile_free(VfProfile *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfProfile, vf_profile_free)

/* VFIO_MIGRATION_STOP_COPY etc., mirrored so core needs no kernel header. */
#define PROFILE_MIGRATION_STOP_COPY (1u << 0)
#define PROFILE_MIGRATION_P2P       (1u << 1)
#define PROFILE_MIGRATION_PRE_COPY  (1u << 2)

/*
 * Can a guest using a device with profile src continue on a device with
 * profile dst? Returns every reason it cannot (owned strings, empty array
 * when compatible), each a short sentence without the device names, e.g.
 * "type differs: source net, destination blk" or "destination lacks
 * negotiated feature bits 0x0000000000010000". Rules (DESIGN §4; the
 * reason texts are listed in docs/profile.md):
 *  - same type;
 *  - dst offers every bit src negotiated (or, when src negotiated nothing
 *    yet, every bit src offered); not judged when dst's features are
 *    unknown (0 in a profile of source "pci");
 *  - every known (non-zero) dst limit at least the known src limit,
 *    except block_size, which must be equal when both are known (the
 *    guest's data is laid out in the source's logical block size);
 *  - when both stream versions are known (not 0.0): major equal; minors
 *    are not compared, since a reader accepts every minor of its major,
 *    newer ones too (docs/kmod-interface.md §5);
 *  - dst supports STOP_COPY if src did, judged only when dst's profile
 *    comes from the variant driver (source "pci" knows no flags);
 *  - legacy I/O equal, judged only when both profiles come from the
 *    variant driver;
 *  - a src MAC that dst lacks is reproducible only when dst->mac_settable,
 *    judged only when dst's profile comes from the variant driver;
 *  - PCI vendor:device of the VFs equal, when both are known (vendor
 *    not 0: a JSON or XML profile may leave the IDs out).
 * A profile of source "pci" knows only identity: as dst it is judged on
 * type, PCI id and known limits; read it again after binding the VF to
 * vfmig_virtio_pci for the full check.
 */
GPtrArray *profile_compat_reasons(const VfProfile *src, const VfProfile *dst);

/* XML form: builds a <vfmig:profile> element in ns (caller owns the node). */
xmlNodePtr profile_to_xml(const VfProfile *p, xmlNsPtr ns);
/* Parses a <profile> element in VFMIG_XML_NS; errors name the attribute. */
VfProfile *profile_from_xml(xmlNodePtr node, GError **error);

/* JSON form: a complete JSON object text (pretty when pretty). */
char *profile_to_json(const VfProfile *p, gboolean pretty);
/* Parses a JSON object (a JsonNode from json-glib) into a profile. */
typedef struct _JsonNode JsonNode;
VfProfile *profile_from_json_node(JsonNode *node, GError **error);
/* Parses JSON text (at most 64 KiB, nesting at most 8 deep, checked before
 * json-glib parses it); errors name the member and the fault. */
VfProfile *profile_from_json_data(const char *data, gsize len, GError **error);
/* Checks JSON text from outside before json-glib parses it: at most
 * max_len bytes, no NUL, nesting at most 8 deep. json-glib's parser
 * recurses per level and crashes (stack overflow) on ~100000 nested
 * brackets, so every caller of json_parser_load_from_data() on input it
 * does not trust must call this first. */
gboolean profile_json_check(const char *data, gsize len, gsize max_len,
                            GError **error);
