/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "device.h"

#define VIRTIO_VENDOR 0x1af4

static const char *const device_type_table[_DEVICE_TYPE_MAX] = {
        [DEVICE_TYPE_NET] = "net",
        [DEVICE_TYPE_BLK] = "blk",
        [DEVICE_TYPE_OTHER] = "other",
};

const char *device_type_to_string(DeviceType t)
{
        if ((int) t < 0 || t >= _DEVICE_TYPE_MAX)
                return NULL;
        return device_type_table[t];
}

DeviceType device_type_from_string(const char *s)
{
        if (!s)
                return _DEVICE_TYPE_INVALID;
        for (int i = 0; i < _DEVICE_TYPE_MAX; i++)
                if (device_type_table[i] && g_str_equal(device_type_table[i], s))
                        return (DeviceType) i;
        return _DEVICE_TYPE_INVALID;
}

DeviceType device_type_from_ids(guint16 vendor, guint16 device)
{
        if (vendor != VIRTIO_VENDOR)
                return _DEVICE_TYPE_INVALID;
        /* Modern IDs are 0x1040 + virtio device id (net 1, blk 2); the
         * transitional ones are 0x1000 (net) and 0x1001 (blk). */
        switch (device) {
        case 0x1041:
        case 0x1000:
                return DEVICE_TYPE_NET;
        case 0x1042:
        case 0x1001:
                return DEVICE_TYPE_BLK;
        default:
                return _DEVICE_TYPE_INVALID;
        }
}

Vf *vf_new(void)
{
        Vf *vf = g_new0(Vf, 1);

        vf->type = DEVICE_TYPE_OTHER;
        vf->iommu_group = -1;
        return vf;
}

void vf_free(Vf *vf)
{
        if (!vf)
                return;
        g_free(vf->driver);
        g_free(vf->driver_override);
        g_free(vf);
}

Vf *vf_copy(const Vf *vf)
{
        Vf *c;

        if (!vf)
                return NULL;
        c = g_memdup2(vf, sizeof(*vf));
        c->driver = g_strdup(vf->driver);
        c->driver_override = g_strdup(vf->driver_override);
        return c;
}

Pf *pf_new(void)
{
        Pf *pf = g_new0(Pf, 1);

        pf->type = DEVICE_TYPE_OTHER;
        pf->vfs = g_ptr_array_new_with_free_func((GDestroyNotify) vf_free);
        return pf;
}

void pf_free(Pf *pf)
{
        if (!pf)
                return;
        g_free(pf->driver);
        g_ptr_array_unref(pf->vfs);
        g_free(pf);
}

Inventory *inventory_new(void)
{
        Inventory *inv = g_new0(Inventory, 1);

        inv->pfs = g_ptr_array_new_with_free_func((GDestroyNotify) pf_free);
        /* Keys point into the Pf/Vf structs, which the pfs array owns. */
        inv->pf_by_address = g_hash_table_new(g_str_hash, g_str_equal);
        inv->vf_by_address = g_hash_table_new(g_str_hash, g_str_equal);
        return inv;
}

void inventory_free(Inventory *inv)
{
        if (!inv)
                return;
        /* Tables first: their keys are borrowed from the PFs. */
        g_hash_table_unref(inv->vf_by_address);
        g_hash_table_unref(inv->pf_by_address);
        g_ptr_array_unref(inv->pfs);
        g_free(inv);
}

static gint vf_cmp_index(gconstpointer a, gconstpointer b)
{
        const Vf *x = *(Vf *const *) a, *y = *(Vf *const *) b;

        return x->index < y->index ? -1 : x->index > y->index;
}

void inventory_add_pf(Inventory *inv, Pf *pf)
{
        Pf *old;
        guint pos;

        g_return_if_fail(inv && pf);

        /* A rescan may hand the same PF again: the new one replaces it. */
        old = g_hash_table_lookup(inv->pf_by_address, pf->address);
        if (old) {
                for (guint i = 0; i < old->vfs->len; i++) {
                        Vf *vf = g_ptr_array_index(old->vfs, i);
                        if (g_hash_table_lookup(inv->vf_by_address, vf->address) == vf)
                                g_hash_table_remove(inv->vf_by_address, vf->address);
                }
                g_hash_table_remove(inv->pf_by_address, old->address);
                g_ptr_array_remove(inv->pfs, old);
        }

        g_ptr_array_sort(pf->vfs, vf_cmp_index);

        for (pos = 0; pos < inv->pfs->len; pos++) {
                Pf *p = g_ptr_array_index(inv->pfs, pos);
                if (strcmp(p->address, pf->address) > 0)
                        break;
        }
        g_ptr_array_insert(inv->pfs, (gint) pos, pf);
        g_hash_table_insert(inv->pf_by_address, pf->address, pf);
        for (guint i = 0; i < pf->vfs->len; i++) {
                Vf *vf = g_ptr_array_index(pf->vfs, i);
                g_hash_table_insert(inv->vf_by_address, vf->address, vf);
        }
}

const Pf *inventory_find_pf(const Inventory *inv, const char *address)
{
        char canon[PCI_ADDRESS_STRLEN];

        if (!inv || !pci_address_normalize(address, canon, NULL))
                return NULL;
        return g_hash_table_lookup(inv->pf_by_address, canon);
}

const Vf *inventory_find_vf(const Inventory *inv, const char *address)
{
        char canon[PCI_ADDRESS_STRLEN];

        if (!inv || !pci_address_normalize(address, canon, NULL))
                return NULL;
        return g_hash_table_lookup(inv->vf_by_address, canon);
}
