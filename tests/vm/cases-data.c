// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Data path: state moved from VF A to VF B (net and blk), PRE_COPY with
 * its precopy info and temporary end, MIG_DATA_SIZE against what is read,
 * and a device reset in the middle of saving and of resuming.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cases.h"
#include "guest-util.h"
#include "mig.h"
#include "sim.h"
#include "stream.h"
#include "tap.h"

#define NET_STATE "mac=52:54:00:ab:cd:01\nmtu=9000\nnet_status=0x0001\n" \
	"status=0x0f\nq0=256,0x0001,1,0x00000000aaaa0000,0x00000000aaaa1000," \
	"0x00000000aaaa2000\nblob_size=3000\nblob_seed=11\n"
#define BLK_STATE "capacity=0x0000000000400000\nblk_size=4096\nstatus=0x0f\n" \
	"blob_size=100\nblob_seed=5\n"

struct counters {
	int64_t saves, restores, bytes_saved, bytes_restored;
};

static int read_counters(const char *vf, struct counters *c)
{
	return drv_attr_s64(vf, "saves", &c->saves) ||
	       drv_attr_s64(vf, "restores", &c->restores) ||
	       drv_attr_s64(vf, "bytes_saved", &c->bytes_saved) ||
	       drv_attr_s64(vf, "bytes_restored", &c->bytes_restored) ? -EIO : 0;
}

static int move_and_compare(const char *src_vf, const char *dst_vf,
			    const char *state, unsigned int want_type)
{
	struct counters sa, sb, da, db;
	struct vmt_dev s, d;
	struct vmt_buf st = { 0 };
	struct vs_layout *l = NULL;
	static struct vs_layout layout;
	int64_t err;
	int ret;

	CHECK(vmt_dev_open(&s, src_vf) == 0, "open %s", src_vf);
	CHECK(vmt_dev_open(&d, dst_vf) == 0, "open %s", dst_vf);
	ret = sim_state_set(src_vf, state);
	CHECK(ret == 0, "set state of %s: %s", src_vf, strerror(-ret));
	{
		char a[SIM_STATE_MAX], b[SIM_STATE_MAX];

		sim_state_get(src_vf, a, sizeof(a));
		sim_state_get(dst_vf, b, sizeof(b));
		CHECK(strcmp(a, b) != 0, "precondition: states already equal");
	}
	CHECK(read_counters(src_vf, &sa) == 0 && read_counters(dst_vf, &sb) == 0,
	      "counters unreadable");
	ret = mig_move(&s, &d, &st);
	CHECK(ret == 0, "migration %s -> %s failed: %s", src_vf, dst_vf,
	      strerror(-ret));
	CHECK(mig_same_state(src_vf, dst_vf), "state of %s differs from %s",
	      dst_vf, src_vf);
	CHECK(sim_running(dst_vf) == 1, "%s not running", dst_vf);
	l = &layout;
	CHECK(vs_parse(st.p, st.len, l) == 0, "stream does not parse");
	CHECK(vs_get16(st.p + VS_OFF_TYPE) == want_type, "stream type %u",
	      vs_get16(st.p + VS_OFF_TYPE));
	CHECK(l->nrec >= 3 && l->rec[l->nrec - 1].type == VS_REC_END,
	      "stream does not end with END");
	tap_diag("%s -> %s: %zu stream bytes, %d records", src_vf, dst_vf,
		 st.len, l->nrec);
	CHECK(read_counters(src_vf, &da) == 0 && read_counters(dst_vf, &db) == 0,
	      "counters unreadable");
	CHECK(da.saves == sa.saves + 1, "saves %lld -> %lld",
	      (long long)sa.saves, (long long)da.saves);
	CHECK(da.bytes_saved == sa.bytes_saved + (int64_t)st.len,
	      "bytes_saved grew by %lld, stream %zu",
	      (long long)(da.bytes_saved - sa.bytes_saved), st.len);
	CHECK(db.restores == sb.restores + 1, "restores %lld -> %lld",
	      (long long)sb.restores, (long long)db.restores);
	CHECK(db.bytes_restored == sb.bytes_restored + (int64_t)st.len,
	      "bytes_restored grew by %lld",
	      (long long)(db.bytes_restored - sb.bytes_restored));
	CHECK(drv_attr_s64(dst_vf, "last_error", &err) == 0 && err == 0,
	      "last_error %lld", (long long)err);
	vmt_buf_free(&st);
	vmt_dev_close(&s);
	vmt_dev_close(&d);
	return 1;
}

