/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/vfmig-error.h"
#include "io-util.h"
#include "migration-store.h"

#define STORE_NAME "migrations.state"
#define STORE_TMP_PREFIX ".migrations.state."
#define DAMAGED_PREFIX STORE_NAME ".damaged-"
/* 64 finished plus the unfinished ones, a few hundred bytes each. */
#define STORE_MAX_SIZE (4 * 1024 * 1024)

static gboolean io_error(GError **error, int err, const char *what, const char *path)
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

gboolean migration_store_save(const char *state_dir, GPtrArray *migrations,
                              GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, STORE_NAME, NULL);
        g_autofree char *tmp = g_build_filename(state_dir, STORE_TMP_PREFIX "XXXXXX", NULL);
        g_autofree char *text = migrations_serialize(migrations);
        int fd, r;

        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0)
                return io_error(error, errno, "create a temporary file in", state_dir);
        /* As the journal: the data is on disk before the name points at it. */
        r = io_write_all(fd, text, strlen(text));
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return io_error(error, -r, "write", path);
        }
        r = fsync_dir(state_dir);
        if (r < 0)
                return io_error(error, -r, "sync state directory", state_dir);
        return TRUE;
}

/* Never replaces an earlier damaged copy: link() refuses existing names. */
static gboolean set_aside(const char *state_dir, gint64 stamp, char **aside_out,
                          GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, STORE_NAME, NULL);

        for (int attempt = 0; attempt < 1000; attempt++, stamp++) {
                g_autofree char *name = g_strdup_printf(DAMAGED_PREFIX "%" G_GINT64_FORMAT, stamp);
                g_autofree char *aside = g_build_filename(state_dir, name, NULL);

                if (link(path, aside) == 0) {
                        if (unlink(path) < 0)
                                return io_error(error, errno, "remove damaged", path);
                        (void) fsync_dir(state_dir);
                        *aside_out = g_steal_pointer(&aside);
                        return TRUE;
                }
                if (errno == EEXIST)
                        continue;
                if (errno == EPERM || errno == EISDIR || errno == EOPNOTSUPP) {
                        if (g_file_test(aside, G_FILE_TEST_EXISTS))
                                continue;
                        if (rename(path, aside) == 0) {
                                (void) fsync_dir(state_dir);
                                *aside_out = g_steal_pointer(&aside);
                                return TRUE;
                        }
                }
                return io_error(error, errno, "set aside damaged", path);
        }
        return io_error(error, EEXIST, "set aside damaged", path);
}

static void remove_stale_temps(const char *state_dir)
{
        g_autoptr(GDir) dir = g_dir_open(state_dir, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
                if (g_str_has_prefix(name, STORE_TMP_PREFIX) &&
                    strlen(name) == strlen(STORE_TMP_PREFIX "XXXXXX")) {
                        g_autofree char *p = g_build_filename(state_dir, name, NULL);
                        (void) unlink(p);
                }
        }
}

static int read_store(const char *path, char **text, gsize *len)
{
        g_autofree char *buf = NULL;
        struct stat st;
        gsize got = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EISDIR;
        else if (st.st_size > STORE_MAX_SIZE)
                r = -EFBIG;
        else {
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

GPtrArray *migration_store_load(const char *state_dir, gint64 now_usec,
                                char **report, GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, STORE_NAME, NULL);
        g_autofree char *text = NULL, *why = NULL, *aside = NULL;
        g_autoptr(GError) local = NULL;
        GPtrArray *migrations;
        gsize len = 0;
        int r;

        if (report)
                *report = NULL;
        remove_stale_temps(state_dir);

        r = read_store(path, &text, &len);
        if (r == -ENOENT || r == -ENOTDIR)
                return g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
        if (r == 0) {
                migrations = migrations_parse(text, len, &local);
                if (migrations)
                        return migrations;
                why = g_strdup(local->message);
        } else
                why = g_strdup_printf("cannot read it: %s", g_strerror(-r));

        if (!set_aside(state_dir, now_usec, &aside, error))
                return NULL;
        if (report)
                *report = g_strdup_printf("Migration records %s are damaged (%s); kept as %s, and the migrations they described are forgotten",
                                          path, why, aside);
        return g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
}
