/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's libvirt connection (see libvirt-monitor.h).
 *
 * Threads: the monitor's state belongs to the main loop. Everything that
 * waits for libvirtd (open, listing domains, job queries, metadata
 * writes, close) runs in a GTask worker with its own reference on the
 * connection, and reports back on the main loop. libvirt's own callbacks
 * (lifecycle, migration iteration, connection closed) carry a Link: a
 * reference on the monitor plus the number of the connection they were
 * registered on, so that a late callback of an old connection is
 * recognised and ignored.
 *
 * The job watch (MIGRATION_ABORTED) is in libvirt-monitor-watch.c.
 *
 * Events that arrive before the connection's "connected" callback has run
 * (they are registered before the running domains are listed, so none is
 * lost) wait in a queue and follow it, in order.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <gio/gio.h>
#include <libxml/parser.h>

#include "libvirt-event-glib.h"
#include "libvirt-monitor-private.h"

#define BACKOFF_MIN_SEC 1
#define BACKOFF_MAX_SEC 30
/* Keepalive: a probe every 5 s, the connection is dead after 3 unanswered
 * ones (about 20 s), and then the close callback reconnects. */
#define KEEPALIVE_INTERVAL_SEC 5
#define KEEPALIVE_COUNT 3
/* At shutdown, wait this long for libvirtd to acknowledge the close. */
#define CLOSE_WAIT_USEC (2 * G_USEC_PER_SEC)


typedef struct {
        LibvirtMonitor *m;              /* a reference */
        guint generation;
} Link;

typedef struct {
        char *uuid;
        char *name;
        LibvirtEvent event;
} PendingEvent;

LibvirtMonitor *libvirt_monitor_ref(LibvirtMonitor *m)
{
        g_atomic_int_inc(&m->refs);
        return m;
}

void libvirt_monitor_unref(LibvirtMonitor *m)
{
        if (!m || !g_atomic_int_dec_and_test(&m->refs))
                return;
        g_free(m->uri);
        g_ptr_array_unref(m->pending);
        g_hash_table_unref(m->watches);
        g_main_context_unref(m->context);
        g_free(m);
}

static Link *link_new(LibvirtMonitor *m, guint generation)
{
        Link *l = g_new0(Link, 1);

        l->m = libvirt_monitor_ref(m);
        l->generation = generation;
        return l;
}

/* libvirt calls this from whichever thread drops the callback. */
static void link_free(void *data)
{
        Link *l = data;

        libvirt_monitor_unref(l->m);
        g_free(l);
}

static void pending_event_free(gpointer data)
{
        PendingEvent *p = data;

        g_free(p->uuid);
        g_free(p->name);
        g_free(p);
}

/* libvirt's own error printing to stderr is replaced by our messages,
 * which say what we were doing. */
static void silent_error(void *data, virErrorPtr err)
{
}

static const char *close_reason_string(int reason)
{
        switch (reason) {
        case VIR_CONNECT_CLOSE_REASON_ERROR:
                return "I/O error";
        case VIR_CONNECT_CLOSE_REASON_EOF:
                return "closed by libvirtd (stopped or restarted?)";
        case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
                return "keepalive timeout (libvirtd not answering)";
        case VIR_CONNECT_CLOSE_REASON_CLIENT:
                return "closed by the client";
        default:
                return "unknown reason";
        }
}

gboolean libvirt_monitor_is_current(LibvirtMonitor *m, guint generation)
{
        return !m->stopped && m->generation == generation;
}

/* ---- closing a connection ------------------------------------------ */

typedef struct {
        virConnectPtr conn;
        int lifecycle_id, iteration_id;
        GMutex lock;
        GCond cond;
        gboolean done;
        gint refs;
} CloseJob;

static void close_job_unref(CloseJob *c)
{
        if (!g_atomic_int_dec_and_test(&c->refs))
                return;
        g_mutex_clear(&c->lock);
        g_cond_clear(&c->cond);
        g_free(c);
}

static void on_close(virConnectPtr conn, int reason, void *opaque);

/* Drops our callbacks (each releases its Link) and the connection. On a
 * dead connection the deregistrations fail remotely but still drop the
 * local callbacks. */
