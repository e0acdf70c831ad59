/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "journal.h"
#include "state-file.h"

#define JOURNAL_NAME "pool.journal"
/* A real journal is well under a megabyte (2048 VFs x ~200 bytes); a
 * bigger file is not ours, and reading it whole would be a hazard. */
#define JOURNAL_MAX_SIZE (16 * 1024 * 1024)

gboolean journal_save(const char *state_dir, const Pool *pool, GError **error)
{
        g_autofree char *text = pool_serialize(pool);

        return state_file_write(state_dir, JOURNAL_NAME, "journal", text, error);
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
        state_file_remove_stale_temps(state_dir, JOURNAL_NAME);

        r = state_file_read(state_dir, JOURNAL_NAME, JOURNAL_MAX_SIZE, &text, &len);
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

        if (!state_file_set_aside(state_dir, JOURNAL_NAME, "journal", now_usec, &aside, error))
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
