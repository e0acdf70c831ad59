// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Legacy I/O BAR0 of a transitional virtio-net VF: the VF has no I/O BAR,
 * so BAR0 is emulated. Register accesses become admin legacy commands to
 * the PF (decoding in core/vfmig_legacy.c); config space shows the
 * transitional IDs and an I/O BAR0 so a legacy guest driver binds.
 */
#include <linux/pci.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfmig_common.h"
#include "core/vfmig_legacy.h"

#define VFMIG_TRANS_NET_DEVICE	0x1000
#define VFMIG_TRANS_NET_SUBSYS	0x0001

ssize_t vfmig_legacy_rw(struct vfmig_vf *vf, char __user *buf, size_t count,
			loff_t *ppos, bool write)
{
	u64 off = *ppos & VFIO_PCI_OFFSET_MASK;
	struct vfmig_legacy_access acc;
	u8 val[VFMIG_LEGACY_BAR_SIZE] = {};
	int ret;

	/* the decoder takes 32-bit offsets: 4 GiB must not alias 0 */
	if (count > sizeof(val) || off >= VFMIG_LEGACY_BAR_SIZE)
		return -EINVAL;
	ret = vfmig_legacy_decode(off, count, write,
				  vf->core.irq_type == VFIO_PCI_MSIX_IRQ_INDEX,
				  &acc);
	if (ret)
		return ret;
	if (write && copy_from_user(val, buf, count))
		return -EFAULT;

	mutex_lock(&vf->legacy_lock);
	if (acc.area == VFMIG_LEGACY_NOTIFY)
		ret = vfmig_admin_legacy_notify(vf, val[0] | (val[1] << 8));
	else
		ret = vfmig_admin_legacy_rw(vf, acc.area == VFMIG_LEGACY_DEVICE,
					    write, acc.offset, count, val);
	mutex_unlock(&vf->legacy_lock);
	if (ret)
		return ret;
	if (!write && copy_to_user(buf, val, count))
		return -EFAULT;
	return count;
}

/* The emulated value of config byte @reg, or -1 to use the real one. */
static int vfmig_config_byte(struct vfmig_vf *vf, unsigned int reg)
{
	u32 bar = (vf->bar0_reg & ~(VFMIG_LEGACY_BAR_SIZE - 1)) |
		  PCI_BASE_ADDRESS_SPACE_IO;

	switch (reg) {
	case PCI_VENDOR_ID:
	case PCI_VENDOR_ID + 1:
		return (PCI_VENDOR_ID_REDHAT_QUMRANET >> ((reg - PCI_VENDOR_ID) * 8)) & 0xff;
	case PCI_DEVICE_ID:
	case PCI_DEVICE_ID + 1:
		return (VFMIG_TRANS_NET_DEVICE >> ((reg - PCI_DEVICE_ID) * 8)) & 0xff;
	case PCI_REVISION_ID:
		return 0;
	case PCI_SUBSYSTEM_ID:
	case PCI_SUBSYSTEM_ID + 1:
		return (VFMIG_TRANS_NET_SUBSYS >> ((reg - PCI_SUBSYSTEM_ID) * 8)) & 0xff;
	case PCI_BASE_ADDRESS_0 ... PCI_BASE_ADDRESS_0 + 3:
		return (bar >> ((reg - PCI_BASE_ADDRESS_0) * 8)) & 0xff;
	default:
		return -1;
	}
}

ssize_t vfmig_legacy_config_rw(struct vfmig_vf *vf, char __user *buf,
			       size_t count, loff_t *ppos, bool write)
{
	u64 off = *ppos & VFIO_PCI_OFFSET_MASK;
	ssize_t ret;
	size_t i;

	if (write) {
		/* BAR0 sizing and programming stay in the emulated register */
		if (off == PCI_BASE_ADDRESS_0 && count == 4) {
			u32 v;

			if (copy_from_user(&v, buf, 4))
				return -EFAULT;
			mutex_lock(&vf->legacy_lock);
			vf->bar0_reg = le32_to_cpu((__force __le32)v);
			mutex_unlock(&vf->legacy_lock);
			return count;
		}
		if (off < PCI_BASE_ADDRESS_0 + 4 && off + count > PCI_BASE_ADDRESS_0)
			return -EINVAL;
		return vfio_pci_core_write(&vf->core.vdev, buf, count, ppos);
	}

	ret = vfio_pci_core_read(&vf->core.vdev, buf, count, ppos);
	if (ret <= 0)
		return ret;
	mutex_lock(&vf->legacy_lock);
	for (i = 0; i < (size_t)ret; i++) {
		int b = vfmig_config_byte(vf, off + i);
		u8 v = b;

		if (b >= 0 && copy_to_user(buf + i, &v, 1)) {
			ret = -EFAULT;
			break;
		}
	}
	mutex_unlock(&vf->legacy_lock);
	return ret;
}

int vfmig_legacy_region_info(struct vfmig_vf *vf,
			     struct vfio_region_info *info)
{
	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
	info->size = VFMIG_LEGACY_BAR_SIZE;
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	return 0;
}
