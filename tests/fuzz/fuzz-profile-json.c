/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the JSON profile parser (what vfmigctl check and
 * CheckIncoming read from orchestrators): any bytes give either a profile
 * or an error with a message, never both, never a crash. An accepted
 * profile is in range, its JSON form parses back to the same JSON form,
 * and comparing it with itself finds nothing (unless it claims negotiated
 * bits it does not offer, which the features rule reports). Its XML form
 * (in a metadata fragment, as text) holds the same profile: both forms
 * carry exactly the same profiles (docs/profile.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/domxml.h"
#include "core/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GError) error2 = NULL;
        g_autoptr(GError) error3 = NULL;
        g_autoptr(GPtrArray) meta = NULL, back = NULL;
        g_autofree char *xml = NULL, *json3 = NULL;
        g_autoptr(VfProfile) p = NULL;
        g_autoptr(VfProfile) q = NULL;
        g_autoptr(GPtrArray) reasons = NULL;
        g_autofree char *json = NULL, *json2 = NULL;

        p = profile_from_json_data((const char *) data, size, &error);
        if (!p == !error)
                abort();
        if (!p) {
                if (!error->message || !error->message[0])
                        abort();
                return 0;
        }
        if (p->version < 1 || p->version > VFMIG_PROFILE_VERSION ||
            (int) p->type < 0 || p->type >= _DEVICE_TYPE_MAX ||
            (int) p->source < 0 || p->source >= _PROFILE_SOURCE_MAX)
                abort();
        if (p->mac && strlen(p->mac) != 17)
                abort();
        json = profile_to_json(p, FALSE);
        q = profile_from_json_data(json, strlen(json), &error2);
        if (!q)
                abort();
        json2 = profile_to_json(q, FALSE);
        if (strcmp(json, json2) != 0)
                abort();

        meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);
        g_ptr_array_add(meta, domxml_meta_device_new(NULL, "0000:3b:00.2", p));
        xml = domxml_format_metadata(meta);
        back = domxml_parse_metadata(xml, strlen(xml), &error3);
        if (!back || back->len != 1)
                abort();
        json3 = profile_to_json(((const DomxmlMetaDevice *) g_ptr_array_index(back, 0))->profile,
                                FALSE);
        if (strcmp(json, json3) != 0)
                abort();

        reasons = profile_compat_reasons(p, p);
        if (reasons->len != 0 && !(p->driver_features & ~p->features))
                abort();
        return 0;
}
