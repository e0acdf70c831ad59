/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-verbs.h"

#include "ctl-bus.h"
#include "ctl-exit.h"
#include "ctl-hook.h"
#include "ctl-io.h"
#include "ctl-profile.h"
#include "ctl-render.h"

static const char *str_or_empty(const char *s)
{
        return s ? s : "";
}

static gboolean verb_list(sd_bus *bus, const CtlArgs *a, GString *out, GError **error)
{
        g_autoptr(GPtrArray) pfs = NULL;
        g_autoptr(GPtrArray) vfs = NULL;
        g_autofree char *text = NULL;

        if (!ctl_bus_list(bus, &pfs, &vfs, error))
                return FALSE;
        text = a->json ? ctl_render_list_json(pfs, vfs) : ctl_render_list_table(pfs, vfs);
        g_string_append(out, text);
        return TRUE;
}

static gboolean show_props(sd_bus *bus, const char *object, const char *interface,
                           gboolean json, GString *out, GError **error)
{
        g_autoptr(GPtrArray) props = ctl_bus_get_all(bus, object, interface, error);
        g_autofree char *text = NULL;

        if (!props)
                return FALSE;
        text = json ? ctl_render_props_json(props) : ctl_render_props_table(props);
        g_string_append(out, text);
        return TRUE;
}

static gboolean verb_show(sd_bus *bus, const CtlArgs *a, GString *out, GError **error)
{
        g_autofree char *object = NULL;
        const char *interface;

        if (!ctl_bus_find_device(bus, a->device, &object, &interface, error))
                return FALSE;
        return show_props(bus, object, interface, a->json, out, error);
}

static gboolean verb_strv(sd_bus *bus, const CtlArgs *a, const char *method, const char *key,
                          const char *if_empty, GString *out, GError **error)
{
        g_auto(GStrv) lines = NULL;
        g_autofree char *text = NULL;

        if (!ctl_bus_call_manager(bus, method, &lines, error, NULL))
                return FALSE;
        if (a->json)
                text = ctl_render_strv_json(key, (const char *const *) lines);
        else
                text = ctl_render_strv_lines((const char *const *) lines, if_empty);
        g_string_append(out, text);
        return TRUE;
}

static gboolean verb_profile(sd_bus *bus, const CtlArgs *a, GString *out, GError **error)
{
        gboolean vf = ctl_pci_address_is_valid(a->target);
        g_autofree char *metadata = NULL;
        g_autofree char *text = NULL;

        /* A domain named like a PCI address cannot be asked by name: use its UUID. */
        if (!ctl_bus_call_string(bus, vf ? "GetVirtualFunctionProfile" : "GetDomainProfile",
                                 a->target, &metadata, error))
                return FALSE;
        if (a->xml) {
                g_string_append(out, metadata);
                if (!g_str_has_suffix(metadata, "\n"))
                        g_string_append_c(out, '\n');
                return TRUE;
        }
        text = a->json ? ctl_profile_metadata_to_json(metadata, vf, error)
                       : ctl_profile_metadata_to_table(metadata, error);
        if (!text)
                return FALSE;
        g_string_append(out, text);
        return TRUE;
}

static gboolean verb_migrations(sd_bus *bus, const CtlArgs *a, GString *out, GError **error)
{
        g_autoptr(GPtrArray) migrations = NULL;
        g_autofree char *text = NULL;

        if (!ctl_bus_list_migrations(bus, &migrations, error))
                return FALSE;
        text = a->json ? ctl_render_migrations_json(migrations)
                       : ctl_render_migrations_table(migrations);
        g_string_append(out, text);
        return TRUE;
}

