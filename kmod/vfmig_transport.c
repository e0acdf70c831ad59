// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Admin transport: one ops table, filled either by a registered provider
 * (vfmig_register_provider) or by the kernel's virtio PCI admin helpers
 * where the kernel has them (conftest: VFMIG_HAVE_ADMIN_*). Every command
 * goes through the wrappers at the end, which count it and retry EAGAIN.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/list.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/vmalloc.h>
#include <linux/virtio_pci.h>

#include "vfmig_common.h"
#if VFMIG_HAVE_ADMIN_LEGACY_IO || VFMIG_HAVE_ADMIN_DEV_PARTS
#include <linux/virtio_pci_admin.h>
#endif

#define VFMIG_EAGAIN_RETRIES	3
#define VFMIG_EAGAIN_DELAY_MS	10

struct vfmig_provider {
	struct list_head node;
	struct pci_dev *pf;
	const struct vfmig_admin_ops *ops;
	void *priv;
	unsigned int users;
};

/* vfmig_providers_lock protects vfmig_providers and every users count */
static DEFINE_MUTEX(vfmig_providers_lock);
static LIST_HEAD(vfmig_providers);

static struct vfmig_provider *vfmig_provider_lookup(struct pci_dev *pf)
{
	struct vfmig_provider *p;

	lockdep_assert_held(&vfmig_providers_lock);
	list_for_each_entry(p, &vfmig_providers, node)
		if (p->pf == pf)
			return p;
	return NULL;
}

int vfmig_register_provider(struct pci_dev *pf,
			    const struct vfmig_admin_ops *ops, void *priv)
{
	struct vfmig_provider *p;
	int ret = 0;

	if (!pf || !ops)
		return -EINVAL;
	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pf = pci_dev_get(pf);
	p->ops = ops;
	p->priv = priv;

	mutex_lock(&vfmig_providers_lock);
	if (vfmig_provider_lookup(pf))
		ret = -EEXIST;
	else
		list_add(&p->node, &vfmig_providers);
	mutex_unlock(&vfmig_providers_lock);
	if (ret) {
		pci_dev_put(p->pf);
		kfree(p);
		return ret;
	}
	pci_info(pf, "vfmig: admin provider registered\n");
	return 0;
}
EXPORT_SYMBOL_GPL(vfmig_register_provider);

int vfmig_unregister_provider(struct pci_dev *pf)
{
	struct vfmig_provider *p;
	int ret = 0;

	mutex_lock(&vfmig_providers_lock);
	p = vfmig_provider_lookup(pf);
	if (!p)
		ret = -ENOENT;
	else if (p->users)
		ret = -EBUSY;
	else
		list_del(&p->node);
	mutex_unlock(&vfmig_providers_lock);
	if (ret)
		return ret;
	pci_dev_put(p->pf);
	kfree(p);
	return 0;
}
EXPORT_SYMBOL_GPL(vfmig_unregister_provider);

#if VFMIG_HAVE_ADMIN_LEGACY_IO || VFMIG_HAVE_ADMIN_DEV_PARTS
static int vfmig_virtio_dev_type(void *priv, struct pci_dev *vf)
{
	if (vf->device == 0x1041)
		return 1;
	if (vf->device == 0x1042)
		return 2;
	return -ENODEV;
}
#endif

#if VFMIG_HAVE_ADMIN_LEGACY_IO
static bool vfmig_virtio_has_legacy(void *priv, struct pci_dev *vf)
{
	return virtio_pci_admin_has_legacy_io(vf);
}

static int vfmig_virtio_lc_write(void *priv, struct pci_dev *vf, u8 off,
				 u8 size, u8 *buf)
{
	return virtio_pci_admin_legacy_common_io_write(vf, off, size, buf);
}

static int vfmig_virtio_lc_read(void *priv, struct pci_dev *vf, u8 off,
				u8 size, u8 *buf)
{
	return virtio_pci_admin_legacy_common_io_read(vf, off, size, buf);
}

