/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "agent.h"

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

static inline const char *str_or(const char *s, const char *fallback)
{
        return s ? s : fallback;
}

static inline gint64 agent_now(void)
{
        return g_get_real_time();
}
