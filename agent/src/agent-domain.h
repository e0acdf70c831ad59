/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "agent.h"
#include "core/migration.h"
#include "core/profile.h"
#include "core/reconcile-domains.h"

/*
 * The agent's domain-level operations: what the libvirt hook, the VDSM
 * hooks, the libvirt monitor and orchestrators ask for. Each takes domain
 * XML as libvirt gives it (see core/domxml.h for what is refused) and is
 * all-or-nothing: a refusal leaves pool, sysfs and journal as they were.
 *
 * A "managed device" of a domain is a PCI hostdev/interface whose source
 * address is a VF of a managed PF here, or that our metadata describes.
 * A domain with no managed device is answered at once and changes nothing.
 *
 * Refusals are VFMIG_ERROR_* (NOT_COMPATIBLE, BUSY, ...) whose message has
 * one line per refused device: "<alias or hostdevN> (<address>): <reason>;
 * <reason>..." naming every candidate VF and every reason it was unfit.
 */

/* prepare begin: claims every managed VF of the domain for it (binding per
 * bind-on-claim). The domain's own reservations become claims. */
gboolean agent_claim_for_domain(Agent *agent, const char *xml, GError **error);

/*
 * migrate begin on the destination: for every managed device, keep the VF
 * the XML names if it is a usable local VF compatible with the source
 * profile, else pick a free compatible one (preferring one already on the
 * right driver), reserve it (lease), bind it, rewrite the address and the
 * metadata. *out_xml is the rewritten XML (the input unchanged, when the
 * domain has no managed device). A Migration (incoming) records it, also
 * when refused; *migration_id names it (0 when none was created).
 */
gboolean agent_prepare_incoming(Agent *agent, const char *xml, char **out_xml,
                                guint64 *migration_id, GError **error);

/*
 * The same decision without changing anything: for each device of the
 * input (domain XML with our metadata, or the metadata element alone), the
 * VF it would get or why none fits. lines are human-readable, one per
 * device; returns TRUE with *compatible FALSE when something does not fit.
 */
gboolean agent_check_incoming(Agent *agent, const char *xml_or_metadata,
                              gboolean *compatible, GPtrArray **lines,
                              GError **error);

/* stopped / release hooks: releases every VF this domain owns here.
 * reason is the hook's ("migrated", "destroyed", "failed", ...) or "". */
gboolean agent_release_domain(Agent *agent, const char *uuid,
                              const char *reason, GError **error);

/* Profiles: of one VF, and of every VF a domain (uuid or name) owns here,
 * as the metadata element text. */
VfProfile *agent_get_vf_profile(Agent *agent, const char *vf, GError **error);
char *agent_get_domain_metadata(Agent *agent, const char *domain,
                                GError **error);

/* Lifecycle, as the libvirt monitor reports it. */
typedef enum {
        AGENT_DOMAIN_STARTED_BOOTED,
        AGENT_DOMAIN_STARTED_MIGRATED,     /* destination, transfer begins */
        AGENT_DOMAIN_RESUMED_MIGRATED,     /* destination, migration done */
        AGENT_DOMAIN_SUSPENDED_MIGRATED,   /* source, final phase */
        AGENT_DOMAIN_RESUMED_OTHER,        /* source after an aborted migration */
        AGENT_DOMAIN_MIGRATION_ITERATION,  /* source, transfer under way */
        AGENT_DOMAIN_STOPPED_MIGRATED,     /* source, migration done */
        AGENT_DOMAIN_STOPPED_OTHER,        /* destroyed, shut down, crashed */
        AGENT_DOMAIN_STOPPED_FAILED,       /* destination, migration failed */
        AGENT_DOMAIN_MIGRATION_ABORTED,    /* source, job ended, still running */
        _AGENT_DOMAIN_EVENT_MAX,
        _AGENT_DOMAIN_EVENT_INVALID = -EINVAL,
} AgentDomainEvent;

/* "started-booted", ... (for logs). */
const char *agent_domain_event_to_string(AgentDomainEvent e);
AgentDomainEvent agent_domain_event_from_string(const char *s);

void agent_domain_event(Agent *agent, const char *uuid, const char *name,
                        AgentDomainEvent event);

/* One domain libvirt runs here: its live XML and what it is doing. */
typedef struct {
        const char *xml;
        DomainRunState state;
        /* Only when xml is NULL (libvirt answers no XML query while the
         * domain comes in): then the VFs the pool holds for it stay its. */
        const char *uuid;
        const char *name;               /* may be NULL */
} AgentRunningDomain;

/*
 * Reconciliation with the domains libvirt runs here (after an agent or
 * libvirtd restart): every running domain. VFs a running domain uses
 * become its assignments, or its claims while it is paused for an
 * incoming migration (a VF owned by another domain is quarantined);
 * claims and assignments of domains not running are released;
 * reservations stay until their lease ends unless their domain runs here.
 * Unfinished Migration records are settled as core/reconcile-domains.h
 * says (an incoming one whose domain runs normally completed; an outgoing
 * one whose domain is gone completed; ...). *changes lists what was done.
 * listed_usec (g_get_real_time()) is when libvirt was asked for the list:
 * claims (and incoming migrations under way) younger than that are kept,
 * their domain may be starting; 0 when not known: a fixed grace (120 s).
 */
gboolean agent_reconcile_domains(Agent *agent, GPtrArray *domains /* AgentRunningDomain* */,
                                 gint64 listed_usec, GPtrArray **changes, GError **error);

/* reconnect hook: this domain runs here; its managed VFs become its
 * assignments (nothing else is released: other domains are not listed). */
gboolean agent_reconcile_domain(Agent *agent, const char *xml,
                                GPtrArray **changes, GError **error);

/* Migrations: all known (unfinished ones survive restarts; finished ones
 * are kept in memory, the newest AGENT_MIGRATIONS_KEPT). Borrowed. */
#define AGENT_MIGRATIONS_KEPT 64
const GPtrArray *agent_get_migrations(const Agent *agent);  /* Migration* */
const Migration *agent_find_migration(const Agent *agent, guint64 id);

/* Called on every migration change (created, phase, devices). */
typedef void (*AgentMigrationFunc)(Agent *agent, const Migration *m,
                                   MigrationPhase old_phase, gboolean created,
                                   gpointer user_data);
void agent_set_migration_func(Agent *agent, AgentMigrationFunc func,
                              gpointer user_data);

/* Metadata the monitor should publish into the live domain, or NULL when
 * the domain owns no managed VF here. */
char *agent_metadata_to_publish(Agent *agent, const char *uuid);
