/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * vfmigctl's file I/O: bounded reads of what hooks and `check` are
 * handed, and the atomic in-place rewrite of a VDSM hook's domain XML.
 * Errors are CTL_ERROR naming the file and the reason.
 */

/*
 * Reads fd to its end, at most max bytes; more is an error (usage) and
 * nothing is returned. The text is NUL-terminated; *len excludes the NUL.
 * name is for messages ("standard input", a path).
 */
char *ctl_read_fd_capped(int fd, const char *name, gsize max, gsize *len, GError **error);
/* The same for a path ("-" is standard input). */
char *ctl_read_path_capped(const char *path, gsize max, gsize *len, GError **error);

/*
 * Replaces the file at path with data, atomically: a new file in the same
 * directory, written in full and synced, given the old file's mode, then
 * renamed over path. On any failure path is untouched and the new file
 * removed.
 */
gboolean ctl_replace_file(const char *path, const char *data, gsize len, GError **error);
