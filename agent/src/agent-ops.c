/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operations that change the host or the pool. Each one validates its
 * arguments and the pool first, works on a copy of the pool, performs the
 * sysfs work, and commits (journal first) only when everything succeeded:
 * a refusal or failure leaves the agent's pool exactly as it was.
 */
#include <string.h>

#include "agent-private.h"
#include "core/reconcile.h"

static gboolean vf_state_in_use(VfState s)
{
        return s == VF_STATE_CLAIMED || s == VF_STATE_RESERVED ||
               s == VF_STATE_ASSIGNED || s == VF_STATE_RELEASING;
}

static gboolean refuse_in_use(Agent *a, const char *address, const char *what,
                              GError **error)
{
        const PoolEntry *e = pool_lookup(a->pool, address);

        if (!e)
                return TRUE;
        if (e->state == VF_STATE_QUARANTINED) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_QUARANTINED,
                            "Cannot %s %s: it is quarantined (%s)", what, address,
                            e->reason ? e->reason : "no reason recorded");
                return FALSE;
        }
        if (vf_state_in_use(e->state)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_BUSY,
                            "Cannot %s %s: it is %s by %s (uuid %s)", what, address,
                            vf_state_to_string(e->state),
                            e->owner_name ? e->owner_name : "an unnamed domain",
                            e->owner_uuid ? e->owner_uuid : "unknown");
                return FALSE;
        }
        return TRUE;
}

static gboolean check_driver(Agent *a, const char *address, const char *driver,
                             GError **error)
{
        if (!vfmig_driver_is_allowed(driver)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_UNKNOWN_DRIVER,
                            "Cannot bind %s to '%s': only %s and %s are allowed",
                            address, driver, VFMIG_DRIVER_VARIANT, VFMIG_DRIVER_VFIO);
                return FALSE;
        }
        if (!host_driver_exists(a->host, driver)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_DRIVER_NOT_LOADED,
                            "Cannot bind %s to %s: that driver is not loaded in the kernel",
                            address, driver);
                return FALSE;
        }
        return TRUE;
}

gboolean agent_bind_vf(Agent *a, Vf *vf, const char *driver, GError **error)
{
        g_autoptr(GError) local = NULL;
        char address[PCI_ADDRESS_STRLEN];

        if (g_strcmp0(vf->driver, driver) == 0)
                return TRUE;
        if (!check_driver(a, vf->address, driver, error))
                return FALSE;

        /* vf points into the inventory, which a rescan may replace. */
        g_strlcpy(address, vf->address, sizeof(address));
        if (!host_bind(a->host, address, driver, &local)) {
                agent_refresh_vf(a, address);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to bind %s to %s: %s", address, driver,
                            local->message);
                return FALSE;
        }
        agent_refresh_vf(a, address);
        return TRUE;
}

gboolean agent_provision(Agent *a, const char *pf_in, guint num_vfs,
                         GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        g_autoptr(GPtrArray) vfs = g_ptr_array_new();
        g_autoptr(GError) local = NULL;
        const PoolEntry *quarantined;
        const char *busy = NULL;
        Pf *pf;

        if (!agent_lookup_pf(a, pf_in, address, &pf, error))
                return FALSE;
        if (num_vfs > pf->total_vfs) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_OUT_OF_RANGE,
                            "Cannot set %s to %u VFs: it supports at most %u",
                            address, num_vfs, pf->total_vfs);
                return FALSE;
        }
        if (num_vfs == pf->num_vfs)
                return TRUE;

        for (guint i = 0; i < pf->vfs->len; i++)
                g_ptr_array_add(vfs, ((Vf *) pf->vfs->pdata[i])->address);
        g_ptr_array_add(vfs, NULL);
        if (pool_any_in_use(a->pool, (const char *const *) vfs->pdata, &busy)) {
                const PoolEntry *e = pool_lookup(a->pool, busy);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_BUSY,
                            "Cannot change the number of VFs of %s: its VF %s is %s by %s",
                            address, busy, e ? vf_state_to_string(e->state) : "in use",
                            e && e->owner_name ? e->owner_name :
                            e && e->owner_uuid ? e->owner_uuid : "a domain");
                return FALSE;
        }

        /* A quarantined VF may belong to a running VM: changing numvfs
         * would destroy it under that VM. */
        quarantined = pool_first_quarantined(a->pool, (const char *const *) vfs->pdata);
        if (quarantined) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_QUARANTINED,
                            "Cannot change the number of VFs of %s: its VF %s is quarantined (%s)",
                            address, quarantined->address,
                            str_or(quarantined->reason, "no reason recorded"));
                return FALSE;
        }

        if (!host_set_num_vfs(a->host, address, num_vfs, &local)) {
                /* The kernel may have done half of it (0, then not N). */
                (void) agent_rescan_internal(a, NULL, NULL);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to set the number of VFs of %s to %u: %s",
                            address, num_vfs, local->message);
                return FALSE;
        }
        return agent_rescan_internal(a, NULL, error);
}

