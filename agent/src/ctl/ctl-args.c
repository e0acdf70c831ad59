/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-args.h"

#include <stdarg.h>
#include <string.h>

#include "ctl-exit.h"

/* What a positional argument of a verb is, for checking and for help. */
typedef enum {
        ARG_NONE,
        ARG_DEVICE,     /* PF or VF address */
        ARG_PF,
        ARG_VF,
        ARG_NUM_VFS,
        ARG_DRIVER,
        ARG_OWNER_UUID,
        ARG_OWNER_NAME,
        ARG_TARGET,     /* VF address, or domain UUID or name */
        ARG_INPUT,      /* file name or "-" */
        ARG_HOOK_KIND,
        ARG_HOOK_ARG,   /* passed through from libvirt or VDSM */
} ArgKind;

#define MAX_VERB_ARGS 5

typedef struct {
        const char *name;
        const char *synopsis;     /* after the verb name */
        const char *summary;      /* one line, for the verb list */
        const char *description;  /* paragraph for "VERB --help" */
        ArgKind args[MAX_VERB_ARGS];
        guint n_required;
        gboolean lease_option;
        gboolean xml_option;
} VerbInfo;

static const VerbInfo verbs[_CTL_VERB_MAX] = {
        [CTL_VERB_LIST] = {
                "list", "", "List PFs and their VFs",
                "Show every managed PF and each of its VFs with driver, pool state and owner.",
                { ARG_NONE }, 0, FALSE,
        },
        [CTL_VERB_SHOW] = {
                "show", "<pf|vf>", "Show all properties of one PF or VF",
                "Show every property the agent publishes for the PF or VF at that PCI address.",
                { ARG_DEVICE }, 1, FALSE,
        },
        [CTL_VERB_PROVISION] = {
                "provision", "<pf> <num>", "Set the number of VFs of a PF",
                "Write sriov_numvfs of the PF. Refused while one of its VFs is claimed,\n"
                "reserved, assigned or releasing, and above sriov_totalvfs.",
                { ARG_PF, ARG_NUM_VFS }, 2, FALSE,
        },
        [CTL_VERB_BIND] = {
                "bind", "<vf> [driver]", "Bind a VF to a driver",
                "Bind the VF through driver_override. DRIVER is vfmig_virtio_pci or vfio-pci;\n"
                "without it, the driver the configuration names for the PF.",
                { ARG_VF, ARG_DRIVER }, 1, FALSE,
        },
        [CTL_VERB_UNBIND] = {
                "unbind", "<vf>", "Unbind a VF from its driver",
                "Unbind the VF from its driver. Refused while the VF is in use.",
                { ARG_VF }, 1, FALSE,
        },
        [CTL_VERB_CLAIM] = {
                "claim", "<vf> <owner-uuid> [owner-name]", "Claim a free VF for an owner",
                "Mark a free VF as claimed by the domain with that UUID (and name).\n"
                "Claiming again for the same owner succeeds and changes nothing.",
                { ARG_VF, ARG_OWNER_UUID, ARG_OWNER_NAME }, 2, FALSE,
        },
        [CTL_VERB_RESERVE] = {
                "reserve", "<vf> <owner-uuid> [owner-name]",
                "Reserve a free VF for an owner, with a lease",
                "Reserve a free VF for the domain with that UUID. The reservation expires\n"
                "after SEC seconds unless assigned; without --lease (or with 0), the\n"
                "configured reservation-lease-sec applies.",
                { ARG_VF, ARG_OWNER_UUID, ARG_OWNER_NAME }, 2, TRUE,
        },
        [CTL_VERB_ASSIGN] = {
                "assign", "<vf> <owner-uuid>", "Mark a claimed or reserved VF as assigned",
                "Move a VF claimed or reserved by that owner to the assigned state.",
                { ARG_VF, ARG_OWNER_UUID }, 2, FALSE,
        },
        [CTL_VERB_RELEASE] = {
                "release", "<vf> [owner-uuid]", "Release a VF back to the pool",
                "Release the VF held by that owner. Without OWNER-UUID, an administrative\n"
                "release of whatever owner holds it.",
                { ARG_VF, ARG_OWNER_UUID }, 1, FALSE,
        },
        [CTL_VERB_UNQUARANTINE] = {
                "unquarantine", "<vf>", "Return a quarantined VF to the pool",
                "Move a quarantined VF back to free once the admin has checked it.",
                { ARG_VF }, 1, FALSE,
        },
        [CTL_VERB_APPLY] = {
                "apply", "", "Converge the host to the configuration",
                "Make VF counts and drivers match vfmig.conf and list what changed.",
                { ARG_NONE }, 0, FALSE,
        },
        [CTL_VERB_RESCAN] = {
                "rescan", "", "Re-read sysfs and report outside changes",
                "Make the agent re-read sysfs and list what changed behind its back.",
                { ARG_NONE }, 0, FALSE,
        },
        [CTL_VERB_STATUS] = {
                "status", "", "Show the agent's version and startup report",
                "Show the agent's version, its sysfs root and state directory, the device\n"
                "counts and what it reported at startup.",
                { ARG_NONE }, 0, FALSE,
        },
        [CTL_VERB_PROFILE] = {
                "profile", "<vf|domain>", "Show the migration profile of a VF or a domain",
                "Show the migration profile of the VF at that PCI address, or of every VF\n"
                "the domain (UUID or name) holds here: what a destination VF must match.\n"
                "--json prints the JSON form, --xml the metadata element vfmig stores in\n"
                "the domain XML; both are accepted by \"vfmigctl check\".",
                { ARG_TARGET }, 1, FALSE, TRUE,
        },
        [CTL_VERB_CHECK] = {
                "check", "<file|->", "Check whether this host could take a migration in",
                "Ask the agent whether it could accept a domain: FILE (or standard input\n"
                "for -) holds the domain XML with vfmig metadata, the metadata element\n"
                "alone, or the JSON that \"vfmigctl profile --json\" prints. Nothing is\n"
                "reserved. One line per device says which VF it would get or why none\n"
                "fits; exit status 0 when every device fits, 6 when one does not.",
                { ARG_INPUT }, 1, FALSE,
        },
        [CTL_VERB_MIGRATIONS] = {
                "migrations", "", "List the migrations the agent tracks",
                "List the migrations this host took part in (unfinished ones and the most\n"
                "recent finished ones): id, role, phase and domain.",
                { ARG_NONE }, 0, FALSE,
        },
        [CTL_VERB_HOOK] = {
                "hook", "<qemu|vdsm> <args...>",
                "Entry point of the libvirt and VDSM hooks",
                "  hook qemu DOMAIN OP SUBOP EXTRA   (libvirt: domain XML on standard input)\n"
                "  hook vdsm EVENT                   (VDSM: domain XML in the file $_hook_domxml)\n"
                "Run by the installed libvirt and VDSM hook scripts, not meant for people.\n"
                "Exit status follows libvirt's and VDSM's conventions; see vfmigctl(8), HOOKS.",
                { ARG_HOOK_KIND, ARG_HOOK_ARG, ARG_HOOK_ARG, ARG_HOOK_ARG, ARG_HOOK_ARG }, 2, FALSE,
        },
};

