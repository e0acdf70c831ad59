/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

#include "pci-address.h"

/* What a VF is, as far as migration cares. */
typedef enum {
        DEVICE_TYPE_NET,   /* virtio-net 1af4:1041 (transitional 1af4:1000) */
        DEVICE_TYPE_BLK,   /* virtio-blk 1af4:1042 (transitional 1af4:1001) */
        DEVICE_TYPE_OTHER, /* a PF the config names (other vendors, the rig's igb) */
        _DEVICE_TYPE_MAX,
        _DEVICE_TYPE_INVALID = -EINVAL,
} DeviceType;

const char *device_type_to_string(DeviceType t);   /* "net", "blk", "other" */
DeviceType device_type_from_string(const char *s);
/* Type from a VF's vendor:device; _DEVICE_TYPE_INVALID if not virtio net/blk. */
DeviceType device_type_from_ids(guint16 vendor, guint16 device);

#define VFMIG_DRIVER_VARIANT "vfmig_virtio_pci"
#define VFMIG_DRIVER_VFIO "vfio-pci"

typedef struct Vf Vf;
typedef struct Pf Pf;

struct Vf {
        char address[PCI_ADDRESS_STRLEN];
        char pf_address[PCI_ADDRESS_STRLEN];
        guint index;                 /* N of the PF's virtfnN link */
        guint16 vendor_id, device_id;
        guint16 subsystem_vendor_id, subsystem_id;
        DeviceType type;
        char *driver;                /* NULL: no driver bound */
        char *driver_override;       /* NULL: none ("(null)" in sysfs) */
        int iommu_group;             /* -1: none */
};

struct Pf {
        char address[PCI_ADDRESS_STRLEN];
        guint16 vendor_id, device_id;
        guint16 subsystem_vendor_id, subsystem_id;
        DeviceType type;             /* type of its VFs */
        char *driver;                /* NULL: no driver bound */
        guint total_vfs, num_vfs;
        GPtrArray *vfs;              /* Vf*, owned, sorted by index */
};

Vf *vf_new(void);
void vf_free(Vf *vf);
Vf *vf_copy(const Vf *vf);
Pf *pf_new(void);
void pf_free(Pf *pf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Vf, vf_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pf, pf_free)

/* All managed PFs and their VFs, as last scanned. */
typedef struct {
        GPtrArray *pfs;              /* Pf*, owned, sorted by address */
        GHashTable *pf_by_address;   /* address -> Pf* (borrowed) */
        GHashTable *vf_by_address;   /* address -> Vf* (borrowed) */
} Inventory;

Inventory *inventory_new(void);
void inventory_free(Inventory *inv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Inventory, inventory_free)
/* Takes ownership of pf (and its vfs); keeps pfs sorted, indexes VFs. */
void inventory_add_pf(Inventory *inv, Pf *pf);
const Pf *inventory_find_pf(const Inventory *inv, const char *address);
const Vf *inventory_find_vf(const Inventory *inv, const char *address);
