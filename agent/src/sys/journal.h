/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "core/pool.h"

/*
 * <state-dir>/pool.journal, written atomically: temp file in the same
 * directory, fsync, rename, fsync of the directory. A crash leaves the old
 * or the new file, never a mix.
 */
gboolean journal_save(const char *state_dir, const Pool *pool, GError **error);

/*
 * Loads the journal. A missing file is an empty pool. A damaged file is
 * moved aside to pool.journal.damaged-<usec> (never overwritten), *report
 * says what was wrong, and the returned pool holds what could be trusted
 * plus quarantine entries for what could not; that recovered pool is
 * saved at once, so the quarantines survive the next restart. A file that
 * cannot be read (EACCES, a directory, a symlink, over 16 MiB) is set
 * aside the same way and reported. *report is NULL when nothing was wrong.
 * Stale temp files of a crashed save are removed. Fails only on I/O
 * errors that leave the state dir unusable (VFMIG_ERROR_IO).
 */
Pool *journal_load(const char *state_dir, gint64 now_usec, char **report,
                   GError **error);