static int vfmig_virtio_ld_write(void *priv, struct pci_dev *vf, u8 off,
				 u8 size, u8 *buf)
{
	return virtio_pci_admin_legacy_device_io_write(vf, off, size, buf);
}

static int vfmig_virtio_ld_read(void *priv, struct pci_dev *vf, u8 off,
				u8 size, u8 *buf)
{
	return virtio_pci_admin_legacy_device_io_read(vf, off, size, buf);
}

/* Writes the queue index to the notify address the device reports. */
static int vfmig_virtio_notify(void *priv, struct pci_dev *vf, u16 queue)
{
	void __iomem *addr;
	u64 off;
	u8 bar;
	int ret;

	ret = virtio_pci_admin_legacy_io_notify_info(vf,
			VIRTIO_ADMIN_CMD_NOTIFY_INFO_FLAGS_OWNER_MEM, &bar, &off);
	if (ret)
		return ret;
	if (bar >= PCI_STD_NUM_BARS || off + 2 > pci_resource_len(vf, bar))
		return -EINVAL;
	addr = pci_iomap_range(vf, bar, off, 2);
	if (!addr)
		return -ENOMEM;
	iowrite16(queue, addr);
	pci_iounmap(vf, addr);
	return 0;
}
#endif

#if VFMIG_HAVE_ADMIN_DEV_PARTS
static bool vfmig_virtio_has_parts(void *priv, struct pci_dev *vf)
{
	return virtio_pci_admin_has_dev_parts(vf);
}

static int vfmig_virtio_mode_set(void *priv, struct pci_dev *vf, u8 flags)
{
	return virtio_pci_admin_mode_set(vf, flags);
}

static int vfmig_virtio_obj_create(void *priv, struct pci_dev *vf,
				   u16 type, u8 op, u32 *id)
{
	return virtio_pci_admin_obj_create(vf, type, op, id);
}

static int vfmig_virtio_obj_destroy(void *priv, struct pci_dev *vf,
				    u16 type, u32 id)
{
	return virtio_pci_admin_obj_destroy(vf, type, id);
}

static int vfmig_virtio_metadata(void *priv, struct pci_dev *vf, u16 type,
				 u32 id, u8 mtype, u32 *out)
{
	return virtio_pci_admin_dev_parts_metadata_get(vf, type, id, mtype, out);
}

/*
 * The helpers take scatterlists; our buffers come from kvmalloc, so a
 * vmalloc buffer is described page by page.
 */
static int vfmig_buf_to_sgt(struct sg_table *sgt, const void *buf, u32 len)
{
	unsigned int n = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	struct page **pages;
	unsigned int i;
	int ret;

	if (!is_vmalloc_addr(buf)) {
		ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
		if (!ret)
			sg_init_one(sgt->sgl, buf, len);
		return ret;
	}
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pages[i] = vmalloc_to_page(buf - offset_in_page(buf) +
					   (size_t)i * PAGE_SIZE);
	ret = sg_alloc_table_from_pages(sgt, pages, n, offset_in_page(buf),
					len, GFP_KERNEL);
	kvfree(pages);
	return ret;
}

static int vfmig_virtio_parts_get(void *priv, struct pci_dev *vf, u16 type,
				  u32 id, u8 get_type, void *buf, u32 cap,
				  u32 *res)
{
	struct sg_table sgt;
	int ret = vfmig_buf_to_sgt(&sgt, buf, cap);

	if (ret)
		return ret;
	ret = virtio_pci_admin_dev_parts_get(vf, type, id, get_type, sgt.sgl,
					     res);
	sg_free_table(&sgt);
	return ret;
}