/* Reads fd up to EOF (or ENOMSG) and appends to all; returns bytes read. */
static ssize_t read_append(int fd, struct vmt_buf *all, int enomsg_ok,
			   int *enomsg)
{
	uint8_t *p = NULL;
	size_t cap = 0;
	ssize_t n = vmt_read_all(fd, &p, &cap, enomsg_ok, enomsg);

	if (n > 0) {
		if (all->len + (size_t)n > all->cap) {
			size_t ncap = all->len + (size_t)n;
			uint8_t *nb = realloc(all->p, ncap);

			if (!nb) {
				free(p);
				return -ENOMEM;
			}
			all->p = nb;
			all->cap = ncap;
		}
		memcpy(all->p + all->len, p, (size_t)n);
		all->len += (size_t)n;
	}
	free(p);
	return n;
}

static int case_precopy(const char *a_vf, const char *b_vf)
{
	struct vmt_buf all = { 0 };
	uint64_t init0, dirty0, init, dirty, bound;
	struct vmt_dev a, b;
	int fd = -1, fd2 = -1, enomsg = 0, ret, step;
	ssize_t n1, n2, n3;
	uint8_t byte;

	CHECK(vmt_dev_open(&a, a_vf) == 0 && vmt_dev_open(&b, b_vf) == 0,
	      "open");
	CHECK(sim_state_set(a_vf, "mac=52:54:00:ab:cd:10 blob_size=20000 "
			    "blob_seed=21") == 0, "set state");
	ret = vmt_set_state(&a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	CHECK(ret == 0 && fd >= 0, "RUNNING -> PRE_COPY: %s fd %d",
	      strerror(-ret), fd);
	CHECK(sim_running(a_vf) == 1, "device stopped in PRE_COPY");
	ret = vmt_precopy_info(fd, &init0, &dirty0);
	CHECK(ret == 0, "PRECOPY_INFO: %s", strerror(-ret));
	tap_diag("precopy start: initial %llu dirty %llu",
		 (unsigned long long)init0, (unsigned long long)dirty0);
	CHECK(init0 > 20000, "initial_bytes %llu smaller than the state",
	      (unsigned long long)init0);

	/* The initial data, up to the temporary end of stream. */
	n1 = read_append(fd, &all, 1, &enomsg);
	CHECK(n1 > 0 && enomsg, "first read: %zd enomsg %d", n1, enomsg);
	CHECK((uint64_t)n1 == init0 + dirty0, "read %zd, announced %llu", n1,
	      (unsigned long long)(init0 + dirty0));
	CHECK(vmt_precopy_info(fd, &init, &dirty) == 0, "PRECOPY_INFO");
	CHECK(init == 0 && dirty == 0, "after reading: initial %llu dirty %llu",
	      (unsigned long long)init, (unsigned long long)dirty);
	CHECK(read(fd, &byte, 1) < 0 && errno == ENOMSG,
	      "read at the temporary end did not give ENOMSG");

	/* A change while in PRE_COPY shows up as dirty bytes. */
	CHECK(sim_state_set(a_vf, "mac=52:54:00:ab:cd:11") == 0, "change 1");
	CHECK(vmt_precopy_info(fd, &init, &dirty) == 0, "PRECOPY_INFO");
	tap_diag("after change: initial %llu dirty %llu",
		 (unsigned long long)init, (unsigned long long)dirty);
	CHECK(init == 0, "initial_bytes grew to %llu", (unsigned long long)init);
	CHECK(dirty > 0, "state change not reported as dirty_bytes");
	n2 = read_append(fd, &all, 1, &enomsg);
	CHECK(n2 > 0 && enomsg, "second read: %zd", n2);
	CHECK((uint64_t)n2 == dirty, "read %zd dirty bytes, announced %llu", n2,
	      (unsigned long long)dirty);

	/* A second change must come with the final STOP_COPY data. */
	CHECK(sim_state_set(a_vf, "mtu=1400 blob_seed=22") == 0, "change 2");
	CHECK(vmt_mig_data_size(&a, &bound) == 0, "MIG_DATA_SIZE");
	ret = vmt_set_state(&a, VFIO_DEVICE_STATE_STOP_COPY, &fd2);
	CHECK(ret == 0, "PRE_COPY -> STOP_COPY: %s", strerror(-ret));
	CHECK(fd2 < 0, "PRE_COPY -> STOP_COPY returned a new fd");
	CHECK(sim_running(a_vf) == 0, "device runs in STOP_COPY");
	CHECK(vmt_precopy_info(fd, &init, &dirty) == -EINVAL,
	      "PRECOPY_INFO accepted in STOP_COPY");
	n3 = read_append(fd, &all, 0, NULL);
	CHECK(n3 > 0, "final read: %zd", n3);
	tap_diag("precopy: %zd + %zd bytes, final %zd (bound %llu)", n1, n2, n3,
		 (unsigned long long)bound);
	CHECK((uint64_t)n3 <= bound, "final data over the MIG_DATA_SIZE bound");
	close(fd);
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_STOP, NULL) == 0, "-> STOP");

	/* The whole stream restores A's latest state, both changes in. */
	ret = mig_load(&b, all.p, all.len, &step);
	CHECK(ret == 0, "restore into %s at step %d: %s", b_vf, step,
	      strerror(-ret));
	CHECK(vmt_set_state(&b, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "B -> RUNNING");
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "A -> RUNNING");
	CHECK(mig_same_state(a_vf, b_vf), "B differs from A after PRE_COPY");
	vmt_buf_free(&all);
	vmt_dev_close(&a);
	vmt_dev_close(&b);
	return 1;
}

