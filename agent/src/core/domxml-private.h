/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by domxml.c (the document), domxml-meta.c (our metadata) and
 * domxml-safe.c (guarded parsing, serializing); not for other modules. */
#include <libxml/tree.h>

#include "domxml.h"

/* Sets VFMIG_ERROR_INVALID_ARGUMENT with the message; returns FALSE. */
gboolean domxml_invalid(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The guarded parse (see domxml-safe.c); what names the input in errors. */
xmlDocPtr domxml_safe_read(const char *text, gsize len, const char *what, GError **error);
/* node (or the whole doc when NULL) as UTF-8 text without declaration. */
char *domxml_save(xmlDocPtr doc, xmlNodePtr node);

/* An element in VFMIG_XML_NS with this local name (any name when NULL). */
gboolean domxml_is_ours(xmlNodePtr n, const char *name);
/* An unqualified attribute's value, or NULL. */
char *domxml_get_prop(xmlNodePtr n, const char *name);

GPtrArray *domxml_meta_array_new(void);
GPtrArray *domxml_meta_copy(const GPtrArray *meta);
GPtrArray *domxml_parse_migration(xmlNodePtr mig, GError **error);
/* A new <vfmig:migration> with its namespace declared on it, unindented. */
xmlNodePtr domxml_build_migration(xmlDocPtr doc, const GPtrArray *meta);
/* Indents a subtree built without text nodes, libvirt style. */
void domxml_indent_new(xmlNodePtr node, const char *indent);
