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
static void publish_missing(DaemonLibvirt *dl, GPtrArray *xmls)
{
        for (guint i = 0; i < xmls->len; i++) {
                const char *xml = xmls->pdata[i];
                g_autoptr(GError) error = NULL;
                g_autoptr(Domxml) d = domxml_parse(xml, strlen(xml), &error);
                g_autofree char *wanted = NULL;

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

static void on_connected(GPtrArray *xmls, gpointer user_data)
{
        DaemonLibvirt *dl = user_data;
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;

        if (!agent_reconcile_domains(dl->agent, xmls, &changes, &error))
                g_warning("Reconciliation with the %u domains libvirt runs failed: %s",
                          xmls->len, error->message);
        else if (!changes || changes->len == 0)
                g_message("Reconciled with the %u domains libvirt runs: nothing to change",
                          xmls->len);
        for (guint i = 0; changes && i < changes->len; i++)
                g_message("Reconciled with libvirt: %s", (const char *) changes->pdata[i]);
        publish_missing(dl, xmls);
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
