/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mutating methods: arguments, then authorization, then the agent
 * operation, then the reply. Calls from root run at once; others wait for
 * polkit's answer, holding a reference on the call to reply to it then,
 * and following the caller on the bus: a call whose caller left before the
 * answer came is dropped, not carried out.
 */
#include <string.h>

#include "bus-polkit.h"
#include "bus-private.h"
#include "core/domxml.h"

static const char *const bus_op_kind_table[_BUS_OP_MAX] = {
        [BUS_OP_RESCAN] = "Rescan",
        [BUS_OP_APPLY] = "Apply",
        [BUS_OP_PROVISION] = "Provision",
        [BUS_OP_BIND] = "Bind",
        [BUS_OP_UNBIND] = "Unbind",
        [BUS_OP_CLAIM] = "Claim",
        [BUS_OP_RESERVE] = "Reserve",
        [BUS_OP_ASSIGN] = "Assign",
        [BUS_OP_RELEASE] = "Release",
        [BUS_OP_UNQUARANTINE] = "Unquarantine",
        [BUS_OP_CLAIM_FOR_DOMAIN] = "ClaimForDomain",
        [BUS_OP_PREPARE_INCOMING] = "PrepareIncoming",
        [BUS_OP_RELEASE_DOMAIN] = "ReleaseDomain",
        [BUS_OP_RECONCILE_DOMAIN] = "ReconcileDomain",
};

const char *bus_op_kind_to_string(BusOpKind k)
{
        if (k < 0 || k >= _BUS_OP_MAX)
                return NULL;
        return bus_op_kind_table[k];
}

BusOpKind bus_op_kind_from_string(const char *s)
{
        for (int i = 0; s && i < _BUS_OP_MAX; i++)
                if (bus_op_kind_table[i] && strcmp(bus_op_kind_table[i], s) == 0)
                        return (BusOpKind) i;
        return _BUS_OP_INVALID;
}

typedef struct {
        BusService *svc;
        sd_bus_message *m;
        BusAuthQuery *query;
        sd_bus_track *caller;    /* the sender's unique name, while it is on the bus */
        BusOpKind kind;
        char device[PCI_ADDRESS_STRLEN];   /* canonical; "" for none */
        char *domain;            /* domain operations: its uuid, lower case */
        char *s1, *s2;
        guint u;
} BusPendingOp;

static void pending_op_free(BusPendingOp *op)
{
        if (!op)
                return;
        bus_auth_query_free(op->query);
        sd_bus_track_unref(op->caller);
        sd_bus_message_unref(op->m);
        g_free(op->domain);
        g_free(op->s1);
        g_free(op->s2);
        g_free(op);
}

