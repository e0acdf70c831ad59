// SPDX-License-Identifier: GPL-2.0-or-later
#include "fsm.h"

#include <errno.h>

enum {
	S_ERR = VFIO_DEVICE_STATE_ERROR,
	S_STOP = VFIO_DEVICE_STATE_STOP,
	S_RUN = VFIO_DEVICE_STATE_RUNNING,
	S_SC = VFIO_DEVICE_STATE_STOP_COPY,
	S_RES = VFIO_DEVICE_STATE_RESUMING,
	S_P2P = VFIO_DEVICE_STATE_RUNNING_P2P,
	S_PC = VFIO_DEVICE_STATE_PRE_COPY,
	S_PCP = VFIO_DEVICE_STATE_PRE_COPY_P2P,
};

/*
 * next[cur][target]: the next state on the way from cur to target when every
 * optional state is supported.  Unsupported states on the way are skipped
 * by looking the table up again from them (as the core does).
 */
static const unsigned char fsm_table[VMT_NUM_STATES][VMT_NUM_STATES] = {
	/*             ERR    STOP   RUN    SC     RES    P2P    PC     PCP */
	[S_STOP] = { S_ERR, S_STOP, S_P2P, S_SC, S_RES, S_P2P, S_P2P, S_P2P },
	[S_RUN] = { S_ERR, S_P2P, S_RUN, S_P2P, S_P2P, S_P2P, S_PC, S_P2P },
	[S_SC] = { S_ERR, S_STOP, S_STOP, S_SC, S_STOP, S_STOP, S_ERR, S_ERR },
	[S_RES] = { S_ERR, S_STOP, S_STOP, S_STOP, S_RES, S_STOP, S_STOP, S_STOP },
	[S_P2P] = { S_ERR, S_STOP, S_RUN, S_STOP, S_STOP, S_P2P, S_RUN, S_PCP },
	[S_PC] = { S_ERR, S_RUN, S_RUN, S_PCP, S_RUN, S_RUN, S_PC, S_PCP },
	[S_PCP] = { S_ERR, S_P2P, S_P2P, S_SC, S_P2P, S_P2P, S_PC, S_PCP },
	[S_ERR] = { S_ERR, S_ERR, S_ERR, S_ERR, S_ERR, S_ERR, S_ERR, S_ERR },
};

/* The migration flags a state needs. */
static const uint32_t fsm_state_flags[VMT_NUM_STATES] = {
	[S_ERR] = ~0u,
	[S_STOP] = VFIO_MIGRATION_STOP_COPY,
	[S_RUN] = VFIO_MIGRATION_STOP_COPY,
	[S_SC] = VFIO_MIGRATION_STOP_COPY,
	[S_RES] = VFIO_MIGRATION_STOP_COPY,
	[S_P2P] = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P,
	[S_PC] = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY,
	[S_PCP] = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		  VFIO_MIGRATION_PRE_COPY,
};

static int fsm_supported(uint32_t flags, unsigned int s)
{
	return s < VMT_NUM_STATES &&
	       (fsm_state_flags[s] & flags) == fsm_state_flags[s];
}

int fsm_next(uint32_t flags, unsigned int cur, unsigned int target,
	     unsigned int *next)
{
	unsigned int n;

	if (!fsm_supported(flags, cur) || !fsm_supported(flags, target))
		return -EINVAL;
	n = fsm_table[cur][target];
	while (n != S_ERR && !fsm_supported(flags, n))
		n = fsm_table[n][target];
	if (n == S_ERR)
		return -EINVAL;
	*next = n;
	return 0;
}

int fsm_walk(uint32_t flags, unsigned int cur, unsigned int target,
	     unsigned int path[FSM_MAX_PATH])
{
	int n = 0;

	if (!fsm_supported(flags, target) || !fsm_supported(flags, cur))
		return -EINVAL;
	while (cur != target) {
		unsigned int next;

		if (n == FSM_MAX_PATH || fsm_next(flags, cur, target, &next))
			return -EINVAL;
		path[n++] = next;
		cur = next;
	}
	return n;
}

int fsm_arc_opens_fd(unsigned int from, unsigned int to)
{
	return (from == S_STOP && to == S_SC) ||
	       (from == S_STOP && to == S_RES) ||
	       (from == S_RUN && to == S_PC) ||
	       (from == S_P2P && to == S_PCP);
}

int fsm_state_stopped(unsigned int state)
{
	return state == S_STOP || state == S_SC || state == S_RES ||
	       state == S_P2P || state == S_PCP;
}
