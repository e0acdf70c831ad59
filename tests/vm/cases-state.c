// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Migration flags and the state machine: every (from, to) request is
 * predicted from the core's table (fsm.c) and checked against the driver:
 * result, final state, data fd, and whether the simulated device runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "fsm.h"
#include "mig.h"
#include "sim.h"
#include "tap.h"

#define ALL_FLAGS (VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | \
		   VFIO_MIGRATION_PRE_COPY)

static int case_flags(const struct vmt_env *env)
{
	struct vmt_dev d;
	uint64_t flags = 0;
	unsigned int st;
	char attr[32];
	int ret;

	ret = vmt_dev_open(&d, env->vf[0]);
	CHECK(ret == 0, "open %s: %s", env->vf[0], strerror(-ret));
	ret = vmt_mig_flags(&d, &flags);
	CHECK(ret == 0, "GET MIGRATION: %s", strerror(-ret));
	tap_diag("%s: migration flags 0x%llx", d.bdf, (unsigned long long)flags);
	CHECK(flags == ALL_FLAGS, "want STOP_COPY|P2P|PRE_COPY (0x7)");
	ret = vmt_get_state(&d, &st);
	CHECK(ret == 0 && st == VFIO_DEVICE_STATE_RUNNING,
	      "initial state %s (%d)", vmt_state_name(st), ret);
	CHECK(drv_attr(d.bdf, "migration_flags", attr, sizeof(attr)) == 0,
	      "no vfmig/migration_flags");
	CHECK(!strcmp(attr, "0x7"), "sysfs migration_flags %s", attr);
	CHECK(sim_running(d.bdf) == 1, "simulated device not running");
	vmt_dev_close(&d);
	return 1;
}

struct arc_ctx {
	struct vmt_dev d;
	unsigned int cur;
	int fd;			/* data fd of the current session, or -1 */
	int resume_fed;		/* the resume fd got a complete stream */
	struct vmt_buf good;	/* a valid stream of this VF */
	/* arcs[a][b]: the single arc a -> b was driven successfully */
	unsigned char arcs[VMT_NUM_STATES][VMT_NUM_STATES];
};

