/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's life: loading config and journal, scanning, reconciling,
 * committing pool changes, and telling the bus faces what changed. The
 * mutating operations live in agent-ops.c.
 */
#include <errno.h>
#include <string.h>

#include "agent-private.h"
#include "core/reconcile.h"
#include "sys/journal.h"
#include "sys/pci-scan.h"

static VfmigConfig *load_config(const char *path, GError **error)
{
        g_autofree char *text = NULL;
        g_autoptr(GError) local = NULL;
        gsize len = 0;

        if (!path || !*path)
                return vfmig_config_new_default();

        if (!g_file_get_contents(path, &text, &len, &local)) {
                /* A missing file means "all defaults": a fresh install has none. */
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return vfmig_config_new_default();
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to read config %s: %s", path,
                            local->message);
                return NULL;
        }

        VfmigConfig *cfg = vfmig_config_parse(text, len, &local);
        if (!cfg) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "Failed to parse config %s: %s", path,
                            local->message);
                return NULL;
        }
        return cfg;
}

Agent *agent_new(const AgentOptions *opts, GError **error)
{
        g_autoptr(Agent) a = g_new0(Agent, 1);
        g_autofree char *journal_report = NULL;
        g_autoptr(GPtrArray) findings = NULL;
        g_autoptr(GError) local = NULL;
        gint64 now = agent_now();

        g_return_val_if_fail(opts, NULL);

        a->sysfs_root = g_strdup(opts->sysfs_root ? opts->sysfs_root : "/");
        a->state_dir = g_strdup(opts->state_dir);
        a->config_path = g_strdup(opts->config_path);
        a->startup_report = g_ptr_array_new_with_free_func(g_free);

        if (!a->state_dir || !*a->state_dir) {
                g_set_error_literal(error, VFMIG_ERROR,
                                    VFMIG_ERROR_INVALID_ARGUMENT,
                                    "No state directory given");
                return NULL;
        }

        a->config = load_config(a->config_path, error);
        if (!a->config)
                return NULL;

        if (g_mkdir_with_parents(a->state_dir, 0700) < 0) {
                int e = errno;
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to create state directory %s: %s",
                            a->state_dir, g_strerror(e));
                return NULL;
        }

        a->pool = journal_load(a->state_dir, now, &journal_report, error);
        if (!a->pool)
                return NULL;
        if (journal_report)
                g_ptr_array_add(a->startup_report,
                                g_strdup_printf("journal: %s", journal_report));

        /* Migration records: a damaged file is set aside and reported. */
        if (!agent_migrations_load(a, error))
                return NULL;

        a->host = host_new(a->sysfs_root);
        a->inventory = pci_scan(a->host, a->config, &local);
        if (!a->inventory) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to scan PCI devices under %s: %s",
                            host_pci_sysfs_path(a->host), local->message);
                return NULL;
        }

        /* The journal may describe a host that changed while we were down. */
        Pool *copy = pool_copy(a->pool);
        findings = reconcile_pool(copy, a->inventory, now);
        if (journal_report) {
                g_autofree char *note = g_strdup_printf("kept aside in %s", a->state_dir);
                g_autoptr(GPtrArray) more =
                        reconcile_after_damaged_journal(copy, a->inventory, note, now);

                for (guint i = 0; i < more->len; i++)
                        g_ptr_array_add(findings, g_strdup(more->pdata[i]));
        }
        for (guint i = 0; i < findings->len; i++)
                g_ptr_array_add(a->startup_report,
                                g_strdup(findings->pdata[i]));

        /* A damaged journal was moved aside: write what we trust now, so
         * the next start does not report the same damage again. */
        if (journal_report) {
                pool_free(a->pool);
                a->pool = copy;
                if (!journal_save(a->state_dir, a->pool, error))
                        return NULL;
        } else if (!agent_commit_pool(a, copy, error))
                return NULL;

        return g_steal_pointer(&a);
}

void agent_free(Agent *a)
{
        if (!a)
                return;
        g_free(a->sysfs_root);
        g_free(a->state_dir);
        g_free(a->config_path);
        vfmig_config_free(a->config);
        host_free(a->host);
        inventory_free(a->inventory);
        pool_free(a->pool);
        agent_migrations_free(a);
        if (a->startup_report)
                g_ptr_array_unref(a->startup_report);
        g_free(a);
}

void agent_set_change_func(Agent *a, AgentChangeFunc func, gpointer data)
{
        a->change_func = func;
        a->change_data = data;
}