static int case_data_size(const char *a_vf, unsigned int blob)
{
	struct vmt_buf st = { 0 };
	struct vmt_dev a;
	uint64_t size = 0;
	char text[64];
	int ret;

	CHECK(vmt_dev_open(&a, a_vf) == 0, "open %s", a_vf);
	snprintf(text, sizeof(text), "blob_size=%u blob_seed=%u", blob, blob + 1);
	CHECK(sim_state_set(a_vf, text) == 0, "set %s", text);
	ret = vmt_mig_data_size(&a, &size);
	CHECK(ret == 0, "MIG_DATA_SIZE: %s", strerror(-ret));
	ret = mig_save(&a, &st);
	CHECK(ret == 0, "save: %s", strerror(-ret));
	tap_diag("blob %u: MIG_DATA_SIZE %llu, read %zu", blob,
		 (unsigned long long)size, st.len);
	CHECK(size == st.len, "MIG_DATA_SIZE %llu but %zu bytes read",
	      (unsigned long long)size, st.len);
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL) == 0, "RUNNING");
	vmt_buf_free(&st);
	vmt_dev_close(&a);
	return 1;
}

static int case_reset_saving(const char *a_vf, const char *b_vf)
{
	struct vmt_dev a, b;
	unsigned int st = 0;
	uint8_t buf[64];
	int fd = -1, ret;

	CHECK(vmt_dev_open(&a, a_vf) == 0 && vmt_dev_open(&b, b_vf) == 0, "open");
	CHECK(sim_state_set(a_vf, "blob_size=8000 blob_seed=31") == 0, "set");
	ret = vmt_set_state(&a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	CHECK(ret == 0 && fd >= 0, "-> STOP_COPY: %s", strerror(-ret));
	CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "first read");
	ret = vmt_reset(&a);
	CHECK(ret == 0, "reset: %s", strerror(-ret));
	CHECK(vmt_get_state(&a, &st) == 0 && st == VFIO_DEVICE_STATE_RUNNING,
	      "state after reset: %s", vmt_state_name(st));
	CHECK(sim_running(a_vf) == 1, "device not running after reset");
	errno = 0;
	CHECK(read(fd, buf, sizeof(buf)) < 0 && errno == ENODEV,
	      "save fd still readable after reset (errno %d)", errno);
	close(fd);
	ret = mig_move(&a, &b, NULL);
	CHECK(ret == 0 && mig_same_state(a_vf, b_vf),
	      "migration after the reset failed");
	vmt_dev_close(&a);
	vmt_dev_close(&b);
	return 1;
}