/* check: the input is read and converted before any bus is needed. */
static CtlExit verb_check(const CtlArgs *a, GString *out, GError **error)
{
        g_autoptr(sd_bus) bus = NULL;
        g_autofree char *text = NULL;
        g_autofree char *request = NULL;
        g_autofree char *what = NULL;
        g_autofree char *rendered = NULL;
        g_auto(GStrv) lines = NULL;
        gboolean compatible = FALSE;
        gsize len = 0;

        what = g_str_equal(a->input, "-") ? g_strdup("standard input") : g_strdup(a->input);
        text = ctl_read_path_capped(a->input, CTL_HOOK_MAX_XML, &len, error);
        if (!text || !ctl_hook_check_text(what, text, len, error))
                return error && *error ? (*error)->code : CTL_EXIT_FAILURE;
        request = ctl_input_to_check_request(text, len, error);
        if (!request)
                return (*error)->code;
        bus = ctl_bus_connect(a->bus_address, error);
        if (!bus || !ctl_bus_check_incoming(bus, request, &compatible, &lines, error))
                return (*error)->code;
        if (a->json)
                rendered = ctl_render_check_json(compatible, (const char *const *) lines);
        else
                rendered = ctl_render_strv_lines((const char *const *) lines,
                                                 compatible ? "Compatible." : "Not compatible.");
        g_string_append(out, rendered);
        return compatible ? CTL_EXIT_SUCCESS : CTL_EXIT_NOT_COMPATIBLE;
}

static gboolean run_on_bus(sd_bus *bus, const CtlArgs *a, GString *out, GError **error)
{
        const char *dev = a->device;

        switch (a->verb) {
        case CTL_VERB_LIST:
                return verb_list(bus, a, out, error);
        case CTL_VERB_SHOW:
                return verb_show(bus, a, out, error);
        case CTL_VERB_STATUS:
                return show_props(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, a->json, out, error);
        case CTL_VERB_APPLY:
                return verb_strv(bus, a, "Apply", "changes", "Nothing to change: the host matches the configuration.",
                                 out, error);
        case CTL_VERB_RESCAN:
                return verb_strv(bus, a, "Rescan", "findings", "No changes found.", out, error);
        case CTL_VERB_PROVISION:
                return ctl_bus_call_manager(bus, "Provision", NULL, error, "su", dev, a->num_vfs);
        case CTL_VERB_BIND:
                return ctl_bus_call_manager(bus, "Bind", NULL, error, "ss", dev, str_or_empty(a->driver));
        case CTL_VERB_UNBIND:
                return ctl_bus_call_manager(bus, "Unbind", NULL, error, "s", dev);
        case CTL_VERB_CLAIM:
                return ctl_bus_call_manager(bus, "Claim", NULL, error, "sss", dev, a->owner_uuid,
                                            str_or_empty(a->owner_name));
        case CTL_VERB_RESERVE:
                return ctl_bus_call_manager(bus, "Reserve", NULL, error, "sssu", dev, a->owner_uuid,
                                            str_or_empty(a->owner_name), a->lease_sec);
        case CTL_VERB_ASSIGN:
                return ctl_bus_call_manager(bus, "Assign", NULL, error, "ss", dev, a->owner_uuid);
        case CTL_VERB_RELEASE:
                return ctl_bus_call_manager(bus, "Release", NULL, error, "ss", dev,
                                            str_or_empty(a->owner_uuid));
        case CTL_VERB_UNQUARANTINE:
                return ctl_bus_call_manager(bus, "Unquarantine", NULL, error, "s", dev);
        case CTL_VERB_PROFILE:
                return verb_profile(bus, a, out, error);
        case CTL_VERB_MIGRATIONS:
                return verb_migrations(bus, a, out, error);
        default:
                g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "no verb given");
                return FALSE;
        }
}

CtlExit ctl_verb_run(const CtlArgs *a, GString *out, GError **error)
{
        g_autoptr(sd_bus) bus = NULL;

        if (a->verb == CTL_VERB_CHECK)
                return verb_check(a, out, error);
        bus = ctl_bus_connect(a->bus_address, error);
        if (!bus || !run_on_bus(bus, a, out, error))
                return (*error)->code;
        return CTL_EXIT_SUCCESS;
}
