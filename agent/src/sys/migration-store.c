/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "migration-store.h"
#include "state-file.h"

#define STORE_NAME "migrations.state"
/* 64 finished plus the unfinished ones, a few hundred bytes each. */
#define STORE_MAX_SIZE (4 * 1024 * 1024)

gboolean migration_store_save(const char *state_dir, GPtrArray *migrations,
                              GError **error)
{
        g_autofree char *text = migrations_serialize(migrations);

        return state_file_write(state_dir, STORE_NAME, "migration records", text, error);
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
        state_file_remove_stale_temps(state_dir, STORE_NAME);

        r = state_file_read(state_dir, STORE_NAME, STORE_MAX_SIZE, &text, &len);
        if (r == -ENOENT || r == -ENOTDIR)
                return g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
        if (r == 0) {
                migrations = migrations_parse(text, len, &local);
                if (migrations)
                        return migrations;
                why = g_strdup(local->message);
        } else
                why = g_strdup_printf("cannot read it: %s", g_strerror(-r));

        if (!state_file_set_aside(state_dir, STORE_NAME, "migration records", now_usec,
                                  &aside, error))
                return NULL;
        if (report)
                *report = g_strdup_printf("Migration records %s are damaged (%s); kept as %s, and the migrations they described are forgotten",
                                          path, why, aside);
        return g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
}
