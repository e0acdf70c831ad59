/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * A file of the agent's state directory (the pool journal, the migration
 * records) that is only ever replaced whole: written to a temp file
 * ".<name>.XXXXXX" in the same directory, fsynced, renamed over <name>,
 * and the directory fsynced. A crash leaves the old or the new file, never
 * a mix. Errors are VFMIG_ERROR_IO naming the file ("Failed to write
 * <what> <path>: <why>").
 */
gboolean state_file_write(const char *state_dir, const char *name,
                          const char *what, const char *text, GError **error);

/*
 * Reads <name> whole: 0 with *text (NUL-terminated) and *len, -ENOENT or
 * -ENOTDIR when absent, -EISDIR when not a regular file, -ELOOP for a
 * symlink, -EFBIG above max bytes, else -errno.
 */
int state_file_read(const char *state_dir, const char *name, gsize max,
                    char **text, gsize *len);

/*
 * Moves a damaged <name> to <name>.damaged-<stamp> without ever replacing
 * an earlier damaged copy (each may be the only record of something):
 * the stamp counts up until a free name is found. *aside_out is its path.
 */
gboolean state_file_set_aside(const char *state_dir, const char *name,
                              const char *what, gint64 stamp, char **aside_out,
                              GError **error);

/* Temp files of a write that crashed before its rename: never <name>. */
void state_file_remove_stale_temps(const char *state_dir, const char *name);
