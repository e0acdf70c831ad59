// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Injected admin command failures (simulator debugfs "fault"): the VFIO
 * request fails with the errno the device's status maps to, the device is
 * left in the state before the failing arc, nothing leaks (resource
 * objects), the kernel log names the VF, and the VF migrates afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "guest-util.h"
#include "mig.h"
#include "sim.h"
#include "tap.h"

enum fault_op {
	OP_SAVE,	/* RUNNING -> STOP_COPY */
	OP_STOP,	/* RUNNING -> RUNNING_P2P */
	OP_LOAD,	/* RESUMING -> STOP with a valid stream */
};

/*
 * want: the errno, or -1 for "any error" (the contract does not fix one).
 * left: the state the failing request must leave the device in.
 */
static int fault_case(const char *vf, const char *peer_vf, const char *fault,
		      enum fault_op op, int want, unsigned int left)
{
	const char *needles[] = { vf, NULL };
	struct vmt_buf s = { 0 };
	struct vmt_dev d, p;
	uint64_t objs = 1, hits = 0, t0, ms;
	unsigned int st = 0;
	int64_t err = 0;
	int ret, fd = -1, kmsg;

	CHECK(vmt_dev_open(&d, vf) == 0 && vmt_dev_open(&p, peer_vf) == 0,
	      "open");
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	CHECK(sim_state_set(vf, "mac=52:54:00:ab:cd:60 blob_size=3000 "
			    "blob_seed=61") == 0, "set state");
	if (op == OP_LOAD) {
		CHECK(sim_state_set(peer_vf, "mac=52:54:00:ab:cd:61") == 0,
		      "set peer");
		CHECK(mig_save(&p, &s) == 0, "save from %s", peer_vf);
		CHECK(vmt_set_state(&p, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
		      "peer run");
		CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_RESUMING, &fd) == 0 &&
		      fd >= 0, "-> RESUMING");
		CHECK(vmt_write_all(fd, s.p, s.len) == 0, "write stream");
	}
	kmsg = vmt_kmsg_open();
	CHECK(kmsg >= 0, "/dev/kmsg");
	ret = sim_fault(vf, fault);
	CHECK(ret == 0, "arm fault '%s': %s", fault, strerror(-ret));

	t0 = vmt_now_ns();
	switch (op) {
	case OP_SAVE:
		ret = vmt_set_state(&d, VFIO_DEVICE_STATE_STOP_COPY, NULL);
		break;
	case OP_STOP:
		ret = vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
		break;
	case OP_LOAD:
		ret = vmt_set_state(&d, VFIO_DEVICE_STATE_STOP, NULL);
		break;
	}
	ms = (vmt_now_ns() - t0) / 1000000;
	tap_diag("%s: '%s' -> %s after %llu ms", vf, fault,
		 ret ? strerror(-ret) : "success", (unsigned long long)ms);
	CHECK(sim_stat(vf, "faults_hit", &hits) == 0 && hits > 0,
	      "the fault was never hit");
	if (want > 0)
		CHECK(ret == -want, "want %s", strerror(want));
	else
		CHECK(ret < 0, "the request succeeded despite the fault");
	CHECK(ms < 5000, "the failing request took %llu ms",
	      (unsigned long long)ms);
	CHECK(vmt_get_state(&d, &st) == 0 && st == left,
	      "state after the failure: %s, want %s", vmt_state_name(st),
	      vmt_state_name(left));
	/* Not required by the contract for admin failures: only noted. */
	if (!vmt_kmsg_find(kmsg, needles))
		tap_diag("note: no kernel log line names %s", vf);
	vmt_kmsg_close(kmsg);
	CHECK(drv_attr_s64(vf, "last_error", &err) == 0 && err == ret,
	      "last_error %lld, request gave %d", (long long)err, ret);
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	if (fd >= 0)
		close(fd);
	CHECK(mig_to_running(&d) == 0, "back to RUNNING");
	CHECK(sim_running(vf) == 1, "device not running");
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left on the device",
	      (unsigned long long)objs);
	/* Works afterwards: a full migration to the peer. */
	CHECK(mig_move(&d, &p, NULL) == 0, "migration after the fault");
	CHECK(mig_same_state(vf, peer_vf), "peer differs");
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0, "objects leaked");
	vmt_buf_free(&s);
	vmt_dev_close(&d);
	vmt_dev_close(&p);
	return 1;
}

