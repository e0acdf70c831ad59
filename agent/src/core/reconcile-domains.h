/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

#include "migration.h"
#include "pool.h"

/*
 * Pool vs the domains libvirt runs here (pure; agent-domain.c applies the
 * plan). Used after an agent or libvirtd restart and by the reconnect hook.
 *
 * For every running domain, each managed VF it uses:
 *   free, or claimed/reserved by that domain  -> ASSIGN to it, or CLAIM it
 *                                                while the domain is still
 *                                                paused for an incoming
 *                                                migration (QEMU holds it,
 *                                                no lease may run out, but
 *                                                the migration can fail)
 *   assigned to it, or quarantined            -> nothing
 *   held (claimed/reserved/assigned) by another domain, releasing, or used
 *   by two running domains                    -> QUARANTINE (a VM may be
 *                                                using it: nobody may hand
 *                                                it out until a human looked)
 * A domain listed with vfs_unknown keeps what the pool holds for it.
 * Only when the list is complete (every running domain, not one reconnect):
 *   claimed/assigned/releasing VFs that no running domain uses -> RELEASE,
 *   except claims younger than claim_grace_usec (made after the list was
 *   read, or, when that time is not known, by a domain that may be
 *   between its prepare hook and its start). Reservations are left to
 *   their lease.
 */
/* What libvirt says a listed domain is doing (virDomainGetState). */
typedef enum {
        /* Only the XML is known (the reconnect hook): VFs as for running,
         * its migrations are left alone. */
        DOMAIN_RUN_STATE_UNKNOWN,
        /* Runs here on its own (also paused by a user, ...): an incoming
         * migration of it is over. */
        DOMAIN_RUN_STATE_RUNNING,
        /* Paused for an incoming migration (or running in post-copy): the
         * migration may still fail. */
        DOMAIN_RUN_STATE_INCOMING,
        _DOMAIN_RUN_STATE_MAX,
        _DOMAIN_RUN_STATE_INVALID = -EINVAL,
} DomainRunState;

const char *domain_run_state_to_string(DomainRunState s); /* "unknown", "running", "incoming" */
DomainRunState domain_run_state_from_string(const char *s);

typedef struct {
        const char *uuid;         /* lower case */
        const char *name;         /* may be NULL */
        const char *const *vfs;   /* canonical addresses, NULL terminated */
        DomainRunState state;
        /* Its XML could not be read (libvirt holds a domain that is
         * coming in): vfs is empty, and whatever the pool holds for it is
         * taken as used by it (kept; its reservations claimed when
         * INCOMING). */
        gboolean vfs_unknown;
} RunningDomain;

typedef enum {
        DOMAIN_ACTION_ASSIGN,
        DOMAIN_ACTION_RELEASE,
        DOMAIN_ACTION_QUARANTINE,
        DOMAIN_ACTION_CLAIM,      /* owner_uuid/owner_name: the new owner */
        _DOMAIN_ACTION_MAX,
        _DOMAIN_ACTION_INVALID = -EINVAL,
} DomainActionKind;

const char *domain_action_kind_to_string(DomainActionKind k); /* "assign", ... */
DomainActionKind domain_action_kind_from_string(const char *s);

typedef struct {
        DomainActionKind kind;
        char address[PCI_ADDRESS_STRLEN];
        char *owner_uuid;         /* assign/claim: new owner; release: old owner */
        char *owner_name;         /* assign/claim: may be NULL */
        char *line;               /* human-readable: what and why */
} DomainAction;

void domain_action_free(DomainAction *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DomainAction, domain_action_free)

/* domains: RunningDomain*, in any order. Actions come in address order
 * (owned; free with the array). */
GPtrArray *reconcile_domains_plan(const Pool *pool, const GPtrArray *domains,
                                  gboolean complete, gint64 now_usec,
                                  gint64 claim_grace_usec);

/*
 * The unfinished Migration records vs the same list (pure as well):
 *   incoming, its domain listed as RUNNING     -> COMPLETED (it finished
 *       while the agent was away: RESUMED(MIGRATED) was missed; the plan
 *       above assigns its VFs)
 *   incoming, listed as INCOMING or UNKNOWN    -> nothing (still under way)
 *   outgoing, its domain listed                -> nothing (the monitor
 *       watches its job: libvirt_monitor_watch_migration())
 * Only when the list is complete, for a domain not listed:
 *   outgoing                                   -> COMPLETED (an abort keeps
 *       the domain running here)
 *   incoming transferring for claim_grace_usec or more -> FAILED
 *   incoming prepared, or transferring less long -> nothing (the lease, or
 *       a domain between its prepare hook and QEMU's start)
 */
typedef struct {
        guint64 id;
        MigrationPhase to;        /* COMPLETED or FAILED */
        char *error;              /* FAILED: why; else NULL */
        char *line;               /* human-readable: which, what and why */
} MigrationAction;

void migration_action_free(MigrationAction *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MigrationAction, migration_action_free)

/* migrations: Migration* (finished ones are skipped). Actions in the
 * order of migrations (owned; free with the array). */
GPtrArray *reconcile_migrations_plan(const GPtrArray *migrations, const GPtrArray *domains,
                                     gboolean complete, gint64 now_usec,
                                     gint64 claim_grace_usec);
