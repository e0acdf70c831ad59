/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/reconcile-domains.h"

#define A "11111111-1111-4111-8111-111111111111"
#define B "22222222-2222-4222-8222-222222222222"
#define VF1 "0000:3b:00.2"
#define VF2 "0000:3b:00.3"
#define VF3 "0000:3b:00.4"
#define NOW (1000 * G_USEC_PER_SEC)
#define GRACE (120 * G_USEC_PER_SEC)
#define OLD (NOW - 600 * G_USEC_PER_SEC)

static void test_enum(void **state)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        for (int i = 0; i < _DOMAIN_ACTION_MAX; i++) {
                const char *s = domain_action_kind_to_string(i);
                assert_non_null(s);
                assert_true(g_hash_table_add(seen, (gpointer) s));
                assert_int_equal(domain_action_kind_from_string(s), i);
        }
        assert_null(domain_action_kind_to_string(_DOMAIN_ACTION_MAX));
        assert_null(domain_action_kind_to_string(-1));
        assert_int_equal(domain_action_kind_from_string("x"), _DOMAIN_ACTION_INVALID);
        assert_int_equal(domain_action_kind_from_string(NULL), _DOMAIN_ACTION_INVALID);
        assert_int_equal(_DOMAIN_ACTION_INVALID, -EINVAL);
}

static void test_run_state_enum(void **state)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        for (int i = 0; i < _DOMAIN_RUN_STATE_MAX; i++) {
                const char *s = domain_run_state_to_string(i);
                assert_non_null(s);
                assert_true(g_hash_table_add(seen, (gpointer) s));
                assert_int_equal(domain_run_state_from_string(s), i);
        }
        assert_null(domain_run_state_to_string(_DOMAIN_RUN_STATE_MAX));
        assert_null(domain_run_state_to_string(-1));
        assert_int_equal(domain_run_state_from_string("x"), _DOMAIN_RUN_STATE_INVALID);
        assert_int_equal(domain_run_state_from_string(NULL), _DOMAIN_RUN_STATE_INVALID);
        assert_int_equal(_DOMAIN_RUN_STATE_INVALID, -EINVAL);
        /* Zero (a RunningDomain without a state) is unknown. */
        assert_int_equal(DOMAIN_RUN_STATE_UNKNOWN, 0);
}

/* Pool set-up: "c:A" claimed by A, "r:A" reserved, "a:A" assigned,
 * "x:A" releasing, "q" quarantined, "cn:A" a claim made just now. */
static void put(Pool *p, const char *vf, const char *how)
{
        g_autofree char *kind = g_strdup(how);
        char *owner = strchr(kind, ':');
        gint64 when = OLD;

        if (owner)
                *owner++ = '\0';
        if (g_str_equal(kind, "q")) {
                pool_quarantine(p, vf, "test", OLD);
                return;
        }
        if (g_str_equal(kind, "cn"))
                when = NOW - 1;
        if (g_str_equal(kind, "r"))
                assert_true(pool_reserve(p, vf, owner, "n", NOW + GRACE, when, NULL));
        else
                assert_true(pool_claim(p, vf, owner, "n", when, NULL));
        if (g_str_equal(kind, "a") || g_str_equal(kind, "x"))
                assert_true(pool_assign(p, vf, owner, when, NULL));
        if (g_str_equal(kind, "x"))
                assert_true(pool_release_begin(p, vf, owner, when, NULL));
}

typedef struct {
        const char *name;
        const char *pool[4][2];          /* vf, how */
        const char *a_vfs[4], *b_vfs[4]; /* what A and B use (NULL: not running) */
        gboolean a_runs, b_runs, complete;
        const char *want;                /* "kind vf owner; ..." in address order */
        DomainRunState a_state;          /* unknown unless said */
        gboolean a_unread;               /* A listed without XML: VFs unknown */
} Case;