static gpointer close_thread(gpointer data)
{
        CloseJob *c = data;

        if (c->lifecycle_id >= 0)
                (void) virConnectDomainEventDeregisterAny(c->conn, c->lifecycle_id);
        if (c->iteration_id >= 0)
                (void) virConnectDomainEventDeregisterAny(c->conn, c->iteration_id);
        (void) virConnectUnregisterCloseCallback(c->conn, on_close);
        (void) virConnectClose(c->conn);

        g_mutex_lock(&c->lock);
        c->done = TRUE;
        g_cond_signal(&c->cond);
        g_mutex_unlock(&c->lock);
        close_job_unref(c);
        return NULL;
}

/* Never on the main loop's thread: a libvirtd busy with a hook that waits
 * for us would answer only after we answered it. wait_usec > 0: wait that
 * long for the close (at shutdown, so that it completes), else detach. */
static void close_connection(virConnectPtr conn, int lifecycle_id, int iteration_id,
                             gint64 wait_usec)
{
        CloseJob *c = g_new0(CloseJob, 1);
        GThread *t;

        c->conn = conn;
        c->lifecycle_id = lifecycle_id;
        c->iteration_id = iteration_id;
        c->refs = 2;
        g_mutex_init(&c->lock);
        g_cond_init(&c->cond);
        t = g_thread_new("libvirt-close", close_thread, c);

        if (wait_usec > 0) {
                gint64 until = g_get_monotonic_time() + wait_usec;
                gboolean done;

                g_mutex_lock(&c->lock);
                while (!c->done && g_cond_wait_until(&c->cond, &c->lock, until))
                        ;
                done = c->done;
                g_mutex_unlock(&c->lock);
                if (done)
                        g_thread_join(t);
                else {
                        g_warning("libvirtd did not acknowledge closing the connection within %d s",
                                  (int) (wait_usec / G_USEC_PER_SEC));
                        g_thread_unref(t);
                }
        } else {
                g_thread_unref(t);
        }
        close_job_unref(c);
}

/* ---- connecting ------------------------------------------------------ */

static void schedule_connect(LibvirtMonitor *m);
static void start_connect(LibvirtMonitor *m);

static void drop_connection(LibvirtMonitor *m, gint64 wait_usec)
{
        virConnectPtr conn = m->conn;

        g_hash_table_remove_all(m->watches);
        g_ptr_array_set_size(m->pending, 0);
        m->conn = NULL;
        m->reported = FALSE;
        if (conn)
                close_connection(conn, m->lifecycle_id, m->iteration_id, wait_usec);
        m->lifecycle_id = m->iteration_id = -1;
}

static gboolean on_retry(gpointer data)
{
        LibvirtMonitor *m = data;

        m->retry_id = 0;
        start_connect(m);
        return G_SOURCE_REMOVE;
}

static void schedule_connect(LibvirtMonitor *m)
{
        if (m->stopped || m->retry_id || m->connecting)
                return;
        m->retry_id = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, m->backoff_sec,
                                                 on_retry, m, NULL);
        m->backoff_sec = MIN(m->backoff_sec * 2, BACKOFF_MAX_SEC);
}

typedef struct {
        char *uri;
        Link *link;                     /* for the callbacks' opaque */
        virConnectPtr conn;
        int lifecycle_id, iteration_id;
        GPtrArray *domains;             /* LibvirtRunningDomain* */
        gint64 listed_usec;
        char *error;
        char *warning;
} ConnectJob;

static void connect_job_free(gpointer data)
{
        ConnectJob *j = data;

        /* Only set when the result was not taken over by the monitor. */
        if (j->conn)
                close_connection(j->conn, j->lifecycle_id, j->iteration_id, 0);
        g_free(j->uri);
        if (j->link)
                link_free(j->link);
        if (j->domains)
                g_ptr_array_unref(j->domains);
        g_free(j->error);
        g_free(j->warning);
        g_free(j);
}

static void running_domain_free(gpointer data)
{
        LibvirtRunningDomain *d = data;

        g_free(d->uuid);
        g_free(d->name);
        g_free(d->xml);
        g_free(d);
}

static void on_close(virConnectPtr conn, int reason, void *opaque);
static void on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event,
                         int detail, void *opaque);
static void on_iteration(virConnectPtr conn, virDomainPtr dom, int iteration,
                         void *opaque);

