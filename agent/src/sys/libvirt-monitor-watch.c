/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's job watch (see libvirt-monitor.h, MIGRATION_ABORTED): a
 * domain migrating away whose migration ends without it leaving sends no
 * libvirt event on the source, so its job is polled from a worker until
 * no job runs (aborted: the domain still runs here) or the domain is gone
 * (the STOPPED event tells the rest). Same threading as
 * libvirt-monitor.c: the table belongs to the main loop, each check runs
 * in a GTask worker on its own reference of the connection.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <gio/gio.h>

#include "libvirt-monitor-private.h"

/* How often the job of a domain migrating away is looked at. */
#define JOB_POLL_MS 500

typedef struct {
        LibvirtMonitor *m;              /* borrowed: the table is the monitor's */
        char *uuid;
        char *name;
        guint timer_id;
        gboolean busy;                  /* a check runs in a worker */
        guint generation;
} JobWatch;

void libvirt_monitor_job_watch_free(gpointer data)
{
        JobWatch *w = data;

        if (w->timer_id)
                g_source_remove(w->timer_id);
        g_free(w->uuid);
        g_free(w->name);
        g_free(w);
}

/* ---- job watch: a migration away that ends without the domain leaving */

typedef enum {
        JOB_RUNNING,
        JOB_ENDED_STILL_RUNNING,
        JOB_ENDED_DOMAIN_GONE,
        JOB_UNKNOWN,
} JobState;

typedef struct {
        virConnectPtr conn;
        char *uuid;
        char *name;                     /* read by the check */
        guint generation;
        JobState state;
        char *error;
} JobCheck;

static void job_check_free(gpointer data)
{
        JobCheck *c = data;

        virConnectClose(c->conn);
        g_free(c->uuid);
        g_free(c->name);
        g_free(c->error);
        g_free(c);
}

static void job_check_thread(GTask *task, gpointer source, gpointer data,
                             GCancellable *cancellable)
{
        JobCheck *c = data;
        virDomainJobInfo info = { 0 };
        virDomainPtr dom;
        int active;

        dom = virDomainLookupByUUIDString(c->conn, c->uuid);
        if (!dom) {
                c->state = virGetLastErrorCode() == VIR_ERR_NO_DOMAIN ? JOB_ENDED_DOMAIN_GONE
                                                                       : JOB_UNKNOWN;
                c->error = g_strdup(virGetLastErrorMessage());
                return;
        }
        c->name = g_strdup(virDomainGetName(dom));
        if (virDomainGetJobInfo(dom, &info) < 0) {
                /* Gone between the lookup and the query (a completed
                 * migration of a transient domain), or no longer running. */
                int code = virGetLastErrorCode();

                c->state = code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID
                                   ? JOB_ENDED_DOMAIN_GONE : JOB_UNKNOWN;
                c->error = g_strdup(virGetLastErrorMessage());
        } else if (info.type != VIR_DOMAIN_JOB_NONE) {
                c->state = JOB_RUNNING;
        } else {
                /* A successful migration stops the domain before its job
                 * ends, so no job and still active means it failed or was
                 * cancelled. */
                active = virDomainIsActive(dom);
                if (active < 0) {
                        c->state = virGetLastErrorCode() == VIR_ERR_NO_DOMAIN ? JOB_ENDED_DOMAIN_GONE
                                                                               : JOB_UNKNOWN;
                        c->error = g_strdup(virGetLastErrorMessage());
                } else {
                        c->state = active ? JOB_ENDED_STILL_RUNNING : JOB_ENDED_DOMAIN_GONE;
                }
        }
        virDomainFree(dom);
}

static gboolean on_job_timer(gpointer data);

static void job_check_done(GObject *source, GAsyncResult *result, gpointer data)
{
        LibvirtMonitor *m = data;
        JobCheck *c = g_task_get_task_data(G_TASK(result));
        JobWatch *w;

        if (!libvirt_monitor_is_current(m, c->generation))
                goto out;
        w = g_hash_table_lookup(m->watches, c->uuid);
        if (!w || w->generation != c->generation)
                goto out;
        w->busy = FALSE;
        /* A watch asked for by uuid alone learns the name here. */
        if (!w->name && c->name)
                w->name = g_strdup(c->name);
        switch (c->state) {
        case JOB_RUNNING:
                break;
        case JOB_UNKNOWN:
                g_debug("libvirt: cannot query the job of %s: %s", w->name ? w->name : w->uuid,
                        c->error);
                break;
        case JOB_ENDED_DOMAIN_GONE:
                g_hash_table_remove(m->watches, c->uuid);
                break;
        case JOB_ENDED_STILL_RUNNING: {
                g_autofree char *uuid = g_strdup(w->uuid);
                g_autofree char *name = g_strdup(w->name);

                g_message("libvirt: the migration of %s away ended and it still runs here",
                          name ? name : uuid);
                g_hash_table_remove(m->watches, uuid);
                libvirt_monitor_deliver(m, uuid, name, LIBVIRT_EVENT_MIGRATION_ABORTED);
                break;
        }
        }
out:
        libvirt_monitor_unref(m);
}

static gboolean on_job_timer(gpointer data)
{
        JobWatch *w = data;
        LibvirtMonitor *m = w->m;
        g_autoptr(GTask) task = NULL;
        JobCheck *c;

        if (w->busy || !m->conn)
                return G_SOURCE_CONTINUE;
        w->busy = TRUE;
        c = g_new0(JobCheck, 1);
        virConnectRef(m->conn);
        c->conn = m->conn;
        c->uuid = g_strdup(w->uuid);
        c->generation = w->generation;
        task = g_task_new(NULL, NULL, job_check_done, libvirt_monitor_ref(m));
        g_task_set_task_data(task, c, job_check_free);
        g_task_run_in_thread(task, job_check_thread);
        return G_SOURCE_CONTINUE;
}

void libvirt_monitor_watch_job(LibvirtMonitor *m, const char *uuid, const char *name)
{
        JobWatch *w;

        if (g_hash_table_contains(m->watches, uuid))
                return;
        w = g_new0(JobWatch, 1);
        w->m = m;
        w->uuid = g_strdup(uuid);
        w->name = g_strdup(name);
        w->generation = m->generation;
        w->timer_id = g_timeout_add(JOB_POLL_MS, on_job_timer, w);
        g_hash_table_insert(m->watches, w->uuid, w);
}

gboolean libvirt_monitor_watch_migration(LibvirtMonitor *m, const char *uuid)
{
        char canonical[VIR_UUID_STRING_BUFLEN];

        g_return_val_if_fail(m && uuid, FALSE);
        if (!libvirt_monitor_is_connected(m) || !g_uuid_string_is_valid(uuid))
                return FALSE;
        /* The table is keyed by libvirt's spelling (lower case), as the
         * events give it. */
        g_strlcpy(canonical, uuid, sizeof(canonical));
        for (char *p = canonical; *p; p++)
                *p = g_ascii_tolower(*p);
        g_debug("libvirt: watching the migration job of %s", canonical);
        libvirt_monitor_watch_job(m, canonical, NULL);
        return TRUE;
}

