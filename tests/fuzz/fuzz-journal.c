/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the pool journal parser: whatever the bytes, parsing
 * must not crash or leak, and what it trusts must serialize into a journal
 * that parses back undamaged and identical (nothing trusted is invented).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(GPtrArray) untrusted = NULL, untrusted2 = NULL;
        g_autofree char *reason = NULL, *reason2 = NULL;
        g_autofree char *text = NULL, *text2 = NULL;
        g_autoptr(Pool) pool = NULL, again = NULL;
        gboolean damaged = FALSE, damaged2 = FALSE;

        pool = pool_parse((const char *) data, size, &untrusted, &damaged, &reason);
        if (!pool || !untrusted || damaged != (reason != NULL))
                abort();

        text = pool_serialize(pool);
        again = pool_parse(text, strlen(text), &untrusted2, &damaged2, &reason2);
        if (damaged2 || untrusted2->len != 0)
                abort();
        text2 = pool_serialize(again);
        if (strcmp(text, text2) != 0)
                abort();
        return 0;
}
