/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "agent.h"

/*
 * The agent's D-Bus face (docs/dbus-api.md): the manager object, one object
 * per PF and per VF, signals and PropertiesChanged driven by the agent's
 * change callback, polkit checks on every mutating method. The service
 * borrows bus and agent; it must be freed before either.
 */
#define VFMIG_BUS_NAME "org.vfmig.Agent1"

typedef struct BusService BusService;

BusService *bus_service_new(sd_bus *bus, Agent *agent, GError **error);
void bus_service_free(BusService *svc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BusService, bus_service_free)

/* Re-emits the manager's StartupReport etc. after the daemon added to it. */
void bus_service_manager_changed(BusService *svc);
