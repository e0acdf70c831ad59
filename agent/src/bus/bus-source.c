/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <poll.h>

#include "bus-source.h"

typedef struct {
        GSource source;
        sd_bus *bus;
        gpointer fd_tag;
        BusSourceErrorFunc func;
        gpointer user_data;
} BusSource;

/* sd-bus reports an absolute CLOCK_MONOTONIC deadline; GLib's monotonic
 * clock is the same clock, in the same unit. */
static gboolean deadline_passed(BusSource *b, gint *timeout_ms)
{
        uint64_t until = UINT64_MAX;
        gint64 now;

        if (timeout_ms)
                *timeout_ms = -1;
        if (sd_bus_get_timeout(b->bus, &until) < 0 || until == UINT64_MAX)
                return FALSE;
        now = g_get_monotonic_time();
        if (until <= (uint64_t) now) {
                if (timeout_ms)
                        *timeout_ms = 0;
                return TRUE;
        }
        if (timeout_ms) {
                uint64_t ms = (until - (uint64_t) now + 999) / 1000;
                *timeout_ms = ms > G_MAXINT ? G_MAXINT : (gint) ms;
        }
        return FALSE;
}

static gboolean bus_source_prepare(GSource *source, gint *timeout_ms)
{
        BusSource *b = (BusSource *) source;
        int events = sd_bus_get_events(b->bus);
        GIOCondition cond = 0;

        if (events > 0) {
                if (events & POLLIN)
                        cond |= G_IO_IN;
                if (events & POLLOUT)
                        cond |= G_IO_OUT;
        }
        g_source_modify_unix_fd(source, b->fd_tag, cond);
        return deadline_passed(b, timeout_ms);
}

static gboolean bus_source_check(GSource *source)
{
        BusSource *b = (BusSource *) source;

        if (g_source_query_unix_fd(source, b->fd_tag) != 0)
                return TRUE;
        return deadline_passed(b, NULL);
}

static gboolean bus_source_dispatch(GSource *source, GSourceFunc callback,
                                    gpointer user_data)
{
        BusSource *b = (BusSource *) source;

        /* Bounded, so that a flood of calls cannot starve the other
         * sources (timers, signals); prepare() returns a zero timeout
         * while messages are still queued. */
        for (int i = 0; i < 256; i++) {
                int r = sd_bus_process(b->bus, NULL);
                if (r < 0) {
                        if (b->func)
                                b->func(r, b->user_data);
                        return G_SOURCE_REMOVE;
                }
                if (r == 0)
                        break;
        }
        return G_SOURCE_CONTINUE;
}

static void bus_source_finalize(GSource *source)
{
        BusSource *b = (BusSource *) source;

        sd_bus_unref(b->bus);
}

static GSourceFuncs bus_source_funcs = {
        .prepare = bus_source_prepare,
        .check = bus_source_check,
        .dispatch = bus_source_dispatch,
        .finalize = bus_source_finalize,
};

GSource *bus_source_new(sd_bus *bus, BusSourceErrorFunc func, gpointer user_data)
{
        int fd = sd_bus_get_fd(bus);
        GSource *source;
        BusSource *b;

        if (fd < 0)
                return NULL;
        source = g_source_new(&bus_source_funcs, sizeof(BusSource));
        b = (BusSource *) source;
        b->bus = sd_bus_ref(bus);
        b->func = func;
        b->user_data = user_data;
        b->fd_tag = g_source_add_unix_fd(source, fd, G_IO_IN);
        g_source_set_name(source, "sd-bus");
        return source;
}
