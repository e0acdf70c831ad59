/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The driver's arc table against the VFIO state machine: every (from, to)
 * pair, walked hop by hop, must only use arcs the driver implements, and
 * exactly the 15 arcs the uAPI lists for STOP_COPY|P2P|PRE_COPY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "vfmig_arcs.h"

enum { E = VFMIG_MIG_ERROR, S = VFMIG_MIG_STOP, R = VFMIG_MIG_RUNNING,
       SC = VFMIG_MIG_STOP_COPY, RS = VFMIG_MIG_RESUMING,
       RP = VFMIG_MIG_RUNNING_P2P, PC = VFMIG_MIG_PRE_COPY,
       PP = VFMIG_MIG_PRE_COPY_P2P };

/* The arcs uapi/linux/vfio.h requires with P2P and PRE_COPY. */
static const struct { int from, to, action; } expected_arcs[] = {
	{ R, RP, VFMIG_ARC_STOP_DEVICE },
	{ PC, PP, VFMIG_ARC_STOP_DEVICE },
	{ RP, R, VFMIG_ARC_START_DEVICE },
	{ PP, PC, VFMIG_ARC_START_DEVICE },
	{ RP, S, VFMIG_ARC_QUIESCE },
	{ S, RP, VFMIG_ARC_UNQUIESCE },
	{ S, SC, VFMIG_ARC_SAVE_START },
	{ PP, SC, VFMIG_ARC_SAVE_FINAL },
	{ SC, S, VFMIG_ARC_SAVE_END },
	{ S, RS, VFMIG_ARC_RESUME_START },
	{ RS, S, VFMIG_ARC_RESUME_END },
	{ R, PC, VFMIG_ARC_PRECOPY_START },
	{ RP, PP, VFMIG_ARC_PRECOPY_P2P_START },
	{ PC, R, VFMIG_ARC_PRECOPY_END },
	{ PP, RP, VFMIG_ARC_PRECOPY_P2P_END },
};

static int expected_action(int from, int to)
{
	for (size_t i = 0; i < sizeof(expected_arcs) / sizeof(expected_arcs[0]); i++)
		if (expected_arcs[i].from == from && expected_arcs[i].to == to)
			return expected_arcs[i].action;
	return VFMIG_ARC_NONE;
}

static void test_arc_table_every_pair(void **state)
{
	for (int from = 0; from < VFMIG_MIG_STATE_MAX; from++)
		for (int to = 0; to < VFMIG_MIG_STATE_MAX; to++) {
			int got = vfmig_arc_action(from, to);

			if (got != expected_action(from, to))
				fail_msg("arc %s -> %s: action %s, expected %s",
					 vfmig_mig_state_to_string(from),
					 vfmig_mig_state_to_string(to),
					 vfmig_arc_action_to_string(got),
					 vfmig_arc_action_to_string(expected_action(from, to)));
		}
	/* out of range never maps to an arc */
	assert_int_equal(vfmig_arc_action(-1, R), VFMIG_ARC_NONE);
	assert_int_equal(vfmig_arc_action(R, VFMIG_MIG_STATE_MAX), VFMIG_ARC_NONE);
}

/* Walks cur -> target as the VFIO core would and checks each hop. */
static void test_walk_every_pair(void **state)
{
	bool used[VFMIG_MIG_STATE_MAX][VFMIG_MIG_STATE_MAX] = { { false } };
	int n_used = 0;

	for (int cur = 0; cur < VFMIG_MIG_STATE_MAX; cur++) {
		for (int target = -1; target <= VFMIG_MIG_STATE_MAX; target++) {
			int s = cur, hops = 0, next, ret;
			bool refused = cur == E || target == E || target < 0 ||
				       target >= VFMIG_MIG_STATE_MAX ||
				       (cur == SC && (target == PC || target == PP));

			ret = vfmig_mig_next_state(VFMIG_MIGRATION_ALL, s, target, &next);
			if (refused) {
				if (cur == target && cur != E)
					continue;
				assert_int_equal(ret, -EINVAL);
				continue;
			}
			while (s != target) {
				ret = vfmig_mig_next_state(VFMIG_MIGRATION_ALL, s, target, &next);
				assert_int_equal(ret, 0);
				if (vfmig_arc_action(s, next) == VFMIG_ARC_NONE)
					fail_msg("walk %s->%s needs arc %s->%s the driver lacks",
						 vfmig_mig_state_to_string(cur),
						 vfmig_mig_state_to_string(target),
						 vfmig_mig_state_to_string(s),
						 vfmig_mig_state_to_string(next));
				if (!used[s][next]) {
					used[s][next] = true;
					n_used++;
				}
				s = next;
				assert_true(++hops <= 5);
			}
		}
	}
	/* every implemented arc is reachable, so none is dead code */
	assert_int_equal(n_used, 15);
}

/* Smaller flag sets still terminate and never pass unsupported states. */
static void test_walk_other_flags(void **state)
{
	static const unsigned int flagsets[] = {
		VFMIG_MIGRATION_STOP_COPY,
		VFMIG_MIGRATION_STOP_COPY | VFMIG_MIGRATION_P2P,
		VFMIG_MIGRATION_STOP_COPY | VFMIG_MIGRATION_PRE_COPY,
	};

	for (size_t f = 0; f < 3; f++)
		for (int cur = 1; cur < VFMIG_MIG_STATE_MAX; cur++)
			for (int target = 1; target < VFMIG_MIG_STATE_MAX; target++) {
				int s = cur, next, hops = 0;

				if (vfmig_mig_next_state(flagsets[f], s, target, &next))
					continue;
				while (s != target) {
					assert_int_equal(vfmig_mig_next_state(flagsets[f], s, target, &next), 0);
					assert_true(next != RP || (flagsets[f] & VFMIG_MIGRATION_P2P));
					assert_true(next != PC || (flagsets[f] & VFMIG_MIGRATION_PRE_COPY));
					s = next;
					assert_true(++hops <= 5);
				}
			}
}

static void test_enum_strings(void **state)
{
	for (int i = 0; i < VFMIG_MIG_STATE_MAX; i++) {
		const char *n = vfmig_mig_state_to_string(i);

		assert_non_null(n);
		assert_int_equal(vfmig_mig_state_from_string(n), i);
	}
	for (int i = 0; i < VFMIG_ARC_ACTION_MAX; i++) {
		const char *n = vfmig_arc_action_to_string(i);

		assert_non_null(n);
		assert_int_equal(vfmig_arc_action_from_string(n), i);
	}
	assert_null(vfmig_mig_state_to_string(VFMIG_MIG_STATE_MAX));
	assert_null(vfmig_mig_state_to_string(VFMIG_MIG_STATE_INVALID));
	assert_int_equal(vfmig_mig_state_from_string("bogus"), -EINVAL);
	assert_int_equal(vfmig_mig_state_from_string(NULL), -EINVAL);
	assert_null(vfmig_arc_action_to_string(VFMIG_ARC_ACTION_MAX));
	assert_int_equal(vfmig_arc_action_from_string("bogus"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arc_table_every_pair),
		cmocka_unit_test(test_walk_every_pair),
		cmocka_unit_test(test_walk_other_flags),
		cmocka_unit_test(test_enum_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