gboolean agent_bind(Agent *a, const char *vf_in, const char *driver,
                    GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        Vf *vf;

        if (!agent_lookup_vf(a, vf_in, address, &vf, error))
                return FALSE;
        if (!driver || !*driver)
                driver = agent_policy_driver(a, vf);
        if (!vfmig_driver_is_allowed(driver))
                return check_driver(a, address, driver, error);
        /* Rebinding under a running VM would pull the device from it. */
        if (g_strcmp0(vf->driver, driver) != 0 &&
            !refuse_in_use(a, address, "rebind", error))
                return FALSE;
        return agent_bind_vf(a, vf, driver, error);
}

gboolean agent_unbind(Agent *a, const char *vf_in, GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        g_autoptr(GError) local = NULL;
        Vf *vf;

        if (!agent_lookup_vf(a, vf_in, address, &vf, error))
                return FALSE;
        if (!refuse_in_use(a, address, "unbind", error))
                return FALSE;
        if (!vf->driver && !vf->driver_override)
                return TRUE;
        if (!host_unbind(a->host, address, &local)) {
                agent_refresh_vf(a, address);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to unbind %s: %s", address, local->message);
                return FALSE;
        }
        agent_refresh_vf(a, address);
        return TRUE;
}

static gboolean check_owner(const char *address, const char *uuid, GError **error)
{
        if (!uuid || !g_uuid_string_is_valid(uuid)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "Cannot take %s for '%s': the owner must be a domain UUID",
                            address, uuid ? uuid : "(null)");
                return FALSE;
        }
        return TRUE;
}

/* DriverBefore (agent-private.h): where a VF was bound before take_vf
 * moved it, to put it back. */
void driver_before_clear(DriverBefore *b)
{
        g_clear_pointer(&b->driver, g_free);
        g_clear_pointer(&b->override, g_free);
}

/*
 * A VF handed to a VM must sit on a VFIO driver; with bind-on-claim the
 * agent puts it on its policy driver, otherwise it refuses, because the
 * next reconciliation would quarantine a claim on any other driver.
 * *before records what it was bound to when it had to move it.
 */
gboolean agent_prepare_driver_for_vm(Agent *a, const char *address,
                                     DriverBefore *before, GError **error)
{
        Vf *vf = g_hash_table_lookup(a->inventory->vf_by_address, address);
        g_autofree char *driver_was = NULL;
        g_autofree char *override_was = NULL;
        const char *driver;

        if (!vf)
                return TRUE;
        if (vf->driver && vfmig_driver_is_allowed(vf->driver))
                return TRUE;
        driver = agent_policy_driver(a, vf);
        if (!a->config->bind_on_claim) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_STATE,
                            "%s is bound to %s, not to a VFIO driver, and bind-on-claim is off; bind it to %s first",
                            address, str_or(vf->driver, "no driver"), driver);
                return FALSE;
        }
        /* vf may be replaced by a rescan during the bind: copy first. */
        driver_was = g_strdup(vf->driver);
        override_was = g_strdup(vf->driver_override);
        if (!agent_bind_vf(a, vf, driver, error))
                return FALSE;   /* host_bind already went back on failure */
        before->rebound = TRUE;
        before->driver = g_steal_pointer(&driver_was);
        before->override = g_steal_pointer(&override_was);
        return TRUE;
}

