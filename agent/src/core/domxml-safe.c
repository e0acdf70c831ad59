/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading and writing XML text for domxml: the guarded parse every
 * domain XML and metadata fragment from outside goes through, and the
 * serializer that writes them back.
 */
#include <stdarg.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlsave.h>

#include "domxml-private.h"
#include "vfmig-error.h"

/* libvirt's own domain XML nests about 6 levels; other applications'
 * metadata a few more. Far below libxml2's own limit of 256. */
#define DOMXML_MAX_DEPTH 64
/* A busy libvirt domain has about a thousand elements. Without a cap, 4 MiB
 * of "<a/>" costs an unprivileged caller's CheckIncoming some 150 MiB of
 * tree and a tenth of a second of the main loop. */
#define DOMXML_MAX_ELEMENTS 20000

gboolean domxml_invalid(GError **error, const char *fmt, ...)
{
        g_autofree char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_set_error_literal(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT, msg);
        return FALSE;
}

/* ---- safe parsing ---- */

/*
 * What the SAX guards saw. The first refusal wins; the parser is stopped
 * at once so nothing after it (an internal subset's entity declarations,
 * for one) is ever read.
 */
typedef struct {
        const char *refused;
        gsize elements;
} ParseGuard;

static void guard_refuse(void *ctx, const char *why)
{
        xmlParserCtxtPtr ctxt = ctx;
        ParseGuard *g = ctxt->_private;

        if (!g->refused)
                g->refused = why;
        xmlStopParser(ctxt);
}

static void sax_internal_subset(void *ctx, const xmlChar *name G_GNUC_UNUSED,
                                const xmlChar *external_id G_GNUC_UNUSED,
                                const xmlChar *system_id G_GNUC_UNUSED)
{
        guard_refuse(ctx, "a DOCTYPE (document type declaration) is not allowed");
}

static void sax_external_subset(void *ctx, const xmlChar *name G_GNUC_UNUSED,
                                const xmlChar *external_id G_GNUC_UNUSED,
                                const xmlChar *system_id G_GNUC_UNUSED)
{
        guard_refuse(ctx, "a DOCTYPE (document type declaration) is not allowed");
}

static void sax_entity_decl(void *ctx, const xmlChar *name G_GNUC_UNUSED,
                            int type G_GNUC_UNUSED, const xmlChar *public_id G_GNUC_UNUSED,
                            const xmlChar *system_id G_GNUC_UNUSED,
                            xmlChar *content G_GNUC_UNUSED)
{
        guard_refuse(ctx, "entity declarations are not allowed");
}

/* Called for every entity reference except the five predefined ones
 * (&lt; &gt; &amp; &quot; &apos;), which stay allowed. */
static xmlEntityPtr sax_get_entity(void *ctx, const xmlChar *name G_GNUC_UNUSED)
{
        guard_refuse(ctx, "entity references other than &lt; &gt; &amp; &quot; &apos; are not allowed");
        return NULL;
}

static xmlEntityPtr sax_get_parameter_entity(void *ctx, const xmlChar *name G_GNUC_UNUSED)
{
        guard_refuse(ctx, "parameter entities are not allowed");
        return NULL;
}

static void sax_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri, int nb_namespaces,
                              const xmlChar **namespaces, int nb_attributes,
                              int nb_defaulted, const xmlChar **attributes)
{
        xmlParserCtxtPtr ctxt = ctx;
        ParseGuard *g = ctxt->_private;

        /* nameNr counts the open ancestors of this element. */
        if (ctxt->nameNr + 1 > DOMXML_MAX_DEPTH) {
                guard_refuse(ctx, "elements nested deeper than "
                             G_STRINGIFY(DOMXML_MAX_DEPTH) " levels");
                return;
        }
        if (++g->elements > DOMXML_MAX_ELEMENTS) {
                guard_refuse(ctx, "more than " G_STRINGIFY(DOMXML_MAX_ELEMENTS) " elements");
                return;
        }
        xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
                              nb_attributes, nb_defaulted, attributes);
}

/* Defence in depth: whatever the parser let through, no DTD or entity
 * node may be in the tree we work on and write back. */
