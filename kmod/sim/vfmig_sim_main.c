// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfmig_sim: test-only virtio admin command simulator. It attaches to a
 * PF (any SR-IOV PF, such as QEMU's igb), registers as the admin provider
 * of vfmig_virtio_pci for it and presents each VF as a virtio-net or
 * virtio-blk group member. Never needed in production.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfmig_sim.h"

#define VFMIG_SIM_MAX_PFS	4

static char *pf[VFMIG_SIM_MAX_PFS];
static int pf_count;
module_param_array(pf, charp, &pf_count, 0444);
MODULE_PARM_DESC(pf, "PF addresses to attach at load (0000:01:00.0,...)");

static char *vf_type = "net";
module_param(vf_type, charp, 0444);
MODULE_PARM_DESC(vf_type, "Default VF type: net or blk");

static bool legacy_io;
module_param(legacy_io, bool, 0444);
MODULE_PARM_DESC(legacy_io, "Default legacy I/O (transitional net) flag");

unsigned int vfmig_sim_obj_limit = 2;
module_param_named(obj_limit, vfmig_sim_obj_limit, uint, 0644);
MODULE_PARM_DESC(obj_limit, "Resource objects per VF");

unsigned int vfmig_sim_cmd_timeout_ms = 1000;
module_param_named(cmd_timeout_ms, vfmig_sim_cmd_timeout_ms, uint, 0644);
MODULE_PARM_DESC(cmd_timeout_ms, "Command timeout for slow faults (ms)");

/* vfmig_sim_lock protects vfmig_sim_pfs */
static DEFINE_MUTEX(vfmig_sim_lock);
static LIST_HEAD(vfmig_sim_pfs);

static struct vfmig_sim_pf *vfmig_sim_find(struct pci_dev *pdev)
{
	struct vfmig_sim_pf *p;

	lockdep_assert_held(&vfmig_sim_lock);
	list_for_each_entry(p, &vfmig_sim_pfs, node)
		if (p->pdev == pdev)
			return p;
	return NULL;
}

static struct pci_dev *vfmig_sim_lookup(const char *addr)
{
	unsigned int dom, bus, dev, fn;
	char tail;

	if (sscanf(addr, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4 ||
	    bus > 0xff || dev > 0x1f || fn > 7)
		return NULL;
	return pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(dev, fn));
}

static void vfmig_sim_free_pf(struct vfmig_sim_pf *p)
{
	u32 i;

	for (i = 0; i < p->nvfs; i++)
		vfmig_sim_vf_fini(&p->vfs[i]);
	kfree(p->vfs);
	pci_dev_put(p->pdev);
	kfree(p);
}

int vfmig_sim_attach(const char *addr)
{
	u16 type = sysfs_streq(vf_type, "blk") ? VFMIG_VIRTIO_ID_BLOCK :
						 VFMIG_VIRTIO_ID_NET;
	struct pci_dev *pdev = vfmig_sim_lookup(addr);
	struct vfmig_sim_pf *p;
	int ret, total;
	u32 i;

	if (!pdev) {
		pr_warn("vfmig_sim: attach %s: no such PCI device\n", addr);
		return -ENODEV;
	}
	total = pci_sriov_get_totalvfs(pdev);
	if (!pdev->is_physfn || total <= 0) {
		pci_warn(pdev, "vfmig_sim: attach refused: not an SR-IOV PF\n");
		pci_dev_put(pdev);
		return -EINVAL;
	}
	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	p->pdev = pdev;
	p->nvfs = total;
	strscpy(p->addr, pci_name(pdev), sizeof(p->addr));
	p->vfs = kcalloc(total, sizeof(*p->vfs), GFP_KERNEL);
	if (!p->vfs) {
		pci_dev_put(pdev);
		kfree(p);
		return -ENOMEM;
	}
	for (i = 0; i < p->nvfs; i++) {
		struct vfmig_sim_vf *v = &p->vfs[i];

		v->pf = p;
		v->index = i;
		v->legacy_io = legacy_io;
		snprintf(v->addr, sizeof(v->addr), "%04x:%02x:%02x.%d",
			 pci_domain_nr(pdev->bus), vfmig_sim_vf_bus(pdev, i),
			 PCI_SLOT(pci_iov_virtfn_devfn(pdev, i)),
			 PCI_FUNC(pci_iov_virtfn_devfn(pdev, i)));
		vfmig_sim_vf_init(v, type);
	}

	mutex_lock(&vfmig_sim_lock);
	ret = vfmig_sim_find(pdev) ? -EEXIST : 0;
	if (!ret)
		ret = vfmig_register_provider(pdev, &vfmig_sim_ops, p);
	if (!ret) {
		list_add(&p->node, &vfmig_sim_pfs);
		vfmig_sim_debugfs_add_pf(p);
	}
	mutex_unlock(&vfmig_sim_lock);
	if (ret) {
		pci_warn(pdev, "vfmig_sim: attach refused (%d)\n", ret);
		vfmig_sim_free_pf(p);
		return ret;
	}
	pci_info(pdev, "vfmig_sim: attached, %u VFs as %s\n", p->nvfs,
		 type == VFMIG_VIRTIO_ID_NET ? "net" : "blk");
	return 0;
}

int vfmig_sim_detach(const char *addr)
{
	struct pci_dev *pdev = vfmig_sim_lookup(addr);
	struct vfmig_sim_pf *p;
	int ret;

	if (!pdev)
		return -ENODEV;
	mutex_lock(&vfmig_sim_lock);
	p = vfmig_sim_find(pdev);
	ret = p ? vfmig_unregister_provider(pdev) : -ENOENT;
	if (!ret) {
		list_del(&p->node);
		vfmig_sim_debugfs_del_pf(p);
	}
	mutex_unlock(&vfmig_sim_lock);
	if (ret)
		pci_warn(pdev, "vfmig_sim: detach refused (%d)\n", ret);
	else
		vfmig_sim_free_pf(p);
	pci_dev_put(pdev);
	return ret;
}

static int __init vfmig_sim_init(void)
{
	int i, ret;

	if (!sysfs_streq(vf_type, "net") && !sysfs_streq(vf_type, "blk"))
		return -EINVAL;
	ret = vfmig_sim_debugfs_init();
	if (ret)
		return ret;
	for (i = 0; i < pf_count; i++) {
		ret = vfmig_sim_attach(pf[i]);
		if (ret)
			goto err;
	}
	return 0;
err:
	while (i--)
		vfmig_sim_detach(pf[i]);
	vfmig_sim_debugfs_exit();
	return ret;
}

static void __exit vfmig_sim_exit(void)
{
	struct vfmig_sim_pf *p, *n;

	/* the driver pins this module while it uses a PF, so all are free */
	mutex_lock(&vfmig_sim_lock);
	list_for_each_entry_safe(p, n, &vfmig_sim_pfs, node) {
		if (vfmig_unregister_provider(p->pdev))
			pci_warn(p->pdev, "vfmig_sim: provider still in use\n");
		list_del(&p->node);
		vfmig_sim_debugfs_del_pf(p);
		vfmig_sim_free_pf(p);
	}
	mutex_unlock(&vfmig_sim_lock);
	vfmig_sim_debugfs_exit();
}

module_init(vfmig_sim_init);
module_exit(vfmig_sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfmig virtio admin command simulator (test only)");
