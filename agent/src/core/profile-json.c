/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON form of a profile (docs/profile.md). Input comes from people and
 * orchestrators (vfmigctl check, CheckIncoming), so the parser trusts
 * nothing: every member is type- and range-checked, and an error names the
 * member and what was wrong with it.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "profile.h"
#include "vfmig-error.h"

/* A profile is a few hundred bytes; anything much larger is not one. */
#define PROFILE_JSON_MAX_SIZE (64 * 1024)
/* The form nests two levels (profile, limits). json-glib 1.6 parses
 * recursively and overflows the stack at about 100000 levels (200 KB of
 * brackets), so nesting is limited before it sees the text. */
#define PROFILE_JSON_MAX_DEPTH 8
#define PROFILE_STRING_MAX 256

/* ---- writing ---- */

static void add_hex64(JsonBuilder *b, const char *name, guint64 v)
{
        g_autofree char *s = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", v);

        json_builder_set_member_name(b, name);
        json_builder_add_string_value(b, s);
}

static void add_id(JsonBuilder *b, const char *name, guint16 v)
{
        g_autofree char *s = g_strdup_printf("0x%04x", v);

        json_builder_set_member_name(b, name);
        json_builder_add_string_value(b, s);
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
        json_builder_set_member_name(b, name);
        json_builder_add_int_value(b, v);
}

static void add_bool(JsonBuilder *b, const char *name, gboolean v)
{
        json_builder_set_member_name(b, name);
        json_builder_add_boolean_value(b, v);
}

static void add_string_or_null(JsonBuilder *b, const char *name, const char *v)
{
        json_builder_set_member_name(b, name);
        if (v)
                json_builder_add_string_value(b, v);
        else
                json_builder_add_null_value(b);
}

char *profile_to_json(const VfProfile *p, gboolean pretty)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *stream = NULL, *flags = NULL;
        const char *type, *source;

        g_return_val_if_fail(p, NULL);
        type = device_type_to_string(p->type);
        source = profile_source_to_string(p->source);

        json_builder_begin_object(b);
        add_int(b, "version", p->version);
        add_string_or_null(b, "type", type);
        add_string_or_null(b, "source", source);
        add_hex64(b, "features", p->features);
        add_hex64(b, "driver_features", p->driver_features);

        json_builder_set_member_name(b, "limits");
        json_builder_begin_object(b);
        add_int(b, "max_queue_pairs", p->limits.max_queue_pairs);
        add_int(b, "mtu", p->limits.mtu);
        add_int(b, "capacity_sectors", (gint64) p->limits.capacity_sectors);
        add_int(b, "block_size", p->limits.block_size);
        add_int(b, "num_queues", p->limits.num_queues);
        json_builder_end_object(b);

        stream = g_strdup_printf("%u.%u", p->stream_major, p->stream_minor);
        json_builder_set_member_name(b, "stream_version");
        json_builder_add_string_value(b, stream);
        json_builder_set_member_name(b, "migration_flags");
        flags = g_strdup_printf("0x%08x", p->migration_flags);
        json_builder_add_string_value(b, flags);
        add_bool(b, "legacy_io", p->legacy_io);
        add_string_or_null(b, "mac", p->mac);
        add_bool(b, "mac_settable", p->mac_settable);
        add_id(b, "pf_vendor_id", p->pf_vendor_id);
        add_id(b, "pf_device_id", p->pf_device_id);
        add_id(b, "vendor_id", p->vendor_id);
        add_id(b, "device_id", p->device_id);
        add_id(b, "subsystem_vendor_id", p->subsystem_vendor_id);
        add_id(b, "subsystem_id", p->subsystem_id);
        add_string_or_null(b, "firmware", p->firmware);
        add_string_or_null(b, "driver", p->driver);
        json_builder_end_object(b);

        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        json_generator_set_pretty(gen, pretty);
        return json_generator_to_data(gen, NULL);
}

/* ---- reading ---- */

static gboolean fail(GError **error, const char *member, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);
static gboolean fail(GError **error, const char *member, const char *fmt, ...)
{
        g_autofree char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                    "profile member \"%s\": %s", member, msg);
        return FALSE;
}