/*
 * A refused DEV_PARTS_SET leaves the device in RESUMING with the stream
 * kept, so a second RESUMING -> STOP loads it (the documented retry).
 */
static int case_load_retry(const char *vf, const char *src_vf)
{
	struct vmt_buf s = { 0 };
	struct vmt_dev d, p;
	uint64_t objs = 1;
	int64_t r0 = 0, r1 = 0;
	unsigned int st = 0;
	int ret, fd = -1;

	CHECK(vmt_dev_open(&d, vf) == 0 && vmt_dev_open(&p, src_vf) == 0,
	      "open");
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	CHECK(sim_state_set(vf, "mac=52:54:00:ab:cd:70 blob_size=0") == 0,
	      "set state");
	CHECK(sim_state_set(src_vf, "mac=52:54:00:ab:cd:71 blob_size=2000 "
			    "blob_seed=71") == 0, "set source");
	CHECK(mig_save(&p, &s) == 0, "save from %s", src_vf);
	CHECK(vmt_set_state(&p, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "source run");
	CHECK(drv_attr_s64(vf, "restores", &r0) == 0, "restores");
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_RESUMING, &fd) == 0 &&
	      fd >= 0, "-> RESUMING");
	CHECK(vmt_write_all(fd, s.p, s.len) == 0, "write stream");
	CHECK(sim_fault(vf, "kind=status opcode=parts_set count=1") == 0,
	      "arm");
	ret = vmt_set_state(&d, VFIO_DEVICE_STATE_STOP, NULL);
	CHECK(ret == -EINVAL, "first RESUMING -> STOP: %s",
	      ret ? strerror(-ret) : "success");
	CHECK(vmt_get_state(&d, &st) == 0 && st == VFIO_DEVICE_STATE_RESUMING,
	      "state after the refusal: %s", vmt_state_name(st));
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	ret = vmt_set_state(&d, VFIO_DEVICE_STATE_STOP, NULL);
	tap_diag("%s: retried RESUMING -> STOP: %s", vf,
		 ret ? strerror(-ret) : "success");
	CHECK(ret == 0, "the retry after the refusal failed");
	close(fd);
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "-> RUNNING");
	CHECK(mig_same_state(src_vf, vf), "%s differs from %s", vf, src_vf);
	CHECK(drv_attr_s64(vf, "restores", &r1) == 0 && r1 == r0 + 1,
	      "restores %lld -> %lld", (long long)r0, (long long)r1);
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left", (unsigned long long)objs);
	vmt_buf_free(&s);
	vmt_dev_close(&d);
	vmt_dev_close(&p);
	return 1;
}

/* Appends everything readable now (to ENOMSG or EOF) to @s. */
static ssize_t read_append(int fd, struct vmt_buf *s)
{
	uint8_t *t = NULL;
	size_t cap = 0;
	ssize_t n;
	int got = 0;

	n = vmt_read_all(fd, &t, &cap, 1, &got);
	if (n > 0) {
		uint8_t *nb = realloc(s->p, s->len + (size_t)n);

		if (!nb) {
			free(t);
			return -ENOMEM;
		}
		memcpy(nb + s->len, t, (size_t)n);
		s->p = nb;
		s->len += (size_t)n;
		s->cap = s->len;
	}
	free(t);
	return n;
}

/*
 * A running device whose state grows between DEV_PARTS_METADATA_GET and
 * DEV_PARTS_GET ("grow" fault on parts_get): the PRE_COPY read retries
 * the pair and returns the grown state, and the whole stream restores
 * the grown state on the peer. While stopped, the same race is an error.
 */
