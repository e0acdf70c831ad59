/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Object paths and error names shared by the bus faces. */
#include <stdlib.h>
#include <string.h>

#include "bus-private.h"

char *bus_pf_path(const char *address)
{
        char *p = NULL;

        if (sd_bus_path_encode(BUS_PF_PREFIX, address, &p) < 0)
                return NULL;
        return p;
}

char *bus_vf_path(const char *address)
{
        char *p = NULL;

        if (sd_bus_path_encode(BUS_VF_PREFIX, address, &p) < 0)
                return NULL;
        return p;
}

static gboolean address_from_path(const char *prefix, const char *path,
                                  char out[static PCI_ADDRESS_STRLEN])
{
        char *label = NULL;
        gboolean ok;

        if (sd_bus_path_decode(path, prefix, &label) <= 0 || !label)
                return FALSE;
        /* Only the canonical form names an object: one path per device. */
        ok = strlen(label) + 1 == PCI_ADDRESS_STRLEN &&
             pci_address_normalize(label, out, NULL) && strcmp(out, label) == 0;
        free(label);
        return ok;
}

gboolean bus_pf_address_from_path(const char *path, char out[static PCI_ADDRESS_STRLEN])
{
        return address_from_path(BUS_PF_PREFIX, path, out);
}

gboolean bus_vf_address_from_path(const char *path, char out[static PCI_ADDRESS_STRLEN])
{
        return address_from_path(BUS_VF_PREFIX, path, out);
}

int bus_error_from_gerror(sd_bus_error *error, const GError *gerror)
{
        const char *name = NULL;
        g_autofree char *full = NULL;
        int r;

        if (gerror->domain == VFMIG_ERROR)
                name = vfmig_error_to_string(gerror->code);
        full = g_strconcat(VFMIG_DBUS_ERROR_PREFIX, name ? name : "Failed", NULL);
        r = sd_bus_error_set(error, full, gerror->message);
        return r < 0 ? r : -EIO;
}

const char **bus_vtable_changing_properties(const sd_bus_vtable *vtable)
{
        GPtrArray *names = g_ptr_array_new();

        /* Read from the vtable itself, so that a property added later
         * cannot be forgotten in PropertiesChanged. */
        for (const sd_bus_vtable *v = vtable; v->type != _SD_BUS_VTABLE_END; v++)
                if ((v->type == _SD_BUS_VTABLE_PROPERTY ||
                     v->type == _SD_BUS_VTABLE_WRITABLE_PROPERTY) &&
                    (v->flags & SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE))
                        g_ptr_array_add(names, (gpointer) v->x.property.member);
        g_ptr_array_add(names, NULL);
        return (const char **) g_ptr_array_free(names, FALSE);
}
