/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/vfmig-error.h"
#include "io-util.h"
#include "journal.h"

#define JOURNAL_NAME "pool.journal"
#define JOURNAL_TMP_PREFIX ".pool.journal."
#define DAMAGED_PREFIX JOURNAL_NAME ".damaged-"
/* A real journal is well under a megabyte (2048 VFs x ~200 bytes); a
 * bigger file is not ours, and reading it whole would be a hazard. */
#define JOURNAL_MAX_SIZE (16 * 1024 * 1024)

static gboolean set_io_error(GError **error, int err, const char *what,
                             const char *path)
{
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO, "Failed to %s %s: %s",
                    what, path, g_strerror(err));
        return FALSE;
}

static int fsync_dir(const char *dir)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                r = -errno;
        close(fd);
        return r;
}

gboolean journal_save(const char *state_dir, const Pool *pool, GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, JOURNAL_NAME, NULL);
        g_autofree char *tmp = g_build_filename(state_dir, JOURNAL_TMP_PREFIX "XXXXXX", NULL);
        g_autofree char *text = pool_serialize(pool);
        int fd, r;

        if (g_mkdir_with_parents(state_dir, 0700) < 0)
                return set_io_error(error, errno, "create state directory", state_dir);

        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0)
                return set_io_error(error, errno, "create a temporary file in", state_dir);

        /* Data on disk before the name points at it, and the name on disk
         * before we report success: a crash leaves the old or the new. */
        r = io_write_all(fd, text, strlen(text));
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return set_io_error(error, -r, "write journal", path);
        }
        r = fsync_dir(state_dir);
        if (r < 0)
                return set_io_error(error, -r, "sync state directory", state_dir);
        return TRUE;
}

/*
 * Moves the journal to pool.journal.damaged-<usec> without ever replacing
 * an earlier damaged copy: each one may be the only record of an owner.
 */
static gboolean set_aside(const char *state_dir, gint64 stamp, char **aside_out,
                          GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, JOURNAL_NAME, NULL);

        for (int attempt = 0; attempt < 1000; attempt++, stamp++) {
                g_autofree char *name = g_strdup_printf(DAMAGED_PREFIX "%" G_GINT64_FORMAT, stamp);
                g_autofree char *aside = g_build_filename(state_dir, name, NULL);

                /* link() refuses an existing target, unlike rename(). */
                if (link(path, aside) == 0) {
                        if (unlink(path) < 0)
                                return set_io_error(error, errno, "remove damaged journal", path);
                        (void) fsync_dir(state_dir);
                        *aside_out = g_steal_pointer(&aside);
                        return TRUE;
                }
                if (errno == EEXIST)
                        continue;
                /* Directories (and filesystems without hard links) cannot
                 * be linked; fall back to a rename after checking. */
                if (errno == EPERM || errno == EISDIR || errno == EOPNOTSUPP) {
                        if (g_file_test(aside, G_FILE_TEST_EXISTS))
                                continue;
                        if (rename(path, aside) == 0) {
                                (void) fsync_dir(state_dir);
                                *aside_out = g_steal_pointer(&aside);
                                return TRUE;
                        }
                }
                return set_io_error(error, errno, "set aside damaged journal", path);
        }
        return set_io_error(error, EEXIST, "set aside damaged journal", path);
}

/* Temp files of a save that crashed before its rename: never the journal. */
static void remove_stale_temps(const char *state_dir)
{
        g_autoptr(GDir) dir = g_dir_open(state_dir, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
                if (g_str_has_prefix(name, JOURNAL_TMP_PREFIX) &&
                    strlen(name) == strlen(JOURNAL_TMP_PREFIX "XXXXXX")) {
                        g_autofree char *p = g_build_filename(state_dir, name, NULL);
                        (void) unlink(p);
                }
        }
}

/* 0 and *text on success, -ENOENT when absent, else -errno. */
static int read_journal(const char *path, char **text, gsize *len)
{
        g_autofree char *buf = NULL;
        struct stat st;
        gsize got = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
        } else if (!S_ISREG(st.st_mode)) {
                r = -EISDIR;
        } else if (st.st_size > JOURNAL_MAX_SIZE) {
                r = -EFBIG;
        } else {
                buf = g_malloc((gsize) st.st_size + 1);
                while (got < (gsize) st.st_size) {
                        ssize_t n = read(fd, buf + got, (gsize) st.st_size - got);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                r = -errno;
                                break;
                        }
                        if (n == 0)
                                break;
                        got += (gsize) n;
                }
                buf[got] = '\0';
        }
        close(fd);
        if (r < 0)
                return r;
        *text = g_steal_pointer(&buf);
        *len = got;
        return 0;
}

Pool *journal_load(const char *state_dir, gint64 now_usec, char **report,
                   GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, JOURNAL_NAME, NULL);
        g_autofree char *text = NULL, *damage = NULL, *aside = NULL;
        g_autoptr(GPtrArray) untrusted = NULL;
        g_autoptr(GString) rep = NULL;
        g_autoptr(Pool) pool = NULL;
        gboolean damaged = FALSE;
        gsize len = 0;
        int r;

        if (report)
                *report = NULL;
        remove_stale_temps(state_dir);

        r = read_journal(path, &text, &len);
        if (r == -ENOENT || r == -ENOTDIR)
                return pool_new();
        if (r < 0) {
                /* Unreadable (EACCES, a directory, a symlink, too big, EIO):
                 * nothing can be trusted, but the file is kept for a human
                 * and out of the way of the next save. */
                damaged = TRUE;
                damage = g_strdup_printf("cannot read it: %s", g_strerror(-r));
                pool = pool_new();
                untrusted = g_ptr_array_new_with_free_func(g_free);
        } else {
                pool = pool_parse(text, len, &untrusted, &damaged, &damage);
        }
        if (!damaged)
                return g_steal_pointer(&pool);

        if (!set_aside(state_dir, now_usec, &aside, error))
                return NULL;

        rep = g_string_new(NULL);
        g_string_append_printf(rep, "Journal %s is damaged (%s); kept as %s",
                               path, damage ? damage : "unknown damage", aside);
        for (guint i = 0; i < untrusted->len; i++) {
                const char *addr = g_ptr_array_index(untrusted, i);
                g_autofree char *why = g_strdup_printf(
                        "journal record for %s could not be trusted (damaged journal kept as %s)",
                        addr, aside);
                pool_quarantine(pool, addr, why, now_usec);
        }
        if (untrusted->len > 0) {
                g_string_append(rep, "; quarantined:");
                for (guint i = 0; i < untrusted->len; i++)
                        g_string_append_printf(rep, " %s", (char *) g_ptr_array_index(untrusted, i));
        } else {
                g_string_append(rep, "; no VF could be named from it, so none was quarantined");
        }

        /* Persist what was recovered, or the quarantines are lost with the
         * next restart (the damaged file is no longer at the journal's name). */
        if (!journal_save(state_dir, pool, error))
                return NULL;
        if (report)
                *report = g_string_free(g_steal_pointer(&rep), FALSE);
        return g_steal_pointer(&pool);
}
