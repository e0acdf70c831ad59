/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * org.vfmig.Agent1.VirtualFunction at /org/vfmig/Agent1/vf/<address>: every
 * VF of a managed PF, plus VFs that vanished but that the pool still
 * remembers (quarantined), so an admin can see and clear them.
 */
#include <stdlib.h>
#include <string.h>

#include "bus-private.h"

typedef struct {
        char address[PCI_ADDRESS_STRLEN];
        const Vf *vf;            /* NULL: known to the pool only */
        const PoolEntry *entry;  /* NULL: free */
} VfView;

static gboolean vf_from_path(BusService *svc, const char *path, VfView *v)
{
        if (!bus_vf_address_from_path(path, v->address))
                return FALSE;
        v->vf = inventory_find_vf(agent_get_inventory(svc->agent), v->address);
        v->entry = pool_lookup(agent_get_pool(svc->agent), v->address);
        return v->vf || v->entry;
}

int bus_vf_find(sd_bus *bus, const char *path, const char *interface,
                void *userdata, void **found, sd_bus_error *error)
{
        VfView v;

        if (!vf_from_path(userdata, path, &v))
                return 0;
        *found = userdata;
        return 1;
}

int bus_vf_enumerate(sd_bus *bus, const char *prefix, void *userdata,
                     char ***nodes, sd_bus_error *error)
{
        BusService *svc = userdata;
        const Inventory *inv = agent_get_inventory(svc->agent);
        g_autoptr(GPtrArray) entries = pool_entries(agent_get_pool(svc->agent));
        guint n = g_hash_table_size(inv->vf_by_address) + entries->len, k = 0;
        char **l = calloc(n + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (guint i = 0; i < inv->pfs->len; i++) {
                const Pf *pf = inv->pfs->pdata[i];
                for (guint j = 0; j < pf->vfs->len && k < n; j++)
                        if ((l[k] = bus_vf_path(((const Vf *) pf->vfs->pdata[j])->address)))
                                k++;
        }
        for (guint i = 0; i < entries->len && k < n; i++) {
                const PoolEntry *e = entries->pdata[i];
                if (!inventory_find_vf(inv, e->address) && (l[k] = bus_vf_path(e->address)))
                        k++;
        }
        *nodes = l;
        return 1;
}

#define VF_OR_FAIL(v)                                                         \
        VfView v;                                                             \
        if (!vf_from_path(userdata, path, &v))                                \
                return sd_bus_error_setf(error, VFMIG_DBUS_ERROR_PREFIX "NoSuchDevice", \
                                         "%s: no such virtual function", path)

static int property_get_string(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply,
                               void *userdata, sd_bus_error *error)
{
        VF_OR_FAIL(v);
        const char *s = NULL;

        if (strcmp(property, "Address") == 0)
                s = v.address;
        else if (strcmp(property, "PhysicalFunctionAddress") == 0)
                s = v.vf ? v.vf->pf_address : NULL;
        else if (strcmp(property, "Type") == 0)
                s = v.vf ? device_type_to_string(v.vf->type) : NULL;
        else if (strcmp(property, "Driver") == 0)
                s = v.vf ? v.vf->driver : NULL;
        else if (strcmp(property, "DriverOverride") == 0)
                s = v.vf ? v.vf->driver_override : NULL;
        else if (strcmp(property, "State") == 0)
                s = vf_state_to_string(v.entry ? v.entry->state : VF_STATE_FREE);
        else if (strcmp(property, "OwnerUUID") == 0)
                s = v.entry ? v.entry->owner_uuid : NULL;
        else if (strcmp(property, "OwnerName") == 0)
                s = v.entry ? v.entry->owner_name : NULL;
        else if (strcmp(property, "QuarantineReason") == 0)
                s = v.entry ? v.entry->reason : NULL;
        return sd_bus_message_append(reply, "s", s ? s : "");
}

static int property_get_index(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        VF_OR_FAIL(v);
        return sd_bus_message_append(reply, "u", v.vf ? v.vf->index : 0);
}

static int property_get_pf(sd_bus *bus, const char *path, const char *interface,
                           const char *property, sd_bus_message *reply,
                           void *userdata, sd_bus_error *error)
{
        VF_OR_FAIL(v);
        char *p;
        int r;

        /* A VF the pool remembers but the host lost has no PF object. */
        if (!v.vf)
                return sd_bus_message_append(reply, "o", "/");
        p = bus_pf_path(v.vf->pf_address);
        if (!p)
                return -ENOMEM;
        r = sd_bus_message_append(reply, "o", p);
        free(p);
        return r;
}

static int property_get_ids(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply,
                            void *userdata, sd_bus_error *error)
{
        VF_OR_FAIL(v);
        guint16 id = !v.vf ? 0 : strcmp(property, "VendorId") == 0 ? v.vf->vendor_id : v.vf->device_id;
        return sd_bus_message_append(reply, "q", id);
}

static int property_get_iommu_group(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply,
                                    void *userdata, sd_bus_error *error)
{
        VF_OR_FAIL(v);
        return sd_bus_message_append(reply, "i", v.vf ? v.vf->iommu_group : -1);
}

static int property_get_time(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply,
                             void *userdata, sd_bus_error *error)
{
        VF_OR_FAIL(v);
        gint64 t = 0;

        if (v.entry)
                t = strcmp(property, "Since") == 0 ? v.entry->since_usec :
                    v.entry->state == VF_STATE_RESERVED ? v.entry->lease_until_usec : 0;
        return sd_bus_message_append(reply, "t", (uint64_t) MAX(t, 0));
}

static int vf_method(sd_bus_message *m, BusService *svc, BusOpKind kind,
                     const char *types, sd_bus_error *error)
{
        char address[PCI_ADDRESS_STRLEN];
        BusOpArgs args = { .kind = kind, .device = address };
        int r = 0;

        if (!bus_vf_address_from_path(sd_bus_message_get_path(m), address))
                return -ENOENT;
        if (strcmp(types, "s") == 0)
                r = sd_bus_message_read(m, "s", &args.s1);
        else if (strcmp(types, "ss") == 0)
                r = sd_bus_message_read(m, "ss", &args.s1, &args.s2);
        else if (strcmp(types, "ssu") == 0)
                r = sd_bus_message_read(m, "ssu", &args.s1, &args.s2, &args.u);
        if (r < 0)
                return r;
        return bus_op_start(svc, m, &args, error);
}

static int method_bind(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_BIND, "s", error);
}

