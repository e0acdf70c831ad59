/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the domain's life means for the pool and the Migration records
 * (RIG.md has the order libvirt reports things in):
 *  - destination: migrate begin (PrepareIncoming: reserved, prepared),
 *    prepare begin (ClaimForDomain: claimed, transferring),
 *    STARTED(MIGRATED) (claimed, transferring), RESUMED(MIGRATED) (assigned,
 *    completed); a failure gives STOPPED(FAILED) and release end failed
 *    (released, failed);
 *  - source: no hook when it starts; MIGRATION_ITERATION or
 *    SUSPENDED(MIGRATED) (an outgoing record, transferring); STOPPED
 *    (MIGRATED) and release end migrated (released, completed); the
 *    domain resuming here or the monitor's MIGRATION_ABORTED (failed);
 *  - a normal start: claimed by the prepare hook, assigned on
 *    STARTED(BOOTED).
 * And reconciliation with the domains libvirt runs (core/reconcile-domains.h
 * decides): after an agent restart, an incoming migration whose domain
 * now runs normally completed, one whose domain is gone failed; an
 * outgoing one whose domain still runs is left to the monitor's job
 * watch (daemon-libvirt.c starts it), one whose domain is gone completed.
 */
#include <string.h>

#include "agent-domain-private.h"
#include "core/reconcile-domains.h"

static const char *const agent_domain_event_table[_AGENT_DOMAIN_EVENT_MAX] = {
        [AGENT_DOMAIN_STARTED_BOOTED] = "started-booted",
        [AGENT_DOMAIN_STARTED_MIGRATED] = "started-migrated",
        [AGENT_DOMAIN_RESUMED_MIGRATED] = "resumed-migrated",
        [AGENT_DOMAIN_SUSPENDED_MIGRATED] = "suspended-migrated",
        [AGENT_DOMAIN_RESUMED_OTHER] = "resumed-other",
        [AGENT_DOMAIN_MIGRATION_ITERATION] = "migration-iteration",
        [AGENT_DOMAIN_STOPPED_MIGRATED] = "stopped-migrated",
        [AGENT_DOMAIN_STOPPED_OTHER] = "stopped-other",
        [AGENT_DOMAIN_STOPPED_FAILED] = "stopped-failed",
        [AGENT_DOMAIN_MIGRATION_ABORTED] = "migration-aborted",
};

const char *agent_domain_event_to_string(AgentDomainEvent e)
{
        if ((int) e < 0 || e >= _AGENT_DOMAIN_EVENT_MAX)
                return NULL;
        return agent_domain_event_table[e];
}

AgentDomainEvent agent_domain_event_from_string(const char *s)
{
        for (int i = 0; s && i < _AGENT_DOMAIN_EVENT_MAX; i++)
                if (strcmp(agent_domain_event_table[i], s) == 0)
                        return (AgentDomainEvent) i;
        return _AGENT_DOMAIN_EVENT_INVALID;
}

/* Claims and reservations of a running domain become assignments. */
static void assign_domain(Agent *a, const char *uuid)
{
        g_autoptr(GPtrArray) vfs = domain_held_vfs(a, uuid);
        g_autoptr(Pool) copy = pool_copy(a->pool);
        g_autoptr(GError) error = NULL;

        for (guint i = 0; i < vfs->len; i++) {
                const PoolEntry *e = pool_lookup(copy, vfs->pdata[i]);
                g_autoptr(GError) e2 = NULL;

                if (!e || (e->state != VF_STATE_CLAIMED && e->state != VF_STATE_RESERVED))
                        continue;
                if (!pool_assign(copy, vfs->pdata[i], uuid, agent_now(), &e2))
                        g_warning("Failed to assign %s to %s: %s", (const char *) vfs->pdata[i],
                                  uuid, e2->message);
        }
        if (!agent_commit_pool(a, g_steal_pointer(&copy), &error))
                g_warning("Failed to record the assignments of domain %s: %s", uuid,
                          error->message);
}

