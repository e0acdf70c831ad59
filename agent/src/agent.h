/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "core/config.h"
#include "core/device.h"
#include "core/pool.h"
#include "core/vfmig-error.h"
#include "sys/host.h"

/*
 * The agent's state and every operation that changes the host or the pool.
 * The D-Bus faces (bus/) and the main loop call only this; it calls the
 * pure core and the sys/ adapters. Every mutating operation validates its
 * arguments first (nothing changed on refusal), performs the sysfs work,
 * updates the pool, and persists the journal before it returns TRUE.
 * Errors are in VFMIG_ERROR and name the device and the reason.
 */
typedef struct Agent Agent;

typedef struct {
        const char *sysfs_root;   /* prefix under which sys/ lives; "/" */
        const char *state_dir;    /* journal directory */
        const char *config_path;  /* may not exist: defaults */
} AgentOptions;

typedef enum {
        AGENT_CHANGE_PF_ADDED,
        AGENT_CHANGE_PF_REMOVED,
        AGENT_CHANGE_PF_CHANGED,
        AGENT_CHANGE_VF_ADDED,
        AGENT_CHANGE_VF_REMOVED,
        AGENT_CHANGE_VF_CHANGED,   /* driver, override, pool state, owner */
} AgentChange;

typedef void (*AgentChangeFunc)(Agent *agent, AgentChange change,
                                const char *address, gpointer user_data);

/* Loads the config and journal, scans, reconciles. Problems it can live
 * with (damaged journal, vanished VFs) end up in agent_get_startup_report(). */
Agent *agent_new(const AgentOptions *opts, GError **error);
void agent_free(Agent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Agent, agent_free)

void agent_set_change_func(Agent *agent, AgentChangeFunc func, gpointer data);

const Inventory *agent_get_inventory(const Agent *agent);
const Pool *agent_get_pool(const Agent *agent);
const VfmigConfig *agent_get_config(const Agent *agent);
Host *agent_get_host(const Agent *agent);
const char *agent_get_state_dir(const Agent *agent);
/* Lines describing what start-up found and did (owned by agent). */
const GPtrArray *agent_get_startup_report(const Agent *agent);
/* Adds what the daemon's own start-up did (the initial Apply) to it. */
void agent_add_startup_report(Agent *agent, const char *line);

/*
 * Argument checks the bus faces run before asking polkit, with the same
 * errors the operations give: the canonical address of a managed VF (or
 * of a VF the pool still remembers, e.g. a vanished quarantined one), or
 * of a managed PF.
 */
gboolean agent_check_vf(Agent *agent, const char *in,
                        char address[static PCI_ADDRESS_STRLEN], GError **error);
gboolean agent_check_pf(Agent *agent, const char *in,
                        char address[static PCI_ADDRESS_STRLEN], GError **error);

/* Re-reads sysfs, emits changes, quarantines what changed under a claim. */
gboolean agent_rescan(Agent *agent, GPtrArray **findings, GError **error);
/* Re-reads the config file (missing = defaults) and rescans. A file that
 * cannot be read or parsed is an error naming it, and the running config
 * stays. reconcile-interval-sec takes effect only at the next start. */
gboolean agent_reload_config(Agent *agent, GError **error);
/* Converges the host to the config; *changes lists what was done. */
gboolean agent_apply(Agent *agent, GPtrArray **changes, GError **error);
gboolean agent_provision(Agent *agent, const char *pf, guint num_vfs,
                         GError **error);
/* driver NULL or "": the VF's policy driver. */
gboolean agent_bind(Agent *agent, const char *vf, const char *driver,
                    GError **error);
gboolean agent_unbind(Agent *agent, const char *vf, GError **error);
gboolean agent_claim(Agent *agent, const char *vf, const char *owner_uuid,
                     const char *owner_name, GError **error);
/* lease_sec 0: the config's reservation-lease-sec. */
gboolean agent_reserve(Agent *agent, const char *vf, const char *owner_uuid,
                       const char *owner_name, guint lease_sec,
                       GError **error);
gboolean agent_assign(Agent *agent, const char *vf, const char *owner_uuid,
                      GError **error);
/* owner_uuid NULL or "": administrative release, whatever the owner. */
gboolean agent_release(Agent *agent, const char *vf, const char *owner_uuid,
                       GError **error);
gboolean agent_unquarantine(Agent *agent, const char *vf, GError **error);
/* Releases reservations whose lease ran out; returns how many. */
guint agent_expire_leases(Agent *agent);
