/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Our metadata: the <migration> element in VFMIG_XML_NS (matched by URI,
 * whatever prefix libvirt stored it under), its <device> entries, and the
 * fragment virDomainSetMetadata takes.
 */
#include <string.h>

#include "domxml-private.h"
#include "vfmig-error.h"

gboolean domxml_is_ours(xmlNodePtr n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
               g_str_equal((const char *) n->ns->href, VFMIG_XML_NS) &&
               (!name || g_str_equal((const char *) n->name, name));
}

char *domxml_get_prop(xmlNodePtr n, const char *name)
{
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *) name);
        char *s = v ? g_strdup((const char *) v) : NULL;

        xmlFree(v);
        return s;
}

/* ---- metadata ---- */

/* The longest alias a metadata entry holds (docs/profile.md). */
#define META_ALIAS_MAX 256

static gboolean alias_storable(const char *alias)
{
        return alias && *alias && strlen(alias) <= META_ALIAS_MAX;
}

DomxmlMetaDevice *domxml_meta_device_new(const char *alias, const char *address,
                                         const VfProfile *profile)
{
        DomxmlMetaDevice *m;
        char canon[PCI_ADDRESS_STRLEN];

        g_return_val_if_fail(profile, NULL);
        if (!pci_address_normalize(address, canon, NULL))
                return NULL;
        m = g_new0(DomxmlMetaDevice, 1);
        /* libvirt bounds no user alias; one the metadata reader would
         * refuse is left out, so the entry is found by address and the
         * document stays readable. */
        m->alias = alias_storable(alias) ? g_strdup(alias) : NULL;
        memcpy(m->address, canon, sizeof(canon));
        m->profile = vf_profile_copy(profile);
        return m;
}

void domxml_meta_device_free(DomxmlMetaDevice *m)
{
        if (!m)
                return;
        g_free(m->alias);
        vf_profile_free(m->profile);
        g_free(m);
}

GPtrArray *domxml_meta_array_new(void)
{
        return g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);
}

/*
 * <migration> in our namespace (whatever prefix libvirt gave it): its
 * <device> children, each with an address and exactly one <profile>.
 * Elements of other namespaces inside it are ignored (forward
 * compatibility); unknown elements of ours are refused.
 */
GPtrArray *domxml_parse_migration(xmlNodePtr mig, GError **error)
{
        g_autoptr(GPtrArray) meta = domxml_meta_array_new();
        guint n = 0;

        for (xmlNodePtr c = mig->children; c; c = c->next) {
                g_autofree char *alias = NULL, *address = NULL, *what = NULL;
                g_autoptr(VfProfile) profile = NULL;
                g_autoptr(GError) e = NULL;
                xmlNodePtr prof = NULL;
                DomxmlMetaDevice *m;

                if (c->type != XML_ELEMENT_NODE || !domxml_is_ours(c, NULL))
                        continue;
                n++;
                if (!domxml_is_ours(c, "device")) {
                        domxml_invalid(error, "metadata: unknown element <%s> in <migration>", c->name);
                        return NULL;
                }
                if (meta->len >= DOMXML_MAX_META_DEVICES) {
                        domxml_invalid(error, "metadata: more than %u devices", DOMXML_MAX_META_DEVICES);
                        return NULL;
                }
                alias = domxml_get_prop(c, "alias");
                address = domxml_get_prop(c, "address");
                what = alias ? g_strdup_printf("metadata device '%s'", alias)
                             : g_strdup_printf("metadata device number %u", n - 1);
                if (alias && !alias_storable(alias)) {
                        domxml_invalid(error, "%s: alias must be 1 to %d characters", what,
                                       META_ALIAS_MAX);
                        return NULL;
                }
                if (!address) {
                        domxml_invalid(error, "%s: no 'address'", what);
                        return NULL;
                }
                m = g_new0(DomxmlMetaDevice, 1);
                g_ptr_array_add(meta, m);
                if (!pci_address_normalize(address, m->address, &e)) {
                        domxml_invalid(error, "%s: %s", what, e->message);
                        return NULL;
                }
                for (xmlNodePtr p = c->children; p; p = p->next) {
                        if (!domxml_is_ours(p, "profile"))
                                continue;
                        if (prof) {
                                domxml_invalid(error, "%s: more than one <profile>", what);
                                return NULL;
                        }
                        prof = p;
                }
                if (!prof) {
                        domxml_invalid(error, "%s: no <profile>", what);
                        return NULL;
                }
                profile = profile_from_xml(prof, &e);
                if (!profile) {
                        domxml_invalid(error, "%s: %s", what, e->message);
                        return NULL;
                }
                m->alias = g_steal_pointer(&alias);
                m->profile = g_steal_pointer(&profile);

                /* Lookups (domxml_find_meta) must not be ambiguous. */
                for (guint i = 0; i + 1 < meta->len; i++) {
                        const DomxmlMetaDevice *o = g_ptr_array_index(meta, i);

                        if (m->alias && o->alias && g_str_equal(m->alias, o->alias)) {
                                domxml_invalid(error, "%s: alias given twice", what);
                                return NULL;
                        }
                        if (g_str_equal(m->address, o->address)) {
                                domxml_invalid(error, "%s: address %s given twice", what, m->address);
                                return NULL;
                        }
                }
        }
        return g_steal_pointer(&meta);
}