/*
 * The destination's QEMU runs (STARTED(MIGRATED)) and holds the VFs:
 * their reservations become claims, so that no lease runs out under a
 * long migration. The prepare hook normally did this already; this
 * covers a claim that never reached us (VDSM's own hooks, or a failure).
 */
static void claim_reservations(Agent *a, const char *uuid, const char *name)
{
        g_autoptr(GPtrArray) vfs = domain_held_vfs(a, uuid);
        g_autoptr(Pool) copy = pool_copy(a->pool);
        g_autoptr(GError) error = NULL;
        gboolean changed = FALSE;

        for (guint i = 0; i < vfs->len; i++) {
                const PoolEntry *e = pool_lookup(copy, vfs->pdata[i]);
                g_autoptr(GError) e2 = NULL;

                if (!e || e->state != VF_STATE_RESERVED)
                        continue;
                if (pool_claim(copy, vfs->pdata[i], uuid, NULL, agent_now(), &e2))
                        changed = TRUE;
                else
                        g_warning("Failed to claim %s for the incoming domain %s (%s): %s",
                                  (const char *) vfs->pdata[i], str_or(name, uuid), uuid,
                                  e2->message);
        }
        if (changed && !agent_commit_pool(a, g_steal_pointer(&copy), &error))
                g_warning("Failed to record the claims of the incoming domain %s (%s): %s",
                          str_or(name, uuid), uuid, error->message);
}

/* The source saw its domain start migrating away. */
static void outgoing_seen(Agent *a, const char *uuid, const char *name)
{
        g_autoptr(GPtrArray) vfs = NULL;
        Migration *m;

        if (agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_OUTGOING))
                return;
        vfs = domain_held_vfs(a, uuid);
        /* Only domains with a VF here have a record, as on the destination. */
        if (vfs->len == 0)
                return;
        m = agent_migration_new(a, MIGRATION_ROLE_OUTGOING, uuid, name);
        for (guint i = 0; i < vfs->len; i++)
                migration_add_device(m, NULL, vfs->pdata[i], "");
        agent_migration_announce(a, m);
}

/* A completed outgoing migration seen less than this ago is the same one
 * the second of STOPPED(MIGRATED) and "release end migrated" reports (a
 * failed one is an earlier attempt, not this success). */
#define OUTGOING_SAME_USEC (120 * G_USEC_PER_SEC)

static void outgoing_done(Agent *a, const char *uuid, const char *name, GPtrArray *vfs)
{
        Migration *m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_OUTGOING);

        if (!m) {
                Migration *last = agent_migration_find_latest(a, uuid, MIGRATION_ROLE_OUTGOING);

                if (last && last->phase == MIGRATION_PHASE_COMPLETED &&
                    agent_now() - last->finished_usec < OUTGOING_SAME_USEC)
                        return;
                /* Not seen under way (no job event reached us, or we were
                 * down): record it now that it is over. */
                if (vfs->len == 0)
                        return;
                m = agent_migration_new(a, MIGRATION_ROLE_OUTGOING, uuid, name);
                for (guint i = 0; i < vfs->len; i++)
                        migration_add_device(m, NULL, vfs->pdata[i], "");
                agent_migration_announce(a, m);
        }
        agent_migration_advance(a, m, MIGRATION_PHASE_COMPLETED, NULL);
}

