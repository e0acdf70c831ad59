/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt_monitor_publish_metadata(): our metadata element into a running
 * domain's live XML, from a worker thread holding its own reference on
 * the connection; the outcome is reported on the main loop.
 */
#include <string.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/profile.h"
#include "libvirt-monitor-private.h"

/* virDomainSetMetadata waits up to 30 s for a job of the domain to end
 * (e.g. an incoming migration finishing) and then fails with
 * VIR_ERR_OPERATION_TIMEOUT; try again that many times. */
#define PUBLISH_ATTEMPTS 4
#define PUBLISH_RETRY_SEC 1

/* Moves every element of the tree in our namespace to ns; attributes
 * in it become unqualified. */
static void to_default_ns(xmlNodePtr node, xmlNsPtr ns)
{
        for (; node; node = node->next) {
                if (node->type != XML_ELEMENT_NODE)
                        continue;
                if (node->ns && node->ns->href &&
                    strcmp((const char *) node->ns->href, VFMIG_XML_NS) == 0)
                        node->ns = ns;
                for (xmlAttrPtr a = node->properties; a; a = a->next)
                        if (a->ns && a->ns->href &&
                            strcmp((const char *) a->ns->href, VFMIG_XML_NS) == 0)
                                a->ns = NULL;
                to_default_ns(node->children, ns);
        }
}

/* Drops the prefixed declarations of our namespace (nothing refers to
 * them any more). */
static void drop_prefixed_decls(xmlNodePtr node)
{
        for (; node; node = node->next) {
                xmlNsPtr *link;

                if (node->type != XML_ELEMENT_NODE)
                        continue;
                link = &node->nsDef;
                while (*link) {
                        xmlNsPtr d = *link;

                        if (d->prefix && d->href &&
                            strcmp((const char *) d->href, VFMIG_XML_NS) == 0) {
                                *link = d->next;
                                d->next = NULL;
                                xmlFreeNs(d);
                        } else {
                                link = &d->next;
                        }
                }
                drop_prefixed_decls(node->children);
        }
}

/*
 * The element as virDomainSetMetadata accepts it. libvirt declares the
 * key's prefix on the element itself (xmlNewNs) and fails with "failed to
 * create a new XML namespace" when the element already declares that
 * prefix, as our formatted metadata does (<vfmig:migration
 * xmlns:vfmig=...>). So our namespace becomes the default one of the
 * element: the text libvirt stores then carries every element, nested
 * ones too, in VFMIG_XML_NS under any parser.
 */
static char *for_set_metadata(const char *metadata, GError **error)
{
        xmlDocPtr doc;
        xmlNodePtr root;
        xmlNsPtr ns;
        xmlBufferPtr buf;
        char *out = NULL;

        /* Our own text; no DTD, entities or network in any case. */
        doc = xmlReadMemory(metadata, (int) strlen(metadata), NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        if (!root) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the metadata to publish is not an XML element");
                xmlFreeDoc(doc);
                return NULL;
        }
        ns = xmlSearchNs(doc, root, NULL);
        if (ns && (!ns->href || strcmp((const char *) ns->href, VFMIG_XML_NS) != 0)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the metadata to publish declares another default namespace (%s)",
                            ns->href ? (const char *) ns->href : "");
                xmlFreeDoc(doc);
                return NULL;
        }
        if (!ns)
                ns = xmlNewNs(root, (const xmlChar *) VFMIG_XML_NS, NULL);
        to_default_ns(root, ns);
        drop_prefixed_decls(root);

        buf = xmlBufferCreate();
        if (xmlNodeDump(buf, doc, root, 0, 0) >= 0)
                out = g_strdup((const char *) xmlBufferContent(buf));
        else
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                            "cannot format the metadata to publish");
        xmlBufferFree(buf);
        xmlFreeDoc(doc);
        return out;
}

typedef struct {
        virConnectPtr conn;
        char *uuid;
        char *metadata;
        LibvirtPublishDone done;
        gpointer user_data;
        char *error;
        char *name;
} PublishJob;

static void publish_job_free(gpointer data)
{
        PublishJob *p = data;

        if (p->conn)
                virConnectClose(p->conn);
        g_free(p->uuid);
        g_free(p->metadata);
        g_free(p->error);
        g_free(p->name);
        g_free(p);
}

static void publish_thread(GTask *task, gpointer source, gpointer data,
                           GCancellable *cancellable)
{
        PublishJob *p = data;
        g_autofree char *element = NULL;
        g_autoptr(GError) error = NULL;
        virDomainPtr dom;

        if (p->metadata) {
                element = for_set_metadata(p->metadata, &error);
                if (!element) {
                        p->error = g_strdup(error->message);
                        return;
                }
        }
        dom = virDomainLookupByUUIDString(p->conn, p->uuid);
        if (!dom) {
                p->error = g_strdup(virGetLastErrorMessage());
                return;
        }
        p->name = g_strdup(virDomainGetName(dom));
        for (int attempt = 1;; attempt++) {
                if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element,
                                         VFMIG_XML_PREFIX, VFMIG_XML_NS,
                                         VIR_DOMAIN_AFFECT_LIVE) == 0)
                        break;
                /* Busy in a job (an incoming migration finishing): libvirt
                 * waited for it already; wait some more. */
                if (virGetLastErrorCode() == VIR_ERR_OPERATION_TIMEOUT &&
                    attempt < PUBLISH_ATTEMPTS) {
                        g_debug("libvirt: %s is busy (%s), publishing again", p->name,
                                virGetLastErrorMessage());
                        g_usleep(PUBLISH_RETRY_SEC * G_USEC_PER_SEC);
                        continue;
                }
                p->error = g_strdup(virGetLastErrorMessage());
                break;
        }
        virDomainFree(dom);
}

static void publish_done(GObject *source, GAsyncResult *result, gpointer data)
{
        LibvirtMonitor *m = data;
        PublishJob *p = g_task_get_task_data(G_TASK(result));
        const char *what = p->metadata ? "publish the vfmig metadata of" : "remove the vfmig metadata of";

        if (p->error)
                g_warning("libvirt: cannot %s domain %s (%s): %s", what,
                          p->name ? p->name : p->uuid, p->uuid, p->error);
        else
                g_message("libvirt: %s domain %s (%s)",
                          p->metadata ? "published the vfmig metadata of" : "removed the vfmig metadata of",
                          p->name, p->uuid);
        if (p->done && !m->stopped)
                p->done(p->uuid, p->error == NULL, p->error, p->user_data);
        libvirt_monitor_unref(m);
}

void libvirt_monitor_publish_metadata(LibvirtMonitor *m, const char *uuid,
                                      const char *metadata, LibvirtPublishDone done,
                                      gpointer user_data)
{
        g_autoptr(GTask) task = NULL;
        PublishJob *p;

        g_return_if_fail(m && uuid);
        p = g_new0(PublishJob, 1);
        p->uuid = g_strdup(uuid);
        p->metadata = g_strdup(metadata);
        p->done = done;
        p->user_data = user_data;
        if (m->conn) {
                virConnectRef(m->conn);
                p->conn = m->conn;
        } else {
                /* Reported from the main loop like every outcome, so the
                 * caller never sees its callback before this returns. */
                p->error = g_strdup("not connected to libvirt");
        }
        task = g_task_new(NULL, NULL, publish_done, libvirt_monitor_ref(m));
        g_task_set_task_data(task, p, publish_job_free);
        if (p->conn)
                g_task_run_in_thread(task, publish_thread);
        else
                g_task_return_boolean(task, FALSE);
}
