/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XML form of a profile (docs/profile.md, "XML form"): one
 * <vfmig:profile> element whose attributes carry the same names and value
 * forms as the JSON members, with one child <vfmig:limits>. Unknown
 * attributes and child elements are ignored so a newer minor version of
 * the form stays readable; a newer major "version" is refused by name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "vfmig-error.h"

#define PROFILE_XML_STRING_MAX 256

/* ---- writing ---- */

static void set_attr(xmlNodePtr node, const char *name, const char *value)
{
        xmlSetProp(node, (const xmlChar *) name, (const xmlChar *) value);
}

static void set_attrf(xmlNodePtr node, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void set_attrf(xmlNodePtr node, const char *name, const char *fmt, ...)
{
        g_autofree char *v = NULL;
        va_list ap;

        va_start(ap, fmt);
        v = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        set_attr(node, name, v);
}

xmlNodePtr profile_to_xml(const VfProfile *p, xmlNsPtr ns)
{
        xmlNodePtr node, limits;
        const char *type, *source;

        g_return_val_if_fail(p, NULL);
        type = device_type_to_string(p->type);
        source = profile_source_to_string(p->source);

        node = xmlNewNode(ns, (const xmlChar *) "profile");
        set_attrf(node, "version", "%u", p->version);
        if (type)
                set_attr(node, "type", type);
        if (source)
                set_attr(node, "source", source);
        /* Feature words in full width, as the compatibility reasons
         * print them, so a person can compare them by eye. */
        set_attrf(node, "features", "0x%016" G_GINT64_MODIFIER "x", p->features);
        set_attrf(node, "driver_features", "0x%016" G_GINT64_MODIFIER "x",
                  p->driver_features);
        set_attrf(node, "stream_version", "%u.%u", p->stream_major, p->stream_minor);
        set_attrf(node, "migration_flags", "0x%08x", p->migration_flags);
        set_attr(node, "legacy_io", p->legacy_io ? "yes" : "no");
        if (p->mac)
                set_attr(node, "mac", p->mac);
        set_attr(node, "mac_settable", p->mac_settable ? "yes" : "no");
        set_attrf(node, "pf_vendor_id", "0x%04x", p->pf_vendor_id);
        set_attrf(node, "pf_device_id", "0x%04x", p->pf_device_id);
        set_attrf(node, "vendor_id", "0x%04x", p->vendor_id);
        set_attrf(node, "device_id", "0x%04x", p->device_id);
        set_attrf(node, "subsystem_vendor_id", "0x%04x", p->subsystem_vendor_id);
        set_attrf(node, "subsystem_id", "0x%04x", p->subsystem_id);
        if (p->firmware)
                set_attr(node, "firmware", p->firmware);
        if (p->driver)
                set_attr(node, "driver", p->driver);

        limits = xmlNewChild(node, ns, (const xmlChar *) "limits", NULL);
        set_attrf(limits, "max_queue_pairs", "%u", p->limits.max_queue_pairs);
        set_attrf(limits, "mtu", "%u", p->limits.mtu);
        set_attrf(limits, "capacity_sectors", "%" G_GUINT64_FORMAT, p->limits.capacity_sectors);
        set_attrf(limits, "block_size", "%u", p->limits.block_size);
        set_attrf(limits, "num_queues", "%u", p->limits.num_queues);
        return node;
}

/* ---- reading ---- */

static gboolean fail(GError **error, const char *element, const char *attr,
                     const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static gboolean fail(GError **error, const char *element, const char *attr,
                     const char *fmt, ...)
{
        g_autofree char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (attr)
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: attribute '%s' of <%s>: %s", attr, element, msg);
        else
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: <%s>: %s", element, msg);
        return FALSE;
}

static gboolean is_ours(xmlNodePtr node, const char *name)
{
        return node && node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
               g_str_equal((const char *) node->ns->href, VFMIG_XML_NS) &&
               g_str_equal((const char *) node->name, name);
}

/* The attribute's value (without namespace: ours are unprefixed), NULL
 * when absent; refuses values longer than any field can be. */
static gboolean get_attr(xmlNodePtr node, const char *name, char **out, GError **error)
{
        xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *) name);

        *out = NULL;
        if (!v)
                return TRUE;
        if (strlen((const char *) v) > PROFILE_XML_STRING_MAX) {
                xmlFree(v);
                return fail(error, (const char *) node->name, name,
                            "longer than %d characters", PROFILE_XML_STRING_MAX);
        }
        *out = g_strdup((const char *) v);
        xmlFree(v);
        return TRUE;
}