static int case_reset_resuming(const char *a_vf, const char *b_vf)
{
	struct vmt_buf s = { 0 };
	char mac[32] = "";
	struct vmt_dev a, b;
	unsigned int st = 0;
	int fd = -1, ret;

	CHECK(vmt_dev_open(&a, a_vf) == 0 && vmt_dev_open(&b, b_vf) == 0, "open");
	CHECK(sim_state_set(a_vf, "mac=52:54:00:ab:cd:40 blob_size=8000 "
			    "blob_seed=41") == 0, "set");
	CHECK(mig_save(&a, &s) == 0, "save");
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL) == 0, "A run");
	CHECK(sim_state_key(b_vf, "mac", mac, sizeof(mac)) == 0 &&
	      strcmp(mac, "52:54:00:ab:cd:40") != 0,
	      "precondition: B already has A's MAC");
	ret = vmt_set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd);
	CHECK(ret == 0 && fd >= 0, "-> RESUMING: %s", strerror(-ret));
	CHECK(vmt_write_all(fd, s.p, s.len / 2) == 0, "half the stream");
	ret = vmt_reset(&b);
	CHECK(ret == 0, "reset: %s", strerror(-ret));
	CHECK(vmt_get_state(&b, &st) == 0 && st == VFIO_DEVICE_STATE_RUNNING,
	      "state after reset: %s", vmt_state_name(st));
	CHECK(sim_running(b_vf) == 1, "device not running after reset");
	errno = 0;
	CHECK(write(fd, s.p + s.len / 2, 16) < 0 && errno == ENODEV,
	      "resume fd still writable after reset (errno %d)", errno);
	close(fd);
	/*
	 * The reset may reset the device's own state (as an FLR does), so
	 * compare with what the half stream would have brought: A's MAC.
	 */
	CHECK(sim_state_key(b_vf, "mac", mac, sizeof(mac)) == 0, "B mac");
	CHECK(strcmp(mac, "52:54:00:ab:cd:40") != 0,
	      "half a stream loaded A's state into B");
	ret = mig_move(&a, &b, NULL);
	CHECK(ret == 0 && mig_same_state(a_vf, b_vf),
	      "migration after the reset failed");
	vmt_buf_free(&s);
	vmt_dev_close(&a);
	vmt_dev_close(&b);
	return 1;
}

#define OBJ_LIMIT "/sys/module/vfmig_sim/parameters/obj_limit"

/*
 * QEMU asks MIG_DATA_SIZE during PRE_COPY; with one resource object per
 * VF (obj_limit=1) the open save's object is all there is.
 */
static int data_size_precopy(const char *a_vf)
{
	struct vmt_buf b = { 0 };
	struct vmt_dev a;
	uint64_t size = 0, objs = 1;
	int ret, fd = -1, got = 0;
	ssize_t n;

	CHECK(vmt_dev_open(&a, a_vf) == 0, "open %s", a_vf);
	CHECK(sim_state_set(a_vf, "blob_size=4096 blob_seed=81") == 0, "blob");
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_PRE_COPY, &fd) == 0 &&
	      fd >= 0, "-> PRE_COPY");
	n = vmt_read_all(fd, &b.p, &b.cap, 1, &got);
	CHECK(n > 0 && got, "initial data: %zd", n);
	ret = vmt_mig_data_size(&a, &size);
	tap_diag("%s: PRE_COPY, obj_limit=1: MIG_DATA_SIZE %s, %llu bytes", a_vf,
		 ret ? strerror(-ret) : "ok", (unsigned long long)size);
	CHECK(ret == 0, "MIG_DATA_SIZE in PRE_COPY failed");
	CHECK(sim_state_set(a_vf, "blob_seed=82") == 0, "change");
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_STOP_COPY, NULL) == 0,
	      "-> STOP_COPY");
	n = vmt_read_all(fd, &b.p, &b.cap, 0, NULL);
	CHECK(n >= 0, "final data: %s", strerror((int)-n));
	CHECK(size >= (uint64_t)n, "MIG_DATA_SIZE %llu below the %zd bytes "
	      "that followed", (unsigned long long)size, n);
	close(fd);
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "RUNNING");
	CHECK(sim_stat(a_vf, "objs", &objs) == 0 && objs == 0,
	      "%llu resource objects left", (unsigned long long)objs);
	free(b.p);
	vmt_dev_close(&a);
	return 1;
}