static int method_unbind(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_UNBIND, "", error);
}

static int method_claim(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_CLAIM, "ss", error);
}

static int method_reserve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_RESERVE, "ssu", error);
}

static int method_assign(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_ASSIGN, "s", error);
}

static int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_RELEASE, "s", error);
}

static int method_unquarantine(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return vf_method(m, userdata, BUS_OP_UNQUARANTINE, "", error);
}

#define CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

const sd_bus_vtable bus_vf_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Index", "u", property_get_index, 0, CHANGE),
        SD_BUS_PROPERTY("PhysicalFunction", "o", property_get_pf, 0, CHANGE),
        SD_BUS_PROPERTY("PhysicalFunctionAddress", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("VendorId", "q", property_get_ids, 0, CHANGE),
        SD_BUS_PROPERTY("DeviceId", "q", property_get_ids, 0, CHANGE),
        SD_BUS_PROPERTY("Type", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("Driver", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("DriverOverride", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("IommuGroup", "i", property_get_iommu_group, 0, CHANGE),
        SD_BUS_PROPERTY("State", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("OwnerUUID", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("OwnerName", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("Since", "t", property_get_time, 0, CHANGE),
        SD_BUS_PROPERTY("LeaseUntil", "t", property_get_time, 0, CHANGE),
        SD_BUS_PROPERTY("QuarantineReason", "s", property_get_string, 0, CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Bind", SD_BUS_ARGS("s", driver), SD_BUS_NO_RESULT,
                                method_bind, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Unbind", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                method_unbind, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Claim", SD_BUS_ARGS("s", owner_uuid, "s", owner_name),
                                SD_BUS_NO_RESULT, method_claim, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Reserve",
                                SD_BUS_ARGS("s", owner_uuid, "s", owner_name, "u", lease_sec),
                                SD_BUS_NO_RESULT, method_reserve, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Assign", SD_BUS_ARGS("s", owner_uuid), SD_BUS_NO_RESULT,
                                method_assign, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_ARGS("s", owner_uuid), SD_BUS_NO_RESULT,
                                method_release, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Unquarantine", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                method_unquarantine, UNPRIV),
        SD_BUS_VTABLE_END,
};
