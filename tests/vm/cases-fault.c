// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Injected admin command failures (simulator debugfs "fault"): the VFIO
 * request fails with the errno the device's status maps to, the device is
 * left in the state before the failing arc, nothing leaks (resource
 * objects), the kernel log names the VF, and the VF migrates afterwards.
 */
#include <errno.h>
#include <stdio.h>
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
}
