/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/*
 * All of vfmigctl's D-Bus I/O. Failures come back as GError in CTL_ERROR
 * whose code is the exit code (ctl_exit_from_dbus_error) and whose
 * message is the agent's own sentence (it names the device and reason).
 */
#define CTL_BUS_NAME "org.vfmig.Agent1"
#define CTL_BUS_PATH "/org/vfmig/Agent1"
#define CTL_BUS_MANAGER CTL_BUS_NAME ".Manager"
#define CTL_BUS_PF CTL_BUS_NAME ".PhysicalFunction"
#define CTL_BUS_VF CTL_BUS_NAME ".VirtualFunction"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)

/* address NULL: the system bus (sd-bus honours $DBUS_SYSTEM_BUS_ADDRESS). */
sd_bus *ctl_bus_connect(const char *address, GError **error);

/* CtlPf* and CtlVf*, owned. */
gboolean ctl_bus_list(sd_bus *bus, GPtrArray **pfs, GPtrArray **vfs, GError **error);

/* The object of the VF or PF at address, and its interface. */
gboolean ctl_bus_find_device(sd_bus *bus, const char *address, char **object,
                             const char **interface, GError **error);

/* Every property of interface at object, as CtlProp*, owned, in the agent's order. */
GPtrArray *ctl_bus_get_all(sd_bus *bus, const char *object, const char *interface,
                           GError **error);

/*
 * A Manager method; types/... as sd_bus_call_method(). strv_out, if not
 * NULL, receives the reply's "as" (Apply, Rescan).
 */
gboolean ctl_bus_call_manager(sd_bus *bus, const char *method, char ***strv_out,
                              GError **error, const char *types, ...);

/* Domain-level calls (issue 4). */

/* A Manager method taking one string and answering one string (profiles). */
gboolean ctl_bus_call_string(sd_bus *bus, const char *method, const char *arg, char **out,
                             GError **error);

/* PrepareIncoming: the rewritten XML and the Migration object ("/" when none). */
gboolean ctl_bus_prepare_incoming(sd_bus *bus, const char *xml, char **out_xml,
                                  char **migration, GError **error);

/* CheckIncoming. */
gboolean ctl_bus_check_incoming(sd_bus *bus, const char *xml_or_metadata, gboolean *compatible,
                                char ***lines, GError **error);

/* ListMigrations, as CtlMigration*, owned. */
gboolean ctl_bus_list_migrations(sd_bus *bus, GPtrArray **migrations, GError **error);
