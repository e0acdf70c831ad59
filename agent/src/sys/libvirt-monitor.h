/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * The agent's connection to the local libvirt daemon, driven by the GLib
 * main loop (libvirt's event loop is implemented on GLib sources in
 * libvirt-event-glib.c). It keeps the connection alive (keepalive) and
 * reconnects with backoff (1 s doubling to 30 s) after it closes, e.g. a
 * libvirtd restart. Every call that waits for libvirtd runs in a worker
 * thread, never on the main loop: libvirtd may itself be waiting for a
 * hook that waits for the agent. Callbacks run on the main loop.
 */
typedef struct LibvirtMonitor LibvirtMonitor;

typedef enum {
        LIBVIRT_EVENT_STARTED_BOOTED,
        LIBVIRT_EVENT_STARTED_MIGRATED,
        LIBVIRT_EVENT_RESUMED_MIGRATED,
        LIBVIRT_EVENT_RESUMED_OTHER,
        LIBVIRT_EVENT_SUSPENDED_MIGRATED,
        LIBVIRT_EVENT_MIGRATION_ITERATION,
        LIBVIRT_EVENT_STOPPED_MIGRATED,
        LIBVIRT_EVENT_STOPPED_FAILED,
        LIBVIRT_EVENT_STOPPED_OTHER,
        /* Not a libvirt event: the monitor watches the job of a domain
         * migrating away (after MIGRATION_ITERATION) and reports this when
         * the job ended while the domain still runs here. */
        LIBVIRT_EVENT_MIGRATION_ABORTED,
        _LIBVIRT_EVENT_MAX,
        _LIBVIRT_EVENT_INVALID = -EINVAL,
} LibvirtEvent;

const char *libvirt_event_to_string(LibvirtEvent e);
LibvirtEvent libvirt_event_from_string(const char *s);
/* Maps a virDomainEventType and its detail; _LIBVIRT_EVENT_INVALID for
 * events vfmig does not care about. Pure, unit-tested. */
LibvirtEvent libvirt_event_from_lifecycle(int event, int detail);

typedef struct {
        /* A domain lifecycle event. MIGRATION_ITERATION comes once per
         * outgoing migration (its first iteration), not per iteration.
         * Events of a connection come after its connected callback. */
        void (*domain_event)(const char *uuid, const char *name,
                             LibvirtEvent event, gpointer user_data);
        /* Connected (first time or again): xmls are the live XML of every
         * running domain, for reconciliation. */
        void (*connected)(GPtrArray *xmls, gpointer user_data);
        void (*disconnected)(const char *reason, gpointer user_data);
} LibvirtMonitorCallbacks;

/* uri: e.g. "qemu:///system". Starts connecting at once (asynchronously). */
LibvirtMonitor *libvirt_monitor_new(const char *uri,
                                    const LibvirtMonitorCallbacks *cb,
                                    gpointer user_data);
void libvirt_monitor_free(LibvirtMonitor *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LibvirtMonitor, libvirt_monitor_free)

gboolean libvirt_monitor_is_connected(const LibvirtMonitor *m);

/*
 * Writes our metadata element into the running domain's live XML
 * (virDomainSetMetadata, VIR_DOMAIN_AFFECT_LIVE) in a worker thread;
 * metadata NULL removes it. Failures are logged naming the domain.
 * done (may be NULL) runs on the main loop with the outcome.
 */
typedef void (*LibvirtPublishDone)(const char *uuid, gboolean ok,
                                   const char *error, gpointer user_data);
void libvirt_monitor_publish_metadata(LibvirtMonitor *m, const char *uuid,
                                      const char *metadata,
                                      LibvirtPublishDone done,
                                      gpointer user_data);