/* Free text that ends up on terminals and in logs: no control characters
 * (an attribute can carry them as &#9; &#10; &#13;, or C1 ones such as
 * the 8-bit CSI &#x9b;), as the JSON reader. libxml2 gives valid UTF-8. */
static gboolean get_text(xmlNodePtr node, const char *name, char **out, GError **error)
{
        if (!get_attr(node, name, out, error))
                return FALSE;
        for (const char *c = *out; c && *c; c = g_utf8_next_char(c))
                if (g_unichar_iscntrl(g_utf8_get_char(c))) {
                        g_clear_pointer(out, g_free);
                        return fail(error, (const char *) node->name, name,
                                    "contains a control character");
                }
        return TRUE;
}

static gboolean get_hex(xmlNodePtr node, const char *name, guint64 max, guint64 *out,
                        GError **error)
{
        g_autofree char *s = NULL;
        guint64 v;

        *out = 0;
        if (!get_attr(node, name, &s, error))
                return FALSE;
        if (!s)
                return TRUE;
        /* "0x" and 1-16 hex digits, as the JSON form: one spelling per value. */
        if (!g_str_has_prefix(s, "0x") || s[2] == '\0' || strlen(s) > 18 ||
            strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2))
                return fail(error, (const char *) node->name, name,
                            "expected \"0x\" and hex digits, got \"%s\"", s);
        v = g_ascii_strtoull(s + 2, NULL, 16);
        if (v > max)
                return fail(error, (const char *) node->name, name,
                            "%s is above 0x%" G_GINT64_MODIFIER "x", s, max);
        *out = v;
        return TRUE;
}

static gboolean get_uint(xmlNodePtr node, const char *name, guint64 max, guint64 *out,
                         GError **error)
{
        g_autofree char *s = NULL;
        guint64 v;
        char *end;

        *out = 0;
        if (!get_attr(node, name, &s, error))
                return FALSE;
        if (!s)
                return TRUE;
        if (!g_ascii_isdigit(s[0]) || strspn(s, "0123456789") != strlen(s) ||
            strlen(s) > 20)
                return fail(error, (const char *) node->name, name,
                            "expected a decimal number, got \"%s\"", s);
        errno = 0;
        v = g_ascii_strtoull(s, &end, 10);
        if (errno == ERANGE || v > max)
                return fail(error, (const char *) node->name, name,
                            "%s is out of range 0..%" G_GUINT64_FORMAT, s, max);
        *out = v;
        return TRUE;
}

static gboolean get_bool(xmlNodePtr node, const char *name, gboolean *out, GError **error)
{
        g_autofree char *s = NULL;

        *out = FALSE;
        if (!get_attr(node, name, &s, error))
                return FALSE;
        if (!s || g_str_equal(s, "no"))
                return TRUE;
        if (g_str_equal(s, "yes")) {
                *out = TRUE;
                return TRUE;
        }
        return fail(error, (const char *) node->name, name,
                    "expected \"yes\" or \"no\", got \"%s\"", s);
}

