/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/vfmig-error.h"
#include "sys/journal.h"

#define UUID_A "6f3c1a52-8d7e-4f0b-9a61-0c2d3e4f5a6b"
#define UUID_B "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00"
#define T0 G_GINT64_CONSTANT(1700000000000000)

static int setup_dir(void **state)
{
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("vfmig-journal-XXXXXX", &error);

        assert_non_null(dir);
        *state = dir;
        return 0;
}

static void rm_rf(const char *path)
{
        GDir *d = g_dir_open(path, 0, NULL);
        const char *n;

        if (d) {
                while ((n = g_dir_read_name(d))) {
                        g_autofree char *p = g_build_filename(path, n, NULL);
                        rm_rf(p);
                }
                g_dir_close(d);
                (void) g_rmdir(path);
        } else {
                (void) g_unlink(path);
        }
}

static int teardown_dir(void **state)
{
        rm_rf(*state);
        g_free(*state);
        return 0;
}

static Pool *sample_pool(void)
{
        Pool *p = pool_new();

        assert_true(pool_claim(p, "0000:3b:01.0", UUID_A, "vm a", T0, NULL));
        assert_true(pool_reserve(p, "0000:3b:01.1", UUID_B, "vm-b", T0 + 99, T0, NULL));
        pool_quarantine(p, "0000:3b:01.2", "vanished", T0);
        return p;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted names in dir, joined with spaces. */
static char *list_dir(const char *dir)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *n;

        assert_non_null(d);
        while ((n = g_dir_read_name(d)))
                g_ptr_array_add(names, g_strdup(n));
        g_ptr_array_sort(names, cmp_names);
        g_ptr_array_add(names, NULL);
        return g_strjoinv(" ", (char **) names->pdata);
}

static char *read_file(const char *dir, const char *name)
{
        g_autofree char *p = g_build_filename(dir, name, NULL);
        char *text = NULL;

        assert_true(g_file_get_contents(p, &text, NULL, NULL));
        return text;
}

static void write_file(const char *dir, const char *name, const char *text)
{
        g_autofree char *p = g_build_filename(dir, name, NULL);

        assert_true(g_file_set_contents(p, text, -1, NULL));
}

static void test_missing_is_empty(void **state)
{
        const char *dir = *state;
        g_autoptr(GError) error = NULL;
        static char sentinel[] = "stale";
        char *report = sentinel;
        g_autoptr(Pool) p = journal_load(dir, T0, &report, &error);
        g_autoptr(GPtrArray) e = NULL;
        g_autofree char *ls = list_dir(dir);

        assert_non_null(p);
        assert_null(report);
        e = pool_entries(p);
        assert_int_equal(e->len, 0);
        assert_string_equal(ls, "");              /* loading creates nothing */
}