static const char *value_kind(JsonNode *n)
{
        if (JSON_NODE_HOLDS_NULL(n))
                return "null";
        if (JSON_NODE_HOLDS_OBJECT(n))
                return "an object";
        if (JSON_NODE_HOLDS_ARRAY(n))
                return "an array";
        switch (json_node_get_value_type(n)) {
        case G_TYPE_INT64:
                return "an integer";
        case G_TYPE_DOUBLE:
                return "a fractional number";
        case G_TYPE_BOOLEAN:
                return "a boolean";
        case G_TYPE_STRING:
                return "a string";
        default:
                return "an unknown value";
        }
}

/* Strings for free text (firmware, driver): short and printable, since
 * they end up in logs and on terminals. */
static gboolean get_text(JsonObject *o, const char *member, gboolean nullable,
                         char **out, GError **error)
{
        JsonNode *n = json_object_get_member(o, member);
        const char *s;

        if (!n || (nullable && JSON_NODE_HOLDS_NULL(n))) {
                *out = NULL;
                return TRUE;
        }
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return fail(error, member, "expected a string%s, got %s",
                            nullable ? " or null" : "", value_kind(n));
        s = json_node_get_string(n);
        if (strlen(s) > PROFILE_STRING_MAX)
                return fail(error, member, "longer than %d bytes", PROFILE_STRING_MAX);
        /* json-glib turns a lone surrogate escape ("\ud800") into bytes
         * that are not UTF-8: neither the XML form nor D-Bus carries them. */
        if (!g_utf8_validate(s, -1, NULL))
                return fail(error, member, "not valid UTF-8");
        /* C0, DEL and C1 (U+009B is an 8-bit CSI), as the XML reader. */
        for (const char *c = s; *c; c = g_utf8_next_char(c))
                if (g_unichar_iscntrl(g_utf8_get_char(c)))
                        return fail(error, member, "contains a control character");
        *out = g_strdup(s);
        return TRUE;
}

static gboolean get_hex(JsonObject *o, const char *member, guint64 max,
                        guint64 *out, GError **error)
{
        g_autofree char *s = NULL;
        guint64 v;

        if (!json_object_has_member(o, member)) {
                *out = 0;
                return TRUE;
        }
        if (!get_text(o, member, FALSE, &s, error))
                return FALSE;
        /* Exactly "0x" and 1-16 hex digits: no sign, no spaces, no
         * decimal, so a value means the same to every reader. */
        if (!g_str_has_prefix(s, "0x") || s[2] == '\0' || strlen(s) > 18 ||
            strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2))
                return fail(error, member, "expected a \"0x...\" hex string, got \"%s\"", s);
        v = g_ascii_strtoull(s + 2, NULL, 16);
        if (v > max)
                return fail(error, member, "%s is above 0x%" G_GINT64_MODIFIER "x", s, max);
        *out = v;
        return TRUE;
}

static gboolean get_uint(JsonObject *o, const char *member, guint64 max,
                         guint64 *out, GError **error)
{
        JsonNode *n = json_object_get_member(o, member);
        gint64 v;

        if (!n) {
                *out = 0;
                return TRUE;
        }
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
                return fail(error, member, "expected an integer, got %s", value_kind(n));
        v = json_node_get_int(n);
        if (v < 0 || (guint64) v > max)
                return fail(error, member, "%" G_GINT64_FORMAT " is out of range 0..%"
                            G_GUINT64_FORMAT, v, max);
        *out = (guint64) v;
        return TRUE;
}

static gboolean get_bool(JsonObject *o, const char *member, gboolean *out,
                         GError **error)
{
        JsonNode *n = json_object_get_member(o, member);

        if (!n) {
                *out = FALSE;
                return TRUE;
        }
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
                return fail(error, member, "expected true or false, got %s", value_kind(n));
        *out = json_node_get_boolean(n);
        return TRUE;
}

static gboolean get_id(JsonObject *o, const char *member, guint16 *out,
                       GError **error)
{
        guint64 v;

        if (!get_hex(o, member, G_MAXUINT16, &v, error))
                return FALSE;
        *out = (guint16) v;
        return TRUE;
}

static gboolean parse_mac(const char *s, char **out)
{
        guint8 b[6];

        if (strlen(s) != 17)
                return FALSE;
        for (int i = 0; i < 6; i++) {
                const char *p = s + i * 3;

                if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1]) ||
                    (i < 5 && p[2] != ':'))
                        return FALSE;
                b[i] = (guint8) (g_ascii_xdigit_value(p[0]) * 16 + g_ascii_xdigit_value(p[1]));
        }
        *out = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                               b[0], b[1], b[2], b[3], b[4], b[5]);
        return TRUE;
}

