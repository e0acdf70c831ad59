/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfmigd's use of the libvirt monitor: lifecycle events drive the agent's
 * domain operations, profiles are published into the live domain XML on
 * start and after an incoming migration, and every (re)connection
 * reconciles the pool with the domains libvirt runs. A libvirtd that is
 * not there only delays this: the monitor keeps retrying.
 */
#include <string.h>

#include "agent-domain.h"
#include "core/domxml.h"
#include "daemon.h"
#include "sys/libvirt-monitor.h"

struct DaemonLibvirt {
        Agent *agent;
        LibvirtMonitor *monitor;
        DaemonLibvirtFunc changed;
        gpointer user_data;
};

static AgentDomainEvent agent_event(LibvirtEvent e)
{
        /* No default: a new LibvirtEvent must be mapped here (-Wswitch). */
        switch (e) {
        case LIBVIRT_EVENT_STARTED_BOOTED:
                return AGENT_DOMAIN_STARTED_BOOTED;
        case LIBVIRT_EVENT_STARTED_MIGRATED:
                return AGENT_DOMAIN_STARTED_MIGRATED;
        case LIBVIRT_EVENT_RESUMED_MIGRATED:
                return AGENT_DOMAIN_RESUMED_MIGRATED;
        case LIBVIRT_EVENT_RESUMED_OTHER:
                return AGENT_DOMAIN_RESUMED_OTHER;
        case LIBVIRT_EVENT_SUSPENDED_MIGRATED:
                return AGENT_DOMAIN_SUSPENDED_MIGRATED;
        case LIBVIRT_EVENT_MIGRATION_ITERATION:
                return AGENT_DOMAIN_MIGRATION_ITERATION;
        case LIBVIRT_EVENT_STOPPED_MIGRATED:
                return AGENT_DOMAIN_STOPPED_MIGRATED;
        case LIBVIRT_EVENT_STOPPED_FAILED:
                return AGENT_DOMAIN_STOPPED_FAILED;
        case LIBVIRT_EVENT_STOPPED_OTHER:
                return AGENT_DOMAIN_STOPPED_OTHER;
        case LIBVIRT_EVENT_MIGRATION_ABORTED:
                return AGENT_DOMAIN_MIGRATION_ABORTED;
        case _LIBVIRT_EVENT_MAX:
        case _LIBVIRT_EVENT_INVALID:
                break;
        }
        return _AGENT_DOMAIN_EVENT_INVALID;
}

static void publish(DaemonLibvirt *dl, const char *uuid, const char *why)
{
        g_autofree char *metadata = agent_metadata_to_publish(dl->agent, uuid);

        if (!metadata)
                return;         /* no managed VF here: nothing to say */
        g_debug("Publishing the vfmig metadata of domain %s (%s)", uuid, why);
        libvirt_monitor_publish_metadata(dl->monitor, uuid, metadata, NULL, NULL);
}

static void on_domain_event(const char *uuid, const char *name, LibvirtEvent event,
                            gpointer user_data)
{
        DaemonLibvirt *dl = user_data;
        AgentDomainEvent ae = agent_event(event);

        if (ae < 0)
                return;
        g_debug("libvirt: domain %s (%s): %s", name, uuid, libvirt_event_to_string(event));
        agent_domain_event(dl->agent, uuid, name, ae);

        /* After the agent has acted, so that what is published is what it
         * now holds: on a boot the claimed VFs; after an incoming migration
         * the local VFs, replacing the metadata that came with the domain
         * and named the source's. Never from a hook: libvirt would wait
         * for the hook that waits for us. */
        if (event == LIBVIRT_EVENT_STARTED_BOOTED)
                publish(dl, uuid, "started");
        else if (event == LIBVIRT_EVENT_RESUMED_MIGRATED)
                publish(dl, uuid, "migrated in");
}

/* Whether the live XML's metadata already names the devices we would
 * publish (same aliases and addresses, in order). */
static gboolean metadata_current(const Domxml *d, const char *wanted)
{
        const GPtrArray *have = domxml_get_meta_devices(d);
        g_autoptr(GPtrArray) want = domxml_parse_metadata(wanted, strlen(wanted), NULL);

        if (!want || want->len != have->len)
                return FALSE;
        for (guint i = 0; i < want->len; i++) {
                const DomxmlMetaDevice *a = have->pdata[i], *b = want->pdata[i];

                if (g_strcmp0(a->alias, b->alias) != 0 || strcmp(a->address, b->address) != 0)
                        return FALSE;
        }
        return TRUE;
}

/* A domain may have started while we were not connected (the agent is
 * bus-activated by the first hook call, before the monitor connects), or
 * finished migrating in while libvirtd or the agent restarted: publish
 * what is missing or stale. */
