/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.vfmig.Agent1.Manager at /org/vfmig/Agent1. */
#include <stdlib.h>

#include "bus-private.h"
#include "core/domxml.h"
#include "vfmig-build-config.h"

static int list_pfs(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        const Inventory *inv = agent_get_inventory(svc->agent);
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sossqquu)");
        for (guint i = 0; r >= 0 && i < inv->pfs->len; i++) {
                const Pf *pf = inv->pfs->pdata[i];
                char *path = bus_pf_path(pf->address);

                if (!path) {
                        r = -ENOMEM;
                        break;
                }
                r = sd_bus_message_append(reply, "(sossqquu)", pf->address, path,
                                          device_type_to_string(pf->type),
                                          pf->driver ? pf->driver : "",
                                          pf->vendor_id, pf->device_id,
                                          pf->total_vfs, pf->num_vfs);
                free(path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 1;
}

static int append_vf(sd_bus_message *reply, const Vf *vf, const PoolEntry *e,
                     const char *address)
{
        char *path = bus_vf_path(address);
        int r;

        if (!path)
                return -ENOMEM;
        r = sd_bus_message_append(reply, "(sosusssss)", address, path,
                                  vf ? vf->pf_address : "", vf ? vf->index : 0,
                                  vf && vf->driver ? vf->driver : "",
                                  vf && vf->driver_override ? vf->driver_override : "",
                                  vf_state_to_string(e ? e->state : VF_STATE_FREE),
                                  e && e->owner_uuid ? e->owner_uuid : "",
                                  e && e->owner_name ? e->owner_name : "");
        free(path);
        return r;
}

static int list_vfs(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        const Inventory *inv = agent_get_inventory(svc->agent);
        const Pool *pool = agent_get_pool(svc->agent);
        g_autoptr(GPtrArray) entries = pool_entries(pool);
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sosusssss)");
        for (guint i = 0; r >= 0 && i < inv->pfs->len; i++) {
                const Pf *pf = inv->pfs->pdata[i];
                for (guint j = 0; r >= 0 && j < pf->vfs->len; j++) {
                        const Vf *vf = pf->vfs->pdata[j];
                        r = append_vf(reply, vf, pool_lookup(pool, vf->address), vf->address);
                }
        }
        /* VFs that vanished but that the pool still remembers (quarantined). */
        for (guint i = 0; r >= 0 && i < entries->len; i++) {
                const PoolEntry *e = entries->pdata[i];
                if (!inventory_find_vf(inv, e->address))
                        r = append_vf(reply, NULL, e, e->address);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 1;
}

static int get_object(sd_bus_message *m, BusService *svc, gboolean pf,
                      sd_bus_error *error)
{
        g_autoptr(GError) gerror = NULL;
        char address[PCI_ADDRESS_STRLEN];
        const char *in;
        char *path;
        int r;

        r = sd_bus_message_read(m, "s", &in);
        if (r < 0)
                return r;
        if (pf ? !agent_check_pf(svc->agent, in, address, &gerror)
               : !agent_check_vf(svc->agent, in, address, &gerror))
                return bus_error_from_gerror(error, gerror);
        path = pf ? bus_pf_path(address) : bus_vf_path(address);
        if (!path)
                return -ENOMEM;
        r = sd_bus_reply_method_return(m, "o", path);
        free(path);
        return r;
}

static int method_get_pf(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return get_object(m, userdata, TRUE, error);
}

static int method_get_vf(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return get_object(m, userdata, FALSE, error);
}

static int method_rescan(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_RESCAN };

        return bus_op_start(userdata, m, &args, error);
}

static int method_apply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_APPLY };

        return bus_op_start(userdata, m, &args, error);
}

static int method_provision(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_PROVISION };
        int r = sd_bus_message_read(m, "su", &args.device, &args.u);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_bind(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_BIND };
        int r = sd_bus_message_read(m, "ss", &args.device, &args.s1);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_unbind(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_UNBIND };
        int r = sd_bus_message_read(m, "s", &args.device);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_claim(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_CLAIM };
        int r = sd_bus_message_read(m, "sss", &args.device, &args.s1, &args.s2);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_reserve(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_RESERVE };
        int r = sd_bus_message_read(m, "sssu", &args.device, &args.s1, &args.s2, &args.u);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_assign(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_ASSIGN };
        int r = sd_bus_message_read(m, "ss", &args.device, &args.s1);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_RELEASE };
        int r = sd_bus_message_read(m, "ss", &args.device, &args.s1);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_unquarantine(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_UNQUARANTINE };
        int r = sd_bus_message_read(m, "s", &args.device);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

