/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "ctl-model.h"

/*
 * Output of vfmigctl, as text: tables for people, JSON for scripts.
 * Pure: data in, a string out. The JSON shapes are a stable interface,
 * documented in vfmigctl(8); change them only by adding keys.
 */

/* pfs: CtlPf*, vfs: CtlVf* (any order; VFs go under their PF by pf_address). */
char *ctl_render_list_table(GPtrArray *pfs, GPtrArray *vfs);
char *ctl_render_list_json(GPtrArray *pfs, GPtrArray *vfs);

/* props: CtlProp*, in the agent's order. */
char *ctl_render_props_table(GPtrArray *props);
char *ctl_render_props_json(GPtrArray *props);

/*
 * ListMigrations, sorted by id: a table (ID, ROLE, PHASE, DOMAIN) or
 * {"migrations": [{"id", "object", "role", "phase", "domain_uuid",
 * "domain_name"}]} (domain_name null when none).
 */
char *ctl_render_migrations_table(GPtrArray *migrations /* CtlMigration* */);
char *ctl_render_migrations_json(GPtrArray *migrations);

/* CheckIncoming: {"compatible": b, "lines": [...]} or the lines. */
char *ctl_render_check_json(gboolean compatible, const char *const *lines);

/* Results of Apply/Rescan: {"<key>": [...]} or one line each. */
char *ctl_render_strv_json(const char *key, const char *const *strv);
char *ctl_render_strv_lines(const char *const *strv, const char *if_empty);

/*
 * JSON key of a D-Bus property: CamelCase to snake_case, acronyms kept
 * whole, a plural "s" after an acronym kept with it:
 * "OwnerUUID" -> "owner_uuid", "TotalVFs" -> "total_vfs",
 * "NPhysicalFunctions" -> "n_physical_functions".
 */
char *ctl_property_json_key(const char *name);

/* "2026-11-25 00:40:12 UTC" for µs since the epoch; "-" for 0. */
char *ctl_format_usec(guint64 usec);

/*
 * The one-line error: "vfmigctl: VERB DEVICE: MESSAGE" (no DEVICE when
 * NULL), without the trailing newline. The agent's messages often start
 * with the device already ("0000:3b:00.2: no such ..."): that repetition
 * is dropped.
 */
char *ctl_format_error(const char *verb, const char *device, const char *message);
