/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain XML from libvirt hooks and orchestrators: parsed with libxml2
 * under guards (domxml-safe.c), PCI passthrough devices found, their
 * source addresses rewritten and our metadata replaced in place, so that
 * everything else in the document is written back as it came.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "domxml-private.h"
#include "vfmig-error.h"


struct Domxml {
        xmlDocPtr doc;
        char *name;
        char *uuid;
        GPtrArray *devices;      /* DomxmlDevice*, owned */
        GPtrArray *source_addr;  /* xmlNodePtr <source><address> per device, in doc */
        GPtrArray *meta;         /* DomxmlMetaDevice*, owned */
};

static const char *const device_kind_table[_DOMXML_DEVICE_KIND_MAX] = {
        [DOMXML_DEVICE_HOSTDEV] = "hostdev",
        [DOMXML_DEVICE_INTERFACE] = "interface",
};

const char *domxml_device_kind_to_string(DomxmlDeviceKind k)
{
        if ((int) k < 0 || k >= _DOMXML_DEVICE_KIND_MAX)
                return NULL;
        return device_kind_table[k];
}

DomxmlDeviceKind domxml_device_kind_from_string(const char *s)
{
        if (!s)
                return _DOMXML_DEVICE_KIND_INVALID;
        for (int i = 0; i < _DOMXML_DEVICE_KIND_MAX; i++)
                if (device_kind_table[i] && g_str_equal(device_kind_table[i], s))
                        return (DomxmlDeviceKind) i;
        return _DOMXML_DEVICE_KIND_INVALID;
}

/* ---- small tree helpers ---- */

static gboolean is_element(xmlNodePtr n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && !n->ns &&
               g_str_equal((const char *) n->name, name);
}


static xmlNodePtr first_child(xmlNodePtr parent, const char *name)
{
        for (xmlNodePtr c = parent->children; c; c = c->next)
                if (is_element(c, name))
                        return c;
        return NULL;
}


static char *get_text(xmlNodePtr n)
{
        xmlChar *v = xmlNodeGetContent(n);
        char *s = v ? g_strstrip(g_strdup((const char *) v)) : NULL;

        xmlFree(v);
        return s;
}

/* ---- devices ---- */

static void domxml_device_free(DomxmlDevice *dev)
{
        if (!dev)
                return;
        g_free(dev->alias);
        g_free(dev->driver);
        g_free(dev->mac);
        g_free(dev);
}

/*
 * One PCI address attribute as libvirt reads it (strtoul with base 0:
 * "0x3b" hex, "010" octal, "59" decimal), but strict: no sign, no
 * blanks, nothing after the number.
 */
static gboolean parse_addr_part(const char *s, guint max, guint *out)
{
        guint64 v;
        char *end;
        int base = 10;
        const char *digits = s;

        if (!s || !*s)
                return FALSE;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                digits = s + 2;
        } else if (s[0] == '0' && s[1]) {
                base = 8;
                digits = s + 1;
        }
        if (!*digits || !g_ascii_isxdigit(*digits) || strlen(digits) > 8)
                return FALSE;
        errno = 0;
        v = g_ascii_strtoull(digits, &end, base);
        if (errno || *end || v > max)
                return FALSE;
        *out = (guint) v;
        return TRUE;
}

static gboolean parse_source_address(xmlNodePtr addr, const char *what,
                                     char out[static PCI_ADDRESS_STRLEN], GError **error)
{
        static const struct {
                const char *name;
                guint max;
                gboolean optional;
        } parts[] = {
                { "domain", 0xffff, TRUE },  /* libvirt's default is 0 */
                { "bus", 0xff, FALSE },
                { "slot", 0x1f, FALSE },
                { "function", 0x7, FALSE },
        };
        guint v[G_N_ELEMENTS(parts)];
        g_autofree char *type = domxml_get_prop(addr, "type");

        if (type && !g_str_equal(type, "pci"))
                return domxml_invalid(error, "%s: source address of type '%s', expected 'pci'",
                               what, type);
        for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
                g_autofree char *s = domxml_get_prop(addr, parts[i].name);

                if (!s && parts[i].optional) {
                        v[i] = 0;
                        continue;
                }
                if (!s)
                        return domxml_invalid(error, "%s: source address has no '%s'",
                                       what, parts[i].name);
                if (!parse_addr_part(s, parts[i].max, &v[i])) {
                        g_autofree char *shown = g_strescape(s, NULL);
                        return domxml_invalid(error, "%s: source address %s='%s' is not a number in 0..0x%x",
                                       what, parts[i].name, shown, parts[i].max);
                }
        }
        g_snprintf(out, PCI_ADDRESS_STRLEN, "%04x:%02x:%02x.%u", v[0], v[1], v[2], v[3]);
        return TRUE;
}