static gboolean parse_stream(const char *s, guint *major, guint *minor)
{
        guint64 a, b;
        const char *dot = strchr(s, '.');
        char *end;

        if (!dot || dot == s || !g_ascii_isdigit(dot[1]) || !g_ascii_isdigit(s[0]))
                return FALSE;
        a = g_ascii_strtoull(s, &end, 10);
        if (end != dot || a > G_MAXUINT16)
                return FALSE;
        b = g_ascii_strtoull(dot + 1, &end, 10);
        if (*end != '\0' || b > G_MAXUINT16)
                return FALSE;
        *major = (guint) a;
        *minor = (guint) b;
        return TRUE;
}

static gboolean parse_limits(JsonObject *o, ProfileLimits *l, GError **error)
{
        JsonNode *n = json_object_get_member(o, "limits");
        JsonObject *lo;
        guint64 v;

        if (!n)
                return TRUE;
        if (!JSON_NODE_HOLDS_OBJECT(n))
                return fail(error, "limits", "expected an object, got %s", value_kind(n));
        lo = json_node_get_object(n);
#define LIMIT(field, max)                                                        \
        do {                                                                     \
                if (!get_uint(lo, #field, (max), &v, error)) {                   \
                        g_prefix_error(error, "limits: ");                       \
                        return FALSE;                                            \
                }                                                                \
                l->field = v;                                                    \
        } while (0)
        LIMIT(max_queue_pairs, G_MAXUINT32);
        LIMIT(mtu, G_MAXUINT32);
        /* JSON integers past 2^53 are not exact in most readers. */
        LIMIT(capacity_sectors, (G_GUINT64_CONSTANT(1) << 53) - 1);
        LIMIT(block_size, G_MAXUINT32);
        LIMIT(num_queues, G_MAXUINT32);
#undef LIMIT
        return TRUE;
}

VfProfile *profile_from_json_node(JsonNode *node, GError **error)
{
        g_autoptr(VfProfile) p = vf_profile_new();
        g_autofree char *type = NULL, *source = NULL, *stream = NULL, *mac = NULL;
        JsonObject *o;
        JsonNode *n;
        guint64 v;

        if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: expected a JSON object, got %s",
                            node ? value_kind(node) : "nothing");
                return NULL;
        }
        o = json_node_get_object(node);

        /* Version first: a newer major may mean anything below, so it is
         * named instead of reporting whatever member then fails. */
        n = json_object_get_member(o, "version");
        if (!n) {
                fail(error, "version", "missing");
                return NULL;
        }
        if (!get_uint(o, "version", G_MAXUINT32, &v, error))
                return NULL;
        if (v == 0) {
                fail(error, "version", "0 is not a profile version");
                return NULL;
        }
        if (v > VFMIG_PROFILE_VERSION) {
                fail(error, "version", "version %" G_GUINT64_FORMAT
                     " is newer than this vfmig understands (%d)",
                     v, VFMIG_PROFILE_VERSION);
                return NULL;
        }
        p->version = (guint) v;

        if (!get_text(o, "type", FALSE, &type, error))
                return NULL;
        if (!type) {
                fail(error, "type", "missing");
                return NULL;
        }
        p->type = device_type_from_string(type);
        if ((int) p->type < 0) {
                fail(error, "type", "unknown device type \"%s\"", type);
                return NULL;
        }
        if (!get_text(o, "source", FALSE, &source, error))
                return NULL;
        if (source) {
                p->source = profile_source_from_string(source);
                if ((int) p->source < 0) {
                        fail(error, "source", "unknown source \"%s\"", source);
                        return NULL;
                }
        }

        if (!get_hex(o, "features", G_MAXUINT64, &p->features, error) ||
            !get_hex(o, "driver_features", G_MAXUINT64, &p->driver_features, error))
                return NULL;
        if (!parse_limits(o, &p->limits, error))
                return NULL;

        if (!get_text(o, "stream_version", FALSE, &stream, error))
                return NULL;
        if (stream && !parse_stream(stream, &p->stream_major, &p->stream_minor)) {
                fail(error, "stream_version", "expected \"major.minor\", got \"%s\"", stream);
                return NULL;
        }
        if (!get_hex(o, "migration_flags", G_MAXUINT32, &v, error))
                return NULL;
        p->migration_flags = (guint32) v;
        if (!get_bool(o, "legacy_io", &p->legacy_io, error) ||
            !get_bool(o, "mac_settable", &p->mac_settable, error))
                return NULL;

        if (!get_text(o, "mac", TRUE, &mac, error))
                return NULL;
        if (mac && !parse_mac(mac, &p->mac)) {
                fail(error, "mac", "expected six hex octets \"xx:xx:xx:xx:xx:xx\", got \"%s\"", mac);
                return NULL;
        }

        if (!get_id(o, "pf_vendor_id", &p->pf_vendor_id, error) ||
            !get_id(o, "pf_device_id", &p->pf_device_id, error) ||
            !get_id(o, "vendor_id", &p->vendor_id, error) ||
            !get_id(o, "device_id", &p->device_id, error) ||
            !get_id(o, "subsystem_vendor_id", &p->subsystem_vendor_id, error) ||
            !get_id(o, "subsystem_id", &p->subsystem_id, error))
                return NULL;
        if (!get_text(o, "firmware", TRUE, &p->firmware, error) ||
            !get_text(o, "driver", TRUE, &p->driver, error))
                return NULL;
        return g_steal_pointer(&p);
}

