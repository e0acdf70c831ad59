/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/migration.h"
#include "core/vfmig-error.h"

#define UUID "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00001"

#define CHECK_ENUM(max, invalid, to_string, from_string)                          \
        do {                                                                      \
                g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal); \
                for (int i = 0; i < (max); i++) {                                 \
                        const char *s = to_string(i);                             \
                        if (!s)                                                   \
                                fail_msg(#to_string "(%d) has no string", i);     \
                        assert_true(*s != '\0');                                  \
                        if (!g_hash_table_add(seen, (gpointer) s))                \
                                fail_msg(#to_string ": '%s' twice", s);           \
                        assert_int_equal(from_string(s), i);                      \
                }                                                                 \
                assert_null(to_string(max));                                      \
                assert_null(to_string(invalid));                                  \
                assert_null(to_string(-1));                                       \
                assert_int_equal(from_string("no-such-value"), invalid);          \
                assert_int_equal(from_string(""), invalid);                       \
                assert_int_equal(from_string(NULL), invalid);                     \
                assert_int_equal((invalid), -EINVAL);                             \
        } while (0)

static void test_enums(void **state)
{
        CHECK_ENUM(_MIGRATION_ROLE_MAX, _MIGRATION_ROLE_INVALID, migration_role_to_string,
                   migration_role_from_string);
        CHECK_ENUM(_MIGRATION_PHASE_MAX, _MIGRATION_PHASE_INVALID, migration_phase_to_string,
                   migration_phase_from_string);
        /* API strings (D-Bus Role/Phase, ListMigrations). */
        assert_string_equal(migration_role_to_string(MIGRATION_ROLE_INCOMING), "incoming");
        assert_string_equal(migration_phase_to_string(MIGRATION_PHASE_TRANSFERRING),
                            "transferring");
}

/*
 * The arcs of migration.h, written out again independently of the code's
 * table: (role, from, to) that must be accepted. Everything else must be
 * refused with INVALID_STATE and change nothing.
 */
static const struct {
        MigrationRole role;
        MigrationPhase from, to;
} allowed[] = {
        { MIGRATION_ROLE_INCOMING, MIGRATION_PHASE_PREPARING, MIGRATION_PHASE_PREPARED },
        { MIGRATION_ROLE_INCOMING, MIGRATION_PHASE_PREPARING, MIGRATION_PHASE_REFUSED },
        { MIGRATION_ROLE_INCOMING, MIGRATION_PHASE_PREPARED, MIGRATION_PHASE_TRANSFERRING },
        { MIGRATION_ROLE_INCOMING, MIGRATION_PHASE_PREPARED, MIGRATION_PHASE_FAILED },
        { MIGRATION_ROLE_INCOMING, MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_COMPLETED },
        { MIGRATION_ROLE_INCOMING, MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_FAILED },
        { MIGRATION_ROLE_OUTGOING, MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_COMPLETED },
        { MIGRATION_ROLE_OUTGOING, MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_FAILED },
};

static gboolean is_allowed(MigrationRole role, MigrationPhase from, MigrationPhase to)
{
        for (gsize i = 0; i < G_N_ELEMENTS(allowed); i++)
                if (allowed[i].role == role && allowed[i].from == from && allowed[i].to == to)
                        return TRUE;
        return FALSE;
}

static void test_every_arc(void **state)
{
        guint n_allowed = 0;

        for (int role = 0; role < _MIGRATION_ROLE_MAX; role++)
                for (int from = 0; from < _MIGRATION_PHASE_MAX; from++)
                        for (int to = 0; to < _MIGRATION_PHASE_MAX; to++) {
                                g_autoptr(Migration) m = migration_new(1, role, UUID, "vm1", 100);
                                g_autoptr(GError) error = NULL;
                                gboolean ok;

                                /* Put it in "from" directly: the walk is about the arc. */
                                m->phase = from;
                                memset(m->phase_usec, 0, sizeof(m->phase_usec));
                                ok = migration_set_phase(m, to, "why", 200, &error);
                                if (from == to) {
                                        /* Staying is a no-op: no new time. */
                                        assert_true(ok);
                                        assert_int_equal(m->phase, from);
                                        assert_int_equal(m->finished_usec, 0);
                                        assert_null(m->error);
                                        continue;
                                }
                                if (is_allowed(role, from, to)) {
                                        if (!ok)
                                                fail_msg("%s %s -> %s refused: %s",
                                                         migration_role_to_string(role),
                                                         migration_phase_to_string(from),
                                                         migration_phase_to_string(to),
                                                         error->message);
                                        n_allowed++;
                                        assert_int_equal(m->phase, to);
                                        assert_int_equal(m->phase_usec[to], 200);
                                        assert_int_equal(m->finished_usec,
                                                         migration_phase_is_final(to) ? 200 : 0);
                                        if (to == MIGRATION_PHASE_FAILED ||
                                            to == MIGRATION_PHASE_REFUSED)
                                                assert_string_equal(m->error, "why");
                                        else
                                                assert_null(m->error);
                                } else {
                                        if (ok)
                                                fail_msg("%s %s -> %s accepted",
                                                         migration_role_to_string(role),
                                                         migration_phase_to_string(from),
                                                         migration_phase_to_string(to));
                                        assert_true(g_error_matches(error, VFMIG_ERROR,
                                                                    VFMIG_ERROR_INVALID_STATE));
                                        /* Names both phases. */
                                        assert_non_null(strstr(error->message,
                                                               migration_phase_to_string(from)));
                                        assert_non_null(strstr(error->message,
                                                               migration_phase_to_string(to)));
                                        assert_int_equal(m->phase, from);
                                        assert_int_equal(m->finished_usec, 0);
                                        assert_int_equal(m->phase_usec[to], 0);
                                        assert_null(m->error);
                                }
                        }
        assert_int_equal(n_allowed, G_N_ELEMENTS(allowed));
}

static void test_final_phases_stay(void **state)
{
        for (int p = 0; p < _MIGRATION_PHASE_MAX; p++)
                for (int to = 0; to < _MIGRATION_PHASE_MAX; to++)
                        if (migration_phase_is_final(p) && p != to)
                                assert_false(is_allowed(MIGRATION_ROLE_INCOMING, p, to) ||
                                             is_allowed(MIGRATION_ROLE_OUTGOING, p, to));
        assert_true(migration_phase_is_final(MIGRATION_PHASE_COMPLETED));
        assert_true(migration_phase_is_final(MIGRATION_PHASE_FAILED));
        assert_true(migration_phase_is_final(MIGRATION_PHASE_REFUSED));
        assert_false(migration_phase_is_final(MIGRATION_PHASE_PREPARED));
        assert_false(migration_phase_is_final(MIGRATION_PHASE_TRANSFERRING));
}

static void test_new(void **state)
{
        g_autoptr(Migration) in = migration_new(3, MIGRATION_ROLE_INCOMING,
                                                "7E6C3B1E-58A8-4C4E-9A1B-1F0C0DE00001", "vm1", 42);
        g_autoptr(Migration) out = migration_new(4, MIGRATION_ROLE_OUTGOING, UUID, NULL, 43);

        assert_int_equal(in->phase, MIGRATION_PHASE_PREPARING);
        assert_string_equal(in->domain_uuid, UUID);
        assert_int_equal(in->phase_usec[MIGRATION_PHASE_PREPARING], 42);
        assert_int_equal(in->started_usec, 42);
        assert_int_equal(in->finished_usec, 0);
        /* No hook tells the source a migration starts: it is seen under way. */
        assert_int_equal(out->phase, MIGRATION_PHASE_TRANSFERRING);
        assert_string_equal(out->domain_name, "");
        migration_free(NULL);
}

static GPtrArray *sample(void)
{
        GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
        Migration *m = migration_new(7, MIGRATION_ROLE_INCOMING, UUID, "vm one\nwith = [odd] name", 1000);

        migration_add_device(m, "hostdev0", "0000:3b:00.2", "0000:5e:00.3");
        migration_add_device(m, NULL, "0000:3b:00.3", "");
        assert_true(migration_set_phase(m, MIGRATION_PHASE_PREPARED, NULL, 2000, NULL));
        g_ptr_array_add(a, m);

        m = migration_new(9, MIGRATION_ROLE_OUTGOING, UUID, "vm1", 3000);
        migration_add_device(m, "ua-net;0", "0000:3b:00.4", "");
        assert_true(migration_set_phase(m, MIGRATION_PHASE_FAILED, "aborted: the domain\nresumed", 4000, NULL));
        g_ptr_array_add(a, m);
        return a;
}

static void assert_same(const Migration *a, const Migration *b)
{
        assert_int_equal(a->id, b->id);
        assert_int_equal(a->role, b->role);
        assert_int_equal(a->phase, b->phase);
        assert_string_equal(a->domain_uuid, b->domain_uuid);
        assert_string_equal(a->domain_name, b->domain_name);
        assert_int_equal(a->started_usec, b->started_usec);
        assert_int_equal(a->finished_usec, b->finished_usec);
        for (int p = 0; p < _MIGRATION_PHASE_MAX; p++)
                assert_int_equal(a->phase_usec[p], b->phase_usec[p]);
        assert_string_equal(a->error ? a->error : "(none)", b->error ? b->error : "(none)");
        assert_int_equal(a->devices->len, b->devices->len);
        for (guint i = 0; i < a->devices->len; i++) {
                const MigrationDevice *x = a->devices->pdata[i], *y = b->devices->pdata[i];
                assert_string_equal(x->alias ? x->alias : "-", y->alias ? y->alias : "-");
                assert_string_equal(x->source_vf, y->source_vf);
                assert_string_equal(x->destination_vf, y->destination_vf);
        }
}

static void test_round_trip(void **state)
{
        g_autoptr(GPtrArray) a = sample();
        g_autofree char *text = migrations_serialize(a);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) b = migrations_parse(text, strlen(text), &error);
        g_autofree char *again = NULL;

        assert_non_null(b);
        assert_int_equal(b->len, 2);
        for (guint i = 0; i < a->len; i++)
                assert_same(a->pdata[i], b->pdata[i]);
        /* Deterministic: the same records give the same text. */
        again = migrations_serialize(b);
        assert_string_equal(text, again);

        g_autoptr(GPtrArray) empty = g_ptr_array_new();
        g_autofree char *none = migrations_serialize(empty);
        g_autoptr(GPtrArray) zero = migrations_parse(none, strlen(none), &error);
        assert_non_null(zero);
        assert_int_equal(zero->len, 0);
}

