// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfmig_virtio_pci: VFIO PCI variant driver for virtio-net/-blk SR-IOV VFs
 * with live migration through the virtio admin commands of their PF.
 * This file: probe/remove, the vfio device ops and the ID table.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "vfmig_common.h"
#include "core/vfmig_arcs.h"
#include "core/vfmig_legacy.h"
#include "core/vfmig_parts.h"

static int vfmig_open_device(struct vfio_device *vdev)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	int ret;

	ret = vfio_pci_core_enable(&vf->core);
	if (ret)
		return ret;
	if (vf->migratable) {
		ret = vfmig_mig_open(vf);
		if (ret) {
			vfio_pci_core_disable(&vf->core);
			return ret;
		}
	}
	vfio_pci_core_finish_enable(&vf->core);
	return 0;
}

static void vfmig_close_device(struct vfio_device *vdev)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);

	if (vf->migratable)
		vfmig_mig_close(vf);
	vfio_pci_core_close_device(vdev);
}

static void vfmig_release_dev(struct vfio_device *vdev)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);

	mutex_destroy(&vf->state_mutex);
	mutex_destroy(&vf->legacy_lock);
	vfio_pci_core_release_dev(vdev);
}

static ssize_t vfmig_read(struct vfio_device *vdev, char __user *buf,
			  size_t count, loff_t *ppos)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);

	if (vf->legacy_io && index == VFIO_PCI_BAR0_REGION_INDEX)
		return vfmig_legacy_rw(vf, buf, count, ppos, false);
	if (vf->legacy_io && index == VFIO_PCI_CONFIG_REGION_INDEX)
		return vfmig_legacy_config_rw(vf, buf, count, ppos, false);
	return vfio_pci_core_read(vdev, buf, count, ppos);
}

static ssize_t vfmig_write(struct vfio_device *vdev, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);

	/* the emulation only reads @buf when @write is set */
	if (vf->legacy_io && index == VFIO_PCI_BAR0_REGION_INDEX)
		return vfmig_legacy_rw(vf, (char __user *)buf, count, ppos, true);
	if (vf->legacy_io && index == VFIO_PCI_CONFIG_REGION_INDEX)
		return vfmig_legacy_config_rw(vf, (char __user *)buf, count,
					      ppos, true);
	return vfio_pci_core_write(vdev, buf, count, ppos);
}

static int vfmig_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	unsigned int index = vma->vm_pgoff >> (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);

	if (vf->legacy_io && index == VFIO_PCI_BAR0_REGION_INDEX)
		return -EINVAL;
	return vfio_pci_core_mmap(vdev, vma);
}

#if VFMIG_HAVE_REGION_INFO_CAPS
static int vfmig_region_info_caps(struct vfio_device *vdev,
				  struct vfio_region_info *info,
				  struct vfio_info_cap *caps)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);

	if (vf->legacy_io && info->index == VFIO_PCI_BAR0_REGION_INDEX)
		return vfmig_legacy_region_info(vf, info);
	return vfio_pci_ioctl_get_region_info(vdev, info, caps);
}
#else
static long vfmig_ioctl(struct vfio_device *vdev, unsigned int cmd,
			unsigned long arg)
{
	struct vfmig_vf *vf = vfmig_from_vdev(vdev);
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	int ret;

	if (cmd != VFIO_DEVICE_GET_REGION_INFO || !vf->legacy_io)
		return vfio_pci_core_ioctl(vdev, cmd, arg);
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index != VFIO_PCI_BAR0_REGION_INDEX)
		return vfio_pci_core_ioctl(vdev, cmd, arg);
	ret = vfmig_legacy_region_info(vf, &info);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}
#endif

