/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libvirt monitor on its own, for test_monitor.py: it runs a
 * LibvirtMonitor on a GLib main loop and prints one line per thing the
 * monitor reports, flushed at once:
 *   connected <n-domains> <uuid>[+vfmig|-xml]:<state>...  (-xml: listed without XML)
 *   disconnected <reason>
 *   event <uuid> <name> <event>
 *   published <uuid> ok | published <uuid> error <message>
 * and reads commands on stdin:
 *   publish <uuid> <metadata element on one line>
 *   unpublish <uuid>
 *   status            (answers "status connected|disconnected")
 *   watch <uuid>      (libvirt_monitor_watch_migration; answers
 *                      "watch <uuid> ok|refused")
 * With --watch-on-connect <uuid>, the connected callback watches that
 * domain's migration job whenever it is listed as running, as vfmigd does
 * for a domain with an unfinished outgoing migration.
 * EOF on stdin ends it (the monitor is freed, as the daemon does).
 */
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>

#include "libvirt-event-glib.h"
#include "libvirt-monitor.h"

static GMainLoop *loop;
static LibvirtMonitor *monitor;
static const char *watch_on_connect;

static void out(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void out(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

/* The uuid of a domain XML, found by text: enough for a test. */
static char *xml_uuid(const char *xml)
{
        const char *b = strstr(xml, "<uuid>"), *e;

        if (!b)
                return g_strdup("?");
        b += strlen("<uuid>");
        e = strstr(b, "</uuid>");
        return e ? g_strndup(b, e - b) : g_strdup("?");
}

static void on_connected(GPtrArray *domains, gint64 listed_usec, gpointer user_data)
{
        g_autoptr(GString) line = g_string_new(NULL);
        gboolean watch = FALSE;

        g_string_printf(line, "connected %u", domains->len);
        for (guint i = 0; i < domains->len; i++) {
                const LibvirtRunningDomain *d = domains->pdata[i];
                const char *uuid = d->uuid;

                g_string_append_printf(line, " %s", uuid);
                /* The XML's uuid is the one listed. */
                if (d->xml) {
                        g_autofree char *in_xml = xml_uuid(d->xml);

                        if (g_ascii_strcasecmp(in_xml, uuid) != 0)
                                g_string_append_printf(line, "(xml says %s)", in_xml);
                }
                /* Whether the live XML carries our metadata (it survives a
                 * libvirtd restart); "-xml" when listed without XML. */
                if (!d->xml)
                        g_string_append(line, "-xml");
                else if (strstr(d->xml, "http://vfmig.org/xmlns/domain/1.0"))
                        g_string_append(line, "+vfmig");
                g_string_append_printf(line, ":%s", libvirt_domain_state_to_string(d->state));
                if (watch_on_connect && g_ascii_strcasecmp(uuid, watch_on_connect) == 0)
                        watch = TRUE;
        }
        out("%s", line->str);
        /* After the line: what the watch reports comes after it. */
        if (watch)
                out("watch %s %s", watch_on_connect,
                    libvirt_monitor_watch_migration(monitor, watch_on_connect) ? "ok" : "refused");
}

static void on_disconnected(const char *reason, gpointer user_data)
{
        out("disconnected %s", reason);
}

static void on_event(const char *uuid, const char *name, LibvirtEvent event,
                     gpointer user_data)
{
        out("event %s %s %s", uuid, name, libvirt_event_to_string(event));
}

static void on_published(const char *uuid, gboolean ok, const char *error,
                         gpointer user_data)
{
        if (ok)
                out("published %s ok", uuid);
        else
                out("published %s error %s", uuid, error);
}

static gboolean on_stdin(GIOChannel *ch, GIOCondition cond, gpointer user_data)
{
        g_autofree char *line = NULL;
        g_auto(GStrv) words = NULL;
        GIOStatus st;

        st = g_io_channel_read_line(ch, &line, NULL, NULL, NULL);
        if (st == G_IO_STATUS_AGAIN)
                return G_SOURCE_CONTINUE;
        if (st != G_IO_STATUS_NORMAL) {
                g_main_loop_quit(loop);
                return G_SOURCE_REMOVE;
        }
        g_strchomp(line);
        words = g_strsplit(line, " ", 3);
        if (!words[0])
                return G_SOURCE_CONTINUE;
        if (strcmp(words[0], "publish") == 0 && words[1] && words[2])
                libvirt_monitor_publish_metadata(monitor, words[1], words[2], on_published, NULL);
        else if (strcmp(words[0], "unpublish") == 0 && words[1])
                libvirt_monitor_publish_metadata(monitor, words[1], NULL, on_published, NULL);
        else if (strcmp(words[0], "watch") == 0 && words[1])
                out("watch %s %s", words[1],
                    libvirt_monitor_watch_migration(monitor, words[1]) ? "ok" : "refused");
        else if (strcmp(words[0], "status") == 0)
                out("status %s", libvirt_monitor_is_connected(monitor) ? "connected" : "disconnected");
        else
                out("unknown command %s", line);
        return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer user_data)
{
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
        const LibvirtMonitorCallbacks cb = {
                .domain_event = on_event,
                .connected = on_connected,
                .disconnected = on_disconnected,
        };
        GIOChannel *in;

        if (argc == 4 && strcmp(argv[2], "--watch-on-connect") == 0)
                watch_on_connect = argv[3];
        else if (argc != 2) {
                fprintf(stderr, "usage: %s URI [--watch-on-connect UUID]\n", argv[0]);
                return 2;
        }
        /* stdout is the protocol: every log line goes to stderr. */
        g_log_writer_default_set_use_stderr(TRUE);
        loop = g_main_loop_new(NULL, FALSE);
        monitor = libvirt_monitor_new(argv[1], &cb, NULL);
        in = g_io_channel_unix_new(0);
        g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
        g_unix_signal_add(SIGTERM, on_signal, NULL);
        g_main_loop_run(loop);

        libvirt_monitor_free(monitor);
        /* Let the free functions of libvirt's removed watches run. */
        while (g_main_context_iteration(NULL, FALSE))
                ;
        out("exit watches=%u", libvirt_event_glib_count());
        g_io_channel_unref(in);
        g_main_loop_unref(loop);
        return 0;
}
