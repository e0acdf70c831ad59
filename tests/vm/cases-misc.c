// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Concurrency and teardown: two processes racing state changes on one
 * device fd, and unbinding the VFs and unloading the modules while
 * migration data fds are still open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "guest-util.h"
#include "mig.h"
#include "sim.h"
#include "tap.h"

#define RACE_ITER 150

/* One racer: random requests; only errors the uAPI allows are accepted. */
static int racer(struct vmt_dev *d, unsigned int seed)
{
	static const unsigned int targets[] = {
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING,
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_RESUMING,
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY,
		VFIO_DEVICE_STATE_PRE_COPY_P2P,
	};
	unsigned int i, ok = 0, refused = 0, resets = 0, iter = RACE_ITER;
	const char *env = getenv("VMTEST_RACE_ITER");
	uint8_t buf[4096];

	if (env && atoi(env) > 0)
		iter = (unsigned int)atoi(env);
	for (i = 0; i < iter; i++) {
		unsigned int r = (unsigned int)rand_r(&seed);
		unsigned int to = targets[r % 7];
		int fd = -1, ret;

		if (r % 13 == 0) {
			ret = vmt_reset(d);
			/* EAGAIN: the PCI device lock was busy (try-reset). */
			CHECK(ret == 0 || ret == -EAGAIN, "reset: %s",
			      strerror(-ret));
			resets++;
			continue;
		}
		ret = vmt_set_state(d, to, &fd);
		if (ret == 0) {
			ok++;
		} else {
			/*
			 * EINVAL: STOP_COPY -> PRE_COPY*; ENODATA: leaving
			 * RESUMING without a stream (the other racer's).
			 */
			CHECK(ret == -EINVAL || ret == -ENODATA,
			      "-> %s: unexpected %s", vmt_state_name(to),
			      strerror(-ret));
			refused++;
		}
		if (fd >= 0) {
			if (to != VFIO_DEVICE_STATE_RESUMING && (r & 1))
				(void)!read(fd, buf, sizeof(buf));
			close(fd);
		}
	}
	tap_diag("racer %d: %u ok, %u refused, %u resets", getpid(), ok,
		 refused, resets);
	return 1;
}

static int case_race(const char *vf, const char *peer_vf)
{
	struct vmt_dev d, p;
	unsigned int st = 0;
	uint64_t objs = 1;
	pid_t pid[2];
	int i, status, good = 1;

	CHECK(vmt_dev_open(&d, vf) == 0 && vmt_dev_open(&p, peer_vf) == 0,
	      "open");
	CHECK(sim_state_set(vf, "mac=52:54:00:ab:cd:70 blob_size=2000 "
			    "blob_seed=71") == 0, "set state");
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			/* A racer stuck in the kernel must not outlive the
			 * case (its device fd would block the unbind). */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			_exit(racer(&d, 1234u + (unsigned int)i * 77u) ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			good = 0;
	}
	CHECK(good, "a racer failed");
	CHECK(vmt_get_state(&d, &st) == 0, "GET state");
	tap_diag("state after the race: %s", vmt_state_name(st));
	CHECK(st != VFIO_DEVICE_STATE_ERROR && st < VMT_NUM_STATES,
	      "device in %s", vmt_state_name(st));
	CHECK(sim_running(vf) == (st == VFIO_DEVICE_STATE_RUNNING ||
				  st == VFIO_DEVICE_STATE_PRE_COPY),
	      "driver state %s disagrees with the device", vmt_state_name(st));
	CHECK(mig_to_running(&d) == 0, "back to RUNNING");
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left", (unsigned long long)objs);
	CHECK(mig_move(&d, &p, NULL) == 0 && mig_same_state(vf, peer_vf),
	      "migration after the race");
	vmt_dev_close(&d);
	vmt_dev_close(&p);
	return 1;
}

