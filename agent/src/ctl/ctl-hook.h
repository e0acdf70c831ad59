/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * The decisions of `vfmigctl hook`, apart from its I/O: which agent call
 * a libvirt or VDSM hook invocation means, whether a domain XML can have
 * a VF at all (the fast path that never touches the bus), whether the
 * bytes a hook was handed may be sent to the agent, and how errors become
 * the hook's stderr lines and exit code.
 */

/* What a hook invocation asks of the agent. */
typedef enum {
        CTL_HOOK_ACTION_NONE,       /* nothing: exit 0 at once, stdin unread */
        CTL_HOOK_ACTION_CLAIM,      /* ClaimForDomain */
        CTL_HOOK_ACTION_PREPARE,    /* PrepareIncoming, and hand the XML back */
        CTL_HOOK_ACTION_RELEASE,    /* ReleaseDomain */
        CTL_HOOK_ACTION_RECONCILE,  /* ReconcileDomain */
        _CTL_HOOK_ACTION_MAX,
        _CTL_HOOK_ACTION_INVALID = -EINVAL,
} CtlHookAction;

const char *ctl_hook_action_to_string(CtlHookAction a);  /* "none", "claim", ... */
CtlHookAction ctl_hook_action_from_string(const char *s);

/*
 * libvirt's qemu hook: "prepare begin" claims, "migrate begin" prepares
 * an incoming migration, "stopped end" and "release end" release,
 * "reconnect begin" reconciles; everything else is NONE.
 */
CtlHookAction ctl_hook_qemu_action(const char *op, const char *subop);

/*
 * VDSM: before_vm_start claims, before_vm_migrate_destination prepares,
 * after_vm_migrate_source and after_vm_destroy release; other events NONE.
 * *reason (may be NULL) receives the release reason ("migrated",
 * "destroyed") or "".
 */
CtlHookAction ctl_hook_vdsm_action(const char *event, const char **reason);

/*
 * Whether a failure of this action may stop libvirt or VDSM. Releases and
 * reconciliation never do: a stop must always go through, and a failing
 * reconnect hook makes libvirtd kill the running guest.
 */
gboolean ctl_hook_action_may_refuse(CtlHookAction a);

/* The reason libvirt passes as the hook's 4th argument; "-" means none. */
const char *ctl_hook_qemu_reason(const char *extra);

/* At most this many bytes of domain XML are read (as domxml.h accepts). */
#define CTL_HOOK_MAX_XML (4u * 1024 * 1024)

/*
 * FALSE when the text cannot describe a PCI hostdev or an interface of
 * type hostdev: it contains no "hostdev" at all and no character
 * reference that could spell it. Such a domain has no VF for vfmig and
 * is answered without contacting the agent. TRUE means "maybe".
 */
gboolean ctl_hook_xml_may_have_vf(const char *text, gsize len);

/*
 * The bytes may go to the agent: at most CTL_HOOK_MAX_XML, not empty, no
 * NUL byte, valid UTF-8 (D-Bus strings must be). The error (CTL_ERROR,
 * usage) names what ("the domain XML") and says which rule and where.
 */
gboolean ctl_hook_check_text(const char *what, const char *text, gsize len, GError **error);

/*
 * The stderr text of a hook failure: every non-empty line of message,
 * each as "vfmig: LINE\n" (one line per device for refusals). An empty
 * message gives one line saying so.
 */
char *ctl_hook_format_lines(const char *message);

/* VDSM hook exit codes (vdsm/hooking.py): 2 fails and stops the hook chain. */
#define CTL_VDSM_EXIT_OK 0
#define CTL_VDSM_EXIT_FAILED 1        /* failed, later hooks still run */
#define CTL_VDSM_EXIT_FAILED_STOP 2   /* failed, no further hook runs */
