/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The planner of reconcile-domains.h: decisions only, no changes. */
#include <string.h>

#include "reconcile-domains.h"

static const char *const domain_action_kind_table[_DOMAIN_ACTION_MAX] = {
        [DOMAIN_ACTION_ASSIGN] = "assign",
        [DOMAIN_ACTION_RELEASE] = "release",
        [DOMAIN_ACTION_QUARANTINE] = "quarantine",
        [DOMAIN_ACTION_CLAIM] = "claim",
};

static const char *const domain_run_state_table[_DOMAIN_RUN_STATE_MAX] = {
        [DOMAIN_RUN_STATE_UNKNOWN] = "unknown",
        [DOMAIN_RUN_STATE_RUNNING] = "running",
        [DOMAIN_RUN_STATE_INCOMING] = "incoming",
};

const char *domain_run_state_to_string(DomainRunState s)
{
        if ((int) s < 0 || s >= _DOMAIN_RUN_STATE_MAX)
                return NULL;
        return domain_run_state_table[s];
}

DomainRunState domain_run_state_from_string(const char *s)
{
        for (int i = 0; s && i < _DOMAIN_RUN_STATE_MAX; i++)
                if (strcmp(domain_run_state_table[i], s) == 0)
                        return (DomainRunState) i;
        return _DOMAIN_RUN_STATE_INVALID;
}

const char *domain_action_kind_to_string(DomainActionKind k)
{
        if ((int) k < 0 || k >= _DOMAIN_ACTION_MAX)
                return NULL;
        return domain_action_kind_table[k];
}

DomainActionKind domain_action_kind_from_string(const char *s)
{
        for (int i = 0; s && i < _DOMAIN_ACTION_MAX; i++)
                if (strcmp(domain_action_kind_table[i], s) == 0)
                        return (DomainActionKind) i;
        return _DOMAIN_ACTION_INVALID;
}

void domain_action_free(DomainAction *a)
{
        if (!a)
                return;
        g_free(a->owner_uuid);
        g_free(a->owner_name);
        g_free(a->line);
        g_free(a);
}

static void add(GHashTable *plan, DomainActionKind kind, const char *address,
                const char *uuid, const char *name, char *line /* taken */)
{
        DomainAction *a = g_new0(DomainAction, 1);

        a->kind = kind;
        g_strlcpy(a->address, address, sizeof(a->address));
        a->owner_uuid = g_strdup(uuid);
        a->owner_name = g_strdup(name);
        a->line = line;
        /* One decision per VF: a later one (quarantine) replaces an earlier. */
        g_hash_table_replace(plan, a->address, a);
}

static const char *who(const char *name, const char *uuid)
{
        return name && *name ? name : uuid ? uuid : "an unknown domain";
}

static gint by_address(gconstpointer x, gconstpointer y)
{
        const DomainAction *a = *(DomainAction *const *) x;
        const DomainAction *b = *(DomainAction *const *) y;

        return strcmp(a->address, b->address);
}