static void arc_close_fd(struct arc_ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* A resume session must get a whole stream before it can be left. */
static int arc_feed(struct arc_ctx *c)
{
	int ret = 0;

	if (c->cur == VFIO_DEVICE_STATE_RESUMING && !c->resume_fed) {
		ret = vmt_write_all(c->fd, c->good.p, c->good.len);
		c->resume_fed = 1;
	}
	return ret;
}

static int arc_set(struct arc_ctx *c, unsigned int to)
{
	int fd = -1, ret;

	ret = vmt_set_state(&c->d, to, &fd);
	if (ret)
		return ret;
	if (fd >= 0) {
		arc_close_fd(c);
		c->fd = fd;
		c->resume_fed = 0;
	}
	c->cur = to;
	return 0;
}

static int arc_home(struct arc_ctx *c)
{
	if (arc_feed(c) || arc_set(c, VFIO_DEVICE_STATE_RUNNING)) {
		if (vmt_reset(&c->d))
			return -EIO;
		c->cur = VFIO_DEVICE_STATE_RUNNING;
	}
	arc_close_fd(c);
	return 0;
}

static int arc_case(struct arc_ctx *c, unsigned int from, unsigned int to)
{
	unsigned int path[FSM_MAX_PATH], st = 0, prev;
	int n, ret, fd = -1, i, want_fd;

	CHECK(arc_home(c) == 0, "cannot return to RUNNING");
	ret = arc_set(c, from);
	CHECK(ret == 0, "cannot reach %s: %s", vmt_state_name(from),
	      strerror(-ret));
	CHECK(arc_feed(c) == 0, "feeding the resume fd failed");

	n = fsm_walk(ALL_FLAGS, from, to, path);
	ret = vmt_set_state(&c->d, to, &fd);
	if (n < 0) {
		if (fd >= 0)
			close(fd);
		CHECK(ret == -EINVAL, "want EINVAL, got %d (%s)", ret,
		      strerror(-ret));
		CHECK(vmt_get_state(&c->d, &st) == 0 && st == from,
		      "state changed to %s by a refused request",
		      vmt_state_name(st));
		CHECK(sim_running(c->d.bdf) == !fsm_state_stopped(from),
		      "device run state changed by a refused request");
		return 1;
	}
	CHECK(ret == 0, "want success, got %s", strerror(-ret));
	want_fd = n > 0 && fsm_arc_opens_fd(n > 1 ? path[n - 2] : from, to);
	if (fd >= 0) {
		arc_close_fd(c);
		c->fd = fd;
		c->resume_fed = 0;
	}
	c->cur = to;
	CHECK(want_fd == (fd >= 0), "data fd %d, expected %s", fd,
	      want_fd ? "a new fd" : "none");
	CHECK(vmt_get_state(&c->d, &st) == 0 && st == to, "state is %s",
	      vmt_state_name(st));
	CHECK(sim_running(c->d.bdf) == !fsm_state_stopped(to),
	      "simulated device %s in %s",
	      fsm_state_stopped(to) ? "runs" : "is stopped", vmt_state_name(to));
	for (i = 0, prev = from; i < n; prev = path[i++])
		c->arcs[prev][path[i]] = 1;
	return 1;
}

/* The arcs the core can ask of a driver with STOP_COPY|P2P|PRE_COPY. */
static const unsigned char required_arcs[][2] = {
	{ VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RUNNING_P2P },
	{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_RUNNING },
	{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_STOP },
	{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING_P2P },
	{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP_COPY },
	{ VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_STOP },
	{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RESUMING },
	{ VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_STOP },
	{ VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_PRE_COPY },
	{ VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_RUNNING },
	{ VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_PRE_COPY_P2P },
	{ VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_PRE_COPY },
	{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P },
	{ VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_RUNNING_P2P },
	{ VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_STOP_COPY },
};

static int case_arc_coverage(struct arc_ctx *c)
{
	unsigned int a, b, i, n = 0, required = 0;

	for (i = 0; i < sizeof(required_arcs) / sizeof(required_arcs[0]); i++)
		CHECK(c->arcs[required_arcs[i][0]][required_arcs[i][1]],
		      "arc %s -> %s never driven",
		      vmt_state_name(required_arcs[i][0]),
		      vmt_state_name(required_arcs[i][1]));
	for (a = 0; a < VMT_NUM_STATES; a++)
		for (b = 0; b < VMT_NUM_STATES; b++) {
			n += c->arcs[a][b];
			for (i = 0; i < sizeof(required_arcs) / sizeof(required_arcs[0]); i++)
				required += c->arcs[a][b] &&
					    required_arcs[i][0] == a &&
					    required_arcs[i][1] == b;
		}
	CHECK(n == required, "%u arcs driven, %u of them listed", n, required);
	return 1;
}

void cases_state(const struct vmt_env *env)
{
	struct arc_ctx c = { .fd = -1 };
	unsigned int from, to;
	char name[128];
	int ret;

	tap_result(case_flags(env), "migration flags are STOP_COPY|P2P|PRE_COPY");

	ret = vmt_dev_open(&c.d, env->vf[0]);
	if (ret == 0)
		ret = mig_save(&c.d, &c.good);
	if (ret == 0)
		ret = vmt_set_state(&c.d, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret) {
		tap_diag("arcs: setup on %s failed: %s", env->vf[0], strerror(-ret));
		tap_result(0, "arcs: setup");
		vmt_dev_close(&c.d);
		return;
	}
	c.cur = VFIO_DEVICE_STATE_RUNNING;
	/* Every from state except ERROR (unreachable by request), every
	 * target including ERROR and one past the last state. */
	for (from = 1; from < VMT_NUM_STATES; from++) {
		for (to = 0; to <= VMT_NUM_STATES; to++) {
			unsigned int path[FSM_MAX_PATH];
			int n = fsm_walk(ALL_FLAGS, from, to, path), i;
			size_t l;

			l = (size_t)snprintf(name, sizeof(name), "arc %s -> %s",
					     vmt_state_name(from),
					     vmt_state_name(to));
			if (n < 0)
				snprintf(name + l, sizeof(name) - l, " refused (EINVAL)");
			for (i = 0; i < n - 1; i++)
				l += (size_t)snprintf(name + l, sizeof(name) - l,
						      "%s%s", i ? "," : " via ",
						      vmt_state_name(path[i]));
			tap_result(arc_case(&c, from, to), name);
		}
	}
	tap_result(case_arc_coverage(&c),
		   "arcs: all 15 arcs the core can request were driven");
	arc_home(&c);
	vmt_buf_free(&c.good);
	vmt_dev_close(&c.d);
}
