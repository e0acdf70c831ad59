/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "config.h"
#include "device.h"
#include "pool.h"

/*
 * Pure comparisons between what the pool believes and what the host shows,
 * and between what the config wants and what the host has.
 */

/*
 * Pool vs inventory: every pool entry whose VF vanished, or whose driver
 * is no longer an allowed VFIO driver while it is claimed/reserved/
 * assigned, is quarantined with a reason naming the change. Returns the
 * human-readable findings ("0000:3b:00.2 vanished while claimed by vm1"),
 * owned strings; empty when nothing changed.
 */
GPtrArray *reconcile_pool(Pool *pool, const Inventory *inv, gint64 now_usec);

/*
 * After a damaged or unreadable journal: the records that were lost may
 * have named VFs that running VMs own. Every VF of the inventory that is
 * bound to a VFIO driver (vfmig_virtio_pci, vfio-pci) and that the pool
 * holds no entry for is quarantined with a reason naming `journal_note`
 * (e.g. the file kept aside). Returns the findings, owned strings.
 */
GPtrArray *reconcile_after_damaged_journal(Pool *pool, const Inventory *inv,
                                           const char *journal_note,
                                           gint64 now_usec);

typedef enum {
        PLAN_SET_NUM_VFS,   /* pf, num_vfs */
        PLAN_BIND,          /* vf, driver */
} PlanActionKind;

typedef struct {
        PlanActionKind kind;
        char address[PCI_ADDRESS_STRLEN];
        guint num_vfs;
        char *driver;
} PlanAction;

void plan_action_free(PlanAction *a);
/*
 * What Apply must do to converge the host to the config: numvfs changes
 * (refused in *refusals when a VF of that PF is in use or quarantined:
 * a quarantined VF may belong to a running VM), then binds of VFs
 * that are free and bound to something other than their policy's driver.
 * Idempotent: an already converged host yields an empty plan.
 * Only PFs with a policy in the config are touched. A PF whose numvfs
 * changes gets no binds in the same plan (its VFs are about to be
 * replaced): the caller executes, rescans and plans again until the plan
 * is empty. Free VFs are bound; claimed/reserved/assigned/releasing and
 * quarantined VFs on another driver are left alone and named in
 * *refusals, as are address policies that match no PF. *refusals may be
 * NULL; both arrays own their elements.
 */
GPtrArray *reconcile_plan(const VfmigConfig *cfg, const Inventory *inv,
                          const Pool *pool, GPtrArray **refusals);
