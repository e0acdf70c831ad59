/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-hook.h"

#include <string.h>

#include "ctl-exit.h"

static const char *const action_names[_CTL_HOOK_ACTION_MAX] = {
        [CTL_HOOK_ACTION_NONE] = "none",
        [CTL_HOOK_ACTION_CLAIM] = "claim",
        [CTL_HOOK_ACTION_PREPARE] = "prepare",
        [CTL_HOOK_ACTION_RELEASE] = "release",
        [CTL_HOOK_ACTION_RECONCILE] = "reconcile",
};

const char *ctl_hook_action_to_string(CtlHookAction a)
{
        if (a < 0 || a >= _CTL_HOOK_ACTION_MAX)
                return NULL;
        return action_names[a];
}

CtlHookAction ctl_hook_action_from_string(const char *s)
{
        if (!s)
                return _CTL_HOOK_ACTION_INVALID;
        for (int i = 0; i < _CTL_HOOK_ACTION_MAX; i++)
                if (g_str_equal(action_names[i], s))
                        return i;
        return _CTL_HOOK_ACTION_INVALID;
}

typedef struct {
        const char *first, *second;
        CtlHookAction action;
        const char *reason;     /* VDSM releases */
} HookEntry;

/* libvirt's hook order is in RIG.md; "start begin"/"started begin" need nothing. */
static const HookEntry qemu_table[] = {
        { "prepare", "begin", CTL_HOOK_ACTION_CLAIM, NULL },
        { "migrate", "begin", CTL_HOOK_ACTION_PREPARE, NULL },
        { "stopped", "end", CTL_HOOK_ACTION_RELEASE, NULL },
        { "release", "end", CTL_HOOK_ACTION_RELEASE, NULL },
        { "reconnect", "begin", CTL_HOOK_ACTION_RECONCILE, NULL },
};

/*
 * VDSM's hook points (lib/vdsm/common/hooks.py). There is no "migration
 * failed" hook: a failed incoming migration ends in after_vm_destroy on
 * the destination, which releases the reservation.
 */
static const HookEntry vdsm_table[] = {
        { "before_vm_start", NULL, CTL_HOOK_ACTION_CLAIM, NULL },
        { "before_vm_migrate_destination", NULL, CTL_HOOK_ACTION_PREPARE, NULL },
        { "after_vm_migrate_source", NULL, CTL_HOOK_ACTION_RELEASE, "migrated" },
        { "after_vm_destroy", NULL, CTL_HOOK_ACTION_RELEASE, "destroyed" },
};

CtlHookAction ctl_hook_qemu_action(const char *op, const char *subop)
{
        if (!op || !subop)
                return CTL_HOOK_ACTION_NONE;
        for (size_t i = 0; i < G_N_ELEMENTS(qemu_table); i++)
                if (g_str_equal(qemu_table[i].first, op) && g_str_equal(qemu_table[i].second, subop))
                        return qemu_table[i].action;
        return CTL_HOOK_ACTION_NONE;
}

CtlHookAction ctl_hook_vdsm_action(const char *event, const char **reason)
{
        if (reason)
                *reason = "";
        if (!event)
                return CTL_HOOK_ACTION_NONE;
        for (size_t i = 0; i < G_N_ELEMENTS(vdsm_table); i++)
                if (g_str_equal(vdsm_table[i].first, event)) {
                        if (reason && vdsm_table[i].reason)
                                *reason = vdsm_table[i].reason;
                        return vdsm_table[i].action;
                }
        return CTL_HOOK_ACTION_NONE;
}

gboolean ctl_hook_action_may_refuse(CtlHookAction a)
{
        return a == CTL_HOOK_ACTION_CLAIM || a == CTL_HOOK_ACTION_PREPARE;
}

const char *ctl_hook_qemu_reason(const char *extra)
{
        if (!extra || g_str_equal(extra, "-"))
                return "";
        return extra;
}

static gboolean contains(const char *text, gsize len, const char *needle)
{
        return memmem(text, len, needle, strlen(needle)) != NULL;
}

gboolean ctl_hook_xml_may_have_vf(const char *text, gsize len)
{
        if (!text)
                return FALSE;
        /*
         * Element names cannot be escaped, but an attribute value can:
         * type='&#104;ostdev' is an interface of type hostdev. libvirt never
         * writes ASCII as references; if anything does, take the slow path.
         */
        return contains(text, len, "hostdev") || contains(text, len, "&#");
}

gboolean ctl_hook_check_text(const char *what, const char *text, gsize len, GError **error)
{
        const char *nul, *bad;

        if (len > CTL_HOOK_MAX_XML) {
                g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                            "%s is larger than %u bytes: refused", what, CTL_HOOK_MAX_XML);
                return FALSE;
        }
        if (!text || len == 0) {
                g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "%s is empty", what);
                return FALSE;
        }
        nul = memchr(text, '\0', len);
        if (nul) {
                g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                            "%s has a NUL byte at offset %td: refused", what, nul - text);
                return FALSE;
        }
        if (!g_utf8_validate(text, (gssize) len, &bad)) {
                g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                            "%s is not valid UTF-8 at offset %td: refused", what, bad - text);
                return FALSE;
        }
        return TRUE;
}

char *ctl_hook_format_lines(const char *message)
{
        g_auto(GStrv) lines = g_strsplit(message ? message : "", "\n", -1);
        GString *s = g_string_new(NULL);

        for (int i = 0; lines[i]; i++) {
                g_strstrip(lines[i]);
                if (*lines[i])
                        g_string_append_printf(s, "vfmig: %s\n", lines[i]);
        }
        if (s->len == 0)
                g_string_append(s, "vfmig: failed without a message\n");
        return g_string_free(s, FALSE);
}