static const Case cases[] = {
        { "free VF used by a running domain is assigned",
          { { VF1, NULL } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A },
        { "own claim becomes an assignment",
          { { VF1, "c:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A },
        { "own reservation becomes an assignment (incoming arrived)",
          { { VF1, "r:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A },
        { "own assignment: nothing",
          { { VF1, "a:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "" },
        { "another domain's VF is quarantined",
          { { VF1, "a:" B } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "quarantine 0000:3b:00.2 -" },
        { "another's reservation is quarantined",
          { { VF1, "r:" B } }, { VF1 }, { NULL }, TRUE, FALSE, FALSE, "quarantine 0000:3b:00.2 -" },
        { "used while releasing: quarantined",
          { { VF1, "x:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "quarantine 0000:3b:00.2 -" },
        { "quarantined stays as it is",
          { { VF1, "q" } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "" },
        { "two running domains on one VF",
          { { VF1, NULL } }, { VF1 }, { VF1 }, TRUE, TRUE, TRUE, "quarantine 0000:3b:00.2 -" },
        { "claim of a domain not running is released",
          { { VF1, "c:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "release 0000:3b:00.2 " A },
        { "assignment of a domain not running is released",
          { { VF1, "a:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "release 0000:3b:00.2 " A },
        { "an interrupted release is finished",
          { { VF1, "x:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "release 0000:3b:00.2 " A },
        { "a claim just made (domain starting) is kept",
          { { VF1, "cn:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "" },
        { "reservations wait for their lease",
          { { VF1, "r:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "" },
        { "assignment of a running domain no longer using it is released",
          { { VF1, "a:" A }, { VF2, "a:" A } }, { VF2 }, { NULL }, TRUE, FALSE, TRUE,
          "release 0000:3b:00.2 " A },
        { "one domain (reconnect hook) releases nothing else",
          { { VF1, "a:" B }, { VF2, NULL } }, { VF2 }, { NULL }, TRUE, FALSE, FALSE,
          "assign 0000:3b:00.3 " A },
        { "mixed, address order",
          { { VF3, "c:" B }, { VF2, "a:" A }, { VF1, NULL } }, { VF2, VF1 }, { NULL },
          TRUE, FALSE, TRUE,
          "assign 0000:3b:00.2 " A "; release 0000:3b:00.4 " B },
        { "nothing running, nothing held", { { NULL } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "" },
        /* What the domain is doing (virDomainGetState). Running: as unknown. */
        { "running: own reservation assigned",
          { { VF1, "r:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A,
          DOMAIN_RUN_STATE_RUNNING },
        { "running: free VF assigned",
          { { VF1, NULL } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A,
          DOMAIN_RUN_STATE_RUNNING },
        /* Paused for an incoming migration: claims, never assignments. */
        { "incoming: own reservation becomes a claim",
          { { VF1, "r:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "claim 0000:3b:00.2 " A,
          DOMAIN_RUN_STATE_INCOMING },
        { "incoming: own claim stays a claim",
          { { VF1, "c:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "",
          DOMAIN_RUN_STATE_INCOMING },
        { "incoming: free VF claimed",
          { { VF1, NULL } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "claim 0000:3b:00.2 " A,
          DOMAIN_RUN_STATE_INCOMING },
        { "incoming: own assignment: nothing",
          { { VF1, "a:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "",
          DOMAIN_RUN_STATE_INCOMING },
        { "incoming: another domain's VF is quarantined all the same",
          { { VF1, "c:" B } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "quarantine 0000:3b:00.2 -",
          DOMAIN_RUN_STATE_INCOMING },
        { "incoming: its unused claim elsewhere released (complete list)",
          { { VF1, "r:" A }, { VF2, "c:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE,
          "claim 0000:3b:00.2 " A "; release 0000:3b:00.3 " A, DOMAIN_RUN_STATE_INCOMING },
        /* Listed without XML (libvirt holds a domain coming in): what the
         * pool holds for it stays its. */
        { "unread, incoming: its reservation claimed, its old claim kept",
          { { VF1, "r:" A }, { VF2, "c:" A } }, { NULL }, { NULL }, TRUE, FALSE, TRUE,
          "claim 0000:3b:00.2 " A, DOMAIN_RUN_STATE_INCOMING, TRUE },
        { "unread, running: its assignment and reservation kept as they are",
          { { VF1, "a:" A }, { VF2, "r:" A } }, { NULL }, { NULL }, TRUE, FALSE, TRUE, "",
          DOMAIN_RUN_STATE_RUNNING, TRUE },
        { "unread: another domain's claim is still released",
          { { VF1, "c:" A }, { VF2, "c:" B } }, { NULL }, { NULL }, TRUE, FALSE, TRUE,
          "release 0000:3b:00.3 " B, DOMAIN_RUN_STATE_INCOMING, TRUE },
        { "unread, and B runs on A's VF: quarantined all the same",
          { { VF1, "c:" A } }, { NULL }, { VF1 }, TRUE, TRUE, TRUE,
          "quarantine 0000:3b:00.2 -", DOMAIN_RUN_STATE_INCOMING, TRUE },
};

static void test_table(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                const Case *c = &cases[i];
                g_autoptr(Pool) pool = pool_new();
                g_autoptr(GPtrArray) domains = g_ptr_array_new();
                g_autoptr(GPtrArray) plan = NULL;
                g_autoptr(GString) got = g_string_new(NULL);
                g_autofree char *text_before = NULL, *text_after = NULL;
                RunningDomain da = { A, "vmA", c->a_vfs, c->a_state, c->a_unread };
                RunningDomain db = { B, NULL, c->b_vfs };

                for (int j = 0; j < 4 && c->pool[j][0]; j++)
                        if (c->pool[j][1])
                                put(pool, c->pool[j][0], c->pool[j][1]);
                if (c->a_runs)
                        g_ptr_array_add(domains, &da);
                if (c->b_runs)
                        g_ptr_array_add(domains, &db);
                text_before = pool_serialize(pool);
                plan = reconcile_domains_plan(pool, domains, c->complete, NOW, GRACE);
                text_after = pool_serialize(pool);
                /* A planner: the pool is not touched. */
                assert_string_equal(text_before, text_after);

                for (guint k = 0; k < plan->len; k++) {
                        const DomainAction *a = plan->pdata[k];
                        g_string_append_printf(got, "%s%s %s %s", k ? "; " : "",
                                               domain_action_kind_to_string(a->kind), a->address,
                                               a->owner_uuid ? a->owner_uuid : "-");
                        /* Each line names the VF. */
                        assert_non_null(strstr(a->line, a->address));
                }
                if (!g_str_equal(got->str, c->want))
                        fail_msg("%s: got '%s', want '%s'", c->name, got->str, c->want);
        }
}

/* ---- Migration records ---- */

#define NO_DOMAIN ((DomainRunState) -1)

typedef struct {
        const char *name;
        MigrationRole role;
        MigrationPhase phase;
        gint64 age;                      /* in that phase, usec */
        DomainRunState a_state;          /* NO_DOMAIN: A is not listed */
        gboolean complete;
        const char *want;                /* "" nothing, or the phase it goes to */
} MigCase;

#define IN MIGRATION_ROLE_INCOMING
#define OUT MIGRATION_ROLE_OUTGOING
#define PREP MIGRATION_PHASE_PREPARED
#define XFER MIGRATION_PHASE_TRANSFERRING
#define RUN DOMAIN_RUN_STATE_RUNNING
#define INC DOMAIN_RUN_STATE_INCOMING
#define UNK DOMAIN_RUN_STATE_UNKNOWN
#define LONG (GRACE + 1)
#define SHORT (GRACE / 2)

static const MigCase mig_cases[] = {
        /* The destination: RESUMED(MIGRATED) missed. */
        { "incoming, domain runs: completed", IN, XFER, LONG, RUN, TRUE, "completed" },
        { "incoming prepared, domain runs: completed", IN, PREP, SHORT, RUN, TRUE, "completed" },
        { "incoming, domain runs, one-domain list: completed", IN, XFER, SHORT, RUN, FALSE, "completed" },
        { "incoming, still paused for it: left", IN, XFER, LONG, INC, TRUE, "" },
        { "incoming prepared, QEMU waits for it: left", IN, PREP, LONG, INC, TRUE, "" },
        { "incoming, state unknown (hook): left", IN, XFER, LONG, UNK, FALSE, "" },
        { "incoming, state unknown, complete list: left", IN, XFER, LONG, UNK, TRUE, "" },
        /* Its domain gone. */
        { "incoming gone after the grace: failed", IN, XFER, LONG, NO_DOMAIN, TRUE, "failed" },
        { "incoming gone within the grace: left", IN, XFER, SHORT, NO_DOMAIN, TRUE, "" },
        { "incoming prepared, not arrived: left to its lease", IN, PREP, LONG, NO_DOMAIN, TRUE, "" },
        { "incoming gone, one-domain list: left", IN, XFER, LONG, NO_DOMAIN, FALSE, "" },
        /* The source. */
        { "outgoing, domain runs: left to the job watch", OUT, XFER, LONG, RUN, TRUE, "" },
        { "outgoing, domain paused for it: left", OUT, XFER, LONG, INC, TRUE, "" },
        { "outgoing, domain gone: completed", OUT, XFER, SHORT, NO_DOMAIN, TRUE, "completed" },
        { "outgoing, domain gone, one-domain list: left", OUT, XFER, LONG, NO_DOMAIN, FALSE, "" },
        /* Finished ones are history. */
        { "completed stays", IN, MIGRATION_PHASE_COMPLETED, LONG, RUN, TRUE, "" },
        { "failed stays", OUT, MIGRATION_PHASE_FAILED, LONG, NO_DOMAIN, TRUE, "" },
        { "refused stays", IN, MIGRATION_PHASE_REFUSED, LONG, NO_DOMAIN, TRUE, "" },
};

static Migration *make_migration(guint64 id, const char *uuid, MigrationRole role,
                                 MigrationPhase phase, gint64 since)
{
        Migration *m = migration_new(id, role, uuid, "vmA", since - 10);

        /* The arcs of core/migration.h up to the phase wanted. */
        if (role == MIGRATION_ROLE_INCOMING && phase != MIGRATION_PHASE_PREPARING)
                assert_true(migration_set_phase(m, phase == MIGRATION_PHASE_REFUSED
                                                ? MIGRATION_PHASE_REFUSED : MIGRATION_PHASE_PREPARED,
                                                "test", since, NULL));
        if (phase == MIGRATION_PHASE_TRANSFERRING || phase == MIGRATION_PHASE_COMPLETED ||
            phase == MIGRATION_PHASE_FAILED)
                assert_true(migration_set_phase(m, MIGRATION_PHASE_TRANSFERRING, NULL, since, NULL));
        if (phase == MIGRATION_PHASE_COMPLETED || phase == MIGRATION_PHASE_FAILED)
                assert_true(migration_set_phase(m, phase, "test", since, NULL));
        assert_int_equal(m->phase, phase);
        return m;
}

static void test_migrations_table(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(mig_cases); i++) {
                const MigCase *c = &mig_cases[i];
                g_autoptr(GPtrArray) migrations = g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
                g_autoptr(GPtrArray) domains = g_ptr_array_new();
                g_autoptr(GPtrArray) plan = NULL;
                g_autofree char *before = NULL, *after = NULL;
                const char *vfs[] = { VF1, NULL };
                /* B runs and has no record: it must never be named. */
                RunningDomain da = { A, "vmA", vfs, c->a_state }, db = { B, "vmB", NULL, RUN };
                const char *got = "";

                g_ptr_array_add(migrations, make_migration(7, A, c->role, c->phase, NOW - c->age));
                if (c->a_state != NO_DOMAIN)
                        g_ptr_array_add(domains, &da);
                g_ptr_array_add(domains, &db);
                before = migrations_serialize(migrations);
                plan = reconcile_migrations_plan(migrations, domains, c->complete, NOW, GRACE);
                after = migrations_serialize(migrations);
                /* A planner: the records are not touched. */
                assert_string_equal(before, after);
                if (plan->len > 1)
                        fail_msg("%s: %u actions for one record", c->name, plan->len);
                if (plan->len == 1) {
                        const MigrationAction *a = plan->pdata[0];

                        got = migration_phase_to_string(a->to);
                        assert_int_equal(a->id, 7);
                        /* The line names the record, its domain and the phase. */
                        assert_non_null(strstr(a->line, "migration 7"));
                        assert_non_null(strstr(a->line, A));
                        assert_non_null(strstr(a->line, got));
                        /* A failure says why; a completion has no error. */
                        if (a->to == MIGRATION_PHASE_FAILED)
                                assert_true(a->error && *a->error);
                        else
                                assert_null(a->error);
                }
                if (!g_str_equal(got, c->want))
                        fail_msg("%s: got '%s', want '%s'", c->name, got, c->want);
        }
}

/* Several records: each decided on its own, in the order given. */
static void test_migrations_several(void **state)
{
        g_autoptr(GPtrArray) migrations = g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
        g_autoptr(GPtrArray) domains = g_ptr_array_new();
        g_autoptr(GPtrArray) plan = NULL;
        RunningDomain da = { A, "vmA", NULL, RUN };
        RunningDomain dc = { "cccccccc-0000-4000-8000-000000000003", "vmC", NULL, RUN };

        /* B went away (not listed), A's outgoing attempt (A runs: left), C
         * came in (runs; its record spells the uuid in upper case). */
        g_ptr_array_add(migrations, make_migration(3, B, OUT, XFER, NOW - SHORT));
        g_ptr_array_add(migrations, make_migration(4, A, OUT, XFER, NOW));
        g_ptr_array_add(migrations, make_migration(5, "CCCCCCCC-0000-4000-8000-000000000003", IN, XFER, NOW));
        g_ptr_array_add(domains, &da);
        g_ptr_array_add(domains, &dc);
        plan = reconcile_migrations_plan(migrations, domains, TRUE, NOW, GRACE);
        assert_int_equal(plan->len, 2);
        assert_int_equal(((MigrationAction *) plan->pdata[0])->id, 3);
        assert_int_equal(((MigrationAction *) plan->pdata[0])->to, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(((MigrationAction *) plan->pdata[1])->id, 5);
        assert_int_equal(((MigrationAction *) plan->pdata[1])->to, MIGRATION_PHASE_COMPLETED);

        /* Nothing listed, nothing known: empty plans. */
        g_clear_pointer(&plan, g_ptr_array_unref);
        plan = reconcile_migrations_plan(NULL, NULL, TRUE, NOW, GRACE);
        assert_int_equal(plan->len, 0);
}

static void test_lines_name_owners(void **state)
{
        g_autoptr(Pool) pool = pool_new();
        g_autoptr(GPtrArray) domains = g_ptr_array_new();
        g_autoptr(GPtrArray) plan = NULL;
        const char *vfs[] = { VF1, NULL };
        RunningDomain da = { A, "vmA", vfs };
        const DomainAction *a;

        assert_true(pool_claim(pool, VF1, B, "vmB", OLD, NULL));
        g_ptr_array_add(domains, &da);
        plan = reconcile_domains_plan(pool, domains, TRUE, NOW, GRACE);
        assert_int_equal(plan->len, 1);
        a = plan->pdata[0];
        assert_non_null(strstr(a->line, "vmA"));
        assert_non_null(strstr(a->line, "vmB"));
        assert_non_null(strstr(a->line, "quarantined"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enum),
                cmocka_unit_test(test_run_state_enum),
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_migrations_table),
                cmocka_unit_test(test_migrations_several),
                cmocka_unit_test(test_lines_name_owners),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
