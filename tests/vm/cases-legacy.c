// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Legacy I/O (transitional virtio-net): with the simulator's legacy_io set
 * before binding, the VFIO device shows a 64-byte I/O BAR0 and transitional
 * IDs, and BAR0 accesses reach the device through admin legacy commands
 * (docs/kmod-interface.md §7).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "sim.h"
#include "tap.h"
#include "vfio-util.h"

#define LEG_DEV_FEATURES 0x00
#define LEG_QUEUE_NOTIFY 0x10
#define LEG_STATUS 0x12
#define LEG_DEVICE_CFG 0x14 /* without MSI-X */

static int bar_rw(struct vmt_dev *d, int write, unsigned int off, void *buf,
		  size_t len)
{
	struct vfio_region_info ri;
	ssize_t n;
	int ret = vmt_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &ri);

	if (ret)
		return ret;
	n = write ? pwrite(d->device, buf, len, (off_t)(ri.offset + off)) :
		    pread(d->device, buf, len, (off_t)(ri.offset + off));
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

static int case_legacy(const char *vf, const char *modern_vf)
{
	struct vfio_region_info ri;
	struct vmt_dev d, m;
	uint64_t before = 0, after = 0, last = 99;
	uint16_t id[2], sub = 0, q;
	uint32_t feat = 0;
	uint8_t rev = 0xff, mac[6], st;
	char text[64];
	unsigned long long want_feat;
	unsigned int i;

	CHECK(vmt_dev_open(&d, vf) == 0, "open %s", vf);
	CHECK(vmt_region_info(&d, VFIO_PCI_BAR0_REGION_INDEX, &ri) == 0, "BAR0");
	tap_diag("%s: BAR0 size %llu flags 0x%x", vf,
		 (unsigned long long)ri.size, ri.flags);
	CHECK(ri.size == 64, "BAR0 size %llu", (unsigned long long)ri.size);
	CHECK((ri.flags & (VFIO_REGION_INFO_FLAG_READ |
			   VFIO_REGION_INFO_FLAG_WRITE)) ==
	      (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE) &&
	      !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP), "BAR0 flags 0x%x",
	      ri.flags);
	CHECK(vmt_config_read(&d, 0, id, sizeof(id)) == 0, "config IDs");
	CHECK(vmt_config_read(&d, 0x08, &rev, 1) == 0, "revision");
	CHECK(vmt_config_read(&d, 0x2e, &sub, 2) == 0, "subsystem");
	tap_diag("%s: config %04x:%04x rev %u subsystem %u", vf, id[0], id[1],
		 rev, sub);
	CHECK(id[0] == 0x1af4 && id[1] == 0x1000 && rev == 0 && sub == 1,
	      "not the transitional virtio-net identity");

	/* Device features through BAR0 = what the device offers. */
	CHECK(sim_state_key(vf, "device_features", text, sizeof(text)) == 0,
	      "device_features");
	want_feat = strtoull(text, NULL, 0);
	CHECK(bar_rw(&d, 0, LEG_DEV_FEATURES, &feat, 4) == 0, "read features");
	CHECK(feat == (uint32_t)want_feat, "BAR0 features 0x%08x, device 0x%llx",
	      feat, want_feat);

	/* Device config: the MAC the device has. */
	CHECK(sim_state_set(vf, "mac=52:54:00:ab:cd:77") == 0, "set mac");
	/* Byte by byte, as a legacy guest driver reads it (I/O accesses are
	 * 1, 2 or 4 bytes wide). */
	for (i = 0; i < 6; i++)
		CHECK(bar_rw(&d, 0, LEG_DEVICE_CFG + i, &mac[i], 1) == 0,
		      "read mac byte %u", i);
	CHECK(!memcmp(mac, "\x52\x54\x00\xab\xcd\x77", 6),
	      "BAR0 MAC %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	      mac[2], mac[3], mac[4], mac[5]);

	/* Status written through BAR0 lands in the device. */
	st = 0;
	CHECK(bar_rw(&d, 1, LEG_STATUS, &st, 1) == 0, "reset status");
	st = 0x01;
	CHECK(bar_rw(&d, 1, LEG_STATUS, &st, 1) == 0, "write status");
	CHECK(sim_state_key(vf, "status", text, sizeof(text)) == 0, "status");
	CHECK(strtoul(text, NULL, 0) == 1, "device status %s after writing 1",
	      text);
	st = 0;
	CHECK(bar_rw(&d, 0, LEG_STATUS, &st, 1) == 0 && st == 1,
	      "status read back %u", st);

	/* Queue notify goes to the device's notify area. */
	CHECK(sim_key_u64(vf, "notify", "notifies", &before) == 0, "notify");
	q = 1;
	CHECK(bar_rw(&d, 1, LEG_QUEUE_NOTIFY, &q, 2) == 0, "notify write");
	CHECK(sim_key_u64(vf, "notify", "notifies", &after) == 0 &&
	      sim_key_u64(vf, "notify", "last_queue", &last) == 0, "notify");
	CHECK(after == before + 1 && last == 1, "notifies %llu -> %llu, last %llu",
	      (unsigned long long)before, (unsigned long long)after,
	      (unsigned long long)last);
	vmt_dev_close(&d);

	/* A VF without legacy I/O keeps its real BAR0. */
	CHECK(vmt_dev_open(&m, modern_vf) == 0, "open %s", modern_vf);
	CHECK(vmt_region_info(&m, VFIO_PCI_BAR0_REGION_INDEX, &ri) == 0, "BAR0");
	CHECK(ri.size != 64, "modern VF shows the legacy BAR");
	vmt_dev_close(&m);
	return 1;
}

