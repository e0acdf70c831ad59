/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's event loop on GLib (agent/src/sys/libvirt-event-glib.c),
 * driven through libvirt's public virEvent* calls, which go to the
 * registered implementation: timers fire at their period, are disabled
 * by -1 and fire every iteration at 0; watches report readiness and
 * hang-ups, are muted by events 0; a removed entry's free function runs
 * once, later, on the loop's thread, never inside the remove call; and
 * threads adding and removing entries while the loop dispatches them
 * never make a callback see freed data (ASan checks that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "sys/libvirt-event-glib.h"

typedef struct {
        int calls;
        int last_events;
        int last_fd;
        int freed;
        gboolean in_remove;     /* set around remove calls */
        GThread *loop_thread;
} Probe;

static Probe *probe_new(void)
{
        Probe *p = g_new0(Probe, 1);

        p->loop_thread = g_thread_self();
        return p;
}

static void on_timer(int id, void *opaque)
{
        Probe *p = opaque;

        p->calls++;
}

static void on_handle(int id, int fd, int events, void *opaque)
{
        Probe *p = opaque;

        p->calls++;
        p->last_fd = fd;
        p->last_events = events;
}

static void on_free(void *opaque)
{
        Probe *p = opaque;

        assert_false(p->in_remove);
        assert_true(p->loop_thread == g_thread_self());
        p->freed++;
}

/* Iterates the default context for ms milliseconds. */
static void spin(int ms)
{
        gint64 until = g_get_monotonic_time() + ms * 1000;

        while (g_get_monotonic_time() < until)
                g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

static void spin_until(int *counter, int at_least)
{
        gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

        while (*counter < at_least && g_get_monotonic_time() < until)
                g_main_context_iteration(NULL, TRUE);
        assert_true(*counter >= at_least);
}

static void test_timer(void **state)
{
        g_autofree Probe *p = probe_new();
        guint base = libvirt_event_glib_count();
        int id = virEventAddTimeout(10, on_timer, p, on_free);

        assert_true(id > 0);
        spin_until(&p->calls, 3);

        virEventUpdateTimeout(id, -1);
        p->calls = 0;
        spin(60);
        assert_int_equal(p->calls, 0);

        virEventUpdateTimeout(id, 0);   /* every iteration */
        spin_until(&p->calls, 5);

        p->in_remove = TRUE;
        assert_int_equal(virEventRemoveTimeout(id), 0);
        p->in_remove = FALSE;
        assert_int_equal(p->freed, 0);  /* not inside the remove call */
        p->calls = 0;
        spin(30);
        assert_int_equal(p->freed, 1);
        assert_int_equal(p->calls, 0);
        assert_int_equal(libvirt_event_glib_count(), base);
        /* Unknown or already removed ids are refused. */
        assert_int_equal(virEventRemoveTimeout(id), -1);
}

static void test_handle(void **state)
{
        g_autofree Probe *p = probe_new();
        int fds[2];
        int id;

        assert_int_equal(pipe(fds), 0);
        id = virEventAddHandle(fds[0], VIR_EVENT_HANDLE_READABLE, on_handle, p, on_free);
        assert_true(id > 0);
        spin(20);
        assert_int_equal(p->calls, 0);  /* nothing to read yet */

        assert_int_equal(write(fds[1], "x", 1), 1);
        spin_until(&p->calls, 1);
        assert_int_equal(p->last_fd, fds[0]);
        assert_true(p->last_events & VIR_EVENT_HANDLE_READABLE);

        /* Muted: still readable, but no callback. */
        virEventUpdateHandle(id, 0);
        p->calls = 0;
        spin(40);
        assert_int_equal(p->calls, 0);

        virEventUpdateHandle(id, VIR_EVENT_HANDLE_READABLE);
        spin_until(&p->calls, 1);

        /* The peer goes away: a hang-up is reported. */
        close(fds[1]);
        {
                char c;
                assert_int_equal(read(fds[0], &c, 1), 1);
        }
        p->calls = 0;
        spin_until(&p->calls, 1);
        assert_true(p->last_events & VIR_EVENT_HANDLE_HANGUP);

        p->in_remove = TRUE;
        assert_int_equal(virEventRemoveHandle(id), 0);
        p->in_remove = FALSE;
        assert_int_equal(virEventRemoveHandle(id), -1);
        spin(20);
        assert_int_equal(p->freed, 1);
        close(fds[0]);
}

/* Threads add a watch on an always-readable pipe and a 0 ms timer, let
 * the loop dispatch them a little, and remove them, many times over. */
#define THREADS 4
#define ROUNDS 200

typedef struct {
        int fd;
        gint done;
        gint added;
        gint freed;
} Shared;

typedef struct {
        Shared *shared;
        int calls;
        int canary;
} Opaque;

static void race_cb(int id, int fd, int events, void *opaque)
{
        Opaque *o = opaque;

        assert_int_equal(o->canary, 0x5a5a);    /* ASan: not freed */
        o->calls++;
}

static void race_timer(int id, void *opaque)
{
        race_cb(id, -1, 0, opaque);
}

static void race_free(void *opaque)
{
        Opaque *o = opaque;

        g_atomic_int_inc(&o->shared->freed);
        o->canary = 0;
        g_free(o);
}

static gpointer racer(gpointer data)
{
        Shared *s = data;

        for (int i = 0; i < ROUNDS; i++) {
                Opaque *a = g_new0(Opaque, 1), *b = g_new0(Opaque, 1);
                int h, t;

                a->shared = b->shared = s;
                a->canary = b->canary = 0x5a5a;
                h = virEventAddHandle(s->fd, VIR_EVENT_HANDLE_READABLE, race_cb, a, race_free);
                t = virEventAddTimeout(0, race_timer, b, race_free);
                g_atomic_int_add(&s->added, 2);
                g_usleep(g_random_int_range(0, 300));
                virEventUpdateHandle(h, (i & 1) ? 0 : VIR_EVENT_HANDLE_READABLE);
                virEventUpdateTimeout(t, (i & 1) ? -1 : 1);
                g_usleep(g_random_int_range(0, 300));
                assert_int_equal(virEventRemoveHandle(h), 0);
                assert_int_equal(virEventRemoveTimeout(t), 0);
        }
        g_atomic_int_inc(&s->done);
        return NULL;
}

static void test_threads(void **state)
{
        Shared s = { 0 };
        GThread *threads[THREADS];
        guint base = libvirt_event_glib_count();
        int fds[2];

        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], "x", 1), 1);     /* readable for good */
        s.fd = fds[0];
        for (int i = 0; i < THREADS; i++)
                threads[i] = g_thread_new("racer", racer, &s);
        while (g_atomic_int_get(&s.done) < THREADS)
                g_main_context_iteration(NULL, FALSE);
        for (int i = 0; i < THREADS; i++)
                g_thread_join(threads[i]);
        spin(50);
        assert_int_equal(g_atomic_int_get(&s.added), THREADS * ROUNDS * 2);
        assert_int_equal(g_atomic_int_get(&s.freed), THREADS * ROUNDS * 2);
        assert_int_equal(libvirt_event_glib_count(), base);
        close(fds[0]);
        close(fds[1]);
}

static int setup(void **state)
{
        libvirt_event_glib_register(NULL);
        libvirt_event_glib_register(NULL);      /* a second call does nothing */
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timer),
                cmocka_unit_test(test_handle),
                cmocka_unit_test(test_threads),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
