/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for vfmig.conf parsing: any bytes give either a config
 * or an error with a message, never both, never a crash; an accepted
 * config only names drivers the agent may bind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(VfmigConfig) cfg = NULL;

        cfg = vfmig_config_parse((const char *) data, size, &error);
        if (!cfg == !error)
                abort();
        if (!cfg) {
                if (!error->message || !error->message[0])
                        abort();
                return 0;
        }
        if (!vfmig_driver_is_allowed(cfg->default_driver))
                abort();
        for (guint i = 0; i < cfg->pf_policies->len; i++) {
                const PfPolicy *p = g_ptr_array_index(cfg->pf_policies, i);

                if (!vfmig_driver_is_allowed(vfmig_config_driver_for(cfg, p)))
                        abort();
        }
        return 0;
}