/*
 * Brackets outside strings and comments, counted before json-glib's
 * recursive parser sees the text. The lexing follows json-glib 1.6's
 * scanner, not the JSON grammar: it also skips C comments and reads
 * single-quoted strings (without escapes), and a quote inside either
 * must not hide the brackets after it. Closing brackets never count
 * below zero, so stray ones cannot pay for deeper nesting later.
 * json-glib also cuts a string at an escaped NUL ("net\u0000x" reads as
 * "net", and so does its octal "net\0x"), so those escapes are refused
 * here too. Returns why the text is refused, or NULL.
 */
static const char *lex_check(const char *data, gsize len)
{
        char quote = 0;
        gboolean in_comment = FALSE;
        int depth = 0;

        for (gsize i = 0; i < len; i++) {
                char c = data[i];

                if (in_comment) {
                        if (c == '*' && i + 1 < len && data[i + 1] == '/') {
                                in_comment = FALSE;
                                i++;
                        }
                        continue;
                }
                if (quote) {
                        if (c == '\\' && quote == '"') {
                                if (len - i > 5 && memcmp(data + i + 1, "u0000", 5) == 0)
                                        return "contains a NUL character (\\u0000)";
                                /* Not JSON; json-glib reads "\0" as NUL. */
                                if (i + 1 < len && data[i + 1] >= '0' && data[i + 1] <= '7')
                                        return "contains an octal escape (\\0 to \\7), not JSON";
                                i++;
                        } else if (c == quote) {
                                quote = 0;
                        }
                        continue;
                }
                if (c == '"' || c == '\'')
                        quote = c;
                else if (c == '/' && i + 1 < len && data[i + 1] == '*') {
                        in_comment = TRUE;
                        i++;
                } else if (c == '{' || c == '[') {
                        if (++depth > PROFILE_JSON_MAX_DEPTH)
                                return "nested deeper than " G_STRINGIFY(PROFILE_JSON_MAX_DEPTH)
                                       " levels";
                } else if ((c == '}' || c == ']') && depth > 0)
                        depth--;
        }
        return NULL;
}

gboolean profile_json_check(const char *data, gsize len, gsize max_len,
                            GError **error)
{
        const char *why;

        if (len > max_len) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: %" G_GSIZE_FORMAT " bytes, more than the %"
                            G_GSIZE_FORMAT " allowed", len, max_len);
                return FALSE;
        }
        if (len > 0 && memchr(data, '\0', len)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: contains a NUL byte");
                return FALSE;
        }
        why = lex_check(data, len);
        if (why) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: %s", why);
                return FALSE;
        }
        return TRUE;
}

VfProfile *profile_from_json_data(const char *data, gsize len, GError **error)
{
        g_autoptr(JsonParser) parser = NULL;
        g_autoptr(GError) e = NULL;

        g_return_val_if_fail(data || len == 0, NULL);
        if (!profile_json_check(data, len, PROFILE_JSON_MAX_SIZE, error))
                return NULL;
        parser = json_parser_new_immutable();
        if (!json_parser_load_from_data(parser, data ? data : "", (gssize) len, &e)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: not valid JSON: %s", e->message);
                return NULL;
        }
        return profile_from_json_node(json_parser_get_root(parser), error);
}