/* A PCI passthrough device, or FALSE with *dev NULL for any other one. */
static gboolean parse_device(xmlNodePtr node, guint index, DomxmlDevice **out,
                             xmlNodePtr *addr_out, GError **error)
{
        g_autofree char *type = domxml_get_prop(node, "type");
        g_autofree char *managed = NULL, *what = NULL;
        DomxmlDeviceKind kind;
        xmlNodePtr source, addr, alias, driver, mac;
        DomxmlDevice *dev;

        *out = NULL;
        if (is_element(node, "hostdev")) {
                g_autofree char *mode = domxml_get_prop(node, "mode");

                /* mode defaults to subsystem in libvirt */
                if ((mode && !g_str_equal(mode, "subsystem")) || !type ||
                    !g_str_equal(type, "pci"))
                        return TRUE;
                kind = DOMXML_DEVICE_HOSTDEV;
        } else if (is_element(node, "interface")) {
                if (!type || !g_str_equal(type, "hostdev"))
                        return TRUE;
                kind = DOMXML_DEVICE_INTERFACE;
        } else {
                return TRUE;
        }

        alias = first_child(node, "alias");
        dev = g_new0(DomxmlDevice, 1);
        dev->kind = kind;
        dev->index = index;
        dev->alias = alias ? domxml_get_prop(alias, "name") : NULL;
        what = dev->alias ? g_strdup_printf("<%s> '%s'", node->name, dev->alias)
                          : g_strdup_printf("<%s> number %u", node->name, index);

        source = first_child(node, "source");
        addr = source ? first_child(source, "address") : NULL;
        if (!addr) {
                domxml_device_free(dev);
                return domxml_invalid(error, "%s has no <source><address>", what);
        }
        if (!parse_source_address(addr, what, dev->address, error)) {
                domxml_device_free(dev);
                return FALSE;
        }
        managed = domxml_get_prop(node, "managed");
        dev->managed = managed && g_str_equal(managed, "yes");
        driver = first_child(node, "driver");
        dev->driver = driver ? domxml_get_prop(driver, "name") : NULL;
        mac = kind == DOMXML_DEVICE_INTERFACE ? first_child(node, "mac") : NULL;
        if (mac) {
                g_autofree char *m = domxml_get_prop(mac, "address");
                dev->mac = m ? g_ascii_strdown(m, -1) : NULL;
        }
        *out = dev;
        *addr_out = addr;
        return TRUE;
}

/* Our <migration> elements under <metadata>, matched by namespace URI. */
static xmlNodePtr find_migration(xmlNodePtr metadata, GError **error)
{
        xmlNodePtr found = NULL;

        if (!metadata)
                return NULL;
        for (xmlNodePtr c = metadata->children; c; c = c->next) {
                if (!domxml_is_ours(c, DOMXML_METADATA_ELEMENT))
                        continue;
                if (found) {
                        domxml_invalid(error, "metadata: <%s> in namespace %s given twice",
                                DOMXML_METADATA_ELEMENT, VFMIG_XML_NS);
                        return NULL;
                }
                found = c;
        }
        return found;
}

/* ---- the document ---- */

void domxml_free(Domxml *d)
{
        if (!d)
                return;
        xmlFreeDoc(d->doc);
        g_free(d->name);
        g_free(d->uuid);
        g_clear_pointer(&d->devices, g_ptr_array_unref);
        g_clear_pointer(&d->source_addr, g_ptr_array_unref);
        g_clear_pointer(&d->meta, g_ptr_array_unref);
        g_free(d);
}

