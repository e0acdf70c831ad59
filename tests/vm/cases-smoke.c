// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rig self-test with plain vfio-pci: proves that the guest's IOMMU, the
 * VFs and the VFIO container/group/device path work before any driver of
 * ours is involved, and that plain vfio-pci reports no migration support
 * (the baseline the variant driver changes).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "guest-util.h"
#include "tap.h"
#include "vfio-util.h"

static int smoke_open(const char *bdf)
{
	struct vmt_dev d;
	int ret = vmt_dev_open(&d, bdf);

	CHECK(ret == 0, "open %s: %s", bdf, strerror(-ret));
	vmt_dev_close(&d);
	return 1;
}

static int smoke_info(const char *bdf)
{
	struct vfio_device_info info;
	struct vfio_region_info ri;
	struct vmt_dev d;
	int ret = vmt_dev_open(&d, bdf);

	CHECK(ret == 0, "open %s: %s", bdf, strerror(-ret));
	ret = vmt_dev_info(&d, &info);
	CHECK(ret == 0, "GET_INFO: %s", strerror(-ret));
	tap_diag("%s: flags 0x%x regions %u irqs %u", bdf, info.flags,
		 info.num_regions, info.num_irqs);
	CHECK(info.flags & VFIO_DEVICE_FLAGS_PCI, "not a PCI device");
	CHECK(info.flags & VFIO_DEVICE_FLAGS_RESET, "no reset");
	CHECK(info.num_regions >= VFIO_PCI_CONFIG_REGION_INDEX + 1,
	      "%u regions", info.num_regions);
	ret = vmt_region_info(&d, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	CHECK(ret == 0, "config region: %s", strerror(-ret));
	CHECK(ri.size >= 256, "config size %llu", (unsigned long long)ri.size);
	ret = vmt_region_info(&d, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	CHECK(ret == 0, "BAR0 region: %s", strerror(-ret));
	tap_diag("%s: BAR0 size %llu flags 0x%x", bdf,
		 (unsigned long long)ri.size, ri.flags);
	vmt_dev_close(&d);
	return 1;
}

static int smoke_config(const char *bdf)
{
	char path[128], want[32];
	unsigned int v, dv;
	uint16_t id[2];
	struct vmt_dev d;
	int ret = vmt_dev_open(&d, bdf);

	CHECK(ret == 0, "open %s: %s", bdf, strerror(-ret));
	ret = vmt_config_read(&d, 0, id, sizeof(id));
	CHECK(ret == 0, "config read: %s", strerror(-ret));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	CHECK(vmt_file_read(path, want, sizeof(want)) == 0, "%s", path);
	sscanf(want, "%x", &v);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	CHECK(vmt_file_read(path, want, sizeof(want)) == 0, "%s", path);
	sscanf(want, "%x", &dv);
	tap_diag("%s: config %04x:%04x sysfs %04x:%04x", bdf, id[0], id[1], v, dv);
	CHECK(id[0] == v && id[1] == dv, "IDs differ");
	vmt_dev_close(&d);
	return 1;
}

static int smoke_dma_reset(const char *bdf)
{
	struct vmt_dev d;
	int ret = vmt_dev_open(&d, bdf);

	CHECK(ret == 0, "open %s: %s", bdf, strerror(-ret));
	ret = vmt_dma_map_unmap(&d, 1ull << 32, 1 << 20);
	CHECK(ret == 0, "DMA map/unmap: %s", strerror(-ret));
	ret = vmt_reset(&d);
	CHECK(ret == 0, "reset: %s", strerror(-ret));
	vmt_dev_close(&d);
	return 1;
}

static int smoke_no_migration(const char *bdf)
{
	struct vmt_dev d;
	uint64_t flags = 0;
	int ret = vmt_dev_open(&d, bdf);

	CHECK(ret == 0, "open %s: %s", bdf, strerror(-ret));
	ret = vmt_mig_flags(&d, &flags);
	CHECK(ret == -ENOTTY, "plain vfio-pci answered migration: %d flags 0x%llx",
	      ret, (unsigned long long)flags);
	vmt_dev_close(&d);
	return 1;
}

void cases_smoke(const struct vmt_env *env)
{
	const char *a = env->vf[0];

	RUN_CASE("smoke: container/group/device open",
		 smoke_open(a));
	RUN_CASE("smoke: device and region info",
		 smoke_info(a));
	RUN_CASE("smoke: config space IDs match sysfs",
		 smoke_config(a));
	RUN_CASE("smoke: DMA map/unmap and reset",
		 smoke_dma_reset(a));
	RUN_CASE("smoke: plain vfio-pci has no migration",
		 smoke_no_migration(a));
}
