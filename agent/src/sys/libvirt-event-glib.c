/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's virEventRegisterImpl() on GLib sources. Every watch and timer
 * is an entry in one table, under one lock, keyed by the id libvirt uses;
 * its GSource carries only that id. Dispatch looks the entry up under the
 * lock, copies the callback and calls it unlocked, so a concurrent
 * remove from another thread never leaves a dangling pointer: once the
 * entry is gone, no new dispatch can find it. The free function of a
 * removed entry runs from an idle source on the same context, i.e. after
 * any dispatch in progress there has returned, and never while libvirt
 * is still inside the remove call.
 *
 * Updates replace the GSource (destroy, then create with the new events
 * or period): libvirt changes a watch's events often but a source per
 * change is cheap, and it keeps every source immutable after attach.
 */
#include <glib-unix.h>
#include <libvirt/libvirt.h>

#include "libvirt-event-glib.h"

typedef struct {
        int id;
        gboolean is_timer;
        int fd;                 /* watches */
        int events;             /* watches: VIR_EVENT_HANDLE_* */
        int period_ms;          /* timers: -1 disabled, 0 every iteration */
        virEventHandleCallback handle_cb;
        virEventTimeoutCallback timer_cb;
        void *opaque;
        virFreeCallback ff;
        GSource *source;        /* NULL while disabled */
} Entry;

static GMutex lock;
static GHashTable *entries;     /* id -> Entry* */
static GMainContext *ctx;
static int next_id = 1;

static GIOCondition to_condition(int events)
{
        GIOCondition cond = 0;

        if (events & VIR_EVENT_HANDLE_READABLE)
                cond |= G_IO_IN;
        if (events & VIR_EVENT_HANDLE_WRITABLE)
                cond |= G_IO_OUT;
        /* Errors and hang-ups are always reported by poll(); asking for
         * them keeps a closed peer from going unnoticed. */
        return cond | G_IO_ERR | G_IO_HUP;
}

static int from_condition(GIOCondition cond)
{
        int events = 0;

        if (cond & G_IO_IN)
                events |= VIR_EVENT_HANDLE_READABLE;
        if (cond & G_IO_OUT)
                events |= VIR_EVENT_HANDLE_WRITABLE;
        if (cond & G_IO_ERR)
                events |= VIR_EVENT_HANDLE_ERROR;
        if (cond & G_IO_HUP)
                events |= VIR_EVENT_HANDLE_HANGUP;
        if (cond & G_IO_NVAL)
                events |= VIR_EVENT_HANDLE_ERROR;
        return events;
}

/* The entry of a dispatching source, or NULL when it was removed or its
 * source replaced meanwhile. Called locked. */
static Entry *current_entry(gpointer data)
{
        Entry *e = g_hash_table_lookup(entries, data);

        if (!e || e->source != g_main_current_source())
                return NULL;
        return e;
}

static gboolean on_fd(gint fd, GIOCondition cond, gpointer data)
{
        virEventHandleCallback cb;
        void *opaque;
        int id;
        Entry *e;

        g_mutex_lock(&lock);
        e = current_entry(data);
        if (!e) {
                g_mutex_unlock(&lock);
                return G_SOURCE_REMOVE;
        }
        cb = e->handle_cb;
        opaque = e->opaque;
        id = e->id;
        g_mutex_unlock(&lock);

        cb(id, fd, from_condition(cond), opaque);
        return G_SOURCE_CONTINUE;
}

static gboolean on_timer(gpointer data)
{
        virEventTimeoutCallback cb;
        void *opaque;
        int id;
        Entry *e;

        g_mutex_lock(&lock);
        e = current_entry(data);
        if (!e) {
                g_mutex_unlock(&lock);
                return G_SOURCE_REMOVE;
        }
        cb = e->timer_cb;
        opaque = e->opaque;
        id = e->id;
        g_mutex_unlock(&lock);

        cb(id, opaque);
        return G_SOURCE_CONTINUE;
}

