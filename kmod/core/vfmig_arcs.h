/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO migration state arcs as data: which single-step arcs the driver
 * implements and what each does, plus a userspace mirror of the VFIO core's
 * vfio_mig_get_next_state() so tests can check every (from, to) pair.
 */
#ifndef VFMIG_ARCS_H
#define VFMIG_ARCS_H

#include "vfmig_compat.h"

/* Same numbering as enum vfio_device_mig_state (uapi/linux/vfio.h). */
enum vfmig_mig_state {
	VFMIG_MIG_ERROR		= 0,
	VFMIG_MIG_STOP		= 1,
	VFMIG_MIG_RUNNING	= 2,
	VFMIG_MIG_STOP_COPY	= 3,
	VFMIG_MIG_RESUMING	= 4,
	VFMIG_MIG_RUNNING_P2P	= 5,
	VFMIG_MIG_PRE_COPY	= 6,
	VFMIG_MIG_PRE_COPY_P2P	= 7,
	VFMIG_MIG_STATE_MAX,
	VFMIG_MIG_STATE_INVALID	= -EINVAL,
};

/* Same values as VFIO_MIGRATION_* */
#define VFMIG_MIGRATION_STOP_COPY	(1u << 0)
#define VFMIG_MIGRATION_P2P		(1u << 1)
#define VFMIG_MIGRATION_PRE_COPY	(1u << 2)
#define VFMIG_MIGRATION_ALL		(VFMIG_MIGRATION_STOP_COPY | \
					 VFMIG_MIGRATION_P2P | \
					 VFMIG_MIGRATION_PRE_COPY)

/* What the driver does for one arc. */
enum vfmig_arc_action {
	VFMIG_ARC_NONE,			/* not an arc the driver implements */
	VFMIG_ARC_STOP_DEVICE,		/* RUNNING->RUNNING_P2P, PRE_COPY->PRE_COPY_P2P */
	VFMIG_ARC_START_DEVICE,		/* RUNNING_P2P->RUNNING, PRE_COPY_P2P->PRE_COPY */
	VFMIG_ARC_QUIESCE,		/* RUNNING_P2P->STOP */
	VFMIG_ARC_UNQUIESCE,		/* STOP->RUNNING_P2P */
	VFMIG_ARC_SAVE_START,		/* STOP->STOP_COPY: new save fd */
	VFMIG_ARC_SAVE_FINAL,		/* PRE_COPY_P2P->STOP_COPY: same fd */
	VFMIG_ARC_SAVE_END,		/* STOP_COPY->STOP */
	VFMIG_ARC_RESUME_START,		/* STOP->RESUMING: new resume fd */
	VFMIG_ARC_RESUME_END,		/* RESUMING->STOP: load the state */
	VFMIG_ARC_PRECOPY_START,	/* RUNNING->PRE_COPY: new save fd */
	VFMIG_ARC_PRECOPY_P2P_START,	/* RUNNING_P2P->PRE_COPY_P2P: new save fd */
	VFMIG_ARC_PRECOPY_END,		/* PRE_COPY->RUNNING: drop the save fd */
	VFMIG_ARC_PRECOPY_P2P_END,	/* PRE_COPY_P2P->RUNNING_P2P */
	VFMIG_ARC_ACTION_MAX,
	VFMIG_ARC_ACTION_INVALID = -EINVAL,
};

enum vfmig_arc_action vfmig_arc_action(int from, int to);

/* Mirror of vfio_mig_get_next_state(): 0 and *next, or -EINVAL. */
int vfmig_mig_next_state(u32 flags, int cur, int target, int *next);

const char *vfmig_mig_state_to_string(int s);
int vfmig_mig_state_from_string(const char *s);
const char *vfmig_arc_action_to_string(int a);
int vfmig_arc_action_from_string(const char *s);

#endif /* VFMIG_ARCS_H */