const char *ctl_verb_to_string(CtlVerb v)
{
        if (v < 0 || v >= _CTL_VERB_MAX)
                return NULL;
        return verbs[v].name;
}

CtlVerb ctl_verb_from_string(const char *s)
{
        if (!s)
                return _CTL_VERB_INVALID;
        for (int i = 0; i < _CTL_VERB_MAX; i++)
                if (verbs[i].name && g_str_equal(verbs[i].name, s))
                        return i;
        return _CTL_VERB_INVALID;
}

const char *ctl_verb_synopsis(CtlVerb v)
{
        if (v < 0 || v >= _CTL_VERB_MAX)
                return NULL;
        return verbs[v].synopsis;
}

CtlArgs *ctl_args_new(void)
{
        CtlArgs *a = g_new0(CtlArgs, 1);

        a->verb = _CTL_VERB_INVALID;
        return a;
}

void ctl_args_free(CtlArgs *a)
{
        if (!a)
                return;
        g_free(a->bus_address);
        g_free(a->device);
        g_free(a->driver);
        g_free(a->owner_uuid);
        g_free(a->owner_name);
        g_free(a->target);
        g_free(a->input);
        g_free(a->hook_kind);
        g_strfreev(a->hook_args);
        g_free(a);
}

static gboolean is_hex_n(const char *s, guint n)
{
        for (guint i = 0; i < n; i++)
                if (!g_ascii_isxdigit(s[i]))
                        return FALSE;
        return TRUE;
}