/*
 * A written override shows at once on a real kernel; where sysfs is
 * emulated asynchronously it settles a moment later (a cleared one reads
 * "(null)"). Bounded: the caller checks the driver, which is what matters.
 */
static void wait_override(Agent *a, const char *address, const char *want)
{
        for (int i = 0; i < 200; i++) {
                g_autofree char *now = NULL;

                if (!host_read_device_attr(a->host, address, "driver_override", &now, NULL))
                        return;
                if (want ? g_strcmp0(now, want) == 0 : g_strcmp0(now, "(null)") == 0)
                        return;
                g_usleep(10 * 1000);
        }
}

/*
 * Undoes prepare_driver_for_vm after the take failed, so that a refusal
 * really changes nothing: the old driver (or none) and the old override.
 */
gboolean agent_restore_driver(Agent *a, const char *address,
                              const DriverBefore *before, GError **error)
{
        g_autoptr(GError) local = NULL;
        gboolean ok;
        Vf *vf;

        if (before->driver)
                ok = host_bind(a->host, address, before->driver, &local);
        else
                ok = host_unbind(a->host, address, &local);
        /* host_bind leaves its own override, host_unbind none. */
        if (ok && g_strcmp0(before->override, before->driver) != 0) {
                ok = host_write_device_attr(a->host, address, "driver_override",
                                            before->override ? before->override : "\n",
                                            &local);
                if (ok)
                        wait_override(a, address, before->override);
        }
        agent_refresh_vf(a, address);
        if (!ok) {
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        vf = g_hash_table_lookup(a->inventory->vf_by_address, address);
        if (!vf || g_strcmp0(vf->driver, before->driver) != 0) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "%s is bound to %s afterwards", address,
                            vf ? str_or(vf->driver, "no driver") : "nothing (it is gone)");
                return FALSE;
        }
        return TRUE;
}

static gboolean take_on(Pool *pool, const char *address, const char *uuid,
                        const char *name, gboolean reserve, guint lease_sec,
                        gint64 now, GError **error)
{
        if (reserve)
                return pool_reserve(pool, address, uuid, name,
                                    now + (gint64) lease_sec * G_USEC_PER_SEC, now, error);
        return pool_claim(pool, address, uuid, name, now, error);
}

static gboolean take_vf(Agent *a, const char *vf_in, const char *uuid,
                        const char *name, gboolean reserve, guint lease_sec,
                        GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        g_auto(DriverBefore) before = { 0 };
        g_autoptr(Pool) copy = NULL;
        g_autoptr(GError) local = NULL;
        g_autoptr(GError) undo = NULL;
        const char *what = reserve ? "reserve" : "claim";
        const Vf *now;

        if (!agent_lookup_vf(a, vf_in, address, NULL, error))
                return FALSE;
        if (!check_owner(address, uuid, error))
                return FALSE;
        if (name && !*name)
                name = NULL;
        if (reserve && !lease_sec)
                lease_sec = a->config->reservation_lease_sec;

        /* Refuse before touching sysfs. */
        copy = pool_copy(a->pool);
        if (!take_on(copy, address, uuid, name, reserve, lease_sec, agent_now(), error))
                return FALSE;
        g_clear_pointer(&copy, pool_free);

        if (!agent_prepare_driver_for_vm(a, address, &before, error))
                return FALSE;

        /* The bind may have rescanned and committed (quarantines): take the
         * VF on the pool as it is now, not on the copy checked above. */
        copy = pool_copy(a->pool);
        if (take_on(copy, address, uuid, name, reserve, lease_sec, agent_now(), &local) &&
            agent_commit_pool(a, g_steal_pointer(&copy), &local))
                return TRUE;

        if (!before.rebound || agent_restore_driver(a, address, &before, &undo)) {
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        /* The pool did not change, but the host did: say so. */
        now = g_hash_table_lookup(a->inventory->vf_by_address, address);
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                    "Could not %s %s (%s), and it stays on %s instead of going back to %s: %s",
                    what, address, local->message,
                    now ? str_or(now->driver, "no driver") : "nothing (it is gone)",
                    str_or(before.driver, "no driver"), undo->message);
        return FALSE;
}

