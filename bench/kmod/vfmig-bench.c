// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfmig-bench: runs inside the kernel rig's guest (static, started by
 * tests/vm/guest-init.sh in bench mode).  Migrates the simulated device
 * state of VF A into VF B with device-specific state (the simulator's
 * vendor blob) of 4 KiB, 64 KiB and 1 MiB and prints one BENCH line per
 * size and flow:
 *
 *   BENCH flow=stopcopy|precopy size=N parts=N stream=N cmds=N
 *         cmds_stop=N drv_cmds=N drv_cmds_stopped=N save_us=N
 *         restore_us=N memcpy_us=N
 *
 * parts: bytes of the device-parts blob (simulator state_size); stream:
 * bytes through the data fds; cmds: admin commands the simulator executed
 * for A and B during the migration, cmds_stop: of those, the ones inside
 * the stop window (from the request that stops A until B runs); drv_*:
 * the driver's own counters (deltas); times are medians of REPS runs;
 * memcpy_us: one memcpy of the stream's size in this guest, median.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-util.h"
#include "mig.h"
#include "sim.h"
#include "tap.h"
#include "vfio-util.h"

#define REPS 7
#define MEMCPY_REPS 31

struct sample {
	uint64_t stream, cmds, cmds_stop, drv_cmds, drv_stopped;
	uint64_t save_ns, restore_ns;
};

static uint64_t sim_cmds(const char *a, const char *b)
{
	uint64_t x = 0, y = 0;

	sim_stat(a, "cmds", &x);
	sim_stat(b, "cmds", &y);
	return x + y;
}

