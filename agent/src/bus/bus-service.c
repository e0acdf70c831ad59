/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registration of the object tree and the translation of the agent's
 * change notifications into signals and PropertiesChanged.
 */
#include <stdlib.h>

#include "bus-private.h"

static void slot_unref(gpointer slot)
{
        sd_bus_slot_unref(slot);
}

static int add_slot(BusService *svc, int r, sd_bus_slot *slot)
{
        if (r >= 0)
                g_ptr_array_add(svc->slots, slot);
        return r;
}

static VfState current_state(BusService *svc, const char *address)
{
        const PoolEntry *e = pool_lookup(agent_get_pool(svc->agent), address);

        return e ? e->state : VF_STATE_FREE;
}

/* A VF has an object while the host has it or the pool remembers it
 * (vf-dbus.c), e.g. a claimed VF that was hot-removed stays, quarantined. */
static gboolean vf_exists(BusService *svc, const char *address)
{
        return inventory_find_vf(agent_get_inventory(svc->agent), address) ||
               pool_lookup(agent_get_pool(svc->agent), address);
}

static void emit_with_path(BusService *svc, const char *member, const char *address,
                           char *path /* freed */)
{
        if (!path)
                return;
        (void) sd_bus_emit_signal(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE, member,
                                  "so", address, path);
        free(path);
}

static void emit_manager_counts(BusService *svc)
{
        (void) sd_bus_emit_properties_changed(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE,
                                              "NPhysicalFunctions", "NVirtualFunctions", NULL);
}

/*
 * Brings what clients know about one VF up to date, whatever the agent
 * said changed (host side or pool side): the agent's ADDED/REMOVED speak of
 * the host's inventory only, while the object lives as long as the host or
 * the pool knows the VF. So Added/Removed follow the object's existence as
 * seen here, against the set of objects announced before; an object that
 * stays gets PropertiesChanged with every property that may have changed
 * (losing the host device changes PhysicalFunction, Index, ... too).
 */
static void vf_sync(BusService *svc, const char *address)
{
        gboolean existed = g_hash_table_contains(svc->vf_objects, address);
        gboolean exists = vf_exists(svc, address);
        VfState old = VF_STATE_FREE, now = current_state(svc, address);
        gpointer v;
        char *path = bus_vf_path(address);

        if (!path)
                return;
        if (g_hash_table_lookup_extended(svc->vf_states, address, NULL, &v))
                old = GPOINTER_TO_INT(v) - 1;

        if (exists && !existed) {
                g_hash_table_add(svc->vf_objects, g_strdup(address));
                (void) sd_bus_emit_signal(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE,
                                          "VirtualFunctionAdded", "so", address, path);
        } else if (exists)
                (void) sd_bus_emit_properties_changed_strv(svc->bus, path, BUS_VF_IFACE,
                                                           (char **) svc->vf_changing);

        if (old != now) {
                const PoolEntry *e = pool_lookup(agent_get_pool(svc->agent), address);
                (void) sd_bus_emit_signal(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE,
                                          "VirtualFunctionStateChanged", "sosss",
                                          address, path, vf_state_to_string(old),
                                          vf_state_to_string(now),
                                          e && e->owner_uuid ? e->owner_uuid : "");
                if (now == VF_STATE_FREE)
                        g_hash_table_remove(svc->vf_states, address);
                else
                        g_hash_table_insert(svc->vf_states, g_strdup(address),
                                            GINT_TO_POINTER(now + 1));
        }

        /* Last, so that the state change above still names a live object. */
        if (!exists && existed) {
                g_hash_table_remove(svc->vf_objects, address);
                (void) sd_bus_emit_signal(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE,
                                          "VirtualFunctionRemoved", "so", address, path);
        }
        free(path);
}

static void on_agent_change(Agent *agent, AgentChange change, const char *address,
                            gpointer user_data)
{
        BusService *svc = user_data;
        char *path;

        switch (change) {
        case AGENT_CHANGE_PF_ADDED:
                emit_with_path(svc, "PhysicalFunctionAdded", address, bus_pf_path(address));
                emit_manager_counts(svc);
                break;
        case AGENT_CHANGE_PF_REMOVED:
                emit_with_path(svc, "PhysicalFunctionRemoved", address, bus_pf_path(address));
                emit_manager_counts(svc);
                break;
        case AGENT_CHANGE_PF_CHANGED:
                path = bus_pf_path(address);
                if (path)
                        (void) sd_bus_emit_properties_changed_strv(svc->bus, path, BUS_PF_IFACE,
                                                                   (char **) svc->pf_changing);
                free(path);
                break;
        case AGENT_CHANGE_VF_ADDED:
        case AGENT_CHANGE_VF_REMOVED:
                vf_sync(svc, address);
                /* NVirtualFunctions counts the host's VFs. */
                emit_manager_counts(svc);
                break;
        case AGENT_CHANGE_VF_CHANGED:
                vf_sync(svc, address);
                break;
        }
}

