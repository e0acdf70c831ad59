/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/vfmig-error.h"
#include "io-util.h"
#include "state-file.h"

#define TEMP_SUFFIX "XXXXXX"

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

static char *temp_prefix(const char *name)
{
        return g_strdup_printf(".%s.", name);
}

gboolean state_file_write(const char *state_dir, const char *name,
                          const char *what, const char *text, GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, name, NULL);
        g_autofree char *prefix = temp_prefix(name);
        g_autofree char *tmp_name = g_strconcat(prefix, TEMP_SUFFIX, NULL);
        g_autofree char *tmp = g_build_filename(state_dir, tmp_name, NULL);
        g_autofree char *failed = g_strdup_printf("write %s", what);
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
                return set_io_error(error, -r, failed, path);
        }
        r = fsync_dir(state_dir);
        if (r < 0)
                return set_io_error(error, -r, "sync state directory", state_dir);
        return TRUE;
}

int state_file_read(const char *state_dir, const char *name, gsize max,
                    char **text, gsize *len)
{
        g_autofree char *path = g_build_filename(state_dir, name, NULL);
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
        } else if ((gsize) st.st_size > max) {
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

gboolean state_file_set_aside(const char *state_dir, const char *name,
                              const char *what, gint64 stamp, char **aside_out,
                              GError **error)
{
        g_autofree char *path = g_build_filename(state_dir, name, NULL);
        g_autofree char *remove_what = g_strdup_printf("remove damaged %s", what);
        g_autofree char *aside_what = g_strdup_printf("set aside damaged %s", what);

        for (int attempt = 0; attempt < 1000; attempt++, stamp++) {
                g_autofree char *aside_name = g_strdup_printf("%s.damaged-%" G_GINT64_FORMAT,
                                                              name, stamp);
                g_autofree char *aside = g_build_filename(state_dir, aside_name, NULL);

                /* link() refuses an existing target, unlike rename(). */
                if (link(path, aside) == 0) {
                        if (unlink(path) < 0)
                                return set_io_error(error, errno, remove_what, path);
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
                return set_io_error(error, errno, aside_what, path);
        }
        return set_io_error(error, EEXIST, aside_what, path);
}

void state_file_remove_stale_temps(const char *state_dir, const char *name)
{
        g_autoptr(GDir) dir = g_dir_open(state_dir, 0, NULL);
        g_autofree char *prefix = temp_prefix(name);
        gsize want = strlen(prefix) + strlen(TEMP_SUFFIX);
        const char *entry;

        while (dir && (entry = g_dir_read_name(dir))) {
                if (g_str_has_prefix(entry, prefix) && strlen(entry) == want) {
                        g_autofree char *p = g_build_filename(state_dir, entry, NULL);

                        (void) unlink(p);
                }
        }
}
