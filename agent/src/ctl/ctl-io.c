/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-exit.h"

static gboolean io_error(GError **error, CtlExit code, const char *what, const char *name, int err)
{
        g_set_error(error, CTL_ERROR, code, "cannot %s %s: %s", what, name, g_strerror(err));
        return FALSE;
}

char *ctl_read_fd_capped(int fd, const char *name, gsize max, gsize *len, GError **error)
{
        g_autoptr(GByteArray) buf = g_byte_array_new();
        guint8 chunk[65536];

        for (;;) {
                ssize_t n = read(fd, chunk, sizeof(chunk));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return io_error(error, CTL_EXIT_FAILURE, "read", name, errno), NULL;
                if (n == 0)
                        break;
                /* Stop at the first byte past the limit: never buffer a flood. */
                if (buf->len + (gsize) n > max) {
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s is larger than %zu bytes: refused", name, max);
                        return NULL;
                }
                g_byte_array_append(buf, chunk, (guint) n);
        }
        *len = buf->len;
        g_byte_array_append(buf, (const guint8 *) "", 1);
        return (char *) g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

char *ctl_read_path_capped(const char *path, gsize max, gsize *len, GError **error)
{
        char *text;
        int fd;

        if (g_str_equal(path, "-"))
                return ctl_read_fd_capped(STDIN_FILENO, "standard input", max, len, error);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return io_error(error, errno == ENOENT ? CTL_EXIT_USAGE : CTL_EXIT_FAILURE,
                                "open", path, errno), NULL;
        text = ctl_read_fd_capped(fd, path, max, len, error);
        close(fd);
        return text;
}

static gboolean write_all(int fd, const char *data, gsize len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return FALSE;
                data += n;
                len -= (gsize) n;
        }
        return TRUE;
}

gboolean ctl_replace_file(const char *path, const char *data, gsize len, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.vfmig-XXXXXX", dir, base);
        struct stat st;
        int fd, err;

        if (stat(path, &st) < 0)
                return io_error(error, CTL_EXIT_FAILURE, "stat", path, errno);
        fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return io_error(error, CTL_EXIT_FAILURE, "create a file next to", path, errno);
        /* The reader (VDSM) opens the name again: keep the old file's mode. */
        if (fchmod(fd, st.st_mode & 07777) < 0 || !write_all(fd, data, len) || fsync(fd) < 0) {
                err = errno;
                close(fd);
                unlink(tmp);
                return io_error(error, CTL_EXIT_FAILURE, "write the new version of", path, err);
        }
        if (close(fd) < 0 || rename(tmp, path) < 0) {
                err = errno;
                unlink(tmp);
                return io_error(error, CTL_EXIT_FAILURE, "replace", path, err);
        }
        return TRUE;
}