/* Replaces the entry's source after a change. Called locked. */
static void rearm(Entry *e)
{
        GSource *s = NULL;

        if (e->source) {
                g_source_destroy(e->source);
                g_source_unref(e->source);
                e->source = NULL;
        }
        if (e->is_timer) {
                if (e->period_ms < 0)
                        return;
                s = g_timeout_source_new((guint) e->period_ms);
                g_source_set_callback(s, on_timer, GINT_TO_POINTER(e->id), NULL);
                g_source_set_name(s, "libvirt-timer");
        } else {
                /* No events wanted: no source, not even for errors (the
                 * RPC client mutes its socket while a thread polls it). */
                if ((e->events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_WRITABLE |
                                  VIR_EVENT_HANDLE_ERROR | VIR_EVENT_HANDLE_HANGUP)) == 0)
                        return;
                s = g_unix_fd_source_new(e->fd, to_condition(e->events));
                g_source_set_callback(s, (GSourceFunc) (void (*)(void)) on_fd,
                                      GINT_TO_POINTER(e->id), NULL);
                g_source_set_name(s, "libvirt-watch");
        }
        e->source = s;
        /* Attaching from another thread wakes the context up. */
        g_source_attach(s, ctx);
}

static gboolean run_free(gpointer data)
{
        Entry *e = data;

        if (e->ff)
                e->ff(e->opaque);
        g_free(e);
        return G_SOURCE_REMOVE;
}

static int add_entry(Entry *e)
{
        int id;

        g_mutex_lock(&lock);
        /* Ids stay positive and unused, also after wrapping around. */
        do {
                id = next_id;
                next_id = next_id == G_MAXINT ? 1 : next_id + 1;
        } while (g_hash_table_contains(entries, GINT_TO_POINTER(id)));
        e->id = id;
        g_hash_table_insert(entries, GINT_TO_POINTER(id), e);
        rearm(e);
        g_mutex_unlock(&lock);
        return id;
}

static int remove_entry(int id, gboolean is_timer)
{
        Entry *e;
        GSource *idle;

        g_mutex_lock(&lock);
        e = g_hash_table_lookup(entries, GINT_TO_POINTER(id));
        if (!e || e->is_timer != is_timer) {
                g_mutex_unlock(&lock);
                return -1;
        }
        g_hash_table_remove(entries, GINT_TO_POINTER(id));
        if (e->source) {
                g_source_destroy(e->source);
                g_source_unref(e->source);
                e->source = NULL;
        }
        g_mutex_unlock(&lock);

        idle = g_idle_source_new();
        g_source_set_priority(idle, G_PRIORITY_HIGH);
        g_source_set_callback(idle, run_free, e, NULL);
        g_source_set_name(idle, "libvirt-free");
        g_source_attach(idle, ctx);
        g_source_unref(idle);
        return 0;
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque,
                      virFreeCallback ff)
{
        Entry *e = g_new0(Entry, 1);

        e->fd = fd;
        e->events = events;
        e->handle_cb = cb;
        e->opaque = opaque;
        e->ff = ff;
        return add_entry(e);
}

static void update_handle(int id, int events)
{
        Entry *e;

        g_mutex_lock(&lock);
        e = g_hash_table_lookup(entries, GINT_TO_POINTER(id));
        if (e && !e->is_timer && e->events != events) {
                e->events = events;
                rearm(e);
        }
        g_mutex_unlock(&lock);
}

static int remove_handle(int id)
{
        return remove_entry(id, FALSE);
}

static int add_timeout(int period_ms, virEventTimeoutCallback cb, void *opaque,
                       virFreeCallback ff)
{
        Entry *e = g_new0(Entry, 1);

        e->is_timer = TRUE;
        e->fd = -1;
        e->period_ms = period_ms;
        e->timer_cb = cb;
        e->opaque = opaque;
        e->ff = ff;
        return add_entry(e);
}

static void update_timeout(int id, int period_ms)
{
        Entry *e;

        g_mutex_lock(&lock);
        e = g_hash_table_lookup(entries, GINT_TO_POINTER(id));
        /* Re-arming restarts the period, as libvirt's own loop does when a
         * timer is updated, also to the same value. */
        if (e && e->is_timer) {
                e->period_ms = period_ms;
                rearm(e);
        }
        g_mutex_unlock(&lock);
}

static int remove_timeout(int id)
{
        return remove_entry(id, TRUE);
}

void libvirt_event_glib_register(GMainContext *context)
{
        static gsize once;

        if (g_once_init_enter(&once)) {
                ctx = context ? g_main_context_ref(context) : g_main_context_ref(g_main_context_default());
                entries = g_hash_table_new(NULL, NULL);
                virEventRegisterImpl(add_handle, update_handle, remove_handle,
                                     add_timeout, update_timeout, remove_timeout);
                g_once_init_leave(&once, 1);
        }
}

guint libvirt_event_glib_count(void)
{
        guint n;

        if (!entries)
                return 0;
        g_mutex_lock(&lock);
        n = g_hash_table_size(entries);
        g_mutex_unlock(&lock);
        return n;
}
