/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the vfmig metadata fragment (`vfmigctl check` on a
 * file, CheckIncoming): any bytes give devices or an error with a message,
 * never both, never a crash; accepted metadata formats to text that parses
 * to the same devices and formats to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/domxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) meta = NULL, again = NULL;
        g_autofree char *text = NULL, *text2 = NULL;

        meta = domxml_parse_metadata((const char *) data, size, &error);
        if (!meta == !error)
                abort();
        if (!meta) {
                if (!error->message || !error->message[0])
                        abort();
                return 0;
        }
        if (meta->len > DOMXML_MAX_META_DEVICES)
                abort();
        text = domxml_format_metadata(meta);
        if (strlen(text) > DOMXML_MAX_BYTES)
                return 0;
        again = domxml_parse_metadata(text, strlen(text), &error);
        if (!again || again->len != meta->len)
                abort();
        for (guint i = 0; i < meta->len; i++) {
                const DomxmlMetaDevice *a = g_ptr_array_index(meta, i);
                const DomxmlMetaDevice *b = g_ptr_array_index(again, i);

                if (!pci_address_is_valid(a->address) || strcmp(a->address, b->address) ||
                    g_strcmp0(a->alias, b->alias) || !a->profile || !b->profile ||
                    a->profile->features != b->profile->features ||
                    a->profile->driver_features != b->profile->driver_features ||
                    a->profile->type != b->profile->type ||
                    g_strcmp0(a->profile->mac, b->profile->mac) ||
                    g_strcmp0(a->profile->firmware, b->profile->firmware))
                        abort();
        }
        text2 = domxml_format_metadata(again);
        if (strcmp(text, text2))
                abort();
        return 0;
}
