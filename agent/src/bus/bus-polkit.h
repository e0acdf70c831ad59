/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/*
 * Authorization of one method call for the polkit action org.vfmig.manage.
 * Callers with effective uid 0 pass without asking. Everyone else is
 * checked asynchronously with org.freedesktop.PolicyKit1.Authority's
 * CheckAuthorization (subject: the caller's unique bus name; details:
 * device and operation; user interaction allowed exactly when the call
 * carries the ALLOW_INTERACTIVE_AUTHORIZATION flag). If polkit cannot be
 * asked the answer is no (fail closed), and the reason says so.
 */
#define VFMIG_POLKIT_ACTION "org.vfmig.manage"

typedef struct BusAuthQuery BusAuthQuery;

/* allowed FALSE: error_name is the D-Bus error to reply with
 * (org.freedesktop.DBus.Error.InteractiveAuthorizationRequired when polkit
 * wants authentication and the call did not allow interaction, else
 * org.vfmig.Agent1.Error.AccessDenied) and why says why. Called at most
 * once; the callee may free the query from inside. */
typedef void (*BusAuthFunc)(gboolean allowed, const char *error_name,
                            const char *why, gpointer user_data);

/*
 * Returns 1 when the caller is root (func is not called), 0 when polkit
 * was asked (*ret is the pending query, owned by the caller, func will be
 * called from the main loop), or a negative errno with error set to
 * AccessDenied when the question could not even be asked.
 */
int bus_authorize_async(sd_bus_message *m, const char *device,
                        const char *operation, BusAuthFunc func,
                        gpointer user_data, BusAuthQuery **ret,
                        sd_bus_error *error);
/* Frees the query; a pending polkit call is cancelled (func not called). */
void bus_auth_query_free(BusAuthQuery *q);