gboolean domain_release(Agent *a, const char *uuid, const char *name,
                        const char *reason, GError **error)
{
        g_autoptr(GPtrArray) vfs = domain_held_vfs(a, uuid);
        g_autoptr(GString) failures = g_string_new(NULL);
        Migration *m;

        for (guint i = 0; i < vfs->len; i++) {
                g_autoptr(GError) e = NULL;

                if (!agent_release(a, vfs->pdata[i], uuid, &e))
                        g_string_append_printf(failures, "%s%s", failures->len ? "\n" : "",
                                               e->message);
        }

        if (g_str_equal(reason, "migrated")) {
                outgoing_done(a, uuid, name, vfs);
        } else {
                g_autofree char *why = g_strdup_printf("the domain stopped here (%s) before the migration ended",
                                                       *reason ? reason : "reason unknown");

                m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_INCOMING);
                if (m)
                        agent_migration_advance(a, m, MIGRATION_PHASE_FAILED,
                                                g_str_equal(reason, "failed")
                                                ? "the migration failed: libvirt stopped the incoming domain"
                                                : why);
                /* The stopped hook says no reason, and on the source it
                 * comes before "release end migrated": only a stop with a
                 * reason other than migrated ends an outgoing migration. */
                m = *reason ? agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_OUTGOING)
                            : NULL;
                if (m)
                        agent_migration_advance(a, m, MIGRATION_PHASE_FAILED, why);
        }

        if (failures->len) {
                g_set_error_literal(error, VFMIG_ERROR, VFMIG_ERROR_IO, failures->str);
                return FALSE;
        }
        return TRUE;
}

static void release_logged(Agent *a, const char *uuid, const char *name, const char *reason)
{
        g_autoptr(GError) error = NULL;

        if (!domain_release(a, uuid, name, reason, &error))
                g_warning("Failed to release the VFs of domain %s (%s): %s",
                          str_or(name, uuid), uuid, error->message);
}

void agent_domain_event(Agent *a, const char *uuid_in, const char *name,
                        AgentDomainEvent event)
{
        g_autofree char *uuid = NULL;
        Migration *m;

        if (!uuid_in || !g_uuid_string_is_valid(uuid_in))
                return;
        uuid = g_ascii_strdown(uuid_in, -1);
        g_debug("Domain %s (%s): %s", str_or(name, "?"), uuid,
                str_or(agent_domain_event_to_string(event), "unknown event"));

        switch (event) {
        case AGENT_DOMAIN_STARTED_BOOTED:
                assign_domain(a, uuid);
                break;
        case AGENT_DOMAIN_STARTED_MIGRATED:
                claim_reservations(a, uuid, name);
                m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_INCOMING);
                if (m && m->phase == MIGRATION_PHASE_PREPARED)
                        agent_migration_advance(a, m, MIGRATION_PHASE_TRANSFERRING, NULL);
                break;
        case AGENT_DOMAIN_RESUMED_MIGRATED:
                /* libvirt says this on the destination when a migration
                 * completed, and on the source when the domain resumes
                 * after a migration that failed once it was paused: tell
                 * them apart by the migration this host knows of. */
                m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_INCOMING);
                if (m) {
                        assign_domain(a, uuid);
                        agent_migration_advance(a, m, MIGRATION_PHASE_COMPLETED, NULL);
                        break;
                }
                m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_OUTGOING);
                if (m)
                        agent_migration_advance(a, m, MIGRATION_PHASE_FAILED,
                                                "the migration failed after the domain was paused: it resumed here");
                else
                        assign_domain(a, uuid);
                break;
        case AGENT_DOMAIN_SUSPENDED_MIGRATED:
        case AGENT_DOMAIN_MIGRATION_ITERATION:
                outgoing_seen(a, uuid, name);
                break;
        case AGENT_DOMAIN_RESUMED_OTHER:
        case AGENT_DOMAIN_MIGRATION_ABORTED:
                m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_OUTGOING);
                if (m)
                        agent_migration_advance(a, m, MIGRATION_PHASE_FAILED,
                                                "the migration was aborted: the domain still runs here");
                break;
        case AGENT_DOMAIN_STOPPED_MIGRATED:
                release_logged(a, uuid, name, "migrated");
                break;
        case AGENT_DOMAIN_STOPPED_FAILED:
                release_logged(a, uuid, name, "failed");
                break;
        case AGENT_DOMAIN_STOPPED_OTHER:
                release_logged(a, uuid, name, "stopped");
                break;
        default:
                break;
        }
}

