/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "bus-polkit.h"
#include "core/vfmig-error.h"

#define ACCESS_DENIED VFMIG_DBUS_ERROR_PREFIX "AccessDenied"

struct BusAuthQuery {
        sd_bus_slot *slot;
        BusAuthFunc func;
        gpointer user_data;
        char *operation;
        char *device;
        gboolean interactive;    /* the caller allowed interactive authorization */
};

void bus_auth_query_free(BusAuthQuery *q)
{
        if (!q)
                return;
        sd_bus_slot_unref(q->slot);
        g_free(q->operation);
        g_free(q->device);
        g_free(q);
}

static const char *target(const BusAuthQuery *q)
{
        return q->device[0] ? q->device : "the agent";
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata,
                           sd_bus_error *ret_error)
{
        BusAuthQuery *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;
        g_autofree char *why = NULL;

        /* The call is over: drop the slot before func may free q. */
        q->slot = sd_bus_slot_unref(q->slot);

        if (e) {
                /* Fail closed: without polkit only root may change things. */
                why = g_strdup_printf("%s on %s denied: polkit could not be asked (%s: %s); only root may do this without it",
                                      q->operation, target(q), e->name,
                                      e->message ? e->message : "no message");
                q->func(FALSE, ACCESS_DENIED, why, q->user_data);
                return 0;
        }

        /* (bba{ss}): is_authorized, is_challenge, details (unused). */
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                why = g_strdup_printf("%s on %s denied: polkit sent an unreadable answer (%s)",
                                      q->operation, target(q), g_strerror(-r));
                q->func(FALSE, ACCESS_DENIED, why, q->user_data);
                return 0;
        }

        if (authorized) {
                q->func(TRUE, NULL, NULL, q->user_data);
                return 0;
        }
        /* A challenge the caller could have answered had it allowed
         * interaction gets the standard error, so that a client can retry
         * with the flag set (vfmigctl maps it to its own exit code). */
        if (challenge && !q->interactive) {
                why = g_strdup_printf("%s on %s needs authentication for %s, and this call does not allow interactive authorization",
                                      q->operation, target(q), VFMIG_POLKIT_ACTION);
                q->func(FALSE, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, why,
                        q->user_data);
                return 0;
        }
        why = g_strdup_printf("%s on %s denied: not authorized for %s%s",
                              q->operation, target(q), VFMIG_POLKIT_ACTION,
                              challenge ? " (authentication was needed and did not succeed)" : "");
        q->func(FALSE, ACCESS_DENIED, why, q->user_data);
        return 0;
}

static gboolean sender_is_root(sd_bus_message *m)
{
        sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        sd_bus_creds_unref(creds);
        return r >= 0 && uid == 0;
}

int bus_authorize_async(sd_bus_message *m, const char *device,
                        const char *operation, BusAuthFunc func,
                        gpointer user_data, BusAuthQuery **ret,
                        sd_bus_error *error)
{
        sd_bus_message *call = NULL;
        sd_bus *bus = sd_bus_message_get_bus(m);
        const char *sender = sd_bus_message_get_sender(m);
        gboolean interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        BusAuthQuery *q;
        int r;

        if (sender_is_root(m))
                return 1;

        if (!sender)
                return sd_bus_error_setf(error, ACCESS_DENIED,
                                         "%s denied: the caller has no bus name to ask polkit about",
                                         operation);

        r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority",
                                           "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1,
                                          "name", "s", sender, VFMIG_POLKIT_ACTION);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{ss}", 2,
                                          "device", device ? device : "",
                                          "operation", operation);
        /* Flag 1, AllowUserInteraction, only when the caller asked for it
         * (polkit then may run an authentication agent for it); an empty
         * cancellation id means none. */
        if (r >= 0)
                r = sd_bus_message_append(call, "us", interactive ? 1u : 0u, "");
        if (r < 0) {
                sd_bus_message_unref(call);
                return sd_bus_error_setf(error, ACCESS_DENIED,
                                         "%s denied: failed to build the polkit request (%s)",
                                         operation, g_strerror(-r));
        }

        q = g_new0(BusAuthQuery, 1);
        q->func = func;
        q->user_data = user_data;
        q->operation = g_strdup(operation);
        q->device = g_strdup(device ? device : "");
        q->interactive = interactive;

        r = sd_bus_call_async(bus, &q->slot, call, on_polkit_reply, q, 0);
        sd_bus_message_unref(call);
        if (r < 0) {
                bus_auth_query_free(q);
                return sd_bus_error_setf(error, ACCESS_DENIED,
                                         "%s denied: polkit could not be asked (%s); only root may do this without it",
                                         operation, g_strerror(-r));
        }
        *ret = q;
        return 0;
}