static int unbind(const char *vf)
{
	char path[128], link[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", vf);
	if (readlink(path, link, sizeof(link)) < 0)
		return 0; /* not bound */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", vf);
	return vmt_file_write(path, vf);
}

static int module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static int case_unbind_rmmod(const struct vmt_env *env)
{
	const char *f = env->vf[VMT_DRIVER_VFS - 1], *c = env->vf[2];
	struct vmt_dev df, dc;
	int save_fd = -1, res_fd = -1, ret, i;
	uint8_t buf[64] = { 0 };

	CHECK(vmt_dev_open(&df, f) == 0 && vmt_dev_open(&dc, c) == 0, "open");
	CHECK(vmt_set_state(&df, VFIO_DEVICE_STATE_STOP_COPY, &save_fd) == 0 &&
	      save_fd >= 0, "%s -> STOP_COPY", f);
	CHECK(vmt_set_state(&dc, VFIO_DEVICE_STATE_RESUMING, &res_fd) == 0 &&
	      res_fd >= 0, "%s -> RESUMING", c);
	CHECK(read(save_fd, buf, 16) == 16, "first read");
	/* The VFIO device goes away; the data fds stay open. */
	vmt_dev_close(&df);
	vmt_dev_close(&dc);
	ret = unbind(f);
	CHECK(ret == 0, "unbind %s: %s", f, strerror(-ret));
	ret = unbind(c);
	CHECK(ret == 0, "unbind %s: %s", c, strerror(-ret));
	errno = 0;
	CHECK(read(save_fd, buf, sizeof(buf)) < 0 && errno == ENODEV,
	      "save fd after unbind: errno %d", errno);
	errno = 0;
	CHECK(write(res_fd, buf, sizeof(buf)) < 0 && errno == ENODEV,
	      "resume fd after unbind: errno %d", errno);
	for (i = 0; i < env->nvf; i++) {
		ret = unbind(env->vf[i]);
		CHECK(ret == 0, "unbind %s: %s", env->vf[i], strerror(-ret));
	}
	/* The simulator is free to go once no VF uses it. */
	CHECK(syscall(SYS_delete_module, "vfmig_sim", O_NONBLOCK) == 0,
	      "rmmod vfmig_sim: %s", strerror(errno));
	/* The driver is pinned by the open data fds. */
	errno = 0;
	CHECK(syscall(SYS_delete_module, "vfmig_virtio_pci", O_NONBLOCK) < 0 &&
	      (errno == EWOULDBLOCK || errno == EBUSY),
	      "rmmod with open data fds: %s",
	      errno ? strerror(errno) : "succeeded");
	CHECK(module_loaded("vfmig_virtio_pci"), "module gone with fds open");
	errno = 0;
	CHECK(read(save_fd, buf, sizeof(buf)) < 0, "save fd readable");
	close(save_fd);
	close(res_fd);
	CHECK(syscall(SYS_delete_module, "vfmig_virtio_pci", O_NONBLOCK) == 0,
	      "rmmod after closing: %s", strerror(errno));
	CHECK(!module_loaded("vfmig_virtio_pci"), "module still loaded");
	return 1;
}

/*
 * PRE_COPY -> RUNNING while a read() on the save fd re-reads the device
 * (held inside the driver by EAGAIN retries of DEV_PARTS_GET): cancelling
 * the save must wait for that read, which ends normally (data or ENOMSG),
 * and is no migration error (last_error keeps its earlier value).
 */
static int case_cancel_during_read(const char *vf)
{
	struct vmt_buf b = { 0 };
	struct vmt_dev d;
	uint64_t h0 = 0, h = 0, objs = 1, t0;
	int64_t e0 = 0, e1 = 0;
	int fd = -1, got = 0, status, ret;
	pid_t pid;

	CHECK(vmt_dev_open(&d, vf) == 0, "open");
	/* A recognisable last_error first: EMSGSIZE from a failing stop. */
	CHECK(sim_fault(vf, "kind=status status=90 opcode=mode_set") == 0,
	      "arm");
	ret = vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	CHECK(ret == -EMSGSIZE, "failing stop: %s", strerror(-ret));
	CHECK(sim_fault_clear(vf) == 0, "clear");
	CHECK(drv_attr_s64(vf, "last_error", &e0) == 0 && e0 == -EMSGSIZE,
	      "last_error %lld", (long long)e0);

	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_PRE_COPY, &fd) == 0 &&
	      fd >= 0, "-> PRE_COPY");
	CHECK(vmt_read_all(fd, &b.p, &b.cap, 1, &got) > 0 && got,
	      "initial data");
	CHECK(sim_stat(vf, "faults_hit", &h0) == 0, "faults_hit");
	CHECK(sim_fault(vf, "kind=eagain opcode=parts_get count=3") == 0,
	      "arm");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint8_t x[64];
		ssize_t n = read(fd, x, sizeof(x));
		int e = errno;

		tap_diag("reader: read -> %zd (%s)", n,
			 n < 0 ? strerror(e) : "data");
		fflush(stdout);
		_exit(n > 0 || (n < 0 && e == ENOMSG) ? 0 : 1);
	}
	CHECK(pid > 0, "fork");
	/* The reader is inside the driver once the first EAGAIN is hit. */
	t0 = vmt_now_ns();
	while (sim_stat(vf, "faults_hit", &h) == 0 && h == h0 &&
	       vmt_now_ns() - t0 < 5000000000ull)
		;
	CHECK(h > h0, "the reader never reached the device");
	ret = vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING, NULL);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(ret == 0, "PRE_COPY -> RUNNING: %s", strerror(-ret));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the reader's read failed");
	CHECK(drv_attr_s64(vf, "last_error", &e1) == 0, "last_error");
	tap_diag("%s: last_error before %lld, after %lld", vf, (long long)e0,
		 (long long)e1);
	CHECK(e1 == e0, "cancelling PRE_COPY recorded an error");
	CHECK(sim_fault_clear(vf) == 0, "clear");
	close(fd);
	CHECK(sim_stat(vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left", (unsigned long long)objs);
	free(b.p);
	vmt_dev_close(&d);
	return 1;
}

void cases_misc(const struct vmt_env *env)
{
	RUN_CASE("two processes racing state changes on one device",
		 case_race(env->vf[2], env->vf[1]));
	RUN_CASE("PRE_COPY cancelled while a read re-reads the device: no error",
		 case_cancel_during_read(env->vf[2]));
	RUN_CASE("unbind and rmmod with migration fds open",
		 case_unbind_rmmod(env));
}