static void connect_thread(GTask *task, gpointer source, gpointer data,
                           GCancellable *cancellable)
{
        ConnectJob *j = data;
        virDomainPtr *doms = NULL;
        int n;

        j->conn = virConnectOpen(j->uri);
        if (!j->conn) {
                j->error = g_strdup(virGetLastErrorMessage());
                return;
        }
        if (virConnectSetKeepAlive(j->conn, KEEPALIVE_INTERVAL_SEC, KEEPALIVE_COUNT) < 0)
                j->warning = g_strdup_printf("keepalive not enabled: %s",
                                             virGetLastErrorMessage());

        /* Callbacks first, then the list: an event between the two is
         * queued, not lost. Each callback owns a Link of its own. */
        j->lifecycle_id = virConnectDomainEventRegisterAny(
                j->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
                link_new(j->link->m, j->link->generation), link_free);
        if (j->lifecycle_id < 0) {
                j->error = g_strdup_printf("cannot register for lifecycle events: %s",
                                           virGetLastErrorMessage());
                return;
        }
        j->iteration_id = virConnectDomainEventRegisterAny(
                j->conn, NULL, VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                VIR_DOMAIN_EVENT_CALLBACK(on_iteration),
                link_new(j->link->m, j->link->generation), link_free);
        if (j->iteration_id < 0) {
                j->error = g_strdup_printf("cannot register for migration iteration events: %s",
                                           virGetLastErrorMessage());
                return;
        }
        if (virConnectRegisterCloseCallback(j->conn, on_close,
                                            link_new(j->link->m, j->link->generation),
                                            link_free) < 0) {
                j->error = g_strdup_printf("cannot register a close callback: %s",
                                           virGetLastErrorMessage());
                return;
        }

        /* A domain is listed as active from before its prepare hook runs
         * (seen on libvirt 11.3: "paused, starting up"), so a claim made
         * before this time belongs to a domain in the list. */
        j->listed_usec = g_get_real_time();
        n = virConnectListAllDomains(j->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        if (n < 0) {
                j->error = g_strdup_printf("cannot list the running domains: %s",
                                           virGetLastErrorMessage());
                return;
        }
        j->domains = g_ptr_array_new_with_free_func(running_domain_free);
        for (int i = 0; i < n; i++) {
                char uuid[VIR_UUID_STRING_BUFLEN] = "";
                int state = 0, reason = 0;
                LibvirtDomainState ds = LIBVIRT_DOMAIN_STATE_RUNNING;
                char *xml = NULL;
                gboolean ok;

                /* The state first: a domain that finishes coming in
                 * between the two reads is then taken as still coming
                 * (and completed by its RESUMED(MIGRATED) event), never
                 * the other way round. While it comes in, libvirt holds
                 * it for the migration and would answer an XML query only
                 * with a timeout (30 s): it is listed without. */
                ok = virDomainGetUUIDString(doms[i], uuid) == 0 &&
                     virDomainGetState(doms[i], &state, &reason, 0) == 0;
                if (ok)
                        ds = libvirt_domain_state_from_libvirt(state, reason);
                if (ok && ds != LIBVIRT_DOMAIN_STATE_INCOMING)
                        ok = (xml = virDomainGetXMLDesc(doms[i], 0)) != NULL;
                if (ok) {
                        LibvirtRunningDomain *d = g_new0(LibvirtRunningDomain, 1);

                        d->uuid = g_ascii_strdown(uuid, -1);
                        d->name = g_strdup(virDomainGetName(doms[i]));
                        d->xml = g_strdup(xml);
                        d->state = ds;
                        g_ptr_array_add(j->domains, d);
                } else if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN && !j->error) {
                        /* A domain that stopped meanwhile is simply not
                         * running. Any other failure fails the connection
                         * (and it is tried again): reconciling with an
                         * incomplete list would release the VFs of a
                         * domain that runs. The message first: any libvirt
                         * call (even virDomainGetName) resets it. */
                        g_autofree char *why = g_strdup(virGetLastErrorMessage());

                        j->error = g_strdup_printf("cannot read the state or live XML of %s: %s",
                                                   virDomainGetName(doms[i]), why);
                }
                free(xml);
                virDomainFree(doms[i]);
        }
        free(doms);
}

static void flush_pending(LibvirtMonitor *m)
{
        g_autoptr(GPtrArray) pending = m->pending;

        m->pending = g_ptr_array_new_with_free_func(pending_event_free);
        for (guint i = 0; i < pending->len && m->reported; i++) {
                PendingEvent *p = pending->pdata[i];

                libvirt_monitor_deliver(m, p->uuid, p->name, p->event);
        }
}

