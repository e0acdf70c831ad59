/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-profile.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "core/domxml.h"
#include "core/pci-address.h"
#include "core/profile.h"
#include "ctl-exit.h"
#include "ctl-table.h"

static const char *const input_kind_names[_CTL_INPUT_MAX] = {
        [CTL_INPUT_XML] = "xml",
        [CTL_INPUT_JSON] = "json",
};

const char *ctl_input_kind_to_string(CtlInputKind k)
{
        if (k < 0 || k >= _CTL_INPUT_MAX)
                return NULL;
        return input_kind_names[k];
}

CtlInputKind ctl_input_kind_from_string(const char *s)
{
        if (!s)
                return _CTL_INPUT_INVALID;
        for (int i = 0; i < _CTL_INPUT_MAX; i++)
                if (g_str_equal(input_kind_names[i], s))
                        return i;
        return _CTL_INPUT_INVALID;
}

CtlInputKind ctl_input_classify(const char *text, gsize len)
{
        gsize i = 0;

        if (!text)
                return _CTL_INPUT_INVALID;
        /* A UTF-8 byte order mark is allowed before either form. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                i = 3;
        for (; i < len; i++) {
                switch (text[i]) {
                case ' ': case '\t': case '\r': case '\n':
                        continue;
                case '<':
                        return CTL_INPUT_XML;
                case '{': case '[':
                        return CTL_INPUT_JSON;
                default:
                        return _CTL_INPUT_INVALID;
                }
        }
        return _CTL_INPUT_INVALID;
}

static gboolean usage(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean usage(GError **error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        g_propagate_error(error, g_error_new_valist(CTL_ERROR, CTL_EXIT_USAGE, fmt, ap));
        va_end(ap);
        return FALSE;
}

/* A string member, or NULL for a missing or null one; FALSE for another type. */
static gboolean member_string(JsonObject *o, const char *name, const char **out)
{
        JsonNode *n = json_object_get_member(o, name);

        *out = NULL;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return TRUE;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return FALSE;
        *out = json_node_get_string(n);
        return TRUE;
}

/* One {"alias", "address", "profile"} object; where names it in errors. */
static DomxmlMetaDevice *device_from_json(JsonNode *node, const char *where, GError **error)
{
        g_autoptr(GError) local = NULL;
        g_autoptr(VfProfile) profile = NULL;
        char canon[PCI_ADDRESS_STRLEN];
        const char *alias, *address;
        DomxmlMetaDevice *m;
        JsonObject *o;
        JsonNode *pn;

        if (!JSON_NODE_HOLDS_OBJECT(node))
                return usage(error, "%s: expected an object with \"address\" and \"profile\"", where), NULL;
        o = json_node_get_object(node);
        pn = json_object_get_member(o, "profile");
        if (!pn) {
                /* A bare profile has no device address to check it under. */
                if (json_object_has_member(o, "type") || json_object_has_member(o, "version"))
                        return usage(error, "%s: a bare profile; give the device object that "
                                     "\"vfmigctl profile --json\" prints ({\"address\": ..., \"profile\": {...}})",
                                     where), NULL;
                return usage(error, "%s: no \"profile\" member", where), NULL;
        }
        if (!member_string(o, "alias", &alias))
                return usage(error, "%s: \"alias\" must be a string or null", where), NULL;
        if (!member_string(o, "address", &address) || !address)
                return usage(error, "%s: \"address\" must be a PCI address string", where), NULL;
        if (!pci_address_normalize(address, canon, &local))
                return usage(error, "%s: \"address\": %s", where, local->message), NULL;
        /* The metadata form has no empty alias: "" means none, like null. */
        if (alias && !*alias)
                alias = NULL;
        profile = profile_from_json_node(pn, &local);
        if (!profile)
                return usage(error, "%s (%s): %s", where, canon, local->message), NULL;
        m = domxml_meta_device_new(alias, canon, profile);
        if (!m)
                return usage(error, "%s (%s): not a device the metadata can describe", where, canon), NULL;
        return m;
}

static char *json_to_metadata(const char *text, gsize len, GError **error)
{
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) local = NULL;
        g_autoptr(GPtrArray) meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);
        JsonNode *root;

        /* json-glib recurses per nesting level and reads NUL escapes:
         * the core's check lexes as it does and refuses both first. */
        if (!profile_json_check(text, len, len, &local))
                return usage(error, "%s", local->message), NULL;
        if (!json_parser_load_from_data(parser, text, (gssize) len, &local))
                return usage(error, "not valid JSON: %s", local->message), NULL;
        root = json_parser_get_root(parser);
        if (root && JSON_NODE_HOLDS_ARRAY(root)) {
                JsonArray *a = json_node_get_array(root);
                guint n = json_array_get_length(a);

                if (n == 0)
                        return usage(error, "the JSON array names no device"), NULL;
                for (guint i = 0; i < n; i++) {
                        g_autofree char *where = g_strdup_printf("device %u of the array", i);
                        DomxmlMetaDevice *m = device_from_json(json_array_get_element(a, i), where, error);

                        if (!m)
                                return NULL;
                        g_ptr_array_add(meta, m);
                }
        } else if (root) {
                DomxmlMetaDevice *m = device_from_json(root, "the JSON object", error);

                if (!m)
                        return NULL;
                g_ptr_array_add(meta, m);
        } else {
                return usage(error, "empty JSON"), NULL;
        }
        return domxml_format_metadata(meta);
}

char *ctl_input_to_check_request(const char *text, gsize len, GError **error)
{
        switch (ctl_input_classify(text, len)) {
        case CTL_INPUT_XML:
                /* The agent parses it (domxml.h: one safe parser for both forms). */
                return g_strndup(text, len);
        case CTL_INPUT_JSON:
                return json_to_metadata(text, len, error);
        default:
                return usage(error, "neither XML nor JSON (expected a domain XML, the "
                             "vfmig metadata element, or the JSON of \"vfmigctl profile --json\")"), NULL;
        }
}