const Inventory *agent_get_inventory(const Agent *a)
{
        return a->inventory;
}

const Pool *agent_get_pool(const Agent *a)
{
        return a->pool;
}

const VfmigConfig *agent_get_config(const Agent *a)
{
        return a->config;
}

Host *agent_get_host(const Agent *a)
{
        return a->host;
}

const char *agent_get_state_dir(const Agent *a)
{
        return a->state_dir;
}

const GPtrArray *agent_get_startup_report(const Agent *a)
{
        return a->startup_report;
}

void agent_add_startup_report(Agent *a, const char *line)
{
        g_ptr_array_add(a->startup_report, g_strdup(line));
}

void agent_emit(Agent *a, AgentChange change, const char *address)
{
        if (a->change_func)
                a->change_func(a, change, address, a->change_data);
}

static gboolean pool_entry_equal(const PoolEntry *x, const PoolEntry *y)
{
        if (!x || !y)
                return x == y;
        return x->state == y->state &&
               g_strcmp0(x->owner_uuid, y->owner_uuid) == 0 &&
               g_strcmp0(x->owner_name, y->owner_name) == 0 &&
               x->since_usec == y->since_usec &&
               x->lease_until_usec == y->lease_until_usec &&
               g_strcmp0(x->reason, y->reason) == 0;
}

/* Addresses whose entries differ between the two pools. */
static GPtrArray *pool_diff(const Pool *old, const Pool *new)
{
        g_autoptr(GPtrArray) a = pool_entries(old);
        g_autoptr(GPtrArray) b = pool_entries(new);
        GPtrArray *changed = g_ptr_array_new_with_free_func(g_free);
        guint i = 0, j = 0;

        /* Both are sorted by address: one merge pass. */
        while (i < a->len || j < b->len) {
                const PoolEntry *x = i < a->len ? a->pdata[i] : NULL;
                const PoolEntry *y = j < b->len ? b->pdata[j] : NULL;
                int c = !x ? 1 : !y ? -1 : strcmp(x->address, y->address);

                if (c < 0) {
                        g_ptr_array_add(changed, g_strdup(x->address));
                        i++;
                } else if (c > 0) {
                        g_ptr_array_add(changed, g_strdup(y->address));
                        j++;
                } else {
                        if (!pool_entry_equal(x, y))
                                g_ptr_array_add(changed, g_strdup(x->address));
                        i++;
                        j++;
                }
        }
        return changed;
}

gboolean agent_commit_pool(Agent *a, Pool *new_pool, GError **error)
{
        g_autoptr(Pool) pool = new_pool;
        g_autoptr(GPtrArray) changed = pool_diff(a->pool, pool);
        g_autoptr(GError) local = NULL;

        if (changed->len == 0)
                return TRUE;

        if (!journal_save(a->state_dir, pool, &local)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to save the pool journal in %s, nothing changed: %s",
                            a->state_dir, local->message);
                return FALSE;
        }

        pool_free(a->pool);
        a->pool = g_steal_pointer(&pool);
        for (guint i = 0; i < changed->len; i++)
                agent_emit(a, AGENT_CHANGE_VF_CHANGED, changed->pdata[i]);
        return TRUE;
}

static gboolean pf_equal(const Pf *x, const Pf *y)
{
        return x->vendor_id == y->vendor_id && x->device_id == y->device_id &&
               x->subsystem_vendor_id == y->subsystem_vendor_id &&
               x->subsystem_id == y->subsystem_id && x->type == y->type &&
               g_strcmp0(x->driver, y->driver) == 0 &&
               x->total_vfs == y->total_vfs && x->num_vfs == y->num_vfs &&
               x->vfs->len == y->vfs->len;
}

static const char *str_or_none(const char *s)
{
        return s ? s : "none";
}

static void vf_diff_lines(const Vf *x, const Vf *y, GPtrArray *lines)
{
        if (g_strcmp0(x->driver, y->driver) != 0)
                g_ptr_array_add(lines, g_strdup_printf("%s: driver changed from %s to %s",
                                                       y->address, str_or_none(x->driver),
                                                       str_or_none(y->driver)));
        if (g_strcmp0(x->driver_override, y->driver_override) != 0)
                g_ptr_array_add(lines, g_strdup_printf("%s: driver_override changed from %s to %s",
                                                       y->address,
                                                       str_or_none(x->driver_override),
                                                       str_or_none(y->driver_override)));
        if (x->iommu_group != y->iommu_group)
                g_ptr_array_add(lines, g_strdup_printf("%s: IOMMU group changed from %d to %d",
                                                       y->address, x->iommu_group,
                                                       y->iommu_group));
}

