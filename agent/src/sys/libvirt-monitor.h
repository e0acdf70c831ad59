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
         * migrating away (after MIGRATION_ITERATION or SUSPENDED(MIGRATED),
         * or when asked: libvirt_monitor_watch_migration()) and reports
         * this when no job runs any more while the domain still runs here. */
        LIBVIRT_EVENT_MIGRATION_ABORTED,
        _LIBVIRT_EVENT_MAX,
        _LIBVIRT_EVENT_INVALID = -EINVAL,
} LibvirtEvent;

const char *libvirt_event_to_string(LibvirtEvent e);
LibvirtEvent libvirt_event_from_string(const char *s);
/* Maps a virDomainEventType and its detail; _LIBVIRT_EVENT_INVALID for
 * events vfmig does not care about. Pure, unit-tested. */
LibvirtEvent libvirt_event_from_lifecycle(int event, int detail);

/* What a running domain is doing, as far as vfmig cares. */
typedef enum {
        /* Runs here on its own (paused by a user or an error counts too). */
        LIBVIRT_DOMAIN_STATE_RUNNING,
        /* Paused for an incoming migration, or running in post-copy: the
         * migration that brings it here may still fail. */
        LIBVIRT_DOMAIN_STATE_INCOMING,
        _LIBVIRT_DOMAIN_STATE_MAX,
        _LIBVIRT_DOMAIN_STATE_INVALID = -EINVAL,
} LibvirtDomainState;

const char *libvirt_domain_state_to_string(LibvirtDomainState s);
LibvirtDomainState libvirt_domain_state_from_string(const char *s);
/* Maps virDomainGetState()'s state and reason (of an active domain).
 * Pure, unit-tested. */
LibvirtDomainState libvirt_domain_state_from_libvirt(int state, int reason);

/* A running domain, as the connected callback lists it. */
typedef struct {
        char *uuid;                     /* lower case */
        char *name;
        /* Its live XML; NULL while INCOMING: libvirt answers no XML query
         * while a domain's incoming migration (or its start) holds it. */
        char *xml;
        LibvirtDomainState state;
} LibvirtRunningDomain;

typedef struct {
        /* A domain lifecycle event. MIGRATION_ITERATION comes once per
         * outgoing migration (its first iteration), not per iteration.
         * Events of a connection come after its connected callback. */
        void (*domain_event)(const char *uuid, const char *name,
                             LibvirtEvent event, gpointer user_data);
        /* Connected (first time or again): every running domain
         * (LibvirtRunningDomain*, borrowed), for reconciliation, as listed
         * at listed_usec (g_get_real_time()): what a hook claimed after
         * that may belong to a domain the list could not show yet. */
        void (*connected)(GPtrArray *domains, gint64 listed_usec, gpointer user_data);
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

/*
 * Watches the migration job of a running domain as after its
 * MIGRATION_ITERATION event: MIGRATION_ABORTED is reported (once) when no
 * job runs and the domain still runs here, nothing while a job runs or
 * once the domain is gone. For an outgoing migration the agent knows of
 * but whose events it may have missed (an agent restart, a reconnect):
 * call it from the connected callback. FALSE (and nothing is watched)
 * when not connected; a second call for the same domain does nothing.
 */
gboolean libvirt_monitor_watch_migration(LibvirtMonitor *m, const char *uuid);