/* ---- domains and migrations ---- */

static int method_claim_for_domain(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_CLAIM_FOR_DOMAIN };
        int r = sd_bus_message_read(m, "s", &args.s1);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_prepare_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_PREPARE_INCOMING };
        int r = sd_bus_message_read(m, "s", &args.s1);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_release_domain(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_RELEASE_DOMAIN };
        int r = sd_bus_message_read(m, "ss", &args.s1, &args.s2);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_reconcile_domain(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusOpArgs args = { .kind = BUS_OP_RECONCILE_DOMAIN };
        int r = sd_bus_message_read(m, "s", &args.s1);

        return r < 0 ? r : bus_op_start(userdata, m, &args, error);
}

static int method_check_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        g_autoptr(GError) gerror = NULL;
        g_autoptr(GPtrArray) lines = NULL;
        sd_bus_message *reply = NULL;
        gboolean compatible = FALSE;
        const char *text;
        int r;

        r = sd_bus_message_read(m, "s", &text);
        if (r < 0)
                return r;
        if (!agent_check_incoming(svc->agent, text, &compatible, &lines, &gerror))
                return bus_error_from_gerror(error, gerror);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "b", compatible);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (guint i = 0; r >= 0 && lines && i < lines->len; i++)
                r = sd_bus_message_append_basic(reply, 's', lines->pdata[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 1;
}

static int method_get_vf_profile(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        g_autoptr(GError) gerror = NULL;
        g_autoptr(VfProfile) p = NULL;
        g_autoptr(GPtrArray) meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);
        g_autofree char *text = NULL;
        char address[PCI_ADDRESS_STRLEN];
        const char *in;
        int r;

        r = sd_bus_message_read(m, "s", &in);
        if (r < 0)
                return r;
        if (!agent_check_vf(svc->agent, in, address, &gerror))
                return bus_error_from_gerror(error, gerror);
        p = agent_get_vf_profile(svc->agent, address, &gerror);
        if (!p)
                return bus_error_from_gerror(error, gerror);
        g_ptr_array_add(meta, domxml_meta_device_new(NULL, address, p));
        text = domxml_format_metadata(meta);
        return sd_bus_reply_method_return(m, "s", text);
}

static int method_get_domain_profile(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        g_autoptr(GError) gerror = NULL;
        g_autofree char *text = NULL;
        const char *in;
        int r;

        r = sd_bus_message_read(m, "s", &in);
        if (r < 0)
                return r;
        text = agent_get_domain_metadata(svc->agent, in, &gerror);
        if (!text)
                return bus_error_from_gerror(error, gerror);
        return sd_bus_reply_method_return(m, "s", text);
}