gboolean agent_claim(Agent *a, const char *vf, const char *owner_uuid,
                     const char *owner_name, GError **error)
{
        return take_vf(a, vf, owner_uuid, owner_name, FALSE, 0, error);
}

gboolean agent_reserve(Agent *a, const char *vf, const char *owner_uuid,
                       const char *owner_name, guint lease_sec, GError **error)
{
        return take_vf(a, vf, owner_uuid, owner_name, TRUE, lease_sec, error);
}

gboolean agent_assign(Agent *a, const char *vf_in, const char *owner_uuid,
                      GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        g_autoptr(Pool) copy = NULL;

        if (!agent_lookup_vf(a, vf_in, address, NULL, error))
                return FALSE;
        if (!check_owner(address, owner_uuid, error))
                return FALSE;
        copy = pool_copy(a->pool);
        if (!pool_assign(copy, address, owner_uuid, agent_now(), error))
                return FALSE;
        return agent_commit_pool(a, g_steal_pointer(&copy), error);
}

/* A release that could not leave the VF clean: nobody may hand it out
 * until an administrator looked at it. */
static gboolean quarantine_released(Agent *a, const char *address,
                                    const char *reason, GError **error)
{
        g_autoptr(Pool) copy = pool_copy(a->pool);

        pool_quarantine(copy, address, reason, agent_now());
        (void) agent_commit_pool(a, g_steal_pointer(&copy), NULL);
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                    "%s was released but is now quarantined: %s",
                    address, reason);
        return FALSE;
}

/*
 * The function reset that keeps one VM's device state from reaching the
 * next one. Done on the VFIO driver the release left it on (or on no
 * driver), never under a host driver that uses the device.
 */
static gboolean reset_released(Agent *a, const char *address, GError **error)
{
        const Vf *vf = g_hash_table_lookup(a->inventory->vf_by_address, address);

        if (!vf)
                return TRUE;   /* gone: nothing left to carry state */
        if (vf->driver && !vfmig_driver_is_allowed(vf->driver)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_STATE,
                            "%s is bound to the host driver %s, not to a VFIO driver, so it was not reset",
                            address, vf->driver);
                return FALSE;
        }
        return host_reset_device(a->host, address, error);
}

gboolean agent_release(Agent *a, const char *vf_in, const char *owner_uuid,
                       GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        g_autoptr(Pool) copy = NULL;
        g_autoptr(GError) local = NULL;
        Vf *vf;

        if (!agent_check_vf(a, vf_in, address, error))
                return FALSE;
        if (owner_uuid && !*owner_uuid)
                owner_uuid = NULL;
        if (owner_uuid && !check_owner(address, owner_uuid, error))
                return FALSE;

        /* Release hooks repeat: a free VF stays as it is, driver included. */
        if (!pool_lookup(a->pool, address))
                return TRUE;

        /* releasing is journaled first: a crash during the rebind leaves a
         * VF that nobody may hand out until the release is redone. */
        copy = pool_copy(a->pool);
        if (!pool_release_begin(copy, address, owner_uuid, agent_now(), error))
                return FALSE;
        if (!agent_commit_pool(a, g_steal_pointer(&copy), error))
                return FALSE;

        vf = g_hash_table_lookup(a->inventory->vf_by_address, address);
        if (vf) {
                const char *driver = agent_policy_driver(a, vf);
                if (g_strcmp0(vf->driver, driver) != 0 &&
                    host_driver_exists(a->host, driver) &&
                    !agent_bind_vf(a, vf, driver, &local)) {
                        g_autofree char *reason = g_strdup_printf("release could not rebind it to %s: %s",
                                                                  driver, local->message);
                        return quarantine_released(a, address, reason, error);
                }
        }

        /* After the rebind: the reset happens on the policy driver. A VF
         * that cannot be reset must not move to another VM silently. */
        if (!reset_released(a, address, &local)) {
                g_autofree char *reason = g_strdup_printf("release could not reset it: %s",
                                                          local->message);
                return quarantine_released(a, address, reason, error);
        }

        copy = pool_copy(a->pool);
        if (!pool_release_finish(copy, address, error))
                return FALSE;
        return agent_commit_pool(a, g_steal_pointer(&copy), error);
}