static gboolean vf_equal(const Vf *x, const Vf *y)
{
        return x->index == y->index && strcmp(x->pf_address, y->pf_address) == 0 &&
               x->vendor_id == y->vendor_id && x->device_id == y->device_id &&
               x->type == y->type && x->iommu_group == y->iommu_group &&
               g_strcmp0(x->driver, y->driver) == 0 &&
               g_strcmp0(x->driver_override, y->driver_override) == 0;
}

/* Reports every difference between two inventories, in address order. The
 * agent already holds the new one, so callbacks see the current state. */
static void inventory_diff(Agent *a, const Inventory *old, const Inventory *new,
                           GPtrArray *lines)
{
        for (guint i = 0; i < old->pfs->len; i++) {
                const Pf *pf = old->pfs->pdata[i];
                if (!inventory_find_pf(new, pf->address)) {
                        g_ptr_array_add(lines, g_strdup_printf("%s: PF disappeared", pf->address));
                        agent_emit(a, AGENT_CHANGE_PF_REMOVED, pf->address);
                }
                for (guint j = 0; j < pf->vfs->len; j++) {
                        const Vf *vf = pf->vfs->pdata[j];
                        if (!inventory_find_vf(new, vf->address)) {
                                g_ptr_array_add(lines, g_strdup_printf("%s: VF disappeared",
                                                                       vf->address));
                                agent_emit(a, AGENT_CHANGE_VF_REMOVED, vf->address);
                        }
                }
        }

        for (guint i = 0; i < new->pfs->len; i++) {
                const Pf *pf = new->pfs->pdata[i];
                const Pf *opf = inventory_find_pf(old, pf->address);

                if (!opf) {
                        g_ptr_array_add(lines, g_strdup_printf("%s: new PF (%s, %u of %u VFs)",
                                                               pf->address,
                                                               device_type_to_string(pf->type),
                                                               pf->num_vfs, pf->total_vfs));
                        agent_emit(a, AGENT_CHANGE_PF_ADDED, pf->address);
                } else if (!pf_equal(opf, pf)) {
                        if (opf->num_vfs != pf->num_vfs)
                                g_ptr_array_add(lines, g_strdup_printf("%s: number of VFs changed from %u to %u",
                                                                       pf->address, opf->num_vfs,
                                                                       pf->num_vfs));
                        if (g_strcmp0(opf->driver, pf->driver) != 0)
                                g_ptr_array_add(lines, g_strdup_printf("%s: driver changed from %s to %s",
                                                                       pf->address,
                                                                       str_or_none(opf->driver),
                                                                       str_or_none(pf->driver)));
                        agent_emit(a, AGENT_CHANGE_PF_CHANGED, pf->address);
                }

                for (guint j = 0; j < pf->vfs->len; j++) {
                        const Vf *vf = pf->vfs->pdata[j];
                        const Vf *ovf = inventory_find_vf(old, vf->address);

                        if (!ovf) {
                                /* New VFs of a new PF are implied by the PF line. */
                                if (opf)
                                        g_ptr_array_add(lines, g_strdup_printf("%s: new VF", vf->address));
                                agent_emit(a, AGENT_CHANGE_VF_ADDED, vf->address);
                        } else if (!vf_equal(ovf, vf)) {
                                vf_diff_lines(ovf, vf, lines);
                                agent_emit(a, AGENT_CHANGE_VF_CHANGED, vf->address);
                        }
                }
        }
}

gboolean agent_rescan_internal(Agent *a, GPtrArray *findings, GError **error)
{
        g_autoptr(GError) local = NULL;
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) rec = NULL;
        Inventory *inv = pci_scan(a->host, a->config, &local);

        if (!inv) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to scan PCI devices under %s: %s",
                            host_pci_sysfs_path(a->host), local->message);
                return FALSE;
        }

        g_autoptr(Inventory) old = a->inventory;
        a->inventory = inv;
        inventory_diff(a, old, inv, lines);

        Pool *copy = pool_copy(a->pool);
        rec = reconcile_pool(copy, a->inventory, agent_now());
        for (guint i = 0; i < rec->len; i++)
                g_ptr_array_add(lines, g_strdup(rec->pdata[i]));

        if (findings)
                for (guint i = 0; i < lines->len; i++)
                        g_ptr_array_add(findings, g_strdup(lines->pdata[i]));

        return agent_commit_pool(a, copy, error);
}

