/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for domain XML (what a libvirt hook or an orchestrator
 * hands the agent): any bytes give either a document or an error with a
 * message, never both, never a crash. An accepted document formats to
 * text that parses again to the same devices and metadata and formats to
 * the same text; rewriting every device address and the metadata keeps
 * it parseable and says what was written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/domxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const Domxml *a, const Domxml *b)
{
        const GPtrArray *da = domxml_get_devices(a), *db = domxml_get_devices(b);
        const GPtrArray *ma = domxml_get_meta_devices(a), *mb = domxml_get_meta_devices(b);

        if (strcmp(domxml_get_name(a), domxml_get_name(b)) ||
            strcmp(domxml_get_uuid(a), domxml_get_uuid(b)) ||
            da->len != db->len || ma->len != mb->len)
                abort();
        for (guint i = 0; i < da->len; i++) {
                const DomxmlDevice *x = g_ptr_array_index(da, i), *y = g_ptr_array_index(db, i);

                if (x->kind != y->kind || x->index != i || y->index != i ||
                    strcmp(x->address, y->address) || x->managed != y->managed ||
                    g_strcmp0(x->alias, y->alias) || g_strcmp0(x->mac, y->mac))
                        abort();
        }
        for (guint i = 0; i < ma->len; i++) {
                const DomxmlMetaDevice *x = g_ptr_array_index(ma, i), *y = g_ptr_array_index(mb, i);

                if (strcmp(x->address, y->address) || g_strcmp0(x->alias, y->alias) ||
                    x->profile->features != y->profile->features ||
                    x->profile->type != y->profile->type)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(Domxml) d = NULL, d2 = NULL, d3 = NULL;
        g_autoptr(GPtrArray) meta = NULL;
        g_autofree char *text = NULL, *text2 = NULL, *text3 = NULL;
        const GPtrArray *devs;

        d = domxml_parse((const char *) data, size, &error);
        if (!d == !error)
                abort();
        if (!d) {
                if (!error->message || !error->message[0])
                        abort();
                return 0;
        }
        devs = domxml_get_devices(d);
        if (devs->len > DOMXML_MAX_DEVICES ||
            domxml_get_meta_devices(d)->len > DOMXML_MAX_META_DEVICES)
                abort();
        for (guint i = 0; i < devs->len; i++) {
                const DomxmlDevice *dev = g_ptr_array_index(devs, i);

                if (!pci_address_is_valid(dev->address) ||
                    !domxml_device_kind_to_string(dev->kind))
                        abort();
        }

        text = domxml_format(d);
        /* Escaping may grow a document past the cap: nothing to compare. */
        if (strlen(text) > DOMXML_MAX_BYTES)
                return 0;
        d2 = domxml_parse(text, strlen(text), &error);
        if (!d2)
                abort();
        check_same(d, d2);
        text2 = domxml_format(d2);
        if (strcmp(text, text2))
                abort();

        /* Every device moved, the metadata rewritten from what was read. */
        meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);
        for (guint i = 0; i < devs->len; i++) {
                const DomxmlDevice *dev = g_ptr_array_index(devs, i);
                const DomxmlMetaDevice *m = domxml_find_meta(d2, g_ptr_array_index(domxml_get_devices(d2), i));
                char addr[PCI_ADDRESS_STRLEN];

                g_snprintf(addr, sizeof(addr), "0000:%02x:%02x.%u", 0x80 + i / 256, (i / 8) % 32, i % 8);
                if (!domxml_set_device_address(d2, i, addr, &error))
                        abort();
                if (strcmp(((const DomxmlDevice *) g_ptr_array_index(domxml_get_devices(d2), i))->address, addr))
                        abort();
                if (m)
                        g_ptr_array_add(meta, domxml_meta_device_new(dev->alias, addr, m->profile));
        }
        domxml_set_meta_devices(d2, meta);
        text3 = domxml_format(d2);
        if (strlen(text3) > DOMXML_MAX_BYTES)
                return 0;
        d3 = domxml_parse(text3, strlen(text3), &error);
        if (!d3)
                abort();
        check_same(d2, d3);
        return 0;
}