static const char *tree_refusal(xmlNodePtr node)
{
        for (; node; node = node->next) {
                switch (node->type) {
                case XML_DTD_NODE:
                case XML_DOCUMENT_TYPE_NODE:
                        return "a DOCTYPE (document type declaration) is not allowed";
                case XML_ENTITY_REF_NODE:
                case XML_ENTITY_NODE:
                case XML_ENTITY_DECL:
                        return "entity references other than &lt; &gt; &amp; &quot; &apos; are not allowed";
                case XML_XINCLUDE_START:
                case XML_XINCLUDE_END:
                        return "XInclude is not allowed";
                default:
                        break;
                }
                if (node->type == XML_ELEMENT_NODE) {
                        const char *r = tree_refusal(node->children);
                        if (r)
                                return r;
                }
        }
        return NULL;
}

/*
 * Parses at most DOMXML_MAX_BYTES of UTF-8 into a tree. No network, no
 * DTD loading or defaulting, no entity substitution (XML_PARSE_NOENT,
 * DTDLOAD, DTDATTR are never set), and the SAX guards refuse a DOCTYPE,
 * entity declarations and references, and deep nesting as soon as they
 * appear. what names the input in errors ("domain XML", "metadata").
 */
xmlDocPtr domxml_safe_read(const char *text, gsize len, const char *what, GError **error)
{
        ParseGuard guard = { 0 };
        xmlParserCtxtPtr ctxt;
        xmlDocPtr doc;
        gboolean well_formed;
        const char *refusal;

        if (!text || len == 0) {
                domxml_invalid(error, "%s is empty", what);
                return NULL;
        }
        if (len > DOMXML_MAX_BYTES) {
                domxml_invalid(error, "%s is %" G_GSIZE_FORMAT " bytes, more than the %u allowed",
                        what, len, DOMXML_MAX_BYTES);
                return NULL;
        }
        /* libvirt writes UTF-8 only; anything else (a declared Latin-1,
         * UTF-16, stray bytes, NULs) is refused before libxml2 would
         * convert it. */
        if (!g_utf8_validate_len(text, len, NULL)) {
                domxml_invalid(error, "%s is not valid UTF-8 (or contains a NUL byte)", what);
                return NULL;
        }

        xmlInitParser();
        ctxt = xmlCreateMemoryParserCtxt(text, (int) len);
        if (!ctxt) {
                domxml_invalid(error, "%s: cannot create an XML parser", what);
                return NULL;
        }
        xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        ctxt->_private = &guard;
        ctxt->sax->internalSubset = sax_internal_subset;
        ctxt->sax->externalSubset = sax_external_subset;
        ctxt->sax->entityDecl = sax_entity_decl;
        ctxt->sax->getEntity = sax_get_entity;
        ctxt->sax->getParameterEntity = sax_get_parameter_entity;
        ctxt->sax->startElementNs = sax_start_element;
        ctxt->sax->resolveEntity = NULL;

        xmlParseDocument(ctxt);
        doc = ctxt->myDoc;
        ctxt->myDoc = NULL;
        well_formed = ctxt->wellFormed;

        if (guard.refused) {
                domxml_invalid(error, "%s refused: %s", what, guard.refused);
                goto fail;
        }
        if (!well_formed || !doc) {
                const xmlError *e = &ctxt->lastError;
                g_autofree char *msg = g_strstrip(g_strdup(e->message ? e->message
                                                                      : "not well-formed"));

                domxml_invalid(error, "%s is not well-formed XML: line %d: %s", what, e->line, msg);
                goto fail;
        }
        if (doc->encoding && g_ascii_strcasecmp((const char *) doc->encoding, "UTF-8") != 0) {
                domxml_invalid(error, "%s declares encoding '%s'; only UTF-8 is accepted",
                        what, (const char *) doc->encoding);
                goto fail;
        }
        if (doc->intSubset || doc->extSubset) {
                domxml_invalid(error, "%s refused: a DOCTYPE (document type declaration) is not allowed",
                        what);
                goto fail;
        }
        refusal = tree_refusal(doc->children);
        if (refusal) {
                domxml_invalid(error, "%s refused: %s", what, refusal);
                goto fail;
        }
        xmlFreeParserCtxt(ctxt);
        return doc;
fail:
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return NULL;
}

char *domxml_save(xmlDocPtr doc, xmlNodePtr node)
{
        xmlBufferPtr buf = xmlBufferCreate();
        xmlSaveCtxtPtr save;
        char *out;

        /* UTF-8 out, as it came in; no XML declaration (libvirt writes none). */
        save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
        if (node)
                xmlSaveTree(save, node);
        else
                xmlSaveDoc(save, doc);
        xmlSaveClose(save);
        out = g_strndup((const char *) xmlBufferContent(buf), xmlBufferLength(buf));
        xmlBufferFree(buf);
        return out;
}