static void test_round_trip(void **state)
{
        const char *dir = *state;
        g_autoptr(Pool) p = sample_pool();
        g_autoptr(Pool) q = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *report = NULL, *ls = NULL, *a = NULL, *b = NULL, *path = NULL;
        GStatBuf st;

        assert_true(journal_save(dir, p, &error));
        ls = list_dir(dir);
        assert_string_equal(ls, "pool.journal");  /* no temp file left */
        path = g_build_filename(dir, "pool.journal", NULL);
        assert_int_equal(g_stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        q = journal_load(dir, T0 + 5, &report, &error);
        assert_non_null(q);
        assert_null(report);
        a = pool_serialize(p);
        b = pool_serialize(q);
        assert_string_equal(a, b);

        /* Saving again replaces it, still without leftovers. */
        assert_true(pool_release_begin(q, "0000:3b:01.0", NULL, T0 + 6, NULL));
        assert_true(pool_release_finish(q, "0000:3b:01.0", NULL));
        assert_true(journal_save(dir, q, &error));
        g_free(ls);
        ls = list_dir(dir);
        assert_string_equal(ls, "pool.journal");
        g_clear_pointer(&q, pool_free);
        q = journal_load(dir, T0 + 7, NULL, &error);
        assert_int_equal(pool_state(q, "0000:3b:01.0"), VF_STATE_FREE);
        assert_int_equal(pool_state(q, "0000:3b:01.1"), VF_STATE_RESERVED);
}

static void test_damaged_set_aside(void **state)
{
        const char *dir = *state;
        g_autoptr(Pool) p = sample_pool();
        g_autoptr(Pool) q = NULL, again = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL, *report = NULL, *report2 = NULL, *aside = NULL,
                        *ls = NULL, *aside_name = NULL, *rewritten = NULL;
        const PoolEntry *e;

        assert_true(journal_save(dir, p, &error));
        text = read_file(dir, "pool.journal");
        /* Damage the claimed VF's record: vm a -> vm b in its name. */
        *(strstr(text, "owner-name=vm") + strlen("owner-name=vm") + 3) = 'b';
        write_file(dir, "pool.journal", text);

        q = journal_load(dir, T0 + 1000, &report, &error);
        assert_non_null(q);
        assert_non_null(report);
        aside_name = g_strdup_printf("pool.journal.damaged-%" G_GINT64_FORMAT, T0 + 1000);
        assert_non_null(strstr(report, "checksum"));
        assert_non_null(strstr(report, aside_name));
        assert_non_null(strstr(report, "0000:3b:01.0"));

        /* The damaged VF is quarantined with a reason; the rest is kept. */
        e = pool_lookup(q, "0000:3b:01.0");
        assert_non_null(e);
        assert_int_equal(e->state, VF_STATE_QUARANTINED);
        assert_non_null(strstr(e->reason, "could not be trusted"));
        assert_int_equal(pool_state(q, "0000:3b:01.1"), VF_STATE_RESERVED);

        /* The damaged bytes are kept exactly; a clean journal replaces it. */
        aside = read_file(dir, aside_name);
        assert_string_equal(aside, text);
        ls = list_dir(dir);
        {
                g_autofree char *want = g_strdup_printf("pool.journal %s", aside_name);
                assert_string_equal(ls, want);
        }
        rewritten = read_file(dir, "pool.journal");
        assert_string_not_equal(rewritten, text);

        /* Next start: clean, and the quarantine survived. */
        again = journal_load(dir, T0 + 2000, &report2, &error);
        assert_null(report2);
        assert_int_equal(pool_state(again, "0000:3b:01.0"), VF_STATE_QUARANTINED);
}

static void test_aside_never_overwritten(void **state)
{
        const char *dir = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *report = NULL, *old = NULL, *newer = NULL, *ls = NULL;
        g_autofree char *first = g_strdup_printf("pool.journal.damaged-%" G_GINT64_FORMAT, T0);
        g_autofree char *second = g_strdup_printf("pool.journal.damaged-%" G_GINT64_FORMAT, T0 + 1);
        g_autoptr(Pool) q = NULL;

        write_file(dir, first, "an earlier damaged journal\n");
        write_file(dir, "pool.journal", "garbage naming 0000:3b:01.4\n");
        q = journal_load(dir, T0, &report, &error);
        assert_non_null(q);
        assert_non_null(strstr(report, second));
        old = read_file(dir, first);
        assert_string_equal(old, "an earlier damaged journal\n");
        newer = read_file(dir, second);
        assert_string_equal(newer, "garbage naming 0000:3b:01.4\n");
        assert_int_equal(pool_state(q, "0000:3b:01.4"), VF_STATE_QUARANTINED);
        ls = list_dir(dir);
        {
                g_autofree char *want = g_strdup_printf("pool.journal %s %s", first, second);
                assert_string_equal(ls, want);
        }
}

/* Runs the unreadable-file check; returns 0 on success, else a line number. */
static int check_unreadable(const char *dir, const char *content)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *report = NULL, *aside_name = NULL;
        g_autoptr(Pool) q = journal_load(dir, T0, &report, &error);
        g_autoptr(GPtrArray) e = NULL;

        if (!q)
                return __LINE__;
        if (!report || !strstr(report, "Permission denied") || !strstr(report, "kept as"))
                return __LINE__;
        e = pool_entries(q);
        if (e->len != 0)
                return __LINE__;
        aside_name = g_strdup_printf("%s/pool.journal.damaged-%" G_GINT64_FORMAT, dir, T0);
        if (!g_file_test(aside_name, G_FILE_TEST_EXISTS))
                return __LINE__;
        /* A fresh, readable journal now stands at the name. */
        {
                g_autofree char *path = g_build_filename(dir, "pool.journal", NULL);
                g_autofree char *text = NULL;
                if (!g_file_get_contents(path, &text, NULL, NULL) ||
                    !g_str_has_prefix(text, "vfmig-pool-journal 1\n"))
                        return __LINE__;
        }
        (void) content;
        return 0;
}