Domxml *domxml_parse(const char *text, gsize len, GError **error)
{
        g_autoptr(Domxml) d = g_new0(Domxml, 1);
        g_autoptr(GError) e = NULL;
        xmlNodePtr root, node, devices, metadata;
        guint n_metadata = 0;

        d->devices = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_device_free);
        d->source_addr = g_ptr_array_new();
        d->doc = domxml_safe_read(text, len, "domain XML", error);
        if (!d->doc)
                return NULL;
        root = xmlDocGetRootElement(d->doc);
        if (!is_element(root, "domain")) {
                domxml_invalid(error, "domain XML: the root element is <%s>, expected <domain>",
                        root ? (const char *) root->name : "(none)");
                return NULL;
        }

        node = first_child(root, "name");
        d->name = node ? get_text(node) : NULL;
        if (!d->name || !*d->name) {
                domxml_invalid(error, "domain XML: no <name>");
                return NULL;
        }
        node = first_child(root, "uuid");
        d->uuid = node ? get_text(node) : NULL;
        if (!d->uuid || !g_uuid_string_is_valid(d->uuid)) {
                g_autofree char *shown = d->uuid ? g_strescape(d->uuid, NULL) : NULL;

                if (shown)
                        domxml_invalid(error, "domain XML of '%s': <uuid> '%s' is not a UUID",
                                d->name, shown);
                else
                        domxml_invalid(error, "domain XML of '%s': no <uuid>", d->name);
                return NULL;
        }
        {
                char *lower = g_ascii_strdown(d->uuid, -1);
                g_free(d->uuid);
                d->uuid = lower;
        }

        devices = first_child(root, "devices");
        for (node = devices ? devices->children : NULL; node; node = node->next) {
                DomxmlDevice *dev = NULL;
                xmlNodePtr addr = NULL;

                if (!parse_device(node, d->devices->len, &dev, &addr, &e)) {
                        domxml_invalid(error, "domain XML of '%s': %s", d->name, e->message);
                        return NULL;
                }
                if (!dev)
                        continue;
                if (d->devices->len >= DOMXML_MAX_DEVICES) {
                        domxml_device_free(dev);
                        domxml_invalid(error, "domain XML of '%s': more than %u PCI passthrough devices",
                                d->name, DOMXML_MAX_DEVICES);
                        return NULL;
                }
                /* libvirt refuses both too; and the metadata written for
                 * such devices could not be looked up again. */
                for (guint i = 0; i < d->devices->len; i++) {
                        const DomxmlDevice *o = g_ptr_array_index(d->devices, i);
                        const char *what = NULL;

                        if (dev->alias && o->alias && g_str_equal(dev->alias, o->alias))
                                what = "alias";
                        else if (g_str_equal(dev->address, o->address))
                                what = "source address";
                        if (what) {
                                domxml_invalid(error, "domain XML of '%s': <%s> number %u has the same %s as number %u (%s)",
                                        d->name, domxml_device_kind_to_string(dev->kind),
                                        dev->index, what, o->index,
                                        g_str_equal(what, "alias") ? dev->alias : dev->address);
                                domxml_device_free(dev);
                                return NULL;
                        }
                }
                g_ptr_array_add(d->devices, dev);
                g_ptr_array_add(d->source_addr, addr);
        }

        metadata = NULL;
        for (node = root->children; node; node = node->next)
                if (is_element(node, "metadata")) {
                        metadata = node;
                        n_metadata++;
                }
        if (n_metadata > 1) {
                domxml_invalid(error, "domain XML of '%s': <metadata> given %u times", d->name, n_metadata);
                return NULL;
        }
        if (metadata) {
                xmlNodePtr mig = find_migration(metadata, &e);

                if (e) {
                        domxml_invalid(error, "domain XML of '%s': %s", d->name, e->message);
                        return NULL;
                }
                if (mig) {
                        d->meta = domxml_parse_migration(mig, &e);
                        if (!d->meta) {
                                domxml_invalid(error, "domain XML of '%s': %s", d->name, e->message);
                                return NULL;
                        }
                }
        }
        if (!d->meta)
                d->meta = domxml_meta_array_new();
        return g_steal_pointer(&d);
}

