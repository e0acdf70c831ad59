/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-hook-run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/domxml.h"
#include "ctl-bus.h"
#include "ctl-exit.h"
#include "ctl-hook.h"
#include "ctl-io.h"

typedef enum {
        HOOK_OK,
        HOOK_REFUSED,   /* the operation must not go on */
        HOOK_IGNORED,   /* failed, logged, and the operation goes on */
} HookResult;

typedef struct {
        const CtlArgs *args;
        const char *domain;      /* for messages */
        CtlHookAction action;
        const char *reason;      /* release */
        char *text;              /* the domain XML as given */
        gsize len;
        char *out_xml;           /* prepare: the agent's rewritten XML */
} HookRun;

static void hook_run_clear(HookRun *h)
{
        g_free(h->text);
        g_free(h->out_xml);
}

static void print_lines(const char *message)
{
        g_autofree char *lines = ctl_hook_format_lines(message);

        fputs(lines, stderr);
}

/* A failure: refuse when the action may, else log it and let things go on. */
static HookResult fail(const HookRun *h, const GError *error)
{
        if (ctl_hook_action_may_refuse(h->action)) {
                print_lines(error->message);
                if (error->domain == CTL_ERROR && error->code == CTL_EXIT_UNREACHABLE)
                        fprintf(stderr, "vfmig: %s: refused: its VFs cannot be checked without the agent\n",
                                h->domain);
                return HOOK_REFUSED;
        }
        {
                g_autofree char *msg = g_strdup_printf("%s: %s failed, ignored so that the %s goes on: %s",
                                                       h->domain, ctl_hook_action_to_string(h->action),
                                                       h->action == CTL_HOOK_ACTION_RELEASE ? "stop" : "reconnect",
                                                       error->message);
                print_lines(msg);
        }
        return HOOK_IGNORED;
}

/* The domain's UUID, from the XML with the agent's own safe parser. */
static char *domain_uuid(const HookRun *h, GError **error)
{
        g_autoptr(Domxml) d = domxml_parse(h->text, h->len, error);

        if (!d)
                return NULL;
        if (!domxml_get_uuid(d) || !*domxml_get_uuid(d)) {
                g_set_error_literal(error, CTL_ERROR, CTL_EXIT_USAGE, "the domain XML has no <uuid>");
                return NULL;
        }
        return g_strdup(domxml_get_uuid(d));
}

static HookResult call_agent(HookRun *h)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(sd_bus) bus = NULL;
        g_autofree char *uuid = NULL;
        g_auto(GStrv) changes = NULL;

        if (!ctl_hook_check_text("the domain XML", h->text, h->len, &error))
                return fail(h, error);
        /* No hostdev at all: no VF of ours, and no reason to wake the agent. */
        if (!ctl_hook_xml_may_have_vf(h->text, h->len))
                return HOOK_OK;
        if (h->action == CTL_HOOK_ACTION_RELEASE) {
                uuid = domain_uuid(h, &error);
                if (!uuid)
                        return fail(h, error);
        }
        bus = ctl_bus_connect(h->args->bus_address, &error);
        if (!bus)
                return fail(h, error);

        switch (h->action) {
        case CTL_HOOK_ACTION_CLAIM:
                if (!ctl_bus_call_manager(bus, "ClaimForDomain", NULL, &error, "s", h->text))
                        return fail(h, error);
                return HOOK_OK;
        case CTL_HOOK_ACTION_PREPARE:
                if (!ctl_bus_prepare_incoming(bus, h->text, &h->out_xml, NULL, &error))
                        return fail(h, error);
                return HOOK_OK;
        case CTL_HOOK_ACTION_RELEASE:
                if (!ctl_bus_call_manager(bus, "ReleaseDomain", NULL, &error, "ss", uuid, h->reason))
                        return fail(h, error);
                return HOOK_OK;
        case CTL_HOOK_ACTION_RECONCILE:
                if (!ctl_bus_call_manager(bus, "ReconcileDomain", &changes, &error, "s", h->text))
                        return fail(h, error);
                /* libvirt logs a hook's stderr: say what reconciliation changed. */
                for (char **c = changes; c && *c; c++)
                        fprintf(stderr, "vfmig: %s: %s\n", h->domain, *c);
                return HOOK_OK;
        default:
                return HOOK_OK;
        }
}

static int run_qemu(const CtlArgs *a)
{
        g_autoptr(GError) error = NULL;
        HookRun h = {
                .args = a,
                .domain = a->hook_args[0],
                .action = ctl_hook_qemu_action(a->hook_args[1], a->hook_args[2]),
                .reason = ctl_hook_qemu_reason(a->hook_args[3]),
        };
        HookResult r;

        /* Not ours: answer before reading stdin (libvirt ignores the EPIPE). */
        if (h.action == CTL_HOOK_ACTION_NONE)
                return 0;
        h.text = ctl_read_fd_capped(STDIN_FILENO, "the domain XML on standard input",
                                    CTL_HOOK_MAX_XML, &h.len, &error);
        r = h.text ? call_agent(&h) : fail(&h, error);
        /* libvirt takes stdout as the new XML; empty keeps its own. */
        if (r == HOOK_OK && h.out_xml && *h.out_xml) {
                fputs(h.out_xml, stdout);
                if (fflush(stdout) != 0 || ferror(stdout)) {
                        fprintf(stderr, "vfmig: %s: cannot write the rewritten XML: %s\n",
                                h.domain, g_strerror(errno));
                        r = HOOK_REFUSED;
                }
        }
        hook_run_clear(&h);
        return r == HOOK_REFUSED ? 1 : 0;
}

static int run_vdsm(const CtlArgs *a)
{
        g_autoptr(GError) error = NULL;
        const char *path = g_getenv("_hook_domxml");
        HookRun h = {
                .args = a,
                .domain = "the domain",
        };
        g_autofree char *domain = NULL;
        HookResult r;

        h.action = ctl_hook_vdsm_action(a->hook_args[0], &h.reason);
        if (h.action == CTL_HOOK_ACTION_NONE)
                return CTL_VDSM_EXIT_OK;
        if (g_getenv("vmId")) {
                domain = g_strdup_printf("VM %s", g_getenv("vmId"));
                h.domain = domain;
        }
        if (!path || !*path) {
                g_set_error_literal(&error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "$_hook_domxml is not set: not run by VDSM?");
                r = fail(&h, error);
        } else {
                h.text = ctl_read_path_capped(path, CTL_HOOK_MAX_XML, &h.len, &error);
                r = h.text ? call_agent(&h) : fail(&h, error);
        }
        /* Only a complete, synced new file replaces VDSM's: a refusal leaves it as it was. */
        if (r == HOOK_OK && h.out_xml && *h.out_xml &&
            !ctl_replace_file(path, h.out_xml, strlen(h.out_xml), &error)) {
                print_lines(error->message);
                r = HOOK_REFUSED;
        }
        hook_run_clear(&h);
        switch (r) {
        case HOOK_OK:
                return CTL_VDSM_EXIT_OK;
        case HOOK_REFUSED:
                /* 2: VDSM raises HookError and runs no later hook on a domain we refused. */
                return CTL_VDSM_EXIT_FAILED_STOP;
        default:
                /* VDSM logs it; after_* hooks never stop anything. */
                return CTL_VDSM_EXIT_FAILED;
        }
}

int ctl_hook_run(const CtlArgs *a)
{
        if (g_str_equal(a->hook_kind, CTL_HOOK_QEMU))
                return run_qemu(a);
        return run_vdsm(a);
}