/*
 * BAR0 is 64 bytes: an access at 4 GiB (+ a register offset) is outside it
 * and must fail, not alias the register at the low 32 bits of the offset.
 */
static int case_legacy_far(const char *vf)
{
	const uint64_t far = 0x100000000ull;
	struct vfio_region_info ri;
	struct vmt_dev d;
	uint8_t buf[4] = { 0 }, st = 0x7f;
	char text[64];
	ssize_t n;

	CHECK(vmt_dev_open(&d, vf) == 0, "open %s", vf);
	CHECK(vmt_region_info(&d, VFIO_PCI_BAR0_REGION_INDEX, &ri) == 0, "BAR0");
	st = 0;
	CHECK(bar_rw(&d, 1, LEG_STATUS, &st, 1) == 0, "reset status");
	n = pread(d.device, buf, 4, (off_t)(ri.offset + far));
	tap_diag("%s: pread 4 bytes at BAR0 + 4 GiB -> %zd (%s)", vf, n,
		 n < 0 ? strerror(errno) : "accepted");
	CHECK(n < 0 && errno == EINVAL, "read at 4 GiB not refused with EINVAL");
	st = 0x7f;
	n = pwrite(d.device, &st, 1, (off_t)(ri.offset + far + LEG_STATUS));
	tap_diag("%s: pwrite 1 byte at BAR0 + 4 GiB + 0x12 -> %zd (%s)", vf, n,
		 n < 0 ? strerror(errno) : "accepted");
	CHECK(n < 0 && errno == EINVAL, "write at 4 GiB not refused with EINVAL");
	CHECK(sim_state_key(vf, "status", text, sizeof(text)) == 0, "status");
	CHECK(strtoul(text, NULL, 0) == 0, "device status %s, want 0", text);
	vmt_dev_close(&d);
	return 1;
}

void cases_legacy(const struct vmt_env *env)
{
	if (env->nvf <= VMT_DRIVER_VFS) {
		tap_skip("legacy I/O BAR0", "needs a 7th VF");
		return;
	}
	RUN_CASE("legacy I/O: 64-byte I/O BAR0, transitional IDs, registers reach the device",
		 case_legacy(env->vf[VMT_DRIVER_VFS], env->vf[0]));
	RUN_CASE("legacy I/O: BAR0 accesses at 4 GiB refused, no register aliased",
		 case_legacy_far(env->vf[VMT_DRIVER_VFS]));
}
