/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-render.h"

#include <string.h>

#include "ctl-json.h"
#include "ctl-table.h"

static gint compare_pf(gconstpointer a, gconstpointer b)
{
        const CtlPf *x = *(const CtlPf *const *) a, *y = *(const CtlPf *const *) b;

        return strcmp(x->address, y->address);
}

static gint compare_vf(gconstpointer a, gconstpointer b)
{
        const CtlVf *x = *(const CtlVf *const *) a, *y = *(const CtlVf *const *) b;
        int r = strcmp(x->pf_address, y->pf_address);

        if (r != 0)
                return r;
        if (x->index != y->index)
                return x->index < y->index ? -1 : 1;
        return strcmp(x->address, y->address);
}

/* Sorted borrowed copies: output order must not depend on the agent's. */
static GPtrArray *sorted(GPtrArray *in, GCompareFunc cmp)
{
        GPtrArray *out = g_ptr_array_new();

        for (guint i = 0; in && i < in->len; i++)
                g_ptr_array_add(out, in->pdata[i]);
        g_ptr_array_sort(out, cmp);
        return out;
}

static char *owner_text(const CtlVf *vf)
{
        if (!*vf->owner_uuid)
                return g_strdup("");
        if (!*vf->owner_name)
                return g_strdup(vf->owner_uuid);
        return g_strdup_printf("%s (%s)", vf->owner_name, vf->owner_uuid);
}

char *ctl_render_list_table(GPtrArray *pfs, GPtrArray *vfs)
{
        static const char *const pf_headers[] = { "PF", "TYPE", "DRIVER", "VENDOR:DEVICE", "VFS", "TOTAL", NULL };
        static const char *const vf_headers[] = { "VF", "PF", "INDEX", "DRIVER", "STATE", "OWNER", NULL };
        g_autoptr(GPtrArray) p = sorted(pfs, compare_pf);
        g_autoptr(GPtrArray) v = sorted(vfs, compare_vf);
        g_autoptr(CtlTable) pt = ctl_table_new(6, pf_headers);
        g_autoptr(CtlTable) vt = ctl_table_new(6, vf_headers);
        g_autofree char *ptext = NULL;
        g_autofree char *vtext = NULL;

        if (p->len == 0)
                return g_strdup("No PFs managed.\n");

        ctl_table_set_align(pt, 4, CTL_ALIGN_RIGHT);
        ctl_table_set_align(pt, 5, CTL_ALIGN_RIGHT);
        for (guint i = 0; i < p->len; i++) {
                const CtlPf *pf = p->pdata[i];
                g_autofree char *ids = g_strdup_printf("%04x:%04x", pf->vendor_id, pf->device_id);
                g_autofree char *num = g_strdup_printf("%u", pf->num_vfs);
                g_autofree char *total = g_strdup_printf("%u", pf->total_vfs);

                ctl_table_add(pt, pf->address, pf->type, pf->driver, ids, num, total);
        }
        ptext = ctl_table_format(pt);
        if (v->len == 0)
                return g_steal_pointer(&ptext);

        ctl_table_set_align(vt, 2, CTL_ALIGN_RIGHT);
        for (guint i = 0; i < v->len; i++) {
                const CtlVf *vf = v->pdata[i];
                g_autofree char *index = g_strdup_printf("%u", vf->index);
                g_autofree char *owner = owner_text(vf);

                ctl_table_add(vt, vf->address, vf->pf_address, index, vf->driver, vf->state, owner);
        }
        vtext = ctl_table_format(vt);
        return g_strconcat(ptext, "\n", vtext, NULL);
}

static void json_string_or_null(CtlJson *j, const char *s)
{
        ctl_json_string(j, (s && *s) ? s : NULL);
}