GPtrArray *reconcile_domains_plan(const Pool *pool, const GPtrArray *domains,
                                  gboolean complete, gint64 now_usec,
                                  gint64 claim_grace_usec)
{
        g_autoptr(GHashTable) plan = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) domain_action_free);
        /* address -> RunningDomain* that uses it */
        g_autoptr(GHashTable) used = g_hash_table_new(g_str_hash, g_str_equal);
        GPtrArray *out;

        for (guint i = 0; domains && i < domains->len; i++) {
                const RunningDomain *d = domains->pdata[i];
                gboolean incoming = d->state == DOMAIN_RUN_STATE_INCOMING;

                for (const char *const *v = d->vfs; v && *v; v++) {
                        const RunningDomain *other = g_hash_table_lookup(used, *v);
                        const PoolEntry *e;

                        if (other == d)
                                continue;   /* listed twice by the same domain */
                        if (other) {
                                add(plan, DOMAIN_ACTION_QUARANTINE, *v, NULL, NULL,
                                    g_strdup_printf("%s: used by two running domains, %s (%s) and %s (%s): quarantined",
                                                    *v, who(other->name, other->uuid), other->uuid,
                                                    who(d->name, d->uuid), d->uuid));
                                continue;
                        }
                        g_hash_table_insert(used, (gpointer) *v, (gpointer) d);

                        e = pool_lookup(pool, *v);
                        if (!e && incoming) {
                                add(plan, DOMAIN_ACTION_CLAIM, *v, d->uuid, d->name,
                                    g_strdup_printf("%s: domain %s (%s), paused for an incoming migration, uses it and the pool had it free: claimed",
                                                    *v, who(d->name, d->uuid), d->uuid));
                                continue;
                        }
                        if (!e) {
                                add(plan, DOMAIN_ACTION_ASSIGN, *v, d->uuid, d->name,
                                    g_strdup_printf("%s: running domain %s (%s) uses it and the pool had it free: assigned",
                                                    *v, who(d->name, d->uuid), d->uuid));
                                continue;
                        }
                        switch (e->state) {
                        case VF_STATE_QUARANTINED:
                                break;
                        case VF_STATE_CLAIMED:
                        case VF_STATE_RESERVED:
                        case VF_STATE_ASSIGNED:
                                if (g_strcmp0(e->owner_uuid, d->uuid) == 0) {
                                        /* Until the incoming migration is
                                         * over: a claim (no lease), not an
                                         * assignment. */
                                        if (incoming && e->state == VF_STATE_RESERVED)
                                                add(plan, DOMAIN_ACTION_CLAIM, *v, d->uuid, d->name,
                                                    g_strdup_printf("%s: reserved by %s (%s), which runs here paused for an incoming migration: claimed",
                                                                    *v, who(d->name, d->uuid), d->uuid));
                                        else if (incoming)
                                                ;
                                        else if (e->state != VF_STATE_ASSIGNED)
                                                add(plan, DOMAIN_ACTION_ASSIGN, *v, d->uuid, d->name,
                                                    g_strdup_printf("%s: %s by %s (%s), which runs here: assigned",
                                                                    *v, vf_state_to_string(e->state),
                                                                    who(d->name, d->uuid), d->uuid));
                                        break;
                                }
                                add(plan, DOMAIN_ACTION_QUARANTINE, *v, NULL, NULL,
                                    g_strdup_printf("%s: running domain %s (%s) uses it, but the pool has it %s by %s (%s): quarantined",
                                                    *v, who(d->name, d->uuid), d->uuid,
                                                    vf_state_to_string(e->state),
                                                    who(e->owner_name, e->owner_uuid),
                                                    e->owner_uuid ? e->owner_uuid : "unknown"));
                                break;
                        case VF_STATE_RELEASING:
                                add(plan, DOMAIN_ACTION_QUARANTINE, *v, NULL, NULL,
                                    g_strdup_printf("%s: running domain %s (%s) uses it while it was being released: quarantined",
                                                    *v, who(d->name, d->uuid), d->uuid));
                                break;
                        default:
                                break;
                        }
                }
        }

        /* Domains whose devices are not known: what the pool holds for
         * them stays theirs. */
        for (guint i = 0; domains && i < domains->len; i++) {
                const RunningDomain *d = domains->pdata[i];
                g_autoptr(GPtrArray) entries = NULL;

                if (!d->vfs_unknown)
                        continue;
                entries = pool_entries(pool);
                for (guint k = 0; k < entries->len; k++) {
                        const PoolEntry *e = entries->pdata[k];

                        if (g_strcmp0(e->owner_uuid, d->uuid) != 0 ||
                            g_hash_table_contains(used, e->address))
                                continue;
                        g_hash_table_insert(used, (gpointer) e->address, (gpointer) d);
                        if (e->state == VF_STATE_RESERVED && d->state == DOMAIN_RUN_STATE_INCOMING)
                                add(plan, DOMAIN_ACTION_CLAIM, e->address, d->uuid, d->name,
                                    g_strdup_printf("%s: reserved by %s (%s), which runs here paused for an incoming migration: claimed",
                                                    e->address, who(d->name, d->uuid), d->uuid));
                }
        }

        if (complete) {
                g_autoptr(GPtrArray) entries = pool_entries(pool);

                for (guint i = 0; i < entries->len; i++) {
                        const PoolEntry *e = entries->pdata[i];

                        if (g_hash_table_contains(used, e->address))
                                continue;
                        if (e->state != VF_STATE_CLAIMED && e->state != VF_STATE_ASSIGNED &&
                            e->state != VF_STATE_RELEASING)
                                continue;
                        if (e->state == VF_STATE_CLAIMED &&
                            now_usec - e->since_usec < claim_grace_usec)
                                continue;
                        add(plan, DOMAIN_ACTION_RELEASE, e->address, e->owner_uuid, e->owner_name,
                            g_strdup_printf("%s: %s by %s (%s), which uses it in no running domain here: released",
                                            e->address, vf_state_to_string(e->state),
                                            who(e->owner_name, e->owner_uuid),
                                            e->owner_uuid ? e->owner_uuid : "unknown"));
                }
        }

        out = g_ptr_array_new_with_free_func((GDestroyNotify) domain_action_free);
        {
                GHashTableIter it;
                gpointer v;

                g_hash_table_iter_init(&it, plan);
                while (g_hash_table_iter_next(&it, NULL, &v)) {
                        g_hash_table_iter_steal(&it);
                        g_ptr_array_add(out, v);
                }
        }
        g_ptr_array_sort(out, by_address);
        return out;
}