static void publish_missing(DaemonLibvirt *dl, GPtrArray *domains)
{
        for (guint i = 0; i < domains->len; i++) {
                const LibvirtRunningDomain *ld = domains->pdata[i];
                const char *xml = ld->xml;
                g_autoptr(GError) error = NULL;
                g_autoptr(Domxml) d = NULL;
                g_autofree char *wanted = NULL;

                /* Still coming in: RESUMED(MIGRATED) publishes. */
                if (!xml || ld->state == LIBVIRT_DOMAIN_STATE_INCOMING)
                        continue;
                d = domxml_parse(xml, strlen(xml), &error);
                if (!d) {
                        g_warning("libvirt: cannot read a running domain's XML: %s",
                                  error->message);
                        continue;
                }
                wanted = agent_metadata_to_publish(dl->agent, domxml_get_uuid(d));
                if (wanted && !metadata_current(d, wanted))
                        libvirt_monitor_publish_metadata(dl->monitor, domxml_get_uuid(d),
                                                         wanted, NULL, NULL);
        }
}

static DomainRunState run_state(LibvirtDomainState s)
{
        /* No default: a new LibvirtDomainState must be mapped (-Wswitch). */
        switch (s) {
        case LIBVIRT_DOMAIN_STATE_RUNNING:
                return DOMAIN_RUN_STATE_RUNNING;
        case LIBVIRT_DOMAIN_STATE_INCOMING:
                return DOMAIN_RUN_STATE_INCOMING;
        case _LIBVIRT_DOMAIN_STATE_MAX:
        case _LIBVIRT_DOMAIN_STATE_INVALID:
                break;
        }
        return DOMAIN_RUN_STATE_UNKNOWN;
}

/* Outgoing migrations still unfinished after reconciliation belong to
 * domains that run here (the others were settled): their events may have
 * been missed while we were away, so the monitor watches their jobs, and
 * reports an abort that happened meanwhile at once. */
static void watch_outgoing(DaemonLibvirt *dl)
{
        const GPtrArray *all = agent_get_migrations(dl->agent);

        for (guint i = 0; i < all->len; i++) {
                const Migration *m = all->pdata[i];

                if (m->role != MIGRATION_ROLE_OUTGOING || migration_phase_is_final(m->phase))
                        continue;
                g_message("Watching the job of %s (%s): its migration %" G_GUINT64_FORMAT
                          " away is not known to have ended", m->domain_name, m->domain_uuid,
                          m->id);
                libvirt_monitor_watch_migration(dl->monitor, m->domain_uuid);
        }
}

static void on_connected(GPtrArray *domains, gint64 listed_usec, gpointer user_data)
{
        DaemonLibvirt *dl = user_data;
        g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;

        for (guint i = 0; i < domains->len; i++) {
                const LibvirtRunningDomain *ld = domains->pdata[i];
                AgentRunningDomain *d = g_new0(AgentRunningDomain, 1);

                d->xml = ld->xml;
                d->state = run_state(ld->state);
                d->uuid = ld->uuid;
                d->name = ld->name;
                g_ptr_array_add(list, d);
        }
        if (!agent_reconcile_domains(dl->agent, list, listed_usec, &changes, &error))
                g_warning("Reconciliation with the %u domains libvirt runs failed: %s",
                          domains->len, error->message);
        else if (!changes || changes->len == 0)
                g_message("Reconciled with the %u domains libvirt runs: nothing to change",
                          domains->len);
        for (guint i = 0; changes && i < changes->len; i++)
                g_message("Reconciled with libvirt: %s", (const char *) changes->pdata[i]);
        watch_outgoing(dl);
        publish_missing(dl, domains);
        if (dl->changed)
                dl->changed(TRUE, dl->user_data);
}

static void on_disconnected(const char *reason, gpointer user_data)
{
        DaemonLibvirt *dl = user_data;

        if (dl->changed)
                dl->changed(FALSE, dl->user_data);
}

DaemonLibvirt *daemon_libvirt_new(Agent *agent, const char *uri, DaemonLibvirtFunc changed,
                                  gpointer user_data)
{
        static const LibvirtMonitorCallbacks cb = {
                .domain_event = on_domain_event,
                .connected = on_connected,
                .disconnected = on_disconnected,
        };
        DaemonLibvirt *dl = g_new0(DaemonLibvirt, 1);

        dl->agent = agent;
        dl->changed = changed;
        dl->user_data = user_data;
        g_message("Connecting to libvirt at %s", uri);
        dl->monitor = libvirt_monitor_new(uri, &cb, dl);
        return dl;
}

void daemon_libvirt_free(DaemonLibvirt *dl)
{
        if (!dl)
                return;
        libvirt_monitor_free(dl->monitor);
        g_free(dl);
}

gboolean daemon_libvirt_is_connected(const DaemonLibvirt *dl)
{
        return dl && libvirt_monitor_is_connected(dl->monitor);
}