static int case_precopy_grow(const char *vf, const char *peer_vf)
{
	struct vmt_buf s = { 0 };
	struct vmt_dev d, p;
	uint64_t h0 = 0, h = 0, objs = 1;
	char size[32] = "";
	ssize_t n;
	int fd = -1, step = -1, ret;

	CHECK(vmt_dev_open(&d, vf) == 0 && vmt_dev_open(&p, peer_vf) == 0,
	      "open");
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	CHECK(sim_state_set(vf, "mac=52:54:00:ab:cd:62 blob_size=3000 "
			    "blob_seed=62") == 0, "set state");
	CHECK(sim_state_set(peer_vf, "blob_size=0") == 0, "set peer");
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_PRE_COPY, &fd) == 0 &&
	      fd >= 0, "-> PRE_COPY");
	n = read_append(fd, &s);
	CHECK(n > 0, "initial data: %s", n < 0 ? strerror((int)-n) : "none");
	CHECK(sim_stat(vf, "faults_hit", &h0) == 0, "faults_hit");
	CHECK(sim_fault(vf, "kind=grow opcode=parts_get bytes=512 count=1") == 0,
	      "arm grow");
	n = read_append(fd, &s);
	tap_diag("%s: PRE_COPY read across a grown state -> %zd (%s)", vf, n,
		 n < 0 ? strerror((int)-n) : "data");
	CHECK(n > 0, "the read across the size change failed");
	CHECK(sim_stat(vf, "faults_hit", &h) == 0 && h == h0 + 1,
	      "grow fault hit %llu times", (unsigned long long)(h - h0));
	CHECK(sim_state_key(vf, "blob_size", size, sizeof(size)) == 0 &&
	      !strcmp(size, "3512"), "blob_size '%s', want 3512", size);
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_STOP_COPY, NULL) == 0,
	      "-> STOP_COPY");
	n = read_append(fd, &s);
	CHECK(n >= 0, "final data: %s", strerror((int)-n));
	close(fd);
	fd = -1;
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_STOP, NULL) == 0, "-> STOP");
	ret = mig_load(&p, s.p, s.len, &step);
	CHECK(ret == 0, "load into %s: step %d: %s", peer_vf, step,
	      strerror(-ret));
	CHECK(vmt_set_state(&p, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "peer -> RUNNING");
	CHECK(mig_same_state(vf, peer_vf), "peer differs from the grown state");

	/* Stopped: the device must not change, a disagreeing get fails. */
	CHECK(sim_fault(vf, "kind=grow opcode=parts_get bytes=512 count=1") == 0,
	      "arm grow");
	ret = vmt_set_state(&d, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	tap_diag("%s: STOP -> STOP_COPY across a grown state -> %s", vf,
		 ret ? strerror(-ret) : "success");
	CHECK(ret == -EINVAL, "a size change while stopped was not refused");
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	CHECK(mig_to_running(&d) == 0, "back to RUNNING");
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left", (unsigned long long)objs);
	CHECK(sim_state_set(vf, "blob_size=0") == 0, "reset blob");
	vmt_buf_free(&s);
	vmt_dev_close(&d);
	vmt_dev_close(&p);
	return 1;
}

/*
 * A failed resume at close leaves the device stopped; the next open must
 * not report RUNNING over a stopped device: it resumes the device, or,
 * when that fails too, the open is refused with a log line naming the VF.
 */
static int case_open_stopped(const char *vf)
{
	const char *needles[] = { vf, "still stopped", NULL };
	struct vmt_dev d;
	unsigned int st = 0;
	uint64_t objs = 1;
	int ret, kmsg;

	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	CHECK(vmt_dev_open(&d, vf) == 0, "open");
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL) == 0,
	      "-> RUNNING_P2P");
	CHECK(sim_running(vf) == 0, "device not stopped in RUNNING_P2P");
	/* every resume fails: at close, and at open (reset_done and open) */
	CHECK(sim_fault(vf, "kind=status opcode=mode_set count=-1") == 0,
	      "arm");
	vmt_dev_close(&d);
	CHECK(sim_running(vf) == 0,
	      "the failing resume at close did not leave the device stopped");

	/* The resume fails again at open: the open is refused. */
	kmsg = vmt_kmsg_open();
	CHECK(kmsg >= 0, "/dev/kmsg");
	ret = vmt_dev_open(&d, vf);
	tap_diag("%s: open over a stopped device, resume failing -> %s", vf,
		 ret ? strerror(-ret) : "success");
	CHECK(ret < 0, "the open succeeded over a stopped device");
	CHECK(vmt_kmsg_find(kmsg, needles), "no kernel log line names %s", vf);
	vmt_kmsg_close(kmsg);
	CHECK(sim_running(vf) == 0, "device state changed by the failed open");

	/* The resume works: the open resumes the device. */
	CHECK(sim_fault_clear(vf) == 0, "clear fault");
	CHECK(vmt_dev_open(&d, vf) == 0, "open after clearing the fault");
	CHECK(vmt_get_state(&d, &st) == 0 && st == VFIO_DEVICE_STATE_RUNNING,
	      "state after open: %s", vmt_state_name(st));
	CHECK(sim_running(vf) == 1, "device still stopped after a good open");
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left", (unsigned long long)objs);
	vmt_dev_close(&d);
	return 1;
}