void migration_action_free(MigrationAction *a)
{
        if (!a)
                return;
        g_free(a->error);
        g_free(a->line);
        g_free(a);
}

static MigrationAction *migration_action(const Migration *m, MigrationPhase to,
                                         const char *error, const char *why)
{
        MigrationAction *a = g_new0(MigrationAction, 1);

        a->id = m->id;
        a->to = to;
        a->error = g_strdup(error);
        a->line = g_strdup_printf("migration %" G_GUINT64_FORMAT " (%s) of %s (%s): %s: %s", m->id,
                                  migration_role_to_string(m->role),
                                  who(m->domain_name, m->domain_uuid), m->domain_uuid,
                                  migration_phase_to_string(to), why);
        return a;
}

GPtrArray *reconcile_migrations_plan(const GPtrArray *migrations, const GPtrArray *domains,
                                     gboolean complete, gint64 now_usec,
                                     gint64 claim_grace_usec)
{
        GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) migration_action_free);

        for (guint i = 0; migrations && i < migrations->len; i++) {
                const Migration *m = migrations->pdata[i];
                const RunningDomain *d = NULL;

                if (migration_phase_is_final(m->phase))
                        continue;
                for (guint k = 0; domains && k < domains->len && !d; k++) {
                        const RunningDomain *r = domains->pdata[k];

                        if (g_ascii_strcasecmp(r->uuid, m->domain_uuid) == 0)
                                d = r;
                }

                if (d) {
                        /* A domain that runs here on its own came in: the
                         * end of its migration was missed. */
                        if (m->role == MIGRATION_ROLE_INCOMING &&
                            d->state == DOMAIN_RUN_STATE_RUNNING)
                                g_ptr_array_add(out, migration_action(m, MIGRATION_PHASE_COMPLETED, NULL,
                                                                      "the domain runs here (found by reconciliation)"));
                        continue;
                }
                if (!complete)
                        continue;
                if (m->role == MIGRATION_ROLE_OUTGOING) {
                        g_ptr_array_add(out, migration_action(m, MIGRATION_PHASE_COMPLETED, NULL,
                                                              "the domain does not run here any more (found by reconciliation)"));
                } else if (m->phase == MIGRATION_PHASE_TRANSFERRING &&
                           now_usec - m->phase_usec[MIGRATION_PHASE_TRANSFERRING] >= claim_grace_usec) {
                        /* A younger one may be between its prepare hook
                         * and QEMU's start, as its claims are (kept for the
                         * same grace). */
                        const char *why = "the domain does not run here any more (found by reconciliation)";

                        g_ptr_array_add(out, migration_action(m, MIGRATION_PHASE_FAILED, why, why));
                }
        }
        return out;
}