static void test_unreadable(void **state)
{
        const char *dir = *state;
        static const char content[] = "vfmig-pool-journal 1\nend 0\n";
        g_autofree char *path = g_build_filename(dir, "pool.journal", NULL);
        g_autofree char *aside = NULL, *aside_text = NULL;
        int line;

        write_file(dir, "pool.journal", content);
        assert_int_equal(chmod(path, 0), 0);

        if (geteuid() != 0) {
                line = check_unreadable(dir, content);
        } else {
                /* root reads anything: check as nobody, in a child. */
                pid_t pid;
                int status;

                assert_int_equal(chmod(dir, 0777), 0);
                pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        if (setgid(65534) < 0 || setuid(65534) < 0)
                                _exit(200);
                        _exit(check_unreadable(dir, content) ? 1 : 0);
                }
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status));
                if (WEXITSTATUS(status) == 200)
                        skip();
                line = WEXITSTATUS(status);
        }
        if (line)
                fail_msg("check_unreadable failed (%d)", line);
        /* Kept byte for byte. */
        aside = g_strdup_printf("pool.journal.damaged-%" G_GINT64_FORMAT, T0);
        {
                g_autofree char *p = g_build_filename(dir, aside, NULL);
                assert_int_equal(chmod(p, 0600), 0);
        }
        aside_text = read_file(dir, aside);
        assert_string_equal(aside_text, content);
}

static void test_journal_is_directory(void **state)
{
        const char *dir = *state;
        g_autofree char *path = g_build_filename(dir, "pool.journal", NULL);
        g_autofree char *report = NULL, *ls = NULL, *want = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(Pool) q = NULL;

        assert_int_equal(g_mkdir(path, 0700), 0);
        q = journal_load(dir, T0, &report, &error);
        assert_non_null(q);
        assert_non_null(report);
        ls = list_dir(dir);
        want = g_strdup_printf("pool.journal pool.journal.damaged-%" G_GINT64_FORMAT, T0);
        assert_string_equal(ls, want);
        assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

static void test_stale_temp_removed(void **state)
{
        const char *dir = *state;
        g_autoptr(Pool) p = sample_pool();
        g_autoptr(Pool) q = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *ls = NULL;

        assert_true(journal_save(dir, p, &error));
        /* A save that crashed before its rename; and an unrelated file. */
        write_file(dir, ".pool.journal.Ab12Cd", "vfmig-pool-journal 1\nvf half");
        write_file(dir, "notes.txt", "mine");
        q = journal_load(dir, T0, NULL, &error);
        assert_non_null(q);
        ls = list_dir(dir);
        assert_string_equal(ls, "notes.txt pool.journal");
        assert_int_equal(pool_state(q, "0000:3b:01.0"), VF_STATE_CLAIMED);
}

static void test_save_error(void **state)
{
        const char *dir = *state;
        g_autofree char *file = g_build_filename(dir, "a-file", NULL);
        g_autofree char *below = g_build_filename(file, "state", NULL);
        g_autoptr(Pool) p = sample_pool();
        g_autoptr(GError) error = NULL;

        write_file(dir, "a-file", "x");
        assert_false(journal_save(below, p, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_IO));
        assert_non_null(strstr(error->message, below));
}

static void test_save_creates_dir(void **state)
{
        const char *dir = *state;
        g_autofree char *sub = g_build_filename(dir, "lib", "vfmig", NULL);
        g_autoptr(Pool) p = sample_pool();
        g_autoptr(GError) error = NULL;
        g_autoptr(Pool) q = NULL;

        assert_true(journal_save(sub, p, &error));
        q = journal_load(sub, T0, NULL, &error);
        assert_int_equal(pool_state(q, "0000:3b:01.2"), VF_STATE_QUARANTINED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)

int main(void)
{
        const struct CMUnitTest tests[] = {
                T(test_missing_is_empty),
                T(test_round_trip),
                T(test_damaged_set_aside),
                T(test_aside_never_overwritten),
                T(test_unreadable),
                T(test_journal_is_directory),
                T(test_stale_temp_removed),
                T(test_save_error),
                T(test_save_creates_dir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
