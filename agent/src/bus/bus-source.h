/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/*
 * Drives an sd_bus connection from a GLib main context: a GSource that
 * polls the bus fd with the events and timeout sd-bus asks for and runs
 * sd_bus_process() until it has nothing left to do.
 */
typedef void (*BusSourceErrorFunc)(int error, gpointer user_data);

/* func is called (once per failure) when sd_bus_process() fails, e.g. the
 * bus went away (-ECONNRESET). The source holds a reference on bus. */
GSource *bus_source_new(sd_bus *bus, BusSourceErrorFunc func, gpointer user_data);
