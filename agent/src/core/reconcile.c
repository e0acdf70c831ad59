/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "pool-private.h"
#include "reconcile.h"

static gboolean in_use(VfState s)
{
        return s == VF_STATE_CLAIMED || s == VF_STATE_RESERVED ||
               s == VF_STATE_ASSIGNED || s == VF_STATE_RELEASING;
}

GPtrArray *reconcile_pool(Pool *pool, const Inventory *inv, gint64 now_usec)
{
        g_autoptr(GPtrArray) entries = pool_entries(pool);
        GPtrArray *findings = g_ptr_array_new_with_free_func(g_free);

        /* Collect first: quarantining replaces entries under the array. */
        g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func(g_free);

        for (guint i = 0; i < entries->len; i++) {
                const PoolEntry *e = g_ptr_array_index(entries, i);
                const Vf *vf;
                g_autofree char *who = NULL;
                char *reason = NULL;

                /* Quarantined entries stay as they are, present or not:
                 * only an administrator clears them. */
                if (!in_use(e->state))
                        continue;
                who = pool_describe_owner(e);
                vf = inventory_find_vf(inv, e->address);
                if (!vf) {
                        reason = g_strdup_printf("%s vanished while %s %s %s",
                                                 e->address,
                                                 vf_state_to_string(e->state),
                                                 e->state == VF_STATE_RELEASING ? "from" : "by",
                                                 who);
                } else if (e->state != VF_STATE_RELEASING &&
                           !vfmig_driver_is_allowed(vf->driver)) {
                        /* Releasing rebinds the VF on purpose; any other
                         * owned state must stay on a VFIO driver, or the
                         * host could be touching a guest's device. */
                        reason = g_strdup_printf("%s driver changed to %s while %s by %s",
                                                 e->address,
                                                 vf->driver ? vf->driver : "(none)",
                                                 vf_state_to_string(e->state), who);
                }
                if (reason) {
                        g_ptr_array_add(addrs, g_strdup(e->address));
                        g_ptr_array_add(reasons, reason);
                }
        }
        for (guint i = 0; i < addrs->len; i++) {
                const char *reason = g_ptr_array_index(reasons, i);

                pool_quarantine(pool, g_ptr_array_index(addrs, i), reason, now_usec);
                g_ptr_array_add(findings, g_strdup(reason));
        }
        return findings;
}

GPtrArray *reconcile_after_damaged_journal(Pool *pool, const Inventory *inv,
                                           const char *journal_note,
                                           gint64 now_usec)
{
        GPtrArray *findings = g_ptr_array_new_with_free_func(g_free);

        for (guint i = 0; i < inv->pfs->len; i++) {
                const Pf *pf = g_ptr_array_index(inv->pfs, i);

                for (guint j = 0; j < pf->vfs->len; j++) {
                        const Vf *vf = g_ptr_array_index(pf->vfs, j);
                        char *reason;

                        if (pool_lookup(pool, vf->address) ||
                            !vfmig_driver_is_allowed(vf->driver))
                                continue;
                        reason = g_strdup_printf("%s is bound to %s and the pool journal "
                                                 "was damaged (%s): it may belong to a running VM",
                                                 vf->address, vf->driver, journal_note);
                        pool_quarantine(pool, vf->address, reason, now_usec);
                        g_ptr_array_add(findings, reason);
                }
        }
        return findings;
}

void plan_action_free(PlanAction *a)
{
        if (!a)
                return;
        g_free(a->driver);
        g_free(a);
}

static PlanAction *action_new(PlanActionKind kind, const char *address,
                              guint num_vfs, const char *driver)
{
        PlanAction *a = g_new0(PlanAction, 1);

        a->kind = kind;
        g_strlcpy(a->address, address, sizeof(a->address));
        a->num_vfs = num_vfs;
        a->driver = g_strdup(driver);
        return a;
}