static int case_data_size_precopy(const char *a_vf)
{
	int ok;

	CHECK(vmt_file_write(OBJ_LIMIT, "1") == 0, "obj_limit=1");
	ok = data_size_precopy(a_vf);
	CHECK(vmt_file_write(OBJ_LIMIT, "2") == 0, "obj_limit=2");
	CHECK(sim_state_set(a_vf, "blob_size=0") == 0, "blob");
	return ok;
}

/*
 * A write() whose buffer ends in an unmapped page: the chunks before it
 * were consumed by the parser, so write() reports them (a short write),
 * not EFAULT, and the writer continues from there.
 */
static int case_resume_short_write(const char *a_vf, const char *b_vf)
{
	const size_t part = 131072, pg = 4096;
	struct vmt_buf s = { 0 };
	struct vmt_dev a, b;
	int64_t r0 = 0, r1 = 0;
	uint8_t *m;
	ssize_t n;
	int fd = -1, ret;

	CHECK(vmt_dev_open(&a, a_vf) == 0 && vmt_dev_open(&b, b_vf) == 0,
	      "open");
	CHECK(sim_state_set(a_vf, "blob_size=300000 blob_seed=91") == 0, "blob");
	CHECK(mig_save(&a, &s) == 0, "save");
	CHECK(vmt_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL) == 0, "A run");
	CHECK(s.len > part + pg, "stream of %zu bytes too short", s.len);
	m = mmap(NULL, part + pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "mmap");
	memcpy(m, s.p, part);
	CHECK(munmap(m + part, pg) == 0, "munmap");
	CHECK(drv_attr_s64(b_vf, "bytes_restored", &r0) == 0, "counter");
	CHECK(vmt_set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd) == 0 &&
	      fd >= 0, "-> RESUMING");
	n = write(fd, m, part + pg);
	tap_diag("%s: write of %zu bytes, last page unmapped -> %zd (%s)", b_vf,
		 part + pg, n, n < 0 ? strerror(errno) : "short");
	CHECK(n == (ssize_t)part, "want a short write of %zu bytes", part);
	ret = vmt_write_all(fd, s.p + n, s.len - (size_t)n);
	CHECK(ret == 0, "write the rest: %s", strerror(-ret));
	ret = vmt_set_state(&b, VFIO_DEVICE_STATE_STOP, NULL);
	CHECK(ret == 0, "RESUMING -> STOP: %s", strerror(-ret));
	close(fd);
	CHECK(vmt_set_state(&b, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "-> RUNNING");
	CHECK(mig_same_state(a_vf, b_vf), "B differs from A");
	CHECK(drv_attr_s64(b_vf, "bytes_restored", &r1) == 0 &&
	      r1 - r0 == (int64_t)s.len, "bytes_restored moved by %lld, "
	      "stream %zu", (long long)(r1 - r0), s.len);
	CHECK(sim_state_set(a_vf, "blob_size=0") == 0, "blob");
	munmap(m, part);
	vmt_buf_free(&s);
	vmt_dev_close(&a);
	vmt_dev_close(&b);
	return 1;
}

/* poll() on @fd with @ms timeout; returns revents, 0 on timeout, -errno. */
static int poll_fd(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, ms);

	if (n < 0)
		return -errno;
	return n ? pfd.revents : 0;
}

/*
 * poll() on the save fd: readable with data queued, not readable after
 * ENOMSG in PRE_COPY, woken by PRE_COPY -> STOP_COPY (final data), readable
 * at EOF, and POLLERR once the fd is dead (PRE_COPY cancelled).
 */