static void connect_done(GObject *source, GAsyncResult *result, gpointer data)
{
        LibvirtMonitor *m = data;
        ConnectJob *j = g_task_get_task_data(G_TASK(result));
        guint generation = j->link->generation;

        if (!libvirt_monitor_is_current(m, generation)) {
                libvirt_monitor_unref(m);
                return;         /* connect_job_free closes what was opened */
        }
        m->connecting = FALSE;
        if (m->closed_early && !j->error)
                j->error = g_strdup("the connection closed while it was being set up");
        m->closed_early = FALSE;

        if (j->error) {
                /* The agent starts before libvirtd (its hooks need us), so
                 * a first failure is normal: said once, a warning when it
                 * lasts (at the longest backoff, about twice a minute). */
                if (m->backoff_sec >= BACKOFF_MAX_SEC)
                        g_warning("Cannot connect to libvirt at %s: %s; retrying in %u s",
                                  m->uri, j->error, m->backoff_sec);
                else if (m->failures == 0)
                        g_message("Cannot connect to libvirt at %s (yet): %s; retrying in %u s",
                                  m->uri, j->error, m->backoff_sec);
                else
                        g_debug("Cannot connect to libvirt at %s: %s; retrying in %u s",
                                m->uri, j->error, m->backoff_sec);
                m->failures++;
                schedule_connect(m);
                libvirt_monitor_unref(m);
                return;
        }
        if (j->warning)
                g_warning("libvirt at %s: %s", m->uri, j->warning);

        m->conn = g_steal_pointer(&j->conn);
        m->lifecycle_id = j->lifecycle_id;
        m->iteration_id = j->iteration_id;
        m->backoff_sec = BACKOFF_MIN_SEC;
        m->failures = 0;
        m->reported = TRUE;
        g_message("Connected to libvirt at %s (%u running domains)", m->uri, j->domains->len);
        if (m->cb.connected)
                m->cb.connected(j->domains, j->listed_usec, m->user_data);
        /* The callback may have freed nothing but could have caused a
         * close; only a still-current connection gets the queued events. */
        if (libvirt_monitor_is_current(m, generation))
                flush_pending(m);
        libvirt_monitor_unref(m);
}

static void start_connect(LibvirtMonitor *m)
{
        g_autoptr(GTask) task = NULL;
        ConnectJob *j;

        if (m->stopped || m->connecting || m->conn)
                return;
        m->connecting = TRUE;
        m->generation++;
        j = g_new0(ConnectJob, 1);
        j->uri = g_strdup(m->uri);
        j->link = link_new(m, m->generation);
        j->lifecycle_id = j->iteration_id = -1;
        task = g_task_new(NULL, NULL, connect_done, libvirt_monitor_ref(m));
        g_task_set_task_data(task, j, connect_job_free);
        g_task_run_in_thread(task, connect_thread);
}

/* ---- libvirt's callbacks --------------------------------------------- */

typedef struct {
        LibvirtMonitor *m;              /* a reference of our own */
        guint generation;
        int reason;
} CloseCall;

static gboolean close_on_main(gpointer data)
{
        CloseCall *c = data;
        LibvirtMonitor *m = c->m;

        if (libvirt_monitor_is_current(m, c->generation) && m->conn) {
                const char *why = close_reason_string(c->reason);

                g_warning("The libvirt connection to %s closed: %s; reconnecting", m->uri, why);
                drop_connection(m, 0);
                m->backoff_sec = BACKOFF_MIN_SEC;
                if (m->cb.disconnected)
                        m->cb.disconnected(why, m->user_data);
                schedule_connect(m);
        } else if (libvirt_monitor_is_current(m, c->generation) && m->connecting) {
                m->closed_early = TRUE;
        }
        libvirt_monitor_unref(m);
        g_free(c);
        return G_SOURCE_REMOVE;
}

/* May run on a libvirt worker thread (the one that saw the socket die). */
static void on_close(virConnectPtr conn, int reason, void *opaque)
{
        Link *l = opaque;
        CloseCall *c = g_new0(CloseCall, 1);

        c->m = libvirt_monitor_ref(l->m);
        c->generation = l->generation;
        c->reason = reason;
        g_main_context_invoke(l->m->context, close_on_main, c);
}

typedef struct {
        LibvirtMonitor *m;
        guint generation;
        char uuid[VIR_UUID_STRING_BUFLEN];
        char *name;
        LibvirtEvent event;
} EventCall;

