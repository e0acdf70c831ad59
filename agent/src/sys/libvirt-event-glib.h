/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * libvirt's event loop implemented on GLib: file-descriptor watches and
 * timers become GSources on the given main context (NULL: the default
 * one), so libvirt's RPC, keepalive and domain event dispatch run on the
 * agent's main loop. libvirt registers, updates and removes handles and
 * timers from its worker threads too; that is safe here. Callbacks run on
 * the thread that iterates the context. A removed handle's or timer's
 * free function runs later from an idle source on that context, never
 * from inside the remove call (libvirt may hold its own locks there).
 *
 * virEventRegisterImpl() can be called only once per process and only
 * before the first connection: the first call here registers, later
 * calls do nothing (the context of the first call stays).
 */
void libvirt_event_glib_register(GMainContext *context);

/* Live watches and timers (for tests). */
guint libvirt_event_glib_count(void);