gboolean ctl_pci_address_is_valid(const char *s)
{
        gsize len;

        if (!s)
                return FALSE;
        len = strlen(s);
        /* The domain is optional ("3b:00.2" means 0000:3b:00.2). */
        if (len == strlen("0000:00:00.0")) {
                if (!is_hex_n(s, 4) || s[4] != ':')
                        return FALSE;
                s += 5;
        } else if (len != strlen("00:00.0")) {
                return FALSE;
        }
        if (!is_hex_n(s, 2) || s[2] != ':' || !is_hex_n(s + 3, 2) || s[5] != '.')
                return FALSE;
        /* Slot is 5 bits, function 3 bits. */
        if (g_ascii_xdigit_value(s[3]) * 16 + g_ascii_xdigit_value(s[4]) > 0x1f)
                return FALSE;
        return s[6] >= '0' && s[6] <= '7';
}

gboolean ctl_parse_uint(const char *s, guint max, guint *out)
{
        guint64 v;
        char *end;

        /* Digits only: strtoull would take "-1", " 1" and "0x10". */
        if (!s || !*s)
                return FALSE;
        for (const char *p = s; *p; p++)
                if (!g_ascii_isdigit(*p))
                        return FALSE;
        errno = 0;
        v = g_ascii_strtoull(s, &end, 10);
        if (errno != 0 || *end || v > max)
                return FALSE;
        *out = (guint) v;
        return TRUE;
}

static const char *kind_label(ArgKind k)
{
        switch (k) {
        case ARG_DEVICE: return "device";
        case ARG_PF: return "PF";
        case ARG_VF: return "VF";
        case ARG_NUM_VFS: return "number of VFs";
        case ARG_DRIVER: return "driver";
        case ARG_OWNER_UUID: return "owner UUID";
        case ARG_OWNER_NAME: return "owner name";
        case ARG_TARGET: return "VF or domain";
        case ARG_INPUT: return "file (or - for standard input)";
        case ARG_HOOK_KIND: return "hook kind (qemu or vdsm)";
        case ARG_HOOK_ARG: return "hook argument";
        default: return "argument";
        }
}

/* Prefix of usage errors: "claim 0000:3b:00.2" or just "claim". */
static char *context(const CtlArgs *a)
{
        if (a->hook_kind)
                return g_strdup_printf("%s %s", ctl_verb_to_string(a->verb), a->hook_kind);
        if (a->device)
                return g_strdup_printf("%s %s", ctl_verb_to_string(a->verb), a->device);
        return g_strdup(ctl_verb_to_string(a->verb));
}

static gboolean take_arg(CtlArgs *a, ArgKind kind, const char *value, GError **error)
{
        g_autofree char *ctx = NULL;

        switch (kind) {
        case ARG_DEVICE:
        case ARG_PF:
        case ARG_VF:
                if (!ctl_pci_address_is_valid(value)) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: \"%s\" is not a PCI address (expected DDDD:BB:SS.F or BB:SS.F)",
                                    ctx, value);
                        return FALSE;
                }
                a->device = g_strdup(value);
                return TRUE;
        case ARG_NUM_VFS:
                if (!ctl_parse_uint(value, G_MAXUINT32, &a->num_vfs)) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: \"%s\" is not a number of VFs (expected a non-negative integer)",
                                    ctx, value);
                        return FALSE;
                }
                return TRUE;
        case ARG_DRIVER:
                if (!*value || strchr(value, '/')) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: \"%s\" is not a driver name", ctx, value);
                        return FALSE;
                }
                a->driver = g_strdup(value);
                return TRUE;
        case ARG_OWNER_UUID:
                if (!g_uuid_string_is_valid(value)) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: \"%s\" is not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                                    ctx, value);
                        return FALSE;
                }
                a->owner_uuid = g_strdup(value);
                return TRUE;
        case ARG_OWNER_NAME:
                a->owner_name = g_strdup(value);
                return TRUE;
        case ARG_TARGET:
                /* A domain name can be almost anything; only "" names nothing. */
                if (!*value) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: an empty name is neither a VF nor a domain", ctx);
                        return FALSE;
                }
                a->target = g_strdup(value);
                return TRUE;
        case ARG_INPUT:
                if (!*value) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: an empty file name (use - for standard input)", ctx);
                        return FALSE;
                }
                a->input = g_strdup(value);
                return TRUE;
        case ARG_HOOK_KIND:
                if (!g_str_equal(value, CTL_HOOK_QEMU) && !g_str_equal(value, CTL_HOOK_VDSM)) {
                        ctx = context(a);
                        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                                    "%s: unknown hook kind \"%s\" (expected qemu or vdsm)", ctx, value);
                        return FALSE;
                }
                a->hook_kind = g_strdup(value);
                return TRUE;
        case ARG_HOOK_ARG:
                /* Passed through as libvirt/VDSM gave them; checked by the hook code. */
                return TRUE;
        default:
                g_assert_not_reached();
        }
}

