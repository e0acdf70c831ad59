/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's Migration records: creation, phase changes, the callback the
 * bus face listens to, and persistence in the state directory. Unfinished
 * migrations must survive a restart (their reservations do, in the pool
 * journal); the newest finished ones are kept too, so that history and
 * ids survive as well (ids are never reused: the next one follows the
 * largest kept).
 */
#include "agent-private.h"
#include "sys/migration-store.h"

static void save(Agent *a)
{
        g_autoptr(GError) error = NULL;

        /* The pool journal holds what matters for safety (who owns which
         * VF); losing a record only loses history: warn, go on. */
        if (!migration_store_save(a->state_dir, a->migrations, &error))
                g_warning("Failed to save the migration records, continuing: %s",
                          error->message);
}

static void notify(Agent *a, const Migration *m, MigrationPhase old, gboolean created)
{
        if (a->migration_func)
                a->migration_func(a, m, old, created, a->migration_data);
}

/* Drops the oldest finished records beyond AGENT_MIGRATIONS_KEPT. */
static void prune(Agent *a)
{
        guint finished = 0;

        for (guint i = 0; i < a->migrations->len; i++)
                if (migration_phase_is_final(((Migration *) a->migrations->pdata[i])->phase))
                        finished++;
        for (guint i = 0; finished > AGENT_MIGRATIONS_KEPT && i < a->migrations->len;) {
                Migration *m = a->migrations->pdata[i];

                if (migration_phase_is_final(m->phase)) {
                        g_ptr_array_remove_index(a->migrations, i);
                        finished--;
                } else
                        i++;
        }
}

gboolean agent_migrations_load(Agent *a, GError **error)
{
        g_autofree char *report = NULL;
        guint64 max = 0;

        a->migrations = migration_store_load(a->state_dir, agent_now(), &report, error);
        if (!a->migrations)
                return FALSE;
        for (guint i = 0; i < a->migrations->len; i++) {
                Migration *m = a->migrations->pdata[i];

                max = MAX(max, m->id);
                /* The agent stopped in the middle of PrepareIncoming: the
                 * hook got no answer, so libvirt refused the migration; any
                 * reservation made runs out with its lease. */
                if (m->phase == MIGRATION_PHASE_PREPARING)
                        (void) migration_set_phase(m, MIGRATION_PHASE_REFUSED,
                                                   "the agent stopped while preparing it",
                                                   agent_now(), NULL);
        }
        a->next_migration_id = max + 1;
        if (report) {
                g_ptr_array_add(a->startup_report, g_strdup_printf("migrations: %s", report));
                /* The old ids are lost with the file: start far above any
                 * that a client may still remember (seconds since the epoch). */
                a->next_migration_id = MAX(a->next_migration_id,
                                           (guint64) (agent_now() / G_USEC_PER_SEC));
                save(a);
        }
        return TRUE;
}

void agent_migrations_free(Agent *a)
{
        if (a->migrations)
                g_ptr_array_unref(a->migrations);
        a->migrations = NULL;
}

Migration *agent_migration_new(Agent *a, MigrationRole role, const char *uuid,
                               const char *name)
{
        Migration *m = migration_new(a->next_migration_id++, role, uuid, name, agent_now());

        g_ptr_array_add(a->migrations, m);
        return m;
}

void agent_migration_announce(Agent *a, Migration *m)
{
        g_message("Migration %" G_GUINT64_FORMAT " (%s) of %s (%s): %s", m->id,
                  migration_role_to_string(m->role), m->domain_name, m->domain_uuid,
                  migration_phase_to_string(m->phase));
        save(a);
        notify(a, m, m->phase, TRUE);
}

void agent_migration_changed(Agent *a, Migration *m)
{
        save(a);
        notify(a, m, m->phase, FALSE);
}

static gboolean step(Agent *a, Migration *m, MigrationPhase to, const char *error)
{
        g_autoptr(GError) local = NULL;
        MigrationPhase old = m->phase;

        if (!migration_set_phase(m, to, error, agent_now(), &local)) {
                g_message("Migration %" G_GUINT64_FORMAT ": %s; ignored", m->id, local->message);
                return FALSE;
        }
        if (old == to)
                return TRUE;
        g_message("Migration %" G_GUINT64_FORMAT " (%s) of %s (%s): %s -> %s%s%s", m->id,
                  migration_role_to_string(m->role), m->domain_name, m->domain_uuid,
                  migration_phase_to_string(old), migration_phase_to_string(to),
                  m->error ? ": " : "", m->error ? m->error : "");
        notify(a, m, old, FALSE);
        return TRUE;
}

void agent_migration_advance(Agent *a, Migration *m, MigrationPhase to,
                             const char *error)
{
        /* An incoming migration whose STARTED event came while the agent
         * was away goes through transferring on its way to completed. */
        if (m->role == MIGRATION_ROLE_INCOMING && m->phase == MIGRATION_PHASE_PREPARED &&
            to == MIGRATION_PHASE_COMPLETED)
                (void) step(a, m, MIGRATION_PHASE_TRANSFERRING, NULL);
        (void) step(a, m, to, error);
        save(a);
        prune(a);
}

Migration *agent_migration_find_unfinished(Agent *a, const char *uuid, MigrationRole role)
{
        for (guint i = a->migrations->len; i > 0; i--) {
                Migration *m = a->migrations->pdata[i - 1];

                if (m->role == role && !migration_phase_is_final(m->phase) &&
                    g_ascii_strcasecmp(m->domain_uuid, uuid) == 0)
                        return m;
        }
        return NULL;
}

Migration *agent_migration_find_latest(Agent *a, const char *uuid, MigrationRole role)
{
        for (guint i = a->migrations->len; i > 0; i--) {
                Migration *m = a->migrations->pdata[i - 1];

                if (m->role == role && g_ascii_strcasecmp(m->domain_uuid, uuid) == 0)
                        return m;
        }
        return NULL;
}

void agent_migrations_lease_expired(Agent *a, const char *owner_uuid, const char *address)
{
        Migration *m = agent_migration_find_unfinished(a, owner_uuid, MIGRATION_ROLE_INCOMING);
        g_autofree char *why = NULL;
        gboolean uses = FALSE, knows = FALSE;

        if (!m)
                return;
        /* Only a VF the migration chose: another reservation of the same
         * domain (an orchestrator's Reserve) says nothing about it. A
         * record that names no VF (damaged, or older) is failed as before. */
        for (guint i = 0; i < m->devices->len; i++) {
                const char *vf = ((MigrationDevice *) m->devices->pdata[i])->destination_vf;

                knows = knows || *vf;
                uses = uses || g_str_equal(vf, address);
        }
        if (knows && !uses)
                return;
        why = g_strdup_printf("the reservation of %s expired before the domain arrived",
                              address);
        agent_migration_advance(a, m, MIGRATION_PHASE_FAILED, why);
}

const GPtrArray *agent_get_migrations(const Agent *a)
{
        return a->migrations;
}

const Migration *agent_find_migration(const Agent *a, guint64 id)
{
        for (guint i = 0; i < a->migrations->len; i++) {
                const Migration *m = a->migrations->pdata[i];
                if (m->id == id)
                        return m;
        }
        return NULL;
}

void agent_set_migration_func(Agent *a, AgentMigrationFunc func, gpointer user_data)
{
        a->migration_func = func;
        a->migration_data = user_data;
}
