/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sys/migration-store.c in a temporary state directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "sys/migration-store.h"
#include "core/vfmig-error.h"

#define UUID "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00001"

static int setup(void **state)
{
        *state = g_dir_make_tmp("vfmig-mstore-XXXXXX", NULL);
        return *state ? 0 : -1;
}

static int teardown(void **state)
{
        g_autoptr(GDir) d = g_dir_open(*state, 0, NULL);
        const char *n;

        while (d && (n = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(*state, n, NULL);
                if (g_remove(p) < 0)
                        (void) g_rmdir(p);
        }
        g_rmdir(*state);
        g_free(*state);
        return 0;
}

static guint count_aside(const char *dir)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *n;
        guint k = 0;

        while ((n = g_dir_read_name(d)))
                k += g_str_has_prefix(n, "migrations.state.damaged-");
        return k;
}

static void test_missing_is_empty(void **state)
{
        g_autofree char *report = NULL;
        g_autoptr(GPtrArray) m = migration_store_load(*state, 1, &report, NULL);

        assert_non_null(m);
        assert_int_equal(m->len, 0);
        assert_null(report);
}

static void test_round_trip(void **state)
{
        g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
        g_autoptr(GPtrArray) b = NULL;
        g_autofree char *report = NULL;
        Migration *m = migration_new(5, MIGRATION_ROLE_INCOMING, UUID, "vm1", 10);

        migration_add_device(m, "hostdev0", "0000:3b:00.2", "0000:5e:00.3");
        assert_true(migration_set_phase(m, MIGRATION_PHASE_PREPARED, NULL, 20, NULL));
        g_ptr_array_add(a, m);
        assert_true(migration_store_save(*state, a, NULL));
        /* Saved again over the old file: still one, no temp left. */
        assert_true(migration_store_save(*state, a, NULL));
        b = migration_store_load(*state, 1, &report, NULL);
        assert_null(report);
        assert_int_equal(b->len, 1);
        m = b->pdata[0];
        assert_int_equal(m->id, 5);
        assert_int_equal(m->phase, MIGRATION_PHASE_PREPARED);
        assert_int_equal(m->phase_usec[MIGRATION_PHASE_PREPARED], 20);
        assert_string_equal(((MigrationDevice *) m->devices->pdata[0])->destination_vf,
                            "0000:5e:00.3");
        assert_int_equal(count_aside(*state), 0);
}

static void test_damaged_set_aside(void **state)
{
        g_autofree char *path = g_build_filename(*state, "migrations.state", NULL);

        for (int round = 0; round < 2; round++) {
                g_autofree char *report = NULL;
                g_autoptr(GPtrArray) m = NULL;

                assert_true(g_file_set_contents(path, "[migration 1]\nrole=sideways\n", -1, NULL));
                /* The same stamp both times: the first copy is never replaced. */
                m = migration_store_load(*state, 1000, &report, NULL);
                assert_non_null(m);
                assert_int_equal(m->len, 0);
                assert_non_null(report);
                assert_non_null(strstr(report, "damaged"));
                assert_non_null(strstr(report, "migrations.state.damaged-"));
                assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
                assert_int_equal(count_aside(*state), round + 1);
        }
}

static void test_unreadable_set_aside(void **state)
{
        g_autofree char *path = g_build_filename(*state, "migrations.state", NULL);
        g_autofree char *report = NULL;
        g_autoptr(GPtrArray) m = NULL;

        assert_int_equal(g_mkdir(path, 0700), 0);
        m = migration_store_load(*state, 1, &report, NULL);
        assert_non_null(m);
        assert_non_null(report);
        assert_non_null(strstr(report, "cannot read"));
        assert_int_equal(count_aside(*state), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_missing_is_empty, setup, teardown),
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged_set_aside, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_set_aside, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