char *ctl_render_list_json(GPtrArray *pfs, GPtrArray *vfs)
{
        g_autoptr(GPtrArray) p = sorted(pfs, compare_pf);
        g_autoptr(GPtrArray) v = sorted(vfs, compare_vf);
        g_autoptr(CtlJson) j = ctl_json_new(TRUE);

        ctl_json_begin_object(j);
        ctl_json_key(j, "pfs");
        ctl_json_begin_array(j);
        for (guint i = 0; i < p->len; i++) {
                const CtlPf *pf = p->pdata[i];

                ctl_json_begin_object(j);
                ctl_json_key(j, "address");
                ctl_json_string(j, pf->address);
                ctl_json_key(j, "type");
                json_string_or_null(j, pf->type);
                ctl_json_key(j, "total_vfs");
                ctl_json_uint(j, pf->total_vfs);
                ctl_json_key(j, "num_vfs");
                ctl_json_uint(j, pf->num_vfs);
                ctl_json_key(j, "driver");
                json_string_or_null(j, pf->driver);
                ctl_json_key(j, "vfs");
                ctl_json_begin_array(j);
                for (guint k = 0; k < v->len; k++) {
                        const CtlVf *vf = v->pdata[k];

                        if (!g_str_equal(vf->pf_address, pf->address))
                                continue;
                        ctl_json_begin_object(j);
                        ctl_json_key(j, "address");
                        ctl_json_string(j, vf->address);
                        ctl_json_key(j, "index");
                        ctl_json_uint(j, vf->index);
                        ctl_json_key(j, "driver");
                        json_string_or_null(j, vf->driver);
                        ctl_json_key(j, "state");
                        json_string_or_null(j, vf->state);
                        ctl_json_key(j, "owner");
                        if (*vf->owner_uuid) {
                                ctl_json_begin_object(j);
                                ctl_json_key(j, "uuid");
                                ctl_json_string(j, vf->owner_uuid);
                                ctl_json_key(j, "name");
                                json_string_or_null(j, vf->owner_name);
                                ctl_json_end_object(j);
                        } else {
                                ctl_json_null(j);
                        }
                        ctl_json_end_object(j);
                }
                ctl_json_end_array(j);
                ctl_json_end_object(j);
        }
        ctl_json_end_array(j);
        ctl_json_end_object(j);
        return ctl_json_steal(g_steal_pointer(&j));
}

char *ctl_format_usec(guint64 usec)
{
        g_autoptr(GDateTime) dt = NULL;

        if (usec == 0)
                return g_strdup("-");
        dt = g_date_time_new_from_unix_utc((gint64) (usec / G_USEC_PER_SEC));
        if (!dt)
                return g_strdup_printf("%" G_GUINT64_FORMAT, usec);
        return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC");
}

/* Properties of type t that hold µs since the epoch (docs/dbus-api.md). */
static gboolean is_timestamp(const CtlProp *p)
{
        return g_str_equal(p->signature, "t") &&
               (g_str_equal(p->name, "Since") || g_str_has_suffix(p->name, "Until"));
}

static char *value_text(const CtlProp *p)
{
        switch (p->kind) {
        case CTL_VALUE_STRING:
                return g_strdup(*p->s ? p->s : "-");
        case CTL_VALUE_UINT:
                if (is_timestamp(p))
                        return ctl_format_usec(p->u);
                /* Vendor and device IDs read best in hex, as lspci shows them. */
                if (g_str_equal(p->signature, "q"))
                        return g_strdup_printf("0x%04" G_GINT64_MODIFIER "x", p->u);
                return g_strdup_printf("%" G_GUINT64_FORMAT, p->u);
        case CTL_VALUE_INT:
                return g_strdup_printf("%" G_GINT64_FORMAT, p->i);
        case CTL_VALUE_BOOL:
                return g_strdup(p->b ? "yes" : "no");
        case CTL_VALUE_OTHER:
                return g_strdup_printf("(%s)", p->signature);
        default:
                g_return_val_if_reached(g_strdup("?"));
        }
}