const char *domxml_get_name(const Domxml *d)
{
        return d->name;
}

const char *domxml_get_uuid(const Domxml *d)
{
        return d->uuid;
}

const GPtrArray *domxml_get_devices(const Domxml *d)
{
        return d->devices;
}

const GPtrArray *domxml_get_meta_devices(const Domxml *d)
{
        return d->meta;
}

const DomxmlMetaDevice *domxml_find_meta(const Domxml *d, const DomxmlDevice *dev)
{
        for (guint i = 0; i < d->meta->len; i++) {
                const DomxmlMetaDevice *m = g_ptr_array_index(d->meta, i);

                if (dev->alias && m->alias) {
                        if (g_str_equal(dev->alias, m->alias))
                                return m;
                } else if (g_str_equal(dev->address, m->address)) {
                        return m;
                }
        }
        return NULL;
}

gboolean domxml_set_device_address(Domxml *d, guint index, const char *address,
                                   GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        unsigned domain, bus, slot, func;
        DomxmlDevice *dev;
        xmlNodePtr addr;
        char buf[16];

        if (index >= d->devices->len)
                return domxml_invalid(error, "domain '%s' has no PCI passthrough device number %u",
                               d->name, index);
        if (!pci_address_normalize(address, canon, error))
                return FALSE;
        if (sscanf(canon, "%x:%x:%x.%u", &domain, &bus, &slot, &func) != 4)
                g_return_val_if_reached(FALSE);

        dev = g_ptr_array_index(d->devices, index);
        addr = g_ptr_array_index(d->source_addr, index);
        /* In libvirt's own spelling; other attributes (type='pci') and the
         * order of existing ones stay as they are. */
        g_snprintf(buf, sizeof(buf), "0x%04x", domain);
        xmlSetProp(addr, (const xmlChar *) "domain", (const xmlChar *) buf);
        g_snprintf(buf, sizeof(buf), "0x%02x", bus);
        xmlSetProp(addr, (const xmlChar *) "bus", (const xmlChar *) buf);
        g_snprintf(buf, sizeof(buf), "0x%02x", slot);
        xmlSetProp(addr, (const xmlChar *) "slot", (const xmlChar *) buf);
        g_snprintf(buf, sizeof(buf), "0x%x", func);
        xmlSetProp(addr, (const xmlChar *) "function", (const xmlChar *) buf);
        memcpy(dev->address, canon, sizeof(canon));
        return TRUE;
}

/* ---- writing ---- */

/*
 * The indentation of node as the document has it: what follows the last
 * newline of the blank text right before it. NULL when the document is
 * not indented there (then nothing we add is indented either).
 */
static char *indent_of(xmlNodePtr node)
{
        xmlNodePtr prev = node->prev;
        const char *s, *nl;

        if (!prev || prev->type != XML_TEXT_NODE || !prev->content)
                return NULL;
        s = (const char *) prev->content;
        if (!xmlIsBlankNode(prev))
                return NULL;
        nl = strrchr(s, '\n');
        return nl ? g_strdup(nl + 1) : NULL;
}

static void add_text_before(xmlNodePtr node, const char *text)
{
        xmlAddPrevSibling(node, xmlNewDocText(node->doc, (const xmlChar *) text));
}

static void add_text_child(xmlNodePtr parent, const char *text)
{
        xmlAddChild(parent, xmlNewDocText(parent->doc, (const xmlChar *) text));
}

/* Indents a subtree we built (element children only, no text) the way
 * libvirt does: two more spaces per level, closing tag at the parent's. */