static gboolean usage_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean usage_error(GError **error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        g_propagate_error(error, g_error_new_valist(CTL_ERROR, CTL_EXIT_USAGE, fmt, ap));
        va_end(ap);
        return FALSE;
}

/* "--name VALUE" or "--name=VALUE"; advances *i past a separate value. */
static gboolean option_value(int argc, char *const *argv, int *i, const char *name,
                             const char **value, GError **error)
{
        const char *arg = argv[*i];
        gsize n = strlen(name);

        if (arg[n] == '=') {
                *value = arg + n + 1;
                return TRUE;
        }
        if (*i + 1 >= argc)
                return usage_error(error, "option %s needs a value", name);
        *value = argv[++*i];
        return TRUE;
}

static gboolean option_is(const char *arg, const char *name)
{
        gsize n = strlen(name);

        return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

CtlArgs *ctl_args_parse(int argc, char *const *argv, GError **error)
{
        g_autoptr(CtlArgs) a = ctl_args_new();
        g_autoptr(GPtrArray) positional = g_ptr_array_new();
        const char *lease = NULL;
        gboolean options_done = FALSE;
        const VerbInfo *vi;
        guint n_max = 0;

        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];
                const char *value;

                if (options_done || arg[0] != '-' || arg[1] == '\0') {
                        g_ptr_array_add(positional, (gpointer) arg);
                        continue;
                }
                if (g_str_equal(arg, "--")) {
                        options_done = TRUE;
                } else if (g_str_equal(arg, "-h") || g_str_equal(arg, "--help")) {
                        a->help = TRUE;
                } else if (g_str_equal(arg, "-V") || g_str_equal(arg, "--version")) {
                        a->version = TRUE;
                } else if (g_str_equal(arg, "-j") || g_str_equal(arg, "--json")) {
                        a->json = TRUE;
                } else if (g_str_equal(arg, "--xml")) {
                        a->xml = TRUE;
                } else if (option_is(arg, "--bus-address")) {
                        if (!option_value(argc, argv, &i, "--bus-address", &value, error))
                                return NULL;
                        if (!*value)
                                return usage_error(error, "option --bus-address needs a non-empty value"), NULL;
                        g_free(a->bus_address);
                        a->bus_address = g_strdup(value);
                } else if (option_is(arg, "--lease")) {
                        if (!option_value(argc, argv, &i, "--lease", &lease, error))
                                return NULL;
                } else {
                        return usage_error(error, "unknown option \"%s\"", arg), NULL;
                }
        }

        if (positional->len == 0) {
                if (a->help || a->version)
                        return g_steal_pointer(&a);
                return usage_error(error, "no verb given"), NULL;
        }

        a->verb = ctl_verb_from_string(positional->pdata[0]);
        if (a->verb < 0)
                return usage_error(error, "unknown verb \"%s\"", (const char *) positional->pdata[0]), NULL;
        /* "VERB --help" needs no valid arguments. */
        if (a->help || a->version)
                return g_steal_pointer(&a);

        vi = &verbs[a->verb];
        while (n_max < MAX_VERB_ARGS && vi->args[n_max] != ARG_NONE)
                n_max++;
        if (positional->len - 1 < vi->n_required)
                return usage_error(error, "%s: missing %s (usage: %s %s)", vi->name,
                                   kind_label(vi->args[positional->len - 1]),
                                   vi->name, vi->synopsis), NULL;
        if (positional->len - 1 > n_max)
                return usage_error(error, "%s: unexpected argument \"%s\" (usage: %s%s%s)", vi->name,
                                   (const char *) positional->pdata[n_max + 1],
                                   vi->name, *vi->synopsis ? " " : "", vi->synopsis), NULL;

        for (guint k = 0; k + 1 < positional->len; k++)
                if (!take_arg(a, vi->args[k], positional->pdata[k + 1], error))
                        return NULL;

        if (a->verb == CTL_VERB_HOOK) {
                guint want = g_str_equal(a->hook_kind, CTL_HOOK_QEMU) ? CTL_HOOK_QEMU_NARGS
                                                                      : CTL_HOOK_VDSM_NARGS;
                g_autofree char *ctx = context(a);

                if (positional->len - 2 != want)
                        return usage_error(error, "%s: expected %u argument%s after the kind, got %u",
                                           ctx, want, want == 1 ? "" : "s", positional->len - 2), NULL;
                a->hook_args = g_new0(char *, want + 1);
                for (guint k = 0; k < want; k++)
                        a->hook_args[k] = g_strdup(positional->pdata[k + 2]);
        }
        if (a->xml) {
                g_autofree char *ctx = context(a);

                if (!vi->xml_option)
                        return usage_error(error, "%s: option --xml only applies to profile", ctx), NULL;
                if (a->json)
                        return usage_error(error, "%s: --json and --xml exclude each other", ctx), NULL;
        }

        if (lease) {
                g_autofree char *ctx = context(a);

                if (!vi->lease_option)
                        return usage_error(error, "%s: option --lease only applies to reserve", ctx), NULL;
                if (!ctl_parse_uint(lease, G_MAXUINT32, &a->lease_sec))
                        return usage_error(error, "%s: \"%s\" is not a lease in seconds", ctx, lease), NULL;
                a->has_lease = TRUE;
        }
        return g_steal_pointer(&a);
}