static uint64_t drv_count(const char *a, const char *b, const char *name)
{
	int64_t x = 0, y = 0;

	drv_attr_s64(a, name, &x);
	drv_attr_s64(b, name, &y);
	return (uint64_t)(x + y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* One migration A -> B; precopy: with a PRE_COPY phase before stopping. */
static int migrate_once(struct vmt_dev *a, struct vmt_dev *b, int precopy,
			struct sample *out)
{
	static struct vmt_buf s;
	uint64_t c0, cstop, c1, d0, ds0, t0, t1, t2;
	int fd = -1, fd2 = -1, ret, enomsg = 0, step;
	ssize_t n;

	s.len = 0;
	c0 = sim_cmds(a->bdf, b->bdf);
	d0 = drv_count(a->bdf, b->bdf, "admin_cmds");
	ds0 = drv_count(a->bdf, b->bdf, "admin_cmds_stopped");
	t0 = vmt_now_ns();
	if (precopy) {
		ret = vmt_set_state(a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		if (ret)
			return ret;
		n = vmt_read_all(fd, &s.p, &s.cap, 1, &enomsg);
		if (n < 0)
			return (int)n;
		s.len = (size_t)n;
		cstop = sim_cmds(a->bdf, b->bdf);
		ret = vmt_set_state(a, VFIO_DEVICE_STATE_STOP_COPY, &fd2);
		if (fd2 >= 0)
			close(fd2);
	} else {
		cstop = c0;
		ret = vmt_set_state(a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	}
	if (ret)
		return ret;
	{
		uint8_t *p = NULL;
		size_t cap = 0;

		n = vmt_read_all(fd, &p, &cap, 0, NULL);
		if (n < 0) {
			free(p);
			return (int)n;
		}
		if (s.len + (size_t)n > s.cap) {
			s.cap = s.len + (size_t)n;
			s.p = realloc(s.p, s.cap);
			if (!s.p)
				return -ENOMEM;
		}
		memcpy(s.p + s.len, p, (size_t)n);
		s.len += (size_t)n;
		free(p);
	}
	close(fd);
	ret = vmt_set_state(a, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return ret;
	t1 = vmt_now_ns();
	ret = mig_load(b, s.p, s.len, &step);
	if (!ret)
		ret = vmt_set_state(b, VFIO_DEVICE_STATE_RUNNING, NULL);
	t2 = vmt_now_ns();
	if (ret)
		return ret;
	c1 = sim_cmds(a->bdf, b->bdf);
	out->stream = s.len;
	out->cmds = c1 - c0;
	out->cmds_stop = c1 - cstop;
	out->drv_cmds = drv_count(a->bdf, b->bdf, "admin_cmds") - d0;
	out->drv_stopped = drv_count(a->bdf, b->bdf, "admin_cmds_stopped") - ds0;
	out->save_ns = t1 - t0;
	out->restore_ns = t2 - t1;
	/* A runs again (not part of the migration's cost). */
	return vmt_set_state(a, VFIO_DEVICE_STATE_RUNNING, NULL);
}

static uint64_t memcpy_ns(size_t len)
{
	uint8_t *src = malloc(len), *dst = malloc(len);
	uint64_t v[MEMCPY_REPS], t;
	int i;

	if (!src || !dst) {
		free(src);
		free(dst);
		return 0;
	}
	memset(src, 0x5a, len);
	memset(dst, 0, len);	/* fault the pages in before timing */
	for (i = 0; i < MEMCPY_REPS; i++) {
		t = vmt_now_ns();
		memcpy(dst, src, len);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		v[i] = vmt_now_ns() - t;
	}
	free(src);
	free(dst);
	return median(v, MEMCPY_REPS);
}

static int bench_size(struct vmt_dev *a, struct vmt_dev *b, unsigned int size,
		      int precopy)
{
	uint64_t save[REPS], restore[REPS], parts = 0;
	struct sample smp = { 0 };
	char text[64], path[128];
	int i, ret;

	snprintf(text, sizeof(text), "blob_size=%u blob_seed=%u", size, size + 3);
	ret = sim_state_set(a->bdf, text);
	if (ret) {
		tap_diag("set %s on %s: %s", text, a->bdf, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/vfmig_sim/%s/state_size",
		 a->bdf);
	vmt_file_read_u64(path, &parts);
	for (i = 0; i < REPS; i++) {
		ret = migrate_once(a, b, precopy, &smp);
		if (ret) {
			tap_diag("migration (%s, %u) failed: %s",
				 precopy ? "precopy" : "stopcopy", size,
				 strerror(-ret));
			return ret;
		}
		save[i] = smp.save_ns;
		restore[i] = smp.restore_ns;
	}
	if (!mig_same_state(a->bdf, b->bdf)) {
		tap_diag("B differs from A after the benchmark migration");
		return -EIO;
	}
	printf("BENCH flow=%s size=%u parts=%llu stream=%llu cmds=%llu "
	       "cmds_stop=%llu drv_cmds=%llu drv_cmds_stopped=%llu save_us=%llu "
	       "restore_us=%llu memcpy_us=%.3f\n",
	       precopy ? "precopy" : "stopcopy", size,
	       (unsigned long long)parts, (unsigned long long)smp.stream,
	       (unsigned long long)smp.cmds, (unsigned long long)smp.cmds_stop,
	       (unsigned long long)smp.drv_cmds,
	       (unsigned long long)smp.drv_stopped,
	       (unsigned long long)median(save, REPS) / 1000,
	       (unsigned long long)median(restore, REPS) / 1000,
	       (double)memcpy_ns(smp.stream) / 1000.0);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 4096, 65536, 1048576 };
	struct vmt_dev a, b;
	int ret, i, flow, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: vfmig-bench PF VF_A VF_B\n");
		return 2;
	}
	ret = vmt_dev_open(&a, argv[2]);
	if (!ret)
		ret = vmt_dev_open(&b, argv[3]);
	if (ret) {
		fprintf(stderr, "vfmig-bench: open: %s\n", strerror(-ret));
		return 1;
	}
	for (flow = 0; flow < 2; flow++)
		for (i = 0; i < 3; i++)
			if (bench_size(&a, &b, sizes[i], flow))
				rc = 1;
	vmt_dev_close(&a);
	vmt_dev_close(&b);
	printf("# bench done rc=%d\n", rc);
	return rc;
}
