/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "core/migration.h"

/*
 * <state-dir>/migrations.state: the migrations the agent keeps (see
 * core/migration.h for the text form), written atomically like the pool
 * journal (temp file, fsync, rename, fsync of the directory).
 */
gboolean migration_store_save(const char *state_dir, GPtrArray *migrations,
                              GError **error);

/*
 * Loads it: a missing file is no migration. A damaged or unreadable file
 * is moved aside to migrations.state.damaged-<usec> (never overwriting an
 * earlier one), *report says so, and the result is empty: losing the
 * records of migrations is not fatal, their VFs are in the pool journal.
 * Fails only when the damaged file cannot even be moved (VFMIG_ERROR_IO).
 */
GPtrArray *migration_store_load(const char *state_dir, gint64 now_usec,
                                char **report, GError **error);
