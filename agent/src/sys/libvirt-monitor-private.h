/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The monitor's state, shared by libvirt-monitor*.c only. It belongs to
 * the main loop; workers get their own references (see libvirt-monitor.c). */
#include <libvirt/libvirt.h>
#include <gio/gio.h>

#include "libvirt-monitor.h"

struct LibvirtMonitor {
        gint refs;                      /* atomic */
        gboolean stopped;               /* libvirt_monitor_free() was called */
        char *uri;
        LibvirtMonitorCallbacks cb;
        gpointer user_data;
        GMainContext *context;

        virConnectPtr conn;             /* NULL while not connected */
        guint generation;               /* of the connection (attempt) */
        int lifecycle_id, iteration_id; /* libvirt callback ids, or -1 */
        gboolean reported;              /* cb.connected ran for conn */
        gboolean connecting;
        gboolean closed_early;          /* closed before connect_done ran */
        guint retry_id;
        guint backoff_sec;
        guint failures;                 /* in a row, for quieter logs */
        GPtrArray *pending;             /* PendingEvent* until reported */
        GHashTable *watches;            /* uuid -> JobWatch* */
};

LibvirtMonitor *libvirt_monitor_ref(LibvirtMonitor *m);
void libvirt_monitor_unref(LibvirtMonitor *m);    /* the last one frees */

/* libvirt-monitor.c: whether generation is the current connection (and
 * the monitor not stopped); hands an event to the callback, on the main
 * loop, starting or ending job watches as it implies. */
gboolean libvirt_monitor_is_current(LibvirtMonitor *m, guint generation);
void libvirt_monitor_deliver(LibvirtMonitor *m, const char *uuid, const char *name,
                             LibvirtEvent event);

/* libvirt-monitor-watch.c: watches the job of uuid (name may be NULL: it
 * is read by the first check) unless it is watched already; the destroy
 * function of m->watches. */
void libvirt_monitor_watch_job(LibvirtMonitor *m, const char *uuid, const char *name);
void libvirt_monitor_job_watch_free(gpointer data);