static int reply_lines(sd_bus_message *m, GPtrArray *lines)
{
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (guint i = 0; r >= 0 && lines && i < lines->len; i++)
                r = sd_bus_message_append_basic(reply, 's', lines->pdata[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

/* Performs the operation and replies (success or the error). */
/* What names the target in logs: the device, or the domain. */
static const char *op_target(const BusPendingOp *op)
{
        return op->domain ? op->domain : op->device;
}

static int bus_op_act(BusService *svc, sd_bus_message *m, const BusPendingOp *op)
{
        g_autoptr(GError) gerror = NULL;
        g_autoptr(GPtrArray) lines = NULL;
        g_autofree char *out_xml = NULL;
        guint64 migration_id = 0;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Agent *a = svc->agent;
        gboolean ok = FALSE;
        int r;

        switch (op->kind) {
        case BUS_OP_RESCAN:
                ok = agent_rescan(a, &lines, &gerror);
                break;
        case BUS_OP_APPLY:
                /* Apply means "make the host match the file as it is now". */
                ok = agent_reload_config(a, &gerror) &&
                     agent_apply(a, &lines, &gerror);
                break;
        case BUS_OP_PROVISION:
                ok = agent_provision(a, op->device, op->u, &gerror);
                break;
        case BUS_OP_BIND:
                ok = agent_bind(a, op->device, op->s1, &gerror);
                break;
        case BUS_OP_UNBIND:
                ok = agent_unbind(a, op->device, &gerror);
                break;
        case BUS_OP_CLAIM:
                ok = agent_claim(a, op->device, op->s1, op->s2, &gerror);
                break;
        case BUS_OP_RESERVE:
                ok = agent_reserve(a, op->device, op->s1, op->s2, op->u, &gerror);
                break;
        case BUS_OP_ASSIGN:
                ok = agent_assign(a, op->device, op->s1, &gerror);
                break;
        case BUS_OP_RELEASE:
                ok = agent_release(a, op->device, op->s1, &gerror);
                break;
        case BUS_OP_UNQUARANTINE:
                ok = agent_unquarantine(a, op->device, &gerror);
                break;
        case BUS_OP_CLAIM_FOR_DOMAIN:
                ok = agent_claim_for_domain(a, op->s1, &gerror);
                break;
        case BUS_OP_PREPARE_INCOMING:
                ok = agent_prepare_incoming(a, op->s1, &out_xml, &migration_id, &gerror);
                break;
        case BUS_OP_RELEASE_DOMAIN:
                ok = agent_release_domain(a, op->domain, op->s2, &gerror);
                break;
        case BUS_OP_RECONCILE_DOMAIN:
                ok = agent_reconcile_domain(a, op->s1, &lines, &gerror);
                break;
        default:
                g_assert_not_reached();
        }

        if (!ok) {
                g_message("%s %s refused: %s", bus_op_kind_to_string(op->kind),
                          op_target(op), gerror->message);
                bus_error_from_gerror(&error, gerror);
                r = sd_bus_reply_method_error(m, &error);
                sd_bus_error_free(&error);
                return r;
        }

        g_info("%s %s done for %s", bus_op_kind_to_string(op->kind), op_target(op),
               sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) : "?");
        if (op->kind == BUS_OP_RESCAN || op->kind == BUS_OP_APPLY ||
            op->kind == BUS_OP_RECONCILE_DOMAIN)
                return reply_lines(m, lines);
        if (op->kind == BUS_OP_PREPARE_INCOMING) {
                g_autofree char *path = migration_id ? bus_migration_path(migration_id)
                                                     : g_strdup("/");
                return sd_bus_reply_method_return(m, "so", out_xml, path);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static const char *sender_of(sd_bus_message *m)
{
        const char *s = m ? sd_bus_message_get_sender(m) : NULL;

        return s ? s : "?";
}

/* Nobody waits for the answer any more, and an operation nobody asked for
 * (a VM that is gone) must not change the host: drop it, only say so. */
static void drop_orphan(BusPendingOp *op, const char *when)
{
        BusService *svc = op->svc;

        g_message("%s %s dropped: the caller %s left the bus %s",
                  bus_op_kind_to_string(op->kind), op_target(op),
                  sender_of(op->m), when);
        svc->pending = g_list_remove(svc->pending, op);
        pending_op_free(op);
}

static int on_caller_gone(sd_bus_track *track, void *user_data)
{
        drop_orphan(user_data, "while polkit was asked");
        return 1;   /* handled; the track is freed with the op */
}

static void on_authorized(gboolean allowed, const char *error_name, const char *why,
                          gpointer user_data)
{
        BusPendingOp *op = user_data;
        BusService *svc = op->svc;

        /* The track's handler normally ran already, as the bus reports the
         * name's loss before polkit's later answer; this covers the rest. */
        if (sd_bus_track_count(op->caller) == 0) {
                drop_orphan(op, "before polkit answered");
                return;
        }

        svc->pending = g_list_remove(svc->pending, op);
        if (allowed)
                (void) bus_op_act(svc, op->m, op);
        else {
                g_message("%s", why);
                (void) sd_bus_reply_method_errorf(op->m, error_name, "%s", why);
        }
        pending_op_free(op);
}

static gboolean check_args(BusService *svc, BusPendingOp *op, const BusOpArgs *args,
                           GError **error)
{
        switch (args->kind) {
        case BUS_OP_RESCAN:
        case BUS_OP_APPLY:
                return TRUE;
        case BUS_OP_PROVISION:
                return agent_check_pf(svc->agent, args->device, op->device, error);
        case BUS_OP_RELEASE_DOMAIN:
                if (!args->s1 || !g_uuid_string_is_valid(args->s1)) {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "'%s' is not a domain UUID", args->s1 ? args->s1 : "(null)");
                        return FALSE;
                }
                op->domain = g_ascii_strdown(args->s1, -1);
                return TRUE;
        case BUS_OP_CLAIM_FOR_DOMAIN:
        case BUS_OP_PREPARE_INCOMING:
        case BUS_OP_RECONCILE_DOMAIN: {
                /* The XML is read before polkit is asked, so that bad input
                 * gets its own error and polkit's details name the domain. */
                g_autoptr(Domxml) d = domxml_parse(args->s1, strlen(args->s1), error);
                const char *uuid;

                if (!d)
                        return FALSE;
                uuid = domxml_get_uuid(d);
                if (!uuid || !g_uuid_string_is_valid(uuid)) {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "The domain XML of '%s' has no valid <uuid>",
                                    domxml_get_name(d) ? domxml_get_name(d) : "(unnamed)");
                        return FALSE;
                }
                op->domain = g_ascii_strdown(uuid, -1);
                return TRUE;
        }
        default:
                break;
        }

        if (!agent_check_vf(svc->agent, args->device, op->device, error))
                return FALSE;

        if (args->kind == BUS_OP_BIND && args->s1 && *args->s1 &&
            !vfmig_driver_is_allowed(args->s1)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_UNKNOWN_DRIVER,
                            "Cannot bind %s to '%s': only %s and %s are allowed",
                            op->device, args->s1, VFMIG_DRIVER_VARIANT, VFMIG_DRIVER_VFIO);
                return FALSE;
        }
        /* The pool's own rule for owners, before polkit, so every caller
         * gets the same InvalidArgument. Release takes "" for the admin. */
        switch (args->kind) {
        case BUS_OP_CLAIM:
        case BUS_OP_RESERVE:
                return pool_check_owner(op->device, args->s1, args->s2, error);
        case BUS_OP_ASSIGN:
                return pool_check_owner(op->device, args->s1, NULL, error);
        case BUS_OP_RELEASE:
                return !args->s1 || !*args->s1 ||
                       pool_check_owner(op->device, args->s1, NULL, error);
        default:
                return TRUE;
        }
}

/* Calls waiting for polkit at once: a bound on what unprivileged callers
 * can make the agent hold. */
#define BUS_PENDING_MAX 256

int bus_op_start(BusService *svc, sd_bus_message *m, const BusOpArgs *args,
                 sd_bus_error *error)
{
        g_autoptr(GError) gerror = NULL;
        BusPendingOp *op;
        int r;

        if (g_list_length(svc->pending) >= BUS_PENDING_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%s refused: %d requests already wait for authorization",
                                         bus_op_kind_to_string(args->kind), BUS_PENDING_MAX);

        op = g_new0(BusPendingOp, 1);
        op->svc = svc;
        op->kind = args->kind;
        op->s1 = g_strdup(args->s1);
        op->s2 = g_strdup(args->s2);
        op->u = args->u;

        if (!check_args(svc, op, args, &gerror)) {
                pending_op_free(op);
                return bus_error_from_gerror(error, gerror);
        }

        /* polkit's "device" detail: the VF or PF, or for the domain
         * operations the domain's uuid ("" for Rescan and Apply). */
        r = bus_authorize_async(m, op_target(op), bus_op_kind_to_string(op->kind),
                                on_authorized, op, &op->query, error);
        if (r < 0) {
                g_message("%s", error->message);
                pending_op_free(op);
                return r;
        }
        if (r > 0) {
                /* root: act now; bus_op_act sends the reply itself. */
                (void) bus_op_act(svc, m, op);
                pending_op_free(op);
                return 1;
        }

        op->m = sd_bus_message_ref(m);
        /* Follow the caller from now on. Adding the name also asks the bus
         * whether it is still there: one that left already fails here. */
        r = sd_bus_track_new(sd_bus_message_get_bus(m), &op->caller, on_caller_gone, op);
        if (r >= 0)
                r = sd_bus_track_add_sender(op->caller, m);
        if (r < 0) {
                g_message("%s %s dropped: cannot follow the caller %s on the bus: %s",
                          bus_op_kind_to_string(op->kind), op_target(op), sender_of(m),
                          g_strerror(-r));
                pending_op_free(op);
                return sd_bus_error_set_errnof(error, -r,
                                               "%s refused: cannot follow the caller on the bus: %s",
                                               bus_op_kind_to_string(args->kind),
                                               g_strerror(-r));
        }
        svc->pending = g_list_prepend(svc->pending, op);
        return 1;   /* replied to later, from on_authorized */
}

/* The agent is stopping: callers still waiting for polkit are told so,
 * rather than left to time out (the daemon flushes the bus afterwards). */
void bus_op_cancel_all(BusService *svc)
{
        GList *pending = g_steal_pointer(&svc->pending);

        for (GList *l = pending; l; l = l->next) {
                BusPendingOp *op = l->data;

                (void) sd_bus_reply_method_errorf(op->m, VFMIG_DBUS_ERROR_PREFIX "Failed",
                                                  "%s %s not done: the agent is stopping",
                                                  bus_op_kind_to_string(op->kind),
                                                  op_target(op));
        }
        g_list_free_full(pending, (GDestroyNotify) pending_op_free);
}