static const struct vfio_device_ops vfmig_vfio_ops = {
	.name = "vfmig-virtio-pci",
	.init = vfio_pci_core_init_dev,
	.release = vfmig_release_dev,
	.open_device = vfmig_open_device,
	.close_device = vfmig_close_device,
#if VFMIG_HAVE_REGION_INFO_CAPS
	.ioctl = vfio_pci_core_ioctl,
	.get_region_info_caps = vfmig_region_info_caps,
#else
	.ioctl = vfmig_ioctl,
#endif
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfmig_read,
	.write = vfmig_write,
	.mmap = vfmig_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

/* Decides type, legacy I/O and migration support from the transport. */
static void vfmig_setup(struct vfmig_vf *vf)
{
	struct pci_dev *pdev = vfmig_pdev(vf);
	const struct vfmig_admin_ops *ops = vf->tr.ops;
	int type;

	if (!ops)
		return;
	type = ops->dev_type ? ops->dev_type(vf->tr.priv, pdev) : -ENODEV;
	if (type != VFMIG_VIRTIO_ID_NET && type != VFMIG_VIRTIO_ID_BLOCK)
		return;
	vf->type = type;
	vf->legacy_io = type == VFMIG_VIRTIO_ID_NET && ops->has_legacy_io &&
			ops->has_legacy_io(vf->tr.priv, pdev) &&
			ops->legacy_common_read && ops->legacy_dev_read;
	vf->migratable = ops->has_dev_parts && ops->has_dev_parts(vf->tr.priv, pdev) &&
			 ops->mode_set && ops->obj_create && ops->obj_destroy &&
			 ops->parts_metadata_get && ops->parts_get && ops->parts_set;
	if (vf->migratable && vfmig_read_features(vf))
		pci_warn(pdev, "Failed to read the device features, continuing with 0\n");
}

static int vfmig_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfmig_vf *vf;
	int ret;

	vf = vfio_alloc_device(vfmig_vf, core.vdev, &pdev->dev, &vfmig_vfio_ops);
	if (IS_ERR(vf))
		return PTR_ERR(vf);
	vfmig_mig_init(vf);
	mutex_init(&vf->legacy_lock);
	ret = vfmig_transport_find(pdev, &vf->tr);
	if (ret)
		goto out_put;
	vfmig_setup(vf);
	if (vf->migratable) {
		vf->core.vdev.migration_flags = VFMIG_MIGRATION_ALL;
		vf->core.vdev.mig_ops = &vfmig_mig_ops;
	}
	dev_set_drvdata(&pdev->dev, &vf->core);
	ret = vfio_pci_core_register_device(&vf->core);
	if (ret)
		goto out_tr;
	pci_info(pdev, "vfmig: type %s, transport %s, migration %s, legacy I/O %s\n",
		 vf->type == VFMIG_VIRTIO_ID_NET ? "net" :
		 vf->type == VFMIG_VIRTIO_ID_BLOCK ? "blk" : "none",
		 vfmig_transport_kind_to_string(vf->tr.kind),
		 vf->migratable ? "yes" : "no", vf->legacy_io ? "yes" : "no");
	return 0;
out_tr:
	vfmig_transport_put(&vf->tr);
out_put:
	vfio_put_device(&vf->core.vdev);
	return ret;
}

static void vfmig_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct vfmig_vf *vf = container_of(core, struct vfmig_vf, core);

	vfio_pci_core_unregister_device(&vf->core);
	vfmig_transport_put(&vf->tr);
	vfio_put_device(&vf->core.vdev);
}

static void vfmig_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct vfmig_vf *vf = container_of(core, struct vfmig_vf, core);

	if (vf->migratable)
		vfmig_mig_reset_done(vf);
}

static const struct pci_error_handlers vfmig_err_handlers = {
	.reset_done = vfmig_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

/* Override only: binding is always asked for through driver_override. */
static const struct pci_device_id vfmig_ids[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1041) },
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1042) },
	{}
};
MODULE_DEVICE_TABLE(pci, vfmig_ids);

static struct pci_driver vfmig_driver = {
	.name = KBUILD_MODNAME,
	.id_table = vfmig_ids,
	.probe = vfmig_probe,
	.remove = vfmig_remove,
	.err_handler = &vfmig_err_handlers,
	.driver_managed_dma = true,
	.dev_groups = vfmig_dev_groups,
};

module_pci_driver(vfmig_driver);

MODULE_LICENSE("GPL");
MODULE_VERSION(VFMIG_DRV_VERSION);
MODULE_DESCRIPTION("VFIO variant driver with live migration for virtio-net/-blk VFs");
