/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GLib structured logging to stderr; journald keeps the fields when it is
 * on the other end. Info is shown (it is what an admin follows), debug
 * only with --debug or G_MESSAGES_DEBUG.
 */
#include <stdio.h>
#include <unistd.h>

#include "daemon.h"

static gboolean log_debug;

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields,
                               gsize n_fields, gpointer user_data)
{
        g_autofree char *line = NULL;

        if ((level & G_LOG_LEVEL_DEBUG) && !log_debug)
                return G_LOG_WRITER_HANDLED;
        if (g_log_writer_is_journald(fileno(stderr)) &&
            g_log_writer_journald(level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
                return G_LOG_WRITER_HANDLED;

        line = g_log_writer_format_fields(level, fields, n_fields, FALSE);
        fprintf(stderr, "%s\n", line);
        fflush(stderr);
        return G_LOG_WRITER_HANDLED;
}

void daemon_log_setup(gboolean debug)
{
        log_debug = debug || g_getenv("G_MESSAGES_DEBUG");
        g_log_set_writer_func(writer, NULL, NULL);
}