/* ---- reconciliation ------------------------------------------------------ */

/* A claim younger than this belongs to a domain that may be between its
 * prepare hook and its start, not yet listed as running; used when the
 * time of the list is not known. */
#define CLAIM_GRACE_USEC (120 * G_USEC_PER_SEC)
/* When it is: a domain is listed as active before its prepare hook runs,
 * so only claims made after the list was read are kept (and a little
 * before, for the clock's granularity between threads). */
#define LISTED_MARGIN_USEC (2 * G_USEC_PER_SEC)

typedef struct {
        RunningDomain rd;
        char *uuid, *name;
        GPtrArray *vfs;      /* char*, NULL terminated */
} Running;

static void running_free(Running *r)
{
        g_free(r->uuid);
        g_free(r->name);
        g_ptr_array_unref(r->vfs);
        g_free(r);
}

static Running *running_from_xml(Agent *a, const char *xml, DomainRunState state,
                                 GError **error)
{
        g_autoptr(Domxml) d = domain_parse(xml, error);
        g_autoptr(GPtrArray) devices = NULL;
        Running *r;

        if (!d)
                return NULL;
        devices = domain_managed_devices(a, d);
        r = g_new0(Running, 1);
        r->uuid = g_ascii_strdown(domxml_get_uuid(d), -1);
        r->name = g_strdup(domxml_get_name(d));
        r->vfs = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < devices->len; i++) {
                const ManagedDevice *md = devices->pdata[i];

                /* Only what names a VF this host knows can be held here. */
                if (inventory_find_vf(a->inventory, md->named) || pool_lookup(a->pool, md->named))
                        g_ptr_array_add(r->vfs, g_strdup(md->named));
        }
        g_ptr_array_add(r->vfs, NULL);
        r->rd.uuid = r->uuid;
        r->rd.name = r->name;
        r->rd.vfs = (const char *const *) r->vfs->pdata;
        r->rd.state = state;
        return r;
}

/* A domain listed without its XML. */
static Running *running_unread(const char *uuid, const char *name, DomainRunState state,
                               GError **error)
{
        Running *r;

        if (!uuid || !g_uuid_string_is_valid(uuid)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "a running domain listed without XML has no valid uuid");
                return NULL;
        }
        r = g_new0(Running, 1);
        r->uuid = g_ascii_strdown(uuid, -1);
        r->name = g_strdup(name);
        r->vfs = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(r->vfs, NULL);
        r->rd.uuid = r->uuid;
        r->rd.name = r->name;
        r->rd.vfs = (const char *const *) r->vfs->pdata;
        r->rd.state = state;
        r->rd.vfs_unknown = TRUE;
        return r;
}