static GPtrArray *parse_metadata(const char *metadata, GError **error)
{
        g_autoptr(GError) local = NULL;
        GPtrArray *meta;

        if (!metadata)
                metadata = "";
        meta = domxml_parse_metadata(metadata, strlen(metadata), &local);
        if (!meta)
                g_set_error(error, CTL_ERROR, CTL_EXIT_FAILURE,
                            "cannot read the agent's profile metadata: %s", local->message);
        return meta;
}

static JsonNode *device_to_json(const DomxmlMetaDevice *m, GError **error)
{
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(GError) local = NULL;
        g_autofree char *pj = profile_to_json(m->profile, FALSE);

        /* profile_to_json is the one definition of the profile's JSON form. */
        if (!pj || !json_parser_load_from_data(parser, pj, -1, &local)) {
                g_set_error(error, CTL_ERROR, CTL_EXIT_FAILURE,
                            "%s: cannot convert its profile to JSON: %s", m->address,
                            local ? local->message : "no output");
                return NULL;
        }
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "alias");
        if (m->alias)
                json_builder_add_string_value(b, m->alias);
        else
                json_builder_add_null_value(b);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, m->address);
        json_builder_set_member_name(b, "profile");
        json_builder_add_value(b, json_node_copy(json_parser_get_root(parser)));
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

static char *generate(JsonNode *root)
{
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;

        json_generator_set_pretty(gen, TRUE);
        json_generator_set_indent(gen, 2);
        json_generator_set_root(gen, root);
        text = json_generator_to_data(gen, NULL);
        return g_strconcat(text, "\n", NULL);
}

char *ctl_profile_metadata_to_json(const char *metadata, gboolean single, GError **error)
{
        g_autoptr(GPtrArray) meta = parse_metadata(metadata, error);
        g_autoptr(JsonNode) root = NULL;

        if (!meta)
                return NULL;
        if (single) {
                if (meta->len != 1) {
                        g_set_error(error, CTL_ERROR, CTL_EXIT_FAILURE,
                                    "the agent's profile names %u devices, expected one", meta->len);
                        return NULL;
                }
                root = device_to_json(meta->pdata[0], error);
                if (!root)
                        return NULL;
        } else {
                JsonArray *a = json_array_new();

                root = json_node_init_array(json_node_alloc(), a);
                json_array_unref(a);
                for (guint i = 0; i < meta->len; i++) {
                        JsonNode *d = device_to_json(meta->pdata[i], error);

                        if (!d)
                                return NULL;
                        json_array_add_element(a, d);
                }
        }
        return generate(root);
}

/* A JSON scalar as a table cell. */
static char *scalar_text(JsonNode *n)
{
        if (JSON_NODE_HOLDS_NULL(n))
                return g_strdup("");
        if (JSON_NODE_HOLDS_VALUE(n)) {
                GType t = json_node_get_value_type(n);

                if (t == G_TYPE_STRING)
                        return g_strdup(json_node_get_string(n));
                if (t == G_TYPE_BOOLEAN)
                        return g_strdup(json_node_get_boolean(n) ? "yes" : "no");
                if (t == G_TYPE_INT64)
                        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
                if (t == G_TYPE_DOUBLE)
                        return g_strdup_printf("%g", json_node_get_double(n));
        }
        if (JSON_NODE_HOLDS_ARRAY(n)) {
                JsonArray *a = json_node_get_array(n);
                g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);

                for (guint i = 0; i < json_array_get_length(a); i++)
                        g_ptr_array_add(parts, scalar_text(json_array_get_element(a, i)));
                g_ptr_array_add(parts, NULL);
                return g_strjoinv(", ", (char **) parts->pdata);
        }
        return g_strdup("?");
}

/* Every member of the profile, nested objects as "limits.mtu". */
static void add_members(CtlTable *t, const char *prefix, JsonObject *o)
{
        g_autoptr(GList) names = json_object_get_members(o);

        for (GList *l = names; l; l = l->next) {
                const char *name = l->data;
                JsonNode *n = json_object_get_member(o, name);
                g_autofree char *key = prefix ? g_strconcat(prefix, ".", name, NULL) : g_strdup(name);

                if (JSON_NODE_HOLDS_OBJECT(n)) {
                        add_members(t, key, json_node_get_object(n));
                } else {
                        g_autofree char *value = scalar_text(n);

                        ctl_table_add(t, key, value);
                }
        }
}

char *ctl_profile_metadata_to_table(const char *metadata, GError **error)
{
        g_autoptr(GPtrArray) meta = parse_metadata(metadata, error);
        GString *s;

        if (!meta)
                return NULL;
        if (meta->len == 0)
                return g_strdup("No managed VF: no profile.\n");
        s = g_string_new(NULL);
        for (guint i = 0; i < meta->len; i++) {
                const DomxmlMetaDevice *m = meta->pdata[i];
                g_autoptr(JsonNode) d = device_to_json(m, error);
                g_autoptr(CtlTable) t = ctl_table_new(2, NULL);
                g_autofree char *text = NULL;

                if (!d) {
                        g_string_free(s, TRUE);
                        return NULL;
                }
                ctl_table_add(t, "device", m->alias ? m->alias : "");
                ctl_table_add(t, "address", m->address);
                add_members(t, NULL, json_object_get_object_member(json_node_get_object(d), "profile"));
                text = ctl_table_format(t);
                if (i > 0)
                        g_string_append_c(s, '\n');
                g_string_append(s, text);
        }
        return g_string_free(s, FALSE);
}