static gboolean event_on_main(gpointer data)
{
        EventCall *e = data;
        LibvirtMonitor *m = e->m;

        if (libvirt_monitor_is_current(m, e->generation)) {
                if (m->reported) {
                        libvirt_monitor_deliver(m, e->uuid, e->name, e->event);
                } else {
                        PendingEvent *p = g_new0(PendingEvent, 1);

                        p->uuid = g_strdup(e->uuid);
                        p->name = g_strdup(e->name);
                        p->event = e->event;
                        g_ptr_array_add(m->pending, p);
                }
        }
        libvirt_monitor_unref(m);
        g_free(e->name);
        g_free(e);
        return G_SOURCE_REMOVE;
}

/* Domain events are dispatched from a libvirt timer, i.e. on the main
 * loop; g_main_context_invoke() then calls at once, and queues in order
 * otherwise. */
static void queue_event(Link *l, virDomainPtr dom, LibvirtEvent event)
{
        EventCall *e = g_new0(EventCall, 1);

        if (virDomainGetUUIDString(dom, e->uuid) < 0) {
                g_free(e);
                return;
        }
        e->m = libvirt_monitor_ref(l->m);
        e->generation = l->generation;
        e->name = g_strdup(virDomainGetName(dom));
        e->event = event;
        g_main_context_invoke(l->m->context, event_on_main, e);
}

static void on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
                         void *opaque)
{
        LibvirtEvent e = libvirt_event_from_lifecycle(event, detail);

        g_debug("libvirt: domain %s lifecycle event %d detail %d -> %s",
                virDomainGetName(dom), event, detail,
                e >= 0 ? libvirt_event_to_string(e) : "(ignored)");
        if (e >= 0)
                queue_event(opaque, dom, e);
}

static void on_iteration(virConnectPtr conn, virDomainPtr dom, int iteration,
                         void *opaque)
{
        g_debug("libvirt: domain %s migration iteration %d", virDomainGetName(dom),
                iteration);
        queue_event(opaque, dom, LIBVIRT_EVENT_MIGRATION_ITERATION);
}

/* On the main loop, connection reported. */
void libvirt_monitor_deliver(LibvirtMonitor *m, const char *uuid, const char *name,
                             LibvirtEvent event)
{
        switch (event) {
        case LIBVIRT_EVENT_MIGRATION_ITERATION:
                /* One per migration: the first iteration starts the watch. */
                if (g_hash_table_contains(m->watches, uuid))
                        return;
                libvirt_monitor_watch_job(m, uuid, name);
                break;
        case LIBVIRT_EVENT_SUSPENDED_MIGRATED:
                libvirt_monitor_watch_job(m, uuid, name);
                break;
        case LIBVIRT_EVENT_STOPPED_MIGRATED:
        case LIBVIRT_EVENT_STOPPED_FAILED:
        case LIBVIRT_EVENT_STOPPED_OTHER:
                g_hash_table_remove(m->watches, uuid);
                break;
        default:
                break;
        }
        if (m->cb.domain_event)
                m->cb.domain_event(uuid, name, event, m->user_data);
}

/* ---- life ---------------------------------------------------------------- */

LibvirtMonitor *libvirt_monitor_new(const char *uri, const LibvirtMonitorCallbacks *cb,
                                    gpointer user_data)
{
        LibvirtMonitor *m;

        g_return_val_if_fail(uri, NULL);
        /* Once per process, before any thread uses libvirt. */
        if (virInitialize() < 0)
                g_warning("libvirt: virInitialize failed: %s", virGetLastErrorMessage());
        virSetErrorFunc(NULL, silent_error);
        /* libxml2 (metadata) is used from worker threads: initialise it
         * here, once, as it asks. */
        xmlInitParser();
        libvirt_event_glib_register(NULL);

        m = g_new0(LibvirtMonitor, 1);
        m->refs = 1;
        m->uri = g_strdup(uri);
        if (cb)
                m->cb = *cb;
        m->user_data = user_data;
        m->context = g_main_context_ref_thread_default();
        m->lifecycle_id = m->iteration_id = -1;
        m->backoff_sec = BACKOFF_MIN_SEC;
        m->pending = g_ptr_array_new_with_free_func(pending_event_free);
        m->watches = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                           libvirt_monitor_job_watch_free);
        start_connect(m);
        return m;
}

void libvirt_monitor_free(LibvirtMonitor *m)
{
        if (!m)
                return;
        m->stopped = TRUE;
        if (m->retry_id)
                g_source_remove(m->retry_id);
        m->retry_id = 0;
        drop_connection(m, CLOSE_WAIT_USEC);
        libvirt_monitor_unref(m);
}

gboolean libvirt_monitor_is_connected(const LibvirtMonitor *m)
{
        return m && m->conn && m->reported;
}
