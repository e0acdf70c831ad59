/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VFIO core's migration state table (vfio_mig_get_next_state() in
 * drivers/vfio/vfio_main.c, Linux 6.12) kept as data, written from the uAPI
 * description independently of the driver under test, so the test can
 * predict every (from, to) request: whether it succeeds, which single arcs
 * the driver is asked to perform, and whether a data fd comes back.
 */
#ifndef VFMIG_VM_FSM_H
#define VFMIG_VM_FSM_H

#include <stdint.h>

#include "vfio-compat.h"

#define FSM_MAX_PATH 8

/* One step as the core computes it: 0 and *next, or -EINVAL. */
int fsm_next(uint32_t flags, unsigned int cur, unsigned int target,
	     unsigned int *next);

/*
 * The whole walk from cur to target: the states after each arc, in order.
 * Returns the number of arcs (0 when cur == target) or -EINVAL when the core
 * refuses the request.
 */
int fsm_walk(uint32_t flags, unsigned int cur, unsigned int target,
	     unsigned int path[FSM_MAX_PATH]);

/* Whether the arc from -> to starts a data transfer session (new fd). */
int fsm_arc_opens_fd(unsigned int from, unsigned int to);

/* Whether the device is stopped (no DMA, no state change) in a state. */
int fsm_state_stopped(unsigned int state);

#endif