/* NULL when the PF's VF count can be changed; else the owned refusal. */
static char *num_vfs_refusal(const Pf *pf, const PfPolicy *p, const Pool *pool)
{
        g_autofree const char **addrs = g_new0(const char *, pf->vfs->len + 1);
        const char *busy = NULL;
        const PoolEntry *e;
        g_autofree char *who = NULL;

        if (p->num_vfs > pf->total_vfs)
                return g_strdup_printf("%s: config wants %u VFs, the PF supports at most %u",
                                       pf->address, p->num_vfs, pf->total_vfs);
        for (guint i = 0; i < pf->vfs->len; i++)
                addrs[i] = ((const Vf *) g_ptr_array_index(pf->vfs, i))->address;
        if (!pool_any_in_use(pool, addrs, &busy)) {
                /* A quarantined VF may belong to a running VM: changing
                 * numvfs would destroy it under that VM. */
                e = pool_first_quarantined(pool, addrs);
                if (!e)
                        return NULL;
                return g_strdup_printf("%s: not changing VFs from %u to %u: %s is quarantined (%s)",
                                       pf->address, pf->num_vfs, p->num_vfs, e->address,
                                       e->reason ? e->reason : "no reason recorded");
        }
        e = pool_lookup(pool, busy);
        who = pool_describe_owner(e);
        return g_strdup_printf("%s: not changing VFs from %u to %u: %s is %s %s %s",
                               pf->address, pf->num_vfs, p->num_vfs, busy,
                               vf_state_to_string(e->state),
                               e->state == VF_STATE_RELEASING ? "from" : "by", who);
}

static void plan_binds(const Pf *pf, const char *driver, const Pool *pool,
                       GPtrArray *plan, GPtrArray *refusals)
{
        for (guint i = 0; i < pf->vfs->len; i++) {
                const Vf *vf = g_ptr_array_index(pf->vfs, i);
                const PoolEntry *e;

                if (g_strcmp0(vf->driver, driver) == 0)
                        continue;
                e = pool_lookup(pool, vf->address);
                if (!e) {
                        g_ptr_array_add(plan, action_new(PLAN_BIND, vf->address, 0, driver));
                } else if (e->state == VF_STATE_QUARANTINED) {
                        g_ptr_array_add(refusals, g_strdup_printf(
                                "%s: not binding to %s: quarantined (%s)",
                                vf->address, driver, e->reason));
                } else {
                        g_autofree char *who = pool_describe_owner(e);
                        g_ptr_array_add(refusals, g_strdup_printf(
                                "%s: not binding to %s: %s %s %s, bound to %s",
                                vf->address, driver, vf_state_to_string(e->state),
                                e->state == VF_STATE_RELEASING ? "from" : "by", who,
                                vf->driver ? vf->driver : "(none)"));
                }
        }
}

GPtrArray *reconcile_plan(const VfmigConfig *cfg, const Inventory *inv,
                          const Pool *pool, GPtrArray **refusals)
{
        GPtrArray *plan = g_ptr_array_new_with_free_func((GDestroyNotify) plan_action_free);
        g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func((GDestroyNotify) plan_action_free);
        g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);

        /* Address policies that match nothing are worth telling. */
        for (guint i = 0; cfg && i < cfg->pf_policies->len; i++) {
                const PfPolicy *p = g_ptr_array_index(cfg->pf_policies, i);
                if (p->match_address && !inventory_find_pf(inv, p->match_address))
                        g_ptr_array_add(refused, g_strdup_printf(
                                "%s: configured, but no such PF is present",
                                p->match_address));
        }

        for (guint i = 0; inv && i < inv->pfs->len; i++) {
                const Pf *pf = g_ptr_array_index(inv->pfs, i);
                const PfPolicy *p = vfmig_config_find_policy(cfg, pf->address,
                                                             pf->vendor_id, pf->device_id);

                /* Only PFs the config speaks for are converged; the rest
                 * are shown, never changed behind the administrator. */
                if (!p)
                        continue;
                if (p->has_num_vfs && p->num_vfs != pf->num_vfs) {
                        char *why = num_vfs_refusal(pf, p, pool);
                        if (why) {
                                g_ptr_array_add(refused, why);
                        } else {
                                /* Its VFs are about to be replaced: binds
                                 * are planned after the rescan that follows. */
                                g_ptr_array_add(plan, action_new(PLAN_SET_NUM_VFS,
                                                                 pf->address,
                                                                 p->num_vfs, NULL));
                                continue;
                        }
                }
                plan_binds(pf, vfmig_config_driver_for(cfg, p), pool, binds, refused);
        }
        /* Numvfs changes first, as documented: binds never depend on them. */
        g_ptr_array_extend_and_steal(plan, g_steal_pointer(&binds));
        if (refusals)
                *refusals = g_steal_pointer(&refused);
        return plan;
}