void domxml_indent_new(xmlNodePtr node, const char *indent)
{
        g_autofree char *inner = g_strconcat("\n", indent, "  ", NULL);
        g_autofree char *close = g_strconcat("\n", indent, NULL);
        xmlNodePtr c, next;

        if (!node->children)
                return;
        for (c = node->children; c; c = next) {
                next = c->next;
                add_text_before(c, inner);
                domxml_indent_new(c, inner + 1);
        }
        add_text_child(node, close);
}


/* Unlinks node with the blank text that indented it. */
static void remove_indented(xmlNodePtr node)
{
        xmlNodePtr prev = node->prev;

        if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
                xmlUnlinkNode(prev);
                xmlFreeNode(prev);
        }
        xmlUnlinkNode(node);
        xmlFreeNode(node);
}

static gboolean has_element_child(xmlNodePtr n)
{
        for (xmlNodePtr c = n->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE)
                        return TRUE;
        return FALSE;
}

/* Where libvirt puts <metadata>: after the identity elements. */
static xmlNodePtr metadata_anchor(xmlNodePtr root)
{
        static const char *const before[] = { "name", "uuid", "genid", "title", "description" };
        xmlNodePtr anchor = NULL;

        for (xmlNodePtr c = root->children; c; c = c->next)
                for (gsize i = 0; i < G_N_ELEMENTS(before); i++)
                        if (is_element(c, before[i]))
                                anchor = c;
        return anchor;
}

void domxml_set_meta_devices(Domxml *d, const GPtrArray *meta)
{
        xmlNodePtr root = xmlDocGetRootElement(d->doc);
        xmlNodePtr metadata = first_child(root, "metadata");
        xmlNodePtr old = NULL, mig;
        g_autofree char *md_indent = NULL, *child_indent = NULL;

        /* domxml_parse refused a document with two of ours. */
        for (xmlNodePtr c = metadata ? metadata->children : NULL; c; c = c->next)
                if (domxml_is_ours(c, DOMXML_METADATA_ELEMENT))
                        old = c;

        if (!meta || meta->len == 0) {
                if (old)
                        remove_indented(old);
                if (metadata && !has_element_child(metadata))
                        remove_indented(metadata);
                g_ptr_array_set_size(d->meta, 0);
                return;
        }

        if (!metadata) {
                xmlNodePtr anchor = metadata_anchor(root);
                g_autofree char *root_indent = anchor ? indent_of(anchor) : NULL;

                metadata = xmlNewDocNode(d->doc, NULL, (const xmlChar *) "metadata", NULL);
                if (anchor)
                        xmlAddNextSibling(anchor, metadata);
                else if (root->children)
                        xmlAddPrevSibling(root->children, metadata);
                else
                        xmlAddChild(root, metadata);
                if (root_indent) {
                        g_autofree char *t = g_strconcat("\n", root_indent, NULL);
                        add_text_before(metadata, t);
                }
        }
        md_indent = indent_of(metadata);
        child_indent = md_indent ? g_strconcat(md_indent, "  ", NULL) : NULL;

        mig = domxml_build_migration(d->doc, meta);
        if (old) {
                g_autofree char *old_indent = indent_of(old);

                xmlReplaceNode(old, mig);
                xmlFreeNode(old);
                if (old_indent)
                        domxml_indent_new(mig, old_indent);
        } else if (child_indent) {
                g_autofree char *t = g_strconcat("\n", child_indent, NULL);
                g_autofree char *close = g_strconcat("\n", md_indent, NULL);
                xmlNodePtr last = metadata->last;

                /* Before the blank text that closes <metadata>, if any. */
                if (last && last->type == XML_TEXT_NODE && xmlIsBlankNode(last) &&
                    has_element_child(metadata)) {
                        xmlAddPrevSibling(last, mig);
                        add_text_before(mig, t);
                } else {
                        add_text_child(metadata, t);
                        xmlAddChild(metadata, mig);
                        add_text_child(metadata, close);
                }
                domxml_indent_new(mig, child_indent);
        } else {
                xmlAddChild(metadata, mig);
        }
        g_ptr_array_unref(d->meta);
        d->meta = domxml_meta_copy(meta);
}


char *domxml_format(const Domxml *d)
{
        return domxml_save(d->doc, NULL);
}

