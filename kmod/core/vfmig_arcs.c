// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The arcs as tables. The driver dispatches on vfmig_arc_action(); the
 * next-hop table restates the VFIO uAPI's state machine (documented in
 * uapi/linux/vfio.h) so userspace tests can walk every combination.
 */
#include "vfmig_arcs.h"

#define ER VFMIG_MIG_ERROR
#define ST VFMIG_MIG_STOP
#define RU VFMIG_MIG_RUNNING
#define SC VFMIG_MIG_STOP_COPY
#define RE VFMIG_MIG_RESUMING
#define RP VFMIG_MIG_RUNNING_P2P
#define PC VFMIG_MIG_PRE_COPY
#define PP VFMIG_MIG_PRE_COPY_P2P

struct vfmig_arc {
	u8 from, to;
	u8 action;
};

static const struct vfmig_arc vfmig_arcs[] = {
	{ RU, RP, VFMIG_ARC_STOP_DEVICE },
	{ PC, PP, VFMIG_ARC_STOP_DEVICE },
	{ RP, RU, VFMIG_ARC_START_DEVICE },
	{ PP, PC, VFMIG_ARC_START_DEVICE },
	{ RP, ST, VFMIG_ARC_QUIESCE },
	{ ST, RP, VFMIG_ARC_UNQUIESCE },
	{ ST, SC, VFMIG_ARC_SAVE_START },
	{ PP, SC, VFMIG_ARC_SAVE_FINAL },
	{ SC, ST, VFMIG_ARC_SAVE_END },
	{ ST, RE, VFMIG_ARC_RESUME_START },
	{ RE, ST, VFMIG_ARC_RESUME_END },
	{ RU, PC, VFMIG_ARC_PRECOPY_START },
	{ RP, PP, VFMIG_ARC_PRECOPY_P2P_START },
	{ PC, RU, VFMIG_ARC_PRECOPY_END },
	{ PP, RP, VFMIG_ARC_PRECOPY_P2P_END },
};

enum vfmig_arc_action vfmig_arc_action(int from, int to)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vfmig_arcs); i++)
		if (vfmig_arcs[i].from == from && vfmig_arcs[i].to == to)
			return vfmig_arcs[i].action;
	return VFMIG_ARC_NONE;
}

/* next_hop[cur][target]: the next state with every optional state present */
static const u8 vfmig_next_hop[VFMIG_MIG_STATE_MAX][VFMIG_MIG_STATE_MAX] = {
	/*        ER  ST  RU  SC  RE  RP  PC  PP */
	[ER] = { ER, ER, ER, ER, ER, ER, ER, ER },
	[ST] = { ER, ST, RP, SC, RE, RP, RP, RP },
	[RU] = { ER, RP, RU, RP, RP, RP, PC, RP },
	[SC] = { ER, ST, ST, SC, ST, ST, ER, ER },
	[RE] = { ER, ST, ST, ST, RE, ST, ST, ST },
	[RP] = { ER, ST, RU, ST, ST, RP, RU, PP },
	[PC] = { ER, RU, RU, PP, RU, RU, PC, PP },
	[PP] = { ER, RP, RP, SC, RP, RP, PC, PP },
};

/* Migration flags a state needs; ERROR can never be requested. */
static u32 vfmig_state_flags(int s)
{
	switch (s) {
	case ST:
	case RU:
	case SC:
	case RE:
		return VFMIG_MIGRATION_STOP_COPY;
	case RP:
		return VFMIG_MIGRATION_STOP_COPY | VFMIG_MIGRATION_P2P;
	case PC:
		return VFMIG_MIGRATION_STOP_COPY | VFMIG_MIGRATION_PRE_COPY;
	case PP:
		return VFMIG_MIGRATION_ALL;
	default:
		return ~0u;
	}
}

static bool vfmig_state_supported(u32 flags, int s)
{
	return s >= 0 && s < VFMIG_MIG_STATE_MAX &&
	       (vfmig_state_flags(s) & flags) == vfmig_state_flags(s);
}

int vfmig_mig_next_state(u32 flags, int cur, int target, int *next)
{
	int n;

	if (!vfmig_state_supported(flags, cur) ||
	    !vfmig_state_supported(flags, target))
		return -EINVAL;
	n = vfmig_next_hop[cur][target];
	/* Hops through states this device lacks are skipped. */
	while (n != ER && !vfmig_state_supported(flags, n))
		n = vfmig_next_hop[n][target];
	if (n == ER)
		return -EINVAL;
	*next = n;
	return 0;
}

static const char * const vfmig_state_names[VFMIG_MIG_STATE_MAX] = {
	[ER] = "error",
	[ST] = "stop",
	[RU] = "running",
	[SC] = "stop_copy",
	[RE] = "resuming",
	[RP] = "running_p2p",
	[PC] = "pre_copy",
	[PP] = "pre_copy_p2p",
};

static const char * const vfmig_action_names[VFMIG_ARC_ACTION_MAX] = {
	[VFMIG_ARC_NONE] = "none",
	[VFMIG_ARC_STOP_DEVICE] = "stop_device",
	[VFMIG_ARC_START_DEVICE] = "start_device",
	[VFMIG_ARC_QUIESCE] = "quiesce",
	[VFMIG_ARC_UNQUIESCE] = "unquiesce",
	[VFMIG_ARC_SAVE_START] = "save_start",
	[VFMIG_ARC_SAVE_FINAL] = "save_final",
	[VFMIG_ARC_SAVE_END] = "save_end",
	[VFMIG_ARC_RESUME_START] = "resume_start",
	[VFMIG_ARC_RESUME_END] = "resume_end",
	[VFMIG_ARC_PRECOPY_START] = "precopy_start",
	[VFMIG_ARC_PRECOPY_P2P_START] = "precopy_p2p_start",
	[VFMIG_ARC_PRECOPY_END] = "precopy_end",
	[VFMIG_ARC_PRECOPY_P2P_END] = "precopy_p2p_end",
};

static const char *vfmig_name(const char * const *t, int n, int v)
{
	return (v >= 0 && v < n) ? t[v] : NULL;
}

static int vfmig_lookup(const char * const *t, int n, const char *s)
{
	int i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (t[i] && !strcmp(t[i], s))
			return i;
	return -EINVAL;
}

const char *vfmig_mig_state_to_string(int s)
{
	return vfmig_name(vfmig_state_names, VFMIG_MIG_STATE_MAX, s);
}

int vfmig_mig_state_from_string(const char *s)
{
	return vfmig_lookup(vfmig_state_names, VFMIG_MIG_STATE_MAX, s);
}

const char *vfmig_arc_action_to_string(int a)
{
	return vfmig_name(vfmig_action_names, VFMIG_ARC_ACTION_MAX, a);
}

int vfmig_arc_action_from_string(const char *s)
{
	return vfmig_lookup(vfmig_action_names, VFMIG_ARC_ACTION_MAX, s);
}