void cases_faults(const struct vmt_env *env)
{
	const char *c = env->vf[2], *b = env->vf[1];

	RUN_CASE("admin status error on DEV_PARTS_GET: EINVAL, device in STOP",
		 fault_case(c, b, "kind=status opcode=parts_get", OP_SAVE,
			    EINVAL, VFIO_DEVICE_STATE_STOP));
	RUN_CASE("admin EAGAIN on every DEV_PARTS_GET: EAGAIN, device in STOP",
		 fault_case(c, b, "kind=eagain opcode=parts_get count=-1",
			    OP_SAVE, EAGAIN, VFIO_DEVICE_STATE_STOP));
	RUN_CASE("admin timeout on DEV_PARTS_GET: ETIMEDOUT, device in STOP",
		 fault_case(c, b, "kind=slow opcode=parts_get delay_ms=1500",
			    OP_SAVE, ETIMEDOUT, VFIO_DEVICE_STATE_STOP));
	RUN_CASE("admin short read of DEV_PARTS_GET: save refused",
		 fault_case(c, b, "kind=short opcode=parts_get", OP_SAVE, -1,
			    VFIO_DEVICE_STATE_STOP));
	RUN_CASE("admin status error on DEV_MODE_SET: EINVAL, device still RUNNING",
		 fault_case(c, b, "kind=status opcode=mode_set", OP_STOP,
			    EINVAL, VFIO_DEVICE_STATE_RUNNING));
	RUN_CASE("admin status error on DEV_PARTS_SET: EINVAL, still RESUMING",
		 fault_case(c, b, "kind=status opcode=parts_set", OP_LOAD,
			    EINVAL, VFIO_DEVICE_STATE_RESUMING));
	RUN_CASE("admin status 5000 (beyond the errno range) on DEV_MODE_SET: EIO, still RUNNING",
		 fault_case(c, b, "kind=status opcode=mode_set status=5000",
			    OP_STOP, EIO, VFIO_DEVICE_STATE_RUNNING));
	RUN_CASE("retry of RESUMING -> STOP after a refused DEV_PARTS_SET loads the state",
		 case_load_retry(c, b));
	RUN_CASE("admin ENOMEM/NORESOURCE on RESOURCE_OBJ_CREATE: ENOMEM",
		 fault_case(c, b, "kind=status opcode=obj_create status=12 "
			    "qualifier=6 count=-1", OP_SAVE, ENOMEM,
			    VFIO_DEVICE_STATE_STOP));
	RUN_CASE("device state grows between DEV_PARTS_METADATA_GET and DEV_PARTS_GET: PRE_COPY retries, STOP refuses",
		 case_precopy_grow(c, b));
	RUN_CASE("open after a failed resume at close: open resumes the device, or fails naming the VF",
		 case_open_stopped(c));
}