static void append_exit_codes(GString *s)
{
        g_string_append(s, "\nExit status:\n");
        for (int e = 0; e < _CTL_EXIT_MAX; e++)
                g_string_append_printf(s, "  %d  %s\n", e, ctl_exit_description(e));
}

static const char common_options[] =
        "  -j, --json                 Machine-readable JSON output (see vfmigctl(8))\n"
        "      --bus-address ADDRESS  Connect to this D-Bus address instead of the system\n"
        "                             bus ($DBUS_SYSTEM_BUS_ADDRESS is honoured too)\n"
        "  -h, --help                 Show this help (\"vfmigctl VERB --help\" for a verb)\n"
        "  -V, --version              Show the version\n";

char *ctl_args_help(void)
{
        GString *s = g_string_new(NULL);
        int width = 0;

        g_string_append(s,
                        "Usage: vfmigctl [OPTIONS] VERB [ARGUMENTS]\n"
                        "\n"
                        "Manage the SR-IOV PFs and VFs of the vfmig agent (vfmigd,\n"
                        "org.vfmig.Agent1) over D-Bus. Devices are named by PCI address.\n"
                        "\n"
                        "Verbs:\n");
        for (int v = 0; v < _CTL_VERB_MAX; v++) {
                int w = (int) (strlen(verbs[v].name) + 1 + strlen(verbs[v].synopsis));

                width = MAX(width, w);
        }
        for (int v = 0; v < _CTL_VERB_MAX; v++) {
                g_autofree char *left = g_strdup_printf("%s %s", verbs[v].name, verbs[v].synopsis);

                g_string_append_printf(s, "  %-*s  %s\n", width, left, verbs[v].summary);
        }
        g_string_append(s, "\nOptions:\n");
        g_string_append(s, common_options);
        g_string_append(s, "      --lease SEC            (reserve) Lease in seconds, 0 = configured default\n");
        g_string_append(s, "      --xml                  (profile) Print the metadata element, not a table\n");
        append_exit_codes(s);
        return g_string_free(s, FALSE);
}

char *ctl_verb_help(CtlVerb v)
{
        GString *s;

        g_return_val_if_fail(v >= 0 && v < _CTL_VERB_MAX, NULL);
        s = g_string_new(NULL);
        g_string_append_printf(s, "Usage: vfmigctl [OPTIONS] %s%s%s%s%s\n\n%s.\n\n%s\n\nOptions:\n",
                               verbs[v].name, *verbs[v].synopsis ? " " : "", verbs[v].synopsis,
                               verbs[v].lease_option ? " [--lease SEC]" : "",
                               verbs[v].xml_option ? " [--xml]" : "",
                               verbs[v].summary, verbs[v].description);
        g_string_append(s, common_options);
        if (verbs[v].lease_option)
                g_string_append(s, "      --lease SEC            Lease in seconds, 0 = configured default\n");
        if (verbs[v].xml_option)
                g_string_append(s, "      --xml                  Print the metadata element, not a table\n");
        append_exit_codes(s);
        return g_string_free(s, FALSE);
}
