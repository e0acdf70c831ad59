/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * vfmigctl's command line, parsed without side effects: argv in, a
 * CtlArgs out (or a GError with code CTL_EXIT_USAGE naming what is wrong).
 * Options may appear before or after the verb; "--" ends options.
 */
typedef enum {
        CTL_VERB_LIST,
        CTL_VERB_SHOW,
        CTL_VERB_PROVISION,
        CTL_VERB_BIND,
        CTL_VERB_UNBIND,
        CTL_VERB_CLAIM,
        CTL_VERB_RESERVE,
        CTL_VERB_ASSIGN,
        CTL_VERB_RELEASE,
        CTL_VERB_UNQUARANTINE,
        CTL_VERB_APPLY,
        CTL_VERB_RESCAN,
        CTL_VERB_STATUS,
        CTL_VERB_PROFILE,
        CTL_VERB_CHECK,
        CTL_VERB_MIGRATIONS,
        CTL_VERB_HOOK,
        _CTL_VERB_MAX,
        _CTL_VERB_INVALID = -EINVAL,
} CtlVerb;

const char *ctl_verb_to_string(CtlVerb v);
CtlVerb ctl_verb_from_string(const char *s);

typedef struct {
        CtlVerb verb;            /* _CTL_VERB_INVALID with --help/--version alone */
        gboolean help;           /* --help: of the verb if one is given, else of the tool */
        gboolean version;
        gboolean json;
        gboolean xml;            /* profile --xml: the metadata element as the agent gives it */
        char *bus_address;       /* NULL: the system bus */
        /* Verb arguments; NULL/0 when the verb has none or they are omitted. */
        char *device;            /* PCI address as typed (the agent normalizes) */
        char *driver;            /* bind: "" = the PF's policy driver */
        char *owner_uuid;        /* release: "" = administrative release */
        char *owner_name;
        guint num_vfs;
        gboolean has_lease;
        guint lease_sec;         /* reserve --lease; 0 = config default */
        char *target;            /* profile: a VF address, or a domain UUID or name */
        char *input;             /* check: a file name, or "-" for stdin */
        char *hook_kind;         /* hook: "qemu" or "vdsm" */
        char **hook_args;        /* hook: what libvirt/VDSM passed after the kind */
} CtlArgs;

CtlArgs *ctl_args_new(void);
void ctl_args_free(CtlArgs *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlArgs, ctl_args_free)

/* argv[0] is the program name. */
CtlArgs *ctl_args_parse(int argc, char *const *argv, GError **error);

/* Hook kinds (`vfmigctl hook KIND ...`) and how many arguments each takes. */
#define CTL_HOOK_QEMU "qemu"
#define CTL_HOOK_VDSM "vdsm"
#define CTL_HOOK_QEMU_NARGS 4   /* domain, operation, sub-operation, extra */
#define CTL_HOOK_VDSM_NARGS 1   /* the event (the hook directory's name) */

/* Local syntax checks only; the agent is the authority on the rest. */
gboolean ctl_pci_address_is_valid(const char *s);
gboolean ctl_parse_uint(const char *s, guint max, guint *out);

/* --help texts. */
char *ctl_args_help(void);
char *ctl_verb_help(CtlVerb v);
/* "show <pf|vf>" */
const char *ctl_verb_synopsis(CtlVerb v);