gboolean agent_rescan(Agent *a, GPtrArray **findings, GError **error)
{
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

        if (!agent_rescan_internal(a, lines, error))
                return FALSE;
        if (findings)
                *findings = g_steal_pointer(&lines);
        return TRUE;
}

gboolean agent_reload_config(Agent *a, GError **error)
{
        g_autoptr(VfmigConfig) cfg = load_config(a->config_path, error);

        if (!cfg)
                return FALSE;
        vfmig_config_free(a->config);
        a->config = g_steal_pointer(&cfg);
        /* The config names PFs by vendor:device too: the inventory follows. */
        return agent_rescan_internal(a, NULL, error);
}

void agent_refresh_vf(Agent *a, const char *address)
{
        Vf *vf = g_hash_table_lookup(a->inventory->vf_by_address, address);
        g_autofree char *driver = NULL;
        g_autofree char *override = NULL;
        int group;

        if (!vf)
                return;

        if (!host_get_driver(a->host, address, &driver, NULL) ||
            !host_read_device_attr(a->host, address, "driver_override", &override, NULL)) {
                /* The device went away under us: a full rescan sorts it out. */
                (void) agent_rescan_internal(a, NULL, NULL);
                return;
        }
        if (override && (!*override || strcmp(override, "(null)") == 0))
                g_clear_pointer(&override, g_free);
        group = host_get_iommu_group(a->host, address);

        if (g_strcmp0(vf->driver, driver) == 0 &&
            g_strcmp0(vf->driver_override, override) == 0 &&
            vf->iommu_group == group)
                return;

        g_free(vf->driver);
        vf->driver = g_steal_pointer(&driver);
        g_free(vf->driver_override);
        vf->driver_override = g_steal_pointer(&override);
        vf->iommu_group = group;
        agent_emit(a, AGENT_CHANGE_VF_CHANGED, address);
}

static gboolean normalize(const char *in, char address[static PCI_ADDRESS_STRLEN],
                          GError **error)
{
        if (!in || !pci_address_normalize(in, address, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "'%s' is not a PCI address (expected dddd:bb:ss.f)",
                            in ? in : "(null)");
                return FALSE;
        }
        return TRUE;
}

gboolean agent_lookup_vf(Agent *a, const char *in,
                         char address[static PCI_ADDRESS_STRLEN], Vf **ret,
                         GError **error)
{
        Vf *vf;

        if (!normalize(in, address, error))
                return FALSE;

        vf = g_hash_table_lookup(a->inventory->vf_by_address, address);
        if (vf) {
                if (ret)
                        *ret = vf;
                return TRUE;
        }
        if (inventory_find_pf(a->inventory, address)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_A_VF,
                            "%s is a physical function, not a virtual function",
                            address);
                return FALSE;
        }
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE,
                    "%s: no such virtual function among the managed PFs", address);
        return FALSE;
}

gboolean agent_lookup_pf(Agent *a, const char *in,
                         char address[static PCI_ADDRESS_STRLEN], Pf **ret,
                         GError **error)
{
        Pf *pf;
        const Vf *vf;

        if (!normalize(in, address, error))
                return FALSE;

        pf = g_hash_table_lookup(a->inventory->pf_by_address, address);
        if (pf) {
                if (ret)
                        *ret = pf;
                return TRUE;
        }
        vf = inventory_find_vf(a->inventory, address);
        if (vf) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_A_PF,
                            "%s is a virtual function (of %s), not a physical function",
                            address, vf->pf_address);
                return FALSE;
        }
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE,
                    "%s: no such managed physical function", address);
        return FALSE;
}

const char *agent_policy_driver(Agent *a, const Vf *vf)
{
        const Pf *pf = inventory_find_pf(a->inventory, vf->pf_address);
        const PfPolicy *p = NULL;

        if (pf)
                p = vfmig_config_find_policy(a->config, pf->address,
                                             pf->vendor_id, pf->device_id);
        return vfmig_config_driver_for(a->config, p);
}

gboolean agent_check_vf(Agent *a, const char *in,
                        char address[static PCI_ADDRESS_STRLEN], GError **error)
{
        g_autoptr(GError) local = NULL;

        if (agent_lookup_vf(a, in, address, NULL, &local))
                return TRUE;
        if (g_error_matches(local, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE) &&
            pool_lookup(a->pool, address))
                return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
}

gboolean agent_check_pf(Agent *a, const char *in,
                        char address[static PCI_ADDRESS_STRLEN], GError **error)
{
        return agent_lookup_pf(a, in, address, NULL, error);
}