static int case_save_poll(const char *vf)
{
	struct vmt_buf b = { 0 };
	struct vmt_dev d;
	uint64_t t0, ms;
	int fd = -1, got = 0, r, status;
	ssize_t n;
	uint8_t x[16];
	pid_t pid;

	CHECK(vmt_dev_open(&d, vf) == 0, "open");
	CHECK(sim_state_set(vf, "mac=52:54:00:ab:cd:80 blob_size=1000 "
			    "blob_seed=80") == 0, "set state");
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_PRE_COPY, &fd) == 0 &&
	      fd >= 0, "-> PRE_COPY");
	r = poll_fd(fd, 0);
	CHECK(r == POLLIN, "initial data queued: revents %#x, want POLLIN", r);
	n = vmt_read_all(fd, &b.p, &b.cap, 1, &got);
	CHECK(n > 0 && got, "read to ENOMSG: %zd", n);
	r = poll_fd(fd, 0);
	CHECK(r == 0, "after ENOMSG: revents %#x, want none", r);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint64_t c0 = vmt_now_ns();
		int rv = poll_fd(fd, 5000);

		tap_diag("poller: revents %#x after %llu ms", rv,
			 (unsigned long long)((vmt_now_ns() - c0) / 1000000));
		fflush(stdout);
		_exit(rv == POLLIN ? 0 : 1);
	}
	CHECK(pid > 0, "fork");
	usleep(300 * 1000);
	t0 = vmt_now_ns();
	r = vmt_set_state(&d, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	ms = (vmt_now_ns() - t0) / 1000000;
	CHECK(r == 0, "-> STOP_COPY: %s", strerror(-r));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the poller was not woken readable by STOP_COPY");
	CHECK(ms < 3000, "the poller woke %llu ms after STOP_COPY",
	      (unsigned long long)ms);
	n = vmt_read_all(fd, &b.p, &b.cap, 0, NULL);
	CHECK(n > 0, "final data: %zd", n);
	r = poll_fd(fd, 0);
	CHECK(r == POLLIN, "at EOF: revents %#x, want POLLIN", r);
	close(fd);
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "-> RUNNING");

	/* A cancelled PRE_COPY leaves a dead fd: POLLERR, read fails. */
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_PRE_COPY, &fd) == 0 &&
	      fd >= 0, "-> PRE_COPY again");
	CHECK(vmt_set_state(&d, VFIO_DEVICE_STATE_RUNNING, NULL) == 0,
	      "PRE_COPY -> RUNNING");
	r = poll_fd(fd, 0);
	CHECK(r > 0 && (r & POLLERR), "dead fd: revents %#x, want POLLERR", r);
	n = read(fd, x, sizeof(x));
	CHECK(n < 0, "read on the dead fd returned %zd", n);
	close(fd);
	free(b.p);
	vmt_dev_close(&d);
	return 1;
}

void cases_data(const struct vmt_env *env)
{
	RUN_CASE("save net VF A in STOP_COPY, restore into B: B equals A",
		 move_and_compare(env->vf[0], env->vf[1], NET_STATE, 1));
	RUN_CASE("save blk VF D in STOP_COPY, restore into E: E equals D",
		 move_and_compare(env->vf[3], env->vf[4], BLK_STATE, 2));
	RUN_CASE("PRE_COPY: initial/dirty bytes, ENOMSG, final delta, changes arrive",
		 case_precopy(env->vf[0], env->vf[1]));
	RUN_CASE("MIG_DATA_SIZE equals the bytes read (no blob)",
		 case_data_size(env->vf[0], 0));
	RUN_CASE("MIG_DATA_SIZE equals the bytes read (4 KiB blob)",
		 case_data_size(env->vf[0], 4096));
	RUN_CASE("MIG_DATA_SIZE equals the bytes read (blk, 200 KB blob)",
		 case_data_size(env->vf[3], 200000));
	RUN_CASE("MIG_DATA_SIZE in PRE_COPY with one resource object per VF",
		 case_data_size_precopy(env->vf[0]));
	RUN_CASE("resume write() ending in an unmapped page: short write, restore completes",
		 case_resume_short_write(env->vf[0], env->vf[1]));
	RUN_CASE("reset in STOP_COPY: RUNNING, save fd fails with ENODEV, VF works",
		 case_reset_saving(env->vf[0], env->vf[1]));
	RUN_CASE("reset in RESUMING: RUNNING, resume fd fails with ENODEV, state untouched",
		 case_reset_resuming(env->vf[0], env->vf[1]));
	RUN_CASE("poll() on the save fd: data, none after ENOMSG, woken by STOP_COPY, EOF, POLLERR",
		 case_save_poll(env->vf[0]));
}