gboolean agent_unquarantine(Agent *a, const char *vf_in, GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        g_autoptr(Pool) copy = NULL;

        if (!agent_check_vf(a, vf_in, address, error))
                return FALSE;
        copy = pool_copy(a->pool);
        if (!pool_unquarantine(copy, address, error))
                return FALSE;
        return agent_commit_pool(a, g_steal_pointer(&copy), error);
}

guint agent_expire_leases(Agent *a)
{
        g_autoptr(GPtrArray) expired = pool_expired_reservations(a->pool, agent_now());
        guint n = 0;

        for (guint i = 0; i < expired->len; i++) {
                g_autoptr(GError) local = NULL;
                const char *address = expired->pdata[i];
                const PoolEntry *e = pool_lookup(a->pool, address);
                g_autofree char *owner = e ? g_strdup(e->owner_uuid) : NULL;

                if (agent_release(a, address, NULL, &local)) {
                        n++;
                        /* The incoming migration it was for never came. */
                        if (owner)
                                agent_migrations_lease_expired(a, owner, address);
                } else
                        g_warning("Failed to release the expired reservation of %s: %s",
                                  address, local->message);
        }
        return n;
}

static gboolean apply_action(Agent *a, const PlanAction *act, GPtrArray *changes,
                             GError **error)
{
        if (act->kind == PLAN_SET_NUM_VFS) {
                const Pf *pf = inventory_find_pf(a->inventory, act->address);
                guint before = pf ? pf->num_vfs : 0;

                if (!agent_provision(a, act->address, act->num_vfs, error))
                        return FALSE;
                g_ptr_array_add(changes, g_strdup_printf("%s: number of VFs set from %u to %u",
                                                         act->address, before, act->num_vfs));
                return TRUE;
        }

        Vf *vf = g_hash_table_lookup(a->inventory->vf_by_address, act->address);
        g_autofree char *before = NULL;

        if (!vf)
                return TRUE;   /* gone since the plan was made */
        before = g_strdup(vf->driver);
        if (!agent_bind_vf(a, vf, act->driver, error))
                return FALSE;
        g_ptr_array_add(changes, g_strdup_printf("%s: bound to %s (was %s)", act->address,
                                                 act->driver, str_or(before, "no driver")));
        return TRUE;
}

gboolean agent_apply(Agent *a, GPtrArray **changes_out, GError **error)
{
        g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) refusals = NULL;

        /* Plan from what the host shows now, not from the last scan:
         * someone may have changed numvfs or drivers by hand. */
        if (!agent_rescan_internal(a, NULL, error))
                return FALSE;

        /* New VFs only show up after numvfs changed, so plan again until
         * the plan is empty; a few rounds suffice (numvfs, then binds). */
        for (guint round = 0; round < 4 && failures->len == 0; round++) {
                g_autoptr(GPtrArray) plan = NULL;

                g_clear_pointer(&refusals, g_ptr_array_unref);
                plan = reconcile_plan(a->config, a->inventory, a->pool, &refusals);
                if (plan->len == 0)
                        break;
                for (guint i = 0; i < plan->len; i++) {
                        g_autoptr(GError) local = NULL;
                        if (!apply_action(a, plan->pdata[i], changes, &local))
                                g_ptr_array_add(failures, g_strdup(local->message));
                }
        }

        for (guint i = 0; refusals && i < refusals->len; i++)
                g_ptr_array_add(changes, g_strdup_printf("not changed: %s",
                                                         (const char *) refusals->pdata[i]));

        if (failures->len > 0) {
                g_ptr_array_add(failures, NULL);
                g_autofree char *msg = g_strjoinv("; ", (char **) failures->pdata);
                for (guint i = 0; i < changes->len; i++)
                        g_message("Apply: %s", (const char *) changes->pdata[i]);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Apply did not converge: %s", msg);
                return FALSE;
        }
        if (changes_out)
                *changes_out = g_steal_pointer(&changes);
        return TRUE;
}
