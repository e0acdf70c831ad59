/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.vfmig.Agent1.PhysicalFunction at /org/vfmig/Agent1/pf/<address>. */
#include <stdlib.h>
#include <string.h>

#include "bus-private.h"

static const Pf *pf_from_path(BusService *svc, const char *path)
{
        char address[PCI_ADDRESS_STRLEN];

        if (!bus_pf_address_from_path(path, address))
                return NULL;
        return inventory_find_pf(agent_get_inventory(svc->agent), address);
}

int bus_pf_find(sd_bus *bus, const char *path, const char *interface,
                void *userdata, void **found, sd_bus_error *error)
{
        if (!pf_from_path(userdata, path))
                return 0;
        *found = userdata;
        return 1;
}

int bus_pf_enumerate(sd_bus *bus, const char *prefix, void *userdata,
                     char ***nodes, sd_bus_error *error)
{
        BusService *svc = userdata;
        const Inventory *inv = agent_get_inventory(svc->agent);
        char **l = calloc(inv->pfs->len + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (guint i = 0; i < inv->pfs->len; i++) {
                l[i] = bus_pf_path(((const Pf *) inv->pfs->pdata[i])->address);
                if (!l[i]) {
                        for (guint j = 0; j < i; j++)
                                free(l[j]);
                        free(l);
                        return -ENOMEM;
                }
        }
        *nodes = l;
        return 1;
}

/* The getters run only for paths bus_pf_find accepted, but the inventory
 * can change between find and get within one GetAll; fail cleanly then. */
#define PF_OR_FAIL(pf)                                                        \
        const Pf *pf = pf_from_path(userdata, path);                          \
        if (!pf)                                                              \
                return sd_bus_error_setf(error, VFMIG_DBUS_ERROR_PREFIX "NoSuchDevice", \
                                         "%s: no such physical function", path)

static int property_get_address(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply,
                                void *userdata, sd_bus_error *error)
{
        PF_OR_FAIL(pf);
        return sd_bus_message_append(reply, "s", pf->address);
}

static int property_get_ids(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply,
                            void *userdata, sd_bus_error *error)
{
        PF_OR_FAIL(pf);
        guint16 v = strcmp(property, "VendorId") == 0 ? pf->vendor_id :
                    strcmp(property, "DeviceId") == 0 ? pf->device_id :
                    strcmp(property, "SubsystemVendorId") == 0 ? pf->subsystem_vendor_id :
                    pf->subsystem_id;
        return sd_bus_message_append(reply, "q", v);
}

static int property_get_type(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply,
                             void *userdata, sd_bus_error *error)
{
        PF_OR_FAIL(pf);
        return sd_bus_message_append(reply, "s", device_type_to_string(pf->type));
}

static int property_get_driver(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply,
                               void *userdata, sd_bus_error *error)
{
        PF_OR_FAIL(pf);
        return sd_bus_message_append(reply, "s", pf->driver ? pf->driver : "");
}

static int property_get_counts(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply,
                               void *userdata, sd_bus_error *error)
{
        PF_OR_FAIL(pf);
        return sd_bus_message_append(reply, "u",
                                     strcmp(property, "TotalVFs") == 0 ? pf->total_vfs : pf->num_vfs);
}

static int property_get_vfs(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply,
                            void *userdata, sd_bus_error *error)
{
        PF_OR_FAIL(pf);
        int r = sd_bus_message_open_container(reply, 'a', "o");

        for (guint i = 0; r >= 0 && i < pf->vfs->len; i++) {
                char *p = bus_vf_path(((const Vf *) pf->vfs->pdata[i])->address);
                if (!p)
                        return -ENOMEM;
                r = sd_bus_message_append_basic(reply, 'o', p);
                free(p);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int method_provision(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        char address[PCI_ADDRESS_STRLEN];
        BusOpArgs args = { .kind = BUS_OP_PROVISION, .device = address };
        int r;

        if (!bus_pf_address_from_path(sd_bus_message_get_path(m), address))
                return -ENOENT;
        r = sd_bus_message_read(m, "u", &args.u);
        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

#define CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

const sd_bus_vtable bus_pf_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", property_get_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("VendorId", "q", property_get_ids, 0, CHANGE),
        SD_BUS_PROPERTY("DeviceId", "q", property_get_ids, 0, CHANGE),
        SD_BUS_PROPERTY("SubsystemVendorId", "q", property_get_ids, 0, CHANGE),
        SD_BUS_PROPERTY("SubsystemId", "q", property_get_ids, 0, CHANGE),
        SD_BUS_PROPERTY("Type", "s", property_get_type, 0, CHANGE),
        SD_BUS_PROPERTY("Driver", "s", property_get_driver, 0, CHANGE),
        SD_BUS_PROPERTY("TotalVFs", "u", property_get_counts, 0, CHANGE),
        SD_BUS_PROPERTY("NumVFs", "u", property_get_counts, 0, CHANGE),
        SD_BUS_PROPERTY("VirtualFunctions", "ao", property_get_vfs, 0, CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Provision", SD_BUS_ARGS("u", num_vfs), SD_BUS_NO_RESULT,
                                method_provision, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};