static void on_migration(Agent *agent, const Migration *m, MigrationPhase old_phase,
                         gboolean created, gpointer user_data)
{
        bus_migration_changed(user_data, m, old_phase, created);
}

BusService *bus_service_new(sd_bus *bus, Agent *agent, GError **error)
{
        BusService *svc = g_new0(BusService, 1);
        g_autoptr(GPtrArray) entries = pool_entries(agent_get_pool(agent));
        const Inventory *inv = agent_get_inventory(agent);
        sd_bus_slot *slot = NULL;
        int r;

        svc->bus = sd_bus_ref(bus);
        svc->agent = agent;
        svc->vf_states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        svc->vf_objects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        svc->slots = g_ptr_array_new_with_free_func(slot_unref);
        svc->pf_changing = bus_vtable_changing_properties(bus_pf_vtable);
        svc->vf_changing = bus_vtable_changing_properties(bus_vf_vtable);
        svc->migration_changing = bus_vtable_changing_properties(bus_migration_vtable);

        /* Remember what state each VF was in, so that a change signal can
         * name the state it came from, and which VF objects exist now. */
        for (guint i = 0; i < entries->len; i++) {
                const PoolEntry *e = entries->pdata[i];
                g_hash_table_insert(svc->vf_states, g_strdup(e->address),
                                    GINT_TO_POINTER(e->state + 1));
                g_hash_table_add(svc->vf_objects, g_strdup(e->address));
        }
        for (guint i = 0; i < inv->pfs->len; i++) {
                const Pf *pf = inv->pfs->pdata[i];
                for (guint j = 0; j < pf->vfs->len; j++)
                        g_hash_table_add(svc->vf_objects,
                                         g_strdup(((const Vf *) pf->vfs->pdata[j])->address));
        }

        r = add_slot(svc, sd_bus_add_object_vtable(bus, &slot, BUS_MANAGER_PATH,
                                                   BUS_MANAGER_IFACE, bus_manager_vtable, svc),
                     slot);
        if (r >= 0)
                r = add_slot(svc, sd_bus_add_fallback_vtable(bus, &slot, BUS_PF_PREFIX, BUS_PF_IFACE,
                                                             bus_pf_vtable, bus_pf_find, svc),
                             slot);
        if (r >= 0)
                r = add_slot(svc, sd_bus_add_node_enumerator(bus, &slot, BUS_PF_PREFIX,
                                                             bus_pf_enumerate, svc),
                             slot);
        if (r >= 0)
                r = add_slot(svc, sd_bus_add_fallback_vtable(bus, &slot, BUS_VF_PREFIX, BUS_VF_IFACE,
                                                             bus_vf_vtable, bus_vf_find, svc),
                             slot);
        if (r >= 0)
                r = add_slot(svc, sd_bus_add_node_enumerator(bus, &slot, BUS_VF_PREFIX,
                                                             bus_vf_enumerate, svc),
                             slot);
        if (r >= 0)
                r = add_slot(svc, sd_bus_add_fallback_vtable(bus, &slot, BUS_MIGRATION_PREFIX,
                                                             BUS_MIGRATION_IFACE,
                                                             bus_migration_vtable,
                                                             bus_migration_find, svc),
                             slot);
        if (r >= 0)
                r = add_slot(svc, sd_bus_add_node_enumerator(bus, &slot, BUS_MIGRATION_PREFIX,
                                                             bus_migration_enumerate, svc),
                             slot);
        if (r < 0) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED,
                            "Failed to register the D-Bus objects: %s", g_strerror(-r));
                bus_service_free(svc);
                return NULL;
        }

        agent_set_change_func(agent, on_agent_change, svc);
        agent_set_migration_func(agent, on_migration, svc);
        return svc;
}

void bus_service_free(BusService *svc)
{
        if (!svc)
                return;
        agent_set_change_func(svc->agent, NULL, NULL);
        agent_set_migration_func(svc->agent, NULL, NULL);
        bus_op_cancel_all(svc);
        g_ptr_array_unref(svc->slots);
        g_hash_table_unref(svc->vf_states);
        g_hash_table_unref(svc->vf_objects);
        g_free(svc->pf_changing);
        g_free(svc->vf_changing);
        g_free(svc->migration_changing);
        sd_bus_unref(svc->bus);
        g_free(svc);
}

void bus_service_manager_changed(BusService *svc)
{
        (void) sd_bus_emit_properties_changed(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE,
                                              "StartupReport", "NPhysicalFunctions",
                                              "NVirtualFunctions", NULL);
}