static int method_list_migrations(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        const GPtrArray *all = agent_get_migrations(svc->agent);
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(otssss)");
        for (guint i = 0; r >= 0 && i < all->len; i++) {
                const Migration *mg = all->pdata[i];
                g_autofree char *path = bus_migration_path(mg->id);

                r = sd_bus_message_append(reply, "(otssss)", path, (uint64_t) mg->id,
                                          migration_role_to_string(mg->role),
                                          migration_phase_to_string(mg->phase),
                                          mg->domain_uuid, mg->domain_name);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 1;
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply,
                                void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", VFMIG_VERSION);
}

static int property_get_sysfs_root(sd_bus *bus, const char *path, const char *interface,
                                   const char *property, sd_bus_message *reply,
                                   void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        g_autofree char *sysfs = g_build_filename(host_root(agent_get_host(svc->agent)),
                                                  "sys", NULL);

        return sd_bus_message_append(reply, "s", sysfs);
}

static int property_get_state_dir(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply,
                                  void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;

        return sd_bus_message_append(reply, "s", agent_get_state_dir(svc->agent));
}

static int property_get_startup_report(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply,
                                       void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;
        const GPtrArray *lines = agent_get_startup_report(svc->agent);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        for (guint i = 0; r >= 0 && i < lines->len; i++)
                r = sd_bus_message_append_basic(reply, 's', lines->pdata[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int property_get_n_pfs(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;

        return sd_bus_message_append(reply, "u", agent_get_inventory(svc->agent)->pfs->len);
}

static int property_get_n_vfs(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        BusService *svc = userdata;

        return sd_bus_message_append(reply, "u",
                                     g_hash_table_size(agent_get_inventory(svc->agent)->vf_by_address));
}

#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

const sd_bus_vtable bus_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SysfsRoot", "s", property_get_sysfs_root, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StateDirectory", "s", property_get_state_dir, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StartupReport", "as", property_get_startup_report, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NPhysicalFunctions", "u", property_get_n_pfs, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NVirtualFunctions", "u", property_get_n_vfs, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_METHOD_WITH_ARGS("ListPhysicalFunctions", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sossqquu)", pfs), list_pfs, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListVirtualFunctions", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sosusssss)", vfs), list_vfs, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetPhysicalFunction", SD_BUS_ARGS("s", address),
                                SD_BUS_RESULT("o", object), method_get_pf, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetVirtualFunction", SD_BUS_ARGS("s", address),
                                SD_BUS_RESULT("o", object), method_get_vf, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Rescan", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", findings),
                                method_rescan, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Apply", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", changes),
                                method_apply, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Provision", SD_BUS_ARGS("s", pf, "u", num_vfs),
                                SD_BUS_NO_RESULT, method_provision, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Bind", SD_BUS_ARGS("s", vf, "s", driver),
                                SD_BUS_NO_RESULT, method_bind, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Unbind", SD_BUS_ARGS("s", vf),
                                SD_BUS_NO_RESULT, method_unbind, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Claim", SD_BUS_ARGS("s", vf, "s", owner_uuid, "s", owner_name),
                                SD_BUS_NO_RESULT, method_claim, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Reserve",
                                SD_BUS_ARGS("s", vf, "s", owner_uuid, "s", owner_name, "u", lease_sec),
                                SD_BUS_NO_RESULT, method_reserve, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Assign", SD_BUS_ARGS("s", vf, "s", owner_uuid),
                                SD_BUS_NO_RESULT, method_assign, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_ARGS("s", vf, "s", owner_uuid),
                                SD_BUS_NO_RESULT, method_release, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Unquarantine", SD_BUS_ARGS("s", vf),
                                SD_BUS_NO_RESULT, method_unquarantine, UNPRIV),

        SD_BUS_METHOD_WITH_ARGS("ClaimForDomain", SD_BUS_ARGS("s", xml),
                                SD_BUS_NO_RESULT, method_claim_for_domain, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("PrepareIncoming", SD_BUS_ARGS("s", xml),
                                SD_BUS_RESULT("s", xml, "o", migration),
                                method_prepare_incoming, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ReleaseDomain", SD_BUS_ARGS("s", uuid, "s", reason),
                                SD_BUS_NO_RESULT, method_release_domain, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ReconcileDomain", SD_BUS_ARGS("s", xml),
                                SD_BUS_RESULT("as", changes), method_reconcile_domain, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("CheckIncoming", SD_BUS_ARGS("s", xml_or_metadata),
                                SD_BUS_RESULT("b", compatible, "as", lines),
                                method_check_incoming, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetVirtualFunctionProfile", SD_BUS_ARGS("s", vf),
                                SD_BUS_RESULT("s", metadata), method_get_vf_profile, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetDomainProfile", SD_BUS_ARGS("s", domain),
                                SD_BUS_RESULT("s", metadata), method_get_domain_profile, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListMigrations", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(otssss)", migrations), method_list_migrations,
                                UNPRIV),

        SD_BUS_SIGNAL_WITH_ARGS("PhysicalFunctionAdded", SD_BUS_ARGS("s", address, "o", object), 0),
        SD_BUS_SIGNAL_WITH_ARGS("PhysicalFunctionRemoved", SD_BUS_ARGS("s", address, "o", object), 0),
        SD_BUS_SIGNAL_WITH_ARGS("VirtualFunctionAdded", SD_BUS_ARGS("s", address, "o", object), 0),
        SD_BUS_SIGNAL_WITH_ARGS("VirtualFunctionRemoved", SD_BUS_ARGS("s", address, "o", object), 0),
        SD_BUS_SIGNAL_WITH_ARGS("VirtualFunctionStateChanged",
                                SD_BUS_ARGS("s", address, "o", object, "s", old_state,
                                            "s", new_state, "s", owner_uuid), 0),
        SD_BUS_SIGNAL_WITH_ARGS("MigrationAdded", SD_BUS_ARGS("o", object, "t", id), 0),
        SD_BUS_VTABLE_END,
};