static int vfmig_virtio_parts_set(void *priv, struct pci_dev *vf, u32 id,
				  const void *buf, u32 len)
{
	struct virtio_admin_cmd_dev_parts_set_data *data;
	struct sg_table sgt;
	int ret;

	/* the set command carries the object header before the parts */
	data = kvzalloc(sizeof(*data) + len, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	data->hdr.type = cpu_to_le16(VIRTIO_RESOURCE_OBJ_DEV_PARTS);
	data->hdr.id = cpu_to_le32(id);
	memcpy(data->parts, buf, len);
	ret = vfmig_buf_to_sgt(&sgt, data, sizeof(*data) + len);
	if (!ret) {
		ret = virtio_pci_admin_dev_parts_set(vf, sgt.sgl);
		sg_free_table(&sgt);
	}
	kvfree(data);
	return ret;
}
#endif

#if VFMIG_HAVE_ADMIN_LEGACY_IO || VFMIG_HAVE_ADMIN_DEV_PARTS
static const struct vfmig_admin_ops vfmig_virtio_ops = {
	.dev_type = vfmig_virtio_dev_type,
#if VFMIG_HAVE_ADMIN_LEGACY_IO
	.has_legacy_io = vfmig_virtio_has_legacy,
	.legacy_common_write = vfmig_virtio_lc_write,
	.legacy_common_read = vfmig_virtio_lc_read,
	.legacy_dev_write = vfmig_virtio_ld_write,
	.legacy_dev_read = vfmig_virtio_ld_read,
	.legacy_notify = vfmig_virtio_notify,
#endif
#if VFMIG_HAVE_ADMIN_DEV_PARTS
	.has_dev_parts = vfmig_virtio_has_parts,
	.mode_set = vfmig_virtio_mode_set,
	.obj_create = vfmig_virtio_obj_create,
	.obj_destroy = vfmig_virtio_obj_destroy,
	.parts_metadata_get = vfmig_virtio_metadata,
	.parts_get = vfmig_virtio_parts_get,
	.parts_set = vfmig_virtio_parts_set,
#endif
};
#endif

int vfmig_transport_find(struct pci_dev *vf, struct vfmig_transport *tr)
{
	struct pci_dev *pf = pci_physfn(vf);
	struct vfmig_provider *p;

	memset(tr, 0, sizeof(*tr));
	mutex_lock(&vfmig_providers_lock);
	p = vf->is_virtfn ? vfmig_provider_lookup(pf) : NULL;
	if (p && try_module_get(p->ops->owner)) {
		p->users++;
		tr->kind = VFMIG_TRANSPORT_SIM;
		tr->ops = p->ops;
		tr->priv = p->priv;
		tr->prov = p;
	}
	mutex_unlock(&vfmig_providers_lock);
	if (tr->kind != VFMIG_TRANSPORT_NONE)
		return 0;

#if VFMIG_HAVE_ADMIN_LEGACY_IO || VFMIG_HAVE_ADMIN_DEV_PARTS
	if (vf->is_virtfn && vf->vendor == PCI_VENDOR_ID_REDHAT_QUMRANET &&
	    ((vfmig_virtio_ops.has_legacy_io &&
	      vfmig_virtio_ops.has_legacy_io(NULL, vf)) ||
	     (vfmig_virtio_ops.has_dev_parts &&
	      vfmig_virtio_ops.has_dev_parts(NULL, vf)))) {
		tr->kind = VFMIG_TRANSPORT_VIRTIO;
		tr->ops = &vfmig_virtio_ops;
	}
#endif
	return 0;
}

void vfmig_transport_put(struct vfmig_transport *tr)
{
	if (tr->kind == VFMIG_TRANSPORT_SIM) {
		mutex_lock(&vfmig_providers_lock);
		tr->prov->users--;
		mutex_unlock(&vfmig_providers_lock);
		module_put(tr->ops->owner);
	}
	memset(tr, 0, sizeof(*tr));
}

static const char * const vfmig_transport_names[VFMIG_TRANSPORT_MAX] = {
	[VFMIG_TRANSPORT_NONE] = "none",
	[VFMIG_TRANSPORT_SIM] = "sim",
	[VFMIG_TRANSPORT_VIRTIO] = "virtio",
};

const char *vfmig_transport_kind_to_string(int k)
{
	if (k < 0 || k >= VFMIG_TRANSPORT_MAX)
		return "invalid";
	return vfmig_transport_names[k];
}

static void vfmig_count(struct vfmig_vf *vf)
{
	atomic64_inc(&vf->admin_cmds);
	if (READ_ONCE(vf->stopped))
		atomic64_inc(&vf->admin_cmds_stopped);
}

/*
 * A provider reports an admin status error as -status, and a status is a
 * u16: anything outside 0 and -1..-MAX_ERRNO would travel on as a bogus
 * pointer (ERR_PTR of the state machine) or a byte count, so it becomes
 * -EIO here, logged once per VF.
 */
static int vfmig_admin_result(struct vfmig_vf *vf, int ret)
{
	if (ret <= 0 && ret >= -MAX_ERRNO)
		return ret;
	dev_warn_once(&vfmig_pdev(vf)->dev,
		      "admin command returned status %d outside the errno range, using %d\n",
		      ret, -EIO);
	return -EIO;
}

/*
 * EAGAIN from the device means "busy, ask again": retry a few times
 * before giving up, so a transient condition does not fail a migration.
 */
#define VFMIG_ADMIN_CALL(vf, fn, ...)					\
({									\
	int ret_ = -EOPNOTSUPP, try_;					\
	for (try_ = 0; (vf)->tr.ops && (vf)->tr.ops->fn; try_++) {	\
		vfmig_count(vf);					\
		ret_ = (vf)->tr.ops->fn((vf)->tr.priv, vfmig_pdev(vf),	\
					##__VA_ARGS__);			\
		ret_ = vfmig_admin_result(vf, ret_);			\
		if (ret_ != -EAGAIN || try_ >= VFMIG_EAGAIN_RETRIES)	\
			break;						\
		msleep(VFMIG_EAGAIN_DELAY_MS);				\
	}								\
	ret_;								\
})

int vfmig_admin_mode_set(struct vfmig_vf *vf, bool stop)
{
	return VFMIG_ADMIN_CALL(vf, mode_set,
				stop ? BIT(VFMIG_MODE_F_STOPPED) : 0);
}

int vfmig_admin_obj_create(struct vfmig_vf *vf, u8 op_type, u32 *id)
{
	return VFMIG_ADMIN_CALL(vf, obj_create, VFMIG_OBJ_DEV_PARTS,
				op_type, id);
}

int vfmig_admin_obj_destroy(struct vfmig_vf *vf, u32 id)
{
	return VFMIG_ADMIN_CALL(vf, obj_destroy, VFMIG_OBJ_DEV_PARTS,
				id);
}

int vfmig_admin_parts_size(struct vfmig_vf *vf, u32 id, u32 *size)
{
	return VFMIG_ADMIN_CALL(vf, parts_metadata_get,
				VFMIG_OBJ_DEV_PARTS, id, VFMIG_META_SIZE, size);
}

int vfmig_admin_parts_get(struct vfmig_vf *vf, u32 id, void *buf, u32 cap,
			  u32 *res)
{
	return VFMIG_ADMIN_CALL(vf, parts_get, VFMIG_OBJ_DEV_PARTS, id,
				VFMIG_PARTS_GET_ALL, buf, cap, res);
}

int vfmig_admin_parts_set(struct vfmig_vf *vf, u32 id, const void *buf,
			  u32 len)
{
	return VFMIG_ADMIN_CALL(vf, parts_set, id, buf, len);
}

int vfmig_admin_legacy_rw(struct vfmig_vf *vf, bool device, bool write,
			  u8 offset, u8 size, u8 *buf)
{
	if (device && write)
		return VFMIG_ADMIN_CALL(vf, legacy_dev_write, offset, size, buf);
	if (device)
		return VFMIG_ADMIN_CALL(vf, legacy_dev_read, offset, size, buf);
	if (write)
		return VFMIG_ADMIN_CALL(vf, legacy_common_write, offset, size,
					buf);
	return VFMIG_ADMIN_CALL(vf, legacy_common_read, offset, size, buf);
}

int vfmig_admin_legacy_notify(struct vfmig_vf *vf, u16 queue)
{
	return VFMIG_ADMIN_CALL(vf, legacy_notify, queue);
}