/* Object paths of PFs/VFs read better as the addresses they encode. */
static char *strv_item_text(const CtlProp *p, const char *item)
{
        char *decoded;

        if (g_str_equal(p->signature, "ao") &&
            (decoded = ctl_path_label_decode(item)) != NULL) {
                if (*decoded)
                        return decoded;
                g_free(decoded);
        }
        return g_strdup(item);
}

char *ctl_render_props_table(GPtrArray *props)
{
        g_autoptr(CtlTable) t = ctl_table_new(2, NULL);

        ctl_table_set_empty(t, "");
        for (guint i = 0; i < props->len; i++) {
                const CtlProp *p = props->pdata[i];

                if (p->kind != CTL_VALUE_STRV) {
                        g_autofree char *v = value_text(p);

                        ctl_table_add(t, p->name, v);
                        continue;
                }
                if (!p->strv[0]) {
                        ctl_table_add(t, p->name, "-");
                        continue;
                }
                /* One row per item, the name on the first only. */
                for (guint k = 0; p->strv[k]; k++) {
                        g_autofree char *v = strv_item_text(p, p->strv[k]);

                        ctl_table_add(t, k == 0 ? p->name : "", v);
                }
        }
        return ctl_table_format(t);
}

char *ctl_render_props_json(GPtrArray *props)
{
        g_autoptr(CtlJson) j = ctl_json_new(TRUE);

        ctl_json_begin_object(j);
        for (guint i = 0; i < props->len; i++) {
                const CtlProp *p = props->pdata[i];
                g_autofree char *key = ctl_property_json_key(p->name);

                ctl_json_key(j, key);
                switch (p->kind) {
                case CTL_VALUE_STRING:
                        ctl_json_string(j, p->s);
                        break;
                case CTL_VALUE_UINT:
                        ctl_json_uint(j, p->u);
                        break;
                case CTL_VALUE_INT:
                        ctl_json_int(j, p->i);
                        break;
                case CTL_VALUE_BOOL:
                        ctl_json_bool(j, p->b);
                        break;
                case CTL_VALUE_STRV:
                        ctl_json_strv(j, (const char *const *) p->strv);
                        break;
                default:
                        ctl_json_null(j);
                        break;
                }
        }
        ctl_json_end_object(j);
        return ctl_json_steal(g_steal_pointer(&j));
}

char *ctl_render_strv_json(const char *key, const char *const *strv)
{
        g_autoptr(CtlJson) j = ctl_json_new(TRUE);

        ctl_json_begin_object(j);
        ctl_json_key(j, key);
        ctl_json_strv(j, strv);
        ctl_json_end_object(j);
        return ctl_json_steal(g_steal_pointer(&j));
}

static gint compare_migration(gconstpointer a, gconstpointer b)
{
        const CtlMigration *x = *(const CtlMigration *const *) a;
        const CtlMigration *y = *(const CtlMigration *const *) b;

        return x->id < y->id ? -1 : x->id > y->id;
}

char *ctl_render_migrations_table(GPtrArray *migrations)
{
        static const char *const headers[] = { "ID", "ROLE", "PHASE", "DOMAIN", NULL };
        g_autoptr(GPtrArray) m = sorted(migrations, compare_migration);
        g_autoptr(CtlTable) t = ctl_table_new(4, headers);

        if (m->len == 0)
                return g_strdup("No migrations.\n");
        ctl_table_set_align(t, 0, CTL_ALIGN_RIGHT);
        for (guint i = 0; i < m->len; i++) {
                const CtlMigration *mig = m->pdata[i];
                g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, mig->id);
                g_autofree char *domain = NULL;

                if (*mig->domain_name && *mig->domain_uuid)
                        domain = g_strdup_printf("%s (%s)", mig->domain_name, mig->domain_uuid);
                else
                        domain = g_strdup(*mig->domain_name ? mig->domain_name : mig->domain_uuid);
                ctl_table_add(t, id, mig->role, mig->phase, domain);
        }
        return ctl_table_format(t);
}