static gboolean get_id(xmlNodePtr node, const char *name, guint16 *out, GError **error)
{
        guint64 v;

        if (!get_hex(node, name, G_MAXUINT16, &v, error))
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

        if (!dot || dot == s || !g_ascii_isdigit(dot[1]) || !g_ascii_isdigit(s[0]) ||
            strlen(s) > 11)
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

static gboolean parse_limits(xmlNodePtr profile, ProfileLimits *l, GError **error)
{
        xmlNodePtr node = NULL;
        guint64 v;

        for (xmlNodePtr c = profile->children; c; c = c->next) {
                if (!is_ours(c, "limits"))
                        continue;
                if (node)
                        return fail(error, "limits", NULL, "given twice");
                node = c;
        }
        if (!node)
                return TRUE;
#define LIMIT(field, max)                                                        \
        do {                                                                     \
                if (!get_uint(node, #field, (max), &v, error))                   \
                        return FALSE;                                            \
                l->field = v;                                                    \
        } while (0)
        LIMIT(max_queue_pairs, G_MAXUINT32);
        LIMIT(mtu, G_MAXUINT32);
        /* The JSON form's bound (exact integers in every JSON reader),
         * so both forms hold the same profiles. */
        LIMIT(capacity_sectors, (G_GUINT64_CONSTANT(1) << 53) - 1);
        LIMIT(block_size, G_MAXUINT32);
        LIMIT(num_queues, G_MAXUINT32);
#undef LIMIT
        return TRUE;
}

VfProfile *profile_from_xml(xmlNodePtr node, GError **error)
{
        g_autoptr(VfProfile) p = vf_profile_new();
        g_autofree char *type = NULL, *source = NULL, *stream = NULL, *mac = NULL;
        g_autofree char *version = NULL;
        guint64 v;

        if (!is_ours(node, "profile")) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "profile: expected a <profile> element in namespace %s",
                            VFMIG_XML_NS);
                return NULL;
        }

        /* Version first: a newer major may mean anything below, so it is
         * named instead of whatever attribute would then fail. */
        if (!get_attr(node, "version", &version, error))
                return NULL;
        if (!version) {
                fail(error, "profile", "version", "missing");
                return NULL;
        }
        if (!get_uint(node, "version", G_MAXUINT32, &v, error))
                return NULL;
        if (v == 0) {
                fail(error, "profile", "version", "0 is not a profile version");
                return NULL;
        }
        if (v > VFMIG_PROFILE_VERSION) {
                fail(error, "profile", "version",
                     "version %" G_GUINT64_FORMAT " is newer than this vfmig understands (%d)",
                     v, VFMIG_PROFILE_VERSION);
                return NULL;
        }
        p->version = (guint) v;

        if (!get_attr(node, "type", &type, error))
                return NULL;
        if (!type) {
                fail(error, "profile", "type", "missing");
                return NULL;
        }
        p->type = device_type_from_string(type);
        if ((int) p->type < 0) {
                fail(error, "profile", "type", "unknown device type \"%s\"", type);
                return NULL;
        }
        if (!get_attr(node, "source", &source, error))
                return NULL;
        if (source) {
                p->source = profile_source_from_string(source);
                if ((int) p->source < 0) {
                        fail(error, "profile", "source", "unknown source \"%s\"", source);
                        return NULL;
                }
        }

        if (!get_hex(node, "features", G_MAXUINT64, &p->features, error) ||
            !get_hex(node, "driver_features", G_MAXUINT64, &p->driver_features, error))
                return NULL;
        if (!parse_limits(node, &p->limits, error))
                return NULL;

        if (!get_attr(node, "stream_version", &stream, error))
                return NULL;
        if (stream && !parse_stream(stream, &p->stream_major, &p->stream_minor)) {
                fail(error, "profile", "stream_version",
                     "expected \"major.minor\", got \"%s\"", stream);
                return NULL;
        }
        if (!get_hex(node, "migration_flags", G_MAXUINT32, &v, error))
                return NULL;
        p->migration_flags = (guint32) v;
        if (!get_bool(node, "legacy_io", &p->legacy_io, error) ||
            !get_bool(node, "mac_settable", &p->mac_settable, error))
                return NULL;

        if (!get_attr(node, "mac", &mac, error))
                return NULL;
        if (mac && !parse_mac(mac, &p->mac)) {
                fail(error, "profile", "mac",
                     "expected six hex octets \"xx:xx:xx:xx:xx:xx\", got \"%s\"", mac);
                return NULL;
        }

        if (!get_id(node, "pf_vendor_id", &p->pf_vendor_id, error) ||
            !get_id(node, "pf_device_id", &p->pf_device_id, error) ||
            !get_id(node, "vendor_id", &p->vendor_id, error) ||
            !get_id(node, "device_id", &p->device_id, error) ||
            !get_id(node, "subsystem_vendor_id", &p->subsystem_vendor_id, error) ||
            !get_id(node, "subsystem_id", &p->subsystem_id, error))
                return NULL;
        if (!get_text(node, "firmware", &p->firmware, error) ||
            !get_text(node, "driver", &p->driver, error))
                return NULL;
        return g_steal_pointer(&p);
}
