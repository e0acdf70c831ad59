/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "pci-address.h"
#include "profile.h"

/*
 * Domain XML as libvirt hands it to hooks, and the vfmig metadata inside
 * it. Parsing is safe against hostile input: at most DOMXML_MAX_BYTES, no
 * network, no DTD (any <!DOCTYPE> is refused), no entity expansion, the
 * root must be <domain>. Every refusal is VFMIG_ERROR_INVALID_ARGUMENT
 * with a message saying what was wrong; nothing is partially applied.
 *
 * Metadata (docs/profile.md), as libvirt stores it under <metadata>:
 *
 *   <vfmig:migration xmlns:vfmig="http://vfmig.org/xmlns/domain/1.0">
 *     <vfmig:device alias="hostdev0" address="0000:3b:00.2">
 *       <vfmig:profile version="1" type="net" ...>...</vfmig:profile>
 *     </vfmig:device>
 *   </vfmig:migration>
 *
 * "address" is the VF the domain used on the host that wrote the metadata.
 */
#define DOMXML_MAX_BYTES (4u * 1024 * 1024)
#define DOMXML_METADATA_ELEMENT "migration"  /* root of our metadata */
/* More PCI passthrough devices, or metadata devices, than any VM has:
 * such a document is refused rather than worked through. */
#define DOMXML_MAX_DEVICES 256u
#define DOMXML_MAX_META_DEVICES 256u

typedef enum {
        DOMXML_DEVICE_HOSTDEV,    /* <hostdev mode='subsystem' type='pci'> */
        DOMXML_DEVICE_INTERFACE,  /* <interface type='hostdev'> */
        _DOMXML_DEVICE_KIND_MAX,
        _DOMXML_DEVICE_KIND_INVALID = -EINVAL,
} DomxmlDeviceKind;

const char *domxml_device_kind_to_string(DomxmlDeviceKind k); /* "hostdev", "interface" */
DomxmlDeviceKind domxml_device_kind_from_string(const char *s);

/* One PCI passthrough device of the domain. */
typedef struct {
        DomxmlDeviceKind kind;
        guint index;                       /* position among PCI hostdevs, 0.. */
        char *alias;                       /* <alias name=>, or NULL */
        char address[PCI_ADDRESS_STRLEN];  /* <source><address> */
        gboolean managed;                  /* managed='yes' */
        char *driver;                      /* <driver name=> (e.g. vfio), or NULL */
        char *mac;                         /* interface: <mac address=>, lower case */
} DomxmlDevice;

/* One <vfmig:device> of the metadata. */
typedef struct {
        char *alias;                       /* may be NULL */
        char address[PCI_ADDRESS_STRLEN];
        VfProfile *profile;
} DomxmlMetaDevice;

typedef struct Domxml Domxml;

Domxml *domxml_parse(const char *text, gsize len, GError **error);
void domxml_free(Domxml *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Domxml, domxml_free)

const char *domxml_get_name(const Domxml *d);
const char *domxml_get_uuid(const Domxml *d);       /* lower case */

/* Every PCI hostdev/interface device, in document order (borrowed). */
const GPtrArray *domxml_get_devices(const Domxml *d);   /* DomxmlDevice* */

/*
 * Our metadata, or an empty array when there is none (borrowed). Malformed
 * metadata is an error of domxml_parse, naming what is wrong.
 */
const GPtrArray *domxml_get_meta_devices(const Domxml *d); /* DomxmlMetaDevice* */
/* The metadata entry for a device: by alias when both have one, else by
 * address. NULL when none. */
const DomxmlMetaDevice *domxml_find_meta(const Domxml *d, const DomxmlDevice *dev);

/* Points device number index (domxml_get_devices order) at another VF. */
gboolean domxml_set_device_address(Domxml *d, guint index,
                                   const char *address, GError **error);
/*
 * Replaces our metadata element with these devices (an empty array
 * removes it). Other metadata is kept.
 */
void domxml_set_meta_devices(Domxml *d, const GPtrArray *meta /* DomxmlMetaDevice* */);

/* The document as text (with the XML declaration left out, like libvirt). */
char *domxml_format(const Domxml *d);

/*
 * The <vfmig:migration> element alone, as it appears in the domain XML
 * (namespace declared on it with the vfmig prefix), and the parser for
 * such a fragment (also used by `vfmigctl check` on a file holding just
 * the metadata). virDomainSetMetadata declares the prefix itself and
 * refuses an element that already does: the libvirt monitor moves the
 * element into the default namespace before handing it over.
 */
char *domxml_format_metadata(const GPtrArray *meta /* DomxmlMetaDevice* */);
GPtrArray *domxml_parse_metadata(const char *text, gsize len, GError **error);

/* Copies alias and profile (required); address is normalized. NULL when
 * address is not a PCI address: callers check input addresses first. An
 * alias the metadata cannot hold (empty, over 256 bytes) is left out. */
DomxmlMetaDevice *domxml_meta_device_new(const char *alias, const char *address,
                                         const VfProfile *profile);
void domxml_meta_device_free(DomxmlMetaDevice *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DomxmlMetaDevice, domxml_meta_device_free)