/* Damaged files under tests/data/migration/damaged/: each must be refused
 * with an error, never half-read. */
static void test_damaged(void **state)
{
        g_autofree char *dir = g_build_filename(VFMIG_TEST_DATA, "migration", "damaged", NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        guint n = 0;

        assert_non_null(d);
        while ((name = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(dir, name, NULL);
                g_autofree char *text = NULL;
                g_autoptr(GError) error = NULL;
                g_autoptr(GPtrArray) m = NULL;
                gsize len;

                assert_true(g_file_get_contents(path, &text, &len, NULL));
                m = migrations_parse(text, len, &error);
                if (m)
                        fail_msg("%s was accepted", name);
                assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
                assert_true(*error->message);
                n++;
        }
        assert_true(n >= 8);
}

static void test_good_fixture(void **state)
{
        g_autofree char *path = g_build_filename(VFMIG_TEST_DATA, "migration", "good",
                                                 "migrations.state", NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) m = NULL;
        const Migration *x;
        gsize len;

        assert_true(g_file_get_contents(path, &text, &len, NULL));
        m = migrations_parse(text, len, &error);
        if (!m)
                fail_msg("%s", error->message);
        assert_int_equal(m->len, 1);
        x = m->pdata[0];
        assert_int_equal(x->id, 12);
        assert_int_equal(x->phase, MIGRATION_PHASE_PREPARED);
        assert_int_equal(x->devices->len, 1);
        assert_string_equal(((MigrationDevice *) x->devices->pdata[0])->destination_vf,
                            "0000:5e:00.2");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enums),
                cmocka_unit_test(test_every_arc),
                cmocka_unit_test(test_final_phases_stay),
                cmocka_unit_test(test_new),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_damaged),
                cmocka_unit_test(test_good_fixture),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