GPtrArray *domxml_parse_metadata(const char *text, gsize len, GError **error)
{
        xmlDocPtr doc = domxml_safe_read(text, len, "metadata", error);
        xmlNodePtr root;
        GPtrArray *meta;

        if (!doc)
                return NULL;
        root = xmlDocGetRootElement(doc);
        if (!domxml_is_ours(root, DOMXML_METADATA_ELEMENT)) {
                domxml_invalid(error, "metadata: the root element must be <%s> in namespace %s",
                        DOMXML_METADATA_ELEMENT, VFMIG_XML_NS);
                xmlFreeDoc(doc);
                return NULL;
        }
        meta = domxml_parse_migration(root, error);
        xmlFreeDoc(doc);
        return meta;
}

xmlNodePtr domxml_build_migration(xmlDocPtr doc, const GPtrArray *meta)
{
        xmlNodePtr mig = xmlNewDocNode(doc, NULL, (const xmlChar *) DOMXML_METADATA_ELEMENT, NULL);
        xmlNsPtr ns = xmlNewNs(mig, (const xmlChar *) VFMIG_XML_NS,
                               (const xmlChar *) VFMIG_XML_PREFIX);

        xmlSetNs(mig, ns);
        for (guint i = 0; meta && i < meta->len; i++) {
                const DomxmlMetaDevice *m = g_ptr_array_index(meta, i);
                xmlNodePtr dev = xmlNewChild(mig, ns, (const xmlChar *) "device", NULL);

                if (m->alias)
                        xmlSetProp(dev, (const xmlChar *) "alias", (const xmlChar *) m->alias);
                xmlSetProp(dev, (const xmlChar *) "address", (const xmlChar *) m->address);
                if (m->profile)
                        xmlAddChild(dev, profile_to_xml(m->profile, ns));
        }
        return mig;
}

GPtrArray *domxml_meta_copy(const GPtrArray *meta)
{
        GPtrArray *c = domxml_meta_array_new();

        for (guint i = 0; meta && i < meta->len; i++) {
                const DomxmlMetaDevice *m = g_ptr_array_index(meta, i);
                DomxmlMetaDevice *n = g_new0(DomxmlMetaDevice, 1);

                n->alias = g_strdup(m->alias);
                memcpy(n->address, m->address, sizeof(n->address));
                n->profile = vf_profile_copy(m->profile);
                g_ptr_array_add(c, n);
        }
        return c;
}

char *domxml_format_metadata(const GPtrArray *meta)
{
        xmlDocPtr doc = xmlNewDoc((const xmlChar *) "1.0");
        xmlNodePtr mig = domxml_build_migration(doc, meta);
        char *out;

        xmlDocSetRootElement(doc, mig);
        domxml_indent_new(mig, "");
        out = domxml_save(doc, mig);
        xmlFreeDoc(doc);
        return out;
}
