/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "agent.h"
#include "agent-domain.h"

/*
 * Internals shared by agent.c (life cycle, scanning, commit) and
 * agent-ops.c (the mutating operations). Nothing outside the facade
 * includes this.
 */
struct Agent {
        char *sysfs_root;
        char *state_dir;
        char *config_path;
        VfmigConfig *config;
        Host *host;
        Inventory *inventory;
        Pool *pool;
        GPtrArray *startup_report;   /* char*, owned */
        AgentChangeFunc change_func;
        gpointer change_data;
        GPtrArray *migrations;       /* Migration*, owned, oldest first */
        guint64 next_migration_id;
        AgentMigrationFunc migration_func;
        gpointer migration_data;
};

void agent_emit(Agent *agent, AgentChange change, const char *address);

/*
 * Persists new_pool (taken) and makes it the agent's pool, then reports
 * every VF whose entry changed. On failure the old pool stays and
 * new_pool is freed. Unchanged pools are not written again.
 */
gboolean agent_commit_pool(Agent *agent, Pool *new_pool, GError **error);

/* Full pci_scan, diff against the old inventory (changes reported, lines
 * appended to findings when not NULL), then reconcile_pool and commit. */
gboolean agent_rescan_internal(Agent *agent, GPtrArray *findings,
                               GError **error);

/* Re-reads one VF's driver, driver_override and IOMMU group. */
void agent_refresh_vf(Agent *agent, const char *address);

/* Address syntax and lookups. The out address is canonical. */
gboolean agent_lookup_vf(Agent *agent, const char *in,
                         char address[static PCI_ADDRESS_STRLEN], Vf **vf,
                         GError **error);
gboolean agent_lookup_pf(Agent *agent, const char *in,
                         char address[static PCI_ADDRESS_STRLEN], Pf **pf,
                         GError **error);
/* The driver the VF's PF policy asks for. */
const char *agent_policy_driver(Agent *agent, const Vf *vf);
/* Binds vf to driver through host.h unless already bound; checks policy
 * and that the driver exists. */
gboolean agent_bind_vf(Agent *agent, Vf *vf, const char *driver,
                       GError **error);

/*
 * Where a VF was bound before agent_prepare_driver_for_vm moved it, so that
 * a refused take can put it back (agent-ops.c; also used by agent-domain.c
 * for all-or-nothing takes of several VFs).
 */
typedef struct {
        gboolean rebound;
        char *driver;
        char *override;
} DriverBefore;

void driver_before_clear(DriverBefore *b);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DriverBefore, driver_before_clear)

/* A VF handed to a VM must sit on a VFIO driver: binds it per
 * bind-on-claim (recording *before) or refuses naming the VF. */
gboolean agent_prepare_driver_for_vm(Agent *agent, const char *address,
                                     DriverBefore *before, GError **error);
/* Undoes agent_prepare_driver_for_vm. */
gboolean agent_restore_driver(Agent *agent, const char *address,
                              const DriverBefore *before, GError **error);

/* Migrations (agent-migrations.c). Loaded by agent_new; its report lines
 * go to the start-up report. */
gboolean agent_migrations_load(Agent *agent, GError **error);
void agent_migrations_free(Agent *agent);
/* A new record, in the agent's list but not announced yet (add devices,
 * then agent_migration_announce). */
Migration *agent_migration_new(Agent *agent, MigrationRole role,
                               const char *uuid, const char *name);
void agent_migration_announce(Agent *agent, Migration *m);
/* Moves m (persisting and notifying); an arc the machine refuses is
 * logged and ignored. Steps through prepared/transferring when needed
 * (an event the agent missed while it was down). m may be freed after
 * this when it became final and too old to keep: do not use it after. */
void agent_migration_advance(Agent *agent, Migration *m, MigrationPhase to,
                             const char *error);
/* Device list changed (destinations chosen): persist and notify. */
void agent_migration_changed(Agent *agent, Migration *m);
/* The newest unfinished migration of a domain in that role, or NULL. */
Migration *agent_migration_find_unfinished(Agent *agent, const char *uuid,
                                           MigrationRole role);
/* The newest migration of a domain in that role (finished or not). */
Migration *agent_migration_find_latest(Agent *agent, const char *uuid,
                                       MigrationRole role);
/* A reservation's lease ran out (agent_expire_leases): the incoming
 * migration it was for never arrived. */
void agent_migrations_lease_expired(Agent *agent, const char *owner_uuid,
                                    const char *address);

static inline const char *str_or(const char *s, const char *fallback)
{
        return s ? s : fallback;
}

static inline gint64 agent_now(void)
{
        return g_get_real_time();
}
