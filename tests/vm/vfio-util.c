// SPDX-License-Identifier: GPL-2.0-or-later
/* VFIO uAPI wrappers for the VM test program and the kmod benchmark. */
#include "vfio-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int vmt_iommu_group(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

void vmt_dev_close(struct vmt_dev *d)
{
	if (d->device >= 0)
		close(d->device);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->device = d->group = d->container = -1;
}

int vmt_dev_open(struct vmt_dev *d, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret;

	memset(d, 0, sizeof(*d));
	d->container = d->group = d->device = -1;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->group_id = vmt_iommu_group(bdf);
	if (d->group_id < 0)
		return d->group_id;

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0)
		goto fail;
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		errno = EINVAL;
		goto fail;
	}
	if (ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		errno = ENODEV;
		goto fail;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		goto fail;
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status) < 0)
		goto fail;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EPERM;
		goto fail;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0)
		goto fail;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		goto fail;
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->device < 0)
		goto fail;
	return 0;
fail:
	ret = -errno;
	vmt_dev_close(d);
	return ret;
}

int vmt_dev_info(struct vmt_dev *d, struct vfio_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(d->device, VFIO_DEVICE_GET_INFO, info) < 0 ? -errno : 0;
}

int vmt_region_info(struct vmt_dev *d, unsigned int index,
		    struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, ri) < 0 ? -errno : 0;
}

int vmt_config_read(struct vmt_dev *d, unsigned int off, void *buf,
		    size_t len)
{
	struct vfio_region_info ri;
	ssize_t n;
	int ret;

	ret = vmt_region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret)
		return ret;
	n = pread(d->device, buf, len, (off_t)(ri.offset + off));
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

int vmt_reset(struct vmt_dev *d)
{
	return ioctl(d->device, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
}

int vmt_dma_map_unmap(struct vmt_dev *d, uint64_t iova, size_t len)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	void *mem;
	int ret = 0;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	map.vaddr = (uintptr_t)mem;
	map.size = len;
	map.iova = iova;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(d->container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		ret = -errno;
		goto out;
	}
	unmap.iova = iova;
	unmap.size = len;
	if (ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		ret = -errno;
	else if (unmap.size != len)
		ret = -EIO;
out:
	munmap(mem, len);
	return ret;
}

/* A vfio_device_feature header followed by a payload of up to 16 bytes. */
struct vmt_feature {
	struct vfio_device_feature hdr;
	uint64_t payload[2];
};

static int vmt_feature(struct vmt_dev *d, uint32_t flags,
		       struct vmt_feature *f, size_t payload_len)
{
	f->hdr.argsz = sizeof(f->hdr) + payload_len;
	f->hdr.flags = flags;
	return ioctl(d->device, VFIO_DEVICE_FEATURE, f) < 0 ? -errno : 0;
}

int vmt_mig_flags(struct vmt_dev *d, uint64_t *flags)
{
	struct vmt_feature f = { 0 };
	int ret;

	ret = vmt_feature(d, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIGRATION, &f,
			  sizeof(struct vfio_device_feature_migration));
	if (ret)
		return ret;
	*flags = ((struct vfio_device_feature_migration *)f.hdr.data)->flags;
	return 0;
}

int vmt_get_state(struct vmt_dev *d, unsigned int *state)
{
	struct vmt_feature f = { 0 };
	int ret;

	ret = vmt_feature(d, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &f,
			  sizeof(struct vfio_device_feature_mig_state));
	if (ret)
		return ret;
	*state = ((struct vfio_device_feature_mig_state *)f.hdr.data)->device_state;
	return 0;
}

int vmt_set_state(struct vmt_dev *d, unsigned int state, int *data_fd)
{
	struct vmt_feature f = { 0 };
	struct vfio_device_feature_mig_state *mig = (void *)f.hdr.data;
	int ret;

	mig->device_state = state;
	mig->data_fd = -1;
	ret = vmt_feature(d, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &f,
			  sizeof(*mig));
	if (ret)
		return ret;
	if (data_fd)
		*data_fd = mig->data_fd;
	else if (mig->data_fd >= 0)
		close(mig->data_fd);
	return 0;
}

int vmt_mig_data_size(struct vmt_dev *d, uint64_t *len)
{
	struct vmt_feature f = { 0 };
	int ret;

	ret = vmt_feature(d, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &f,
			  sizeof(struct vfio_device_feature_mig_data_size));
	if (ret)
		return ret;
	*len = ((struct vfio_device_feature_mig_data_size *)f.hdr.data)->stop_copy_length;
	return 0;
}

int vmt_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };

	if (ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info) < 0)
		return -errno;
	*initial = info.initial_bytes;
	*dirty = info.dirty_bytes;
	return 0;
}

ssize_t vmt_read_all(int fd, uint8_t **buf, size_t *cap, int enomsg_ok,
		     int *got_enomsg)
{
	size_t len = 0;
	ssize_t n;

	if (got_enomsg)
		*got_enomsg = 0;
	for (;;) {
		if (len == *cap) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			uint8_t *nb = realloc(*buf, ncap);

			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = ncap;
		}
		n = read(fd, *buf + len, *cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOMSG && enomsg_ok) {
			if (got_enomsg)
				*got_enomsg = 1;
			return (ssize_t)len;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)len;
		len += (size_t)n;
	}
}

int vmt_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *vmt_state_name(unsigned int state)
{
	static const char *const names[VMT_NUM_STATES] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING",
		"RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};

	return state < VMT_NUM_STATES ? names[state] : "INVALID";
}

uint64_t vmt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