char *ctl_render_migrations_json(GPtrArray *migrations)
{
        g_autoptr(GPtrArray) m = sorted(migrations, compare_migration);
        g_autoptr(CtlJson) j = ctl_json_new(TRUE);

        ctl_json_begin_object(j);
        ctl_json_key(j, "migrations");
        ctl_json_begin_array(j);
        for (guint i = 0; i < m->len; i++) {
                const CtlMigration *mig = m->pdata[i];

                ctl_json_begin_object(j);
                ctl_json_key(j, "id");
                ctl_json_uint(j, mig->id);
                ctl_json_key(j, "object");
                ctl_json_string(j, mig->object);
                ctl_json_key(j, "role");
                ctl_json_string(j, mig->role);
                ctl_json_key(j, "phase");
                ctl_json_string(j, mig->phase);
                ctl_json_key(j, "domain_uuid");
                ctl_json_string(j, mig->domain_uuid);
                ctl_json_key(j, "domain_name");
                ctl_json_string(j, *mig->domain_name ? mig->domain_name : NULL);
                ctl_json_end_object(j);
        }
        ctl_json_end_array(j);
        ctl_json_end_object(j);
        return ctl_json_steal(g_steal_pointer(&j));
}

char *ctl_render_check_json(gboolean compatible, const char *const *lines)
{
        g_autoptr(CtlJson) j = ctl_json_new(TRUE);

        ctl_json_begin_object(j);
        ctl_json_key(j, "compatible");
        ctl_json_bool(j, compatible);
        ctl_json_key(j, "lines");
        ctl_json_strv(j, lines);
        ctl_json_end_object(j);
        return ctl_json_steal(g_steal_pointer(&j));
}

char *ctl_render_strv_lines(const char *const *strv, const char *if_empty)
{
        GString *s = g_string_new(NULL);

        if (!strv || !strv[0]) {
                if (if_empty)
                        g_string_append_printf(s, "%s\n", if_empty);
                return g_string_free(s, FALSE);
        }
        for (; *strv; strv++)
                g_string_append_printf(s, "%s\n", *strv);
        return g_string_free(s, FALSE);
}

char *ctl_property_json_key(const char *name)
{
        GString *s = g_string_new(NULL);

        for (gsize i = 0; name[i]; i++) {
                char c = name[i];

                if (i > 0 && g_ascii_isupper(c)) {
                        char prev = name[i - 1], next = name[i + 1];
                        /* "VFs": a plural s closing an acronym belongs to it. */
                        gboolean plural = next == 's' &&
                                          (name[i + 2] == '\0' || g_ascii_isupper(name[i + 2]));

                        if (g_ascii_islower(prev) || g_ascii_isdigit(prev) ||
                            (g_ascii_isupper(prev) && g_ascii_islower(next) && !plural))
                                g_string_append_c(s, '_');
                }
                g_string_append_c(s, g_ascii_tolower(c));
        }
        return g_string_free(s, FALSE);
}

/* "3b:00.2" and "0000:3b:00.2" name the same device. */
static gboolean names_device(const char *message, const char *device, gsize *len)
{
        g_autofree char *full = NULL;

        full = g_strconcat("0000:", device, NULL);
        if (g_ascii_strncasecmp(message, full, strlen(full)) == 0 &&
            g_str_has_prefix(message + strlen(full), ": ")) {
                *len = strlen(full) + 2;
                return TRUE;
        }
        if (g_ascii_strncasecmp(message, device, strlen(device)) == 0 &&
            g_str_has_prefix(message + strlen(device), ": ")) {
                *len = strlen(device) + 2;
                return TRUE;
        }
        return FALSE;
}

char *ctl_format_error(const char *verb, const char *device, const char *message)
{
        gsize skip = 0;

        if (!message || !*message)
                message = "unknown error";
        if (!device)
                return g_strdup_printf("vfmigctl: %s: %s", verb, message);
        if (names_device(message, device, &skip) && message[skip])
                message += skip;
        return g_strdup_printf("vfmigctl: %s %s: %s", verb, device, message);
}
