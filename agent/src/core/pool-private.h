/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "pool.h"

/* Shared by pool.c (state machine) and pool-journal.c (text form) only. */

/* Longest owner name kept; libvirt's own limit is far below this. */

void pool_entry_free(PoolEntry *e);
/* Takes ownership of e, replacing any entry for the same address. */
void pool_put_entry(Pool *pool, PoolEntry *e);
char *pool_describe_owner(const PoolEntry *e);