static gboolean reconcile(Agent *a, GPtrArray *list /* AgentRunningDomain* */,
                          gint64 listed_usec, gboolean complete, GPtrArray **changes_out,
                          GError **error)
{
        gint64 now = agent_now();
        gint64 grace = listed_usec > 0 ? MAX(now - listed_usec, 0) + LISTED_MARGIN_USEC
                                       : CLAIM_GRACE_USEC;
        g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func((GDestroyNotify) running_free);
        g_autoptr(GPtrArray) domains = g_ptr_array_new();
        g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) plan = NULL;
        g_autoptr(GPtrArray) mplan = NULL;
        g_autoptr(Pool) copy = NULL;
        g_autoptr(GString) failures = g_string_new(NULL);

        for (guint i = 0; list && i < list->len; i++) {
                const AgentRunningDomain *ard = list->pdata[i];
                g_autoptr(GError) e = NULL;
                Running *r = ard->xml ? running_from_xml(a, ard->xml, ard->state, &e)
                                      : running_unread(ard->uuid, ard->name, ard->state, &e);

                if (!r) {
                        if (!complete) {
                                g_propagate_error(error, g_steal_pointer(&e));
                                return FALSE;
                        }
                        /* A running domain we cannot read may hold VFs:
                         * release nothing on this pass. */
                        g_ptr_array_add(changes, g_strdup_printf("domain XML number %u not read, so nothing is released: %s",
                                                                 i, e->message));
                        complete = FALSE;
                        continue;
                }
                g_ptr_array_add(running, r);
                g_ptr_array_add(domains, &r->rd);
        }

        plan = reconcile_domains_plan(a->pool, domains, complete, now, grace);

        /* Assignments and quarantines: one commit. */
        copy = pool_copy(a->pool);
        for (guint i = 0; i < plan->len; i++) {
                const DomainAction *act = plan->pdata[i];
                g_autoptr(GError) e = NULL;
                gboolean ok = TRUE;

                if (act->kind == DOMAIN_ACTION_CLAIM) {
                        ok = pool_claim(copy, act->address, act->owner_uuid, act->owner_name,
                                        agent_now(), &e);
                } else if (act->kind == DOMAIN_ACTION_ASSIGN) {
                        if (!pool_lookup(copy, act->address))
                                ok = pool_claim(copy, act->address, act->owner_uuid,
                                                act->owner_name, agent_now(), &e);
                        ok = ok && pool_assign(copy, act->address, act->owner_uuid, agent_now(), &e);
                } else if (act->kind == DOMAIN_ACTION_QUARANTINE) {
                        pool_quarantine(copy, act->address, act->line, agent_now());
                } else
                        continue;
                if (ok)
                        g_ptr_array_add(changes, g_strdup(act->line));
                else
                        g_string_append_printf(failures, "%s%s", failures->len ? "; " : "",
                                               e->message);
        }
        if (!agent_commit_pool(a, g_steal_pointer(&copy), error))
                return FALSE;

        for (guint i = 0; i < plan->len; i++) {
                const DomainAction *act = plan->pdata[i];
                g_autoptr(GError) e = NULL;

                if (act->kind != DOMAIN_ACTION_RELEASE)
                        continue;
                if (agent_release(a, act->address, act->owner_uuid, &e))
                        g_ptr_array_add(changes, g_strdup(act->line));
                else
                        g_string_append_printf(failures, "%s%s", failures->len ? "; " : "",
                                               e->message);
        }

        /* Migrations that ended while we were away (decided by the
         * planner). advance may prune finished records, never unfinished
         * ones: look each up by id. */
        mplan = reconcile_migrations_plan(a->migrations, domains, complete, now, grace);
        for (guint i = 0; i < mplan->len; i++) {
                const MigrationAction *act = mplan->pdata[i];
                Migration *m = (Migration *) agent_find_migration(a, act->id);

                if (!m || migration_phase_is_final(m->phase))
                        continue;
                g_ptr_array_add(changes, g_strdup(act->line));
                agent_migration_advance(a, m, act->to, act->error);
        }

        if (failures->len) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Reconciliation with the running domains left work undone: %s",
                            failures->str);
                return FALSE;
        }
        if (changes_out)
                *changes_out = g_steal_pointer(&changes);
        return TRUE;
}

gboolean agent_reconcile_domains(Agent *a, GPtrArray *domains, gint64 listed_usec,
                                 GPtrArray **changes, GError **error)
{
        return reconcile(a, domains, listed_usec, TRUE, changes, error);
}

gboolean agent_reconcile_domain(Agent *a, const char *xml, GPtrArray **changes,
                                GError **error)
{
        g_autoptr(GPtrArray) one = g_ptr_array_new();
        /* The hook gives the XML alone: what the domain is doing is not
         * known, so its migrations are left to the monitor. */
        AgentRunningDomain d = { xml, DOMAIN_RUN_STATE_UNKNOWN };

        g_ptr_array_add(one, &d);
        return reconcile(a, one, 0, FALSE, changes, error);
}
