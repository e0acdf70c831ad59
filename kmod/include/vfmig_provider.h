/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Admin transport provider API of vfmig_virtio_pci. A module that owns a
 * PF (a vendor PF driver, or the test simulator vfmig_sim) registers one
 * ops table for it; the variant driver then sends the virtio admin
 * commands of that PF's VFs through it. The calls mirror the kernel's
 * virtio_pci_admin_*() helpers, with plain buffers instead of scatterlists.
 * Errors are -errno; an admin status error is -status (as the kernel
 * transport returns it).
 */
#ifndef VFMIG_PROVIDER_H
#define VFMIG_PROVIDER_H

#include <linux/types.h>

struct pci_dev;
struct module;

/*
 * Values of the virtio admin commands (virtio spec, device parts); the
 * uapi header only has them since 6.13.
 */
#define VFMIG_OBJ_DEV_PARTS		0
#define VFMIG_OBJ_PARTS_GET		0	/* resource object operation type */
#define VFMIG_OBJ_PARTS_SET		1
#define VFMIG_META_SIZE			0
#define VFMIG_META_COUNT		1
#define VFMIG_META_LIST			2
#define VFMIG_PARTS_GET_SELECTED	0
#define VFMIG_PARTS_GET_ALL		1
#define VFMIG_MODE_F_STOPPED		0

#define VFMIG_ADMIN_STATUS_OK		0
#define VFMIG_ADMIN_STATUS_EAGAIN	11
#define VFMIG_ADMIN_STATUS_ENOMEM	12
#define VFMIG_ADMIN_STATUS_EINVAL	22

#define VFMIG_ADMIN_Q_OK		0
#define VFMIG_ADMIN_Q_INVALID_COMMAND	1
#define VFMIG_ADMIN_Q_INVALID_OPCODE	2
#define VFMIG_ADMIN_Q_INVALID_FIELD	3
#define VFMIG_ADMIN_Q_INVALID_GROUP	4
#define VFMIG_ADMIN_Q_INVALID_MEM	5
#define VFMIG_ADMIN_Q_NORESOURCE	6
#define VFMIG_ADMIN_Q_TRYAGAIN		7

struct vfmig_admin_ops {
	struct module *owner;
	/* virtio device ID of the member (1 net, 2 blk), or -errno */
	int (*dev_type)(void *priv, struct pci_dev *vf);
	bool (*has_legacy_io)(void *priv, struct pci_dev *vf);
	bool (*has_dev_parts)(void *priv, struct pci_dev *vf);

	int (*legacy_common_write)(void *priv, struct pci_dev *vf, u8 offset,
				   u8 size, u8 *buf);
	int (*legacy_common_read)(void *priv, struct pci_dev *vf, u8 offset,
				  u8 size, u8 *buf);
	int (*legacy_dev_write)(void *priv, struct pci_dev *vf, u8 offset,
				u8 size, u8 *buf);
	int (*legacy_dev_read)(void *priv, struct pci_dev *vf, u8 offset,
			       u8 size, u8 *buf);
	/* write of @queue to the member's notify area */
	int (*legacy_notify)(void *priv, struct pci_dev *vf, u16 queue);

	/* @flags: bit VIRTIO_ADMIN_CMD_DEV_MODE_F_STOPPED (0) */
	int (*mode_set)(void *priv, struct pci_dev *vf, u8 flags);
	int (*obj_create)(void *priv, struct pci_dev *vf, u16 obj_type,
			  u8 operation_type, u32 *obj_id);
	int (*obj_destroy)(void *priv, struct pci_dev *vf, u16 obj_type,
			   u32 id);
	int (*parts_metadata_get)(void *priv, struct pci_dev *vf, u16 obj_type,
				  u32 id, u8 metadata_type, u32 *out);
	/* fills @buf (capacity @cap) with the parts, *res_size = bytes */
	int (*parts_get)(void *priv, struct pci_dev *vf, u16 obj_type, u32 id,
			 u8 get_type, void *buf, u32 cap, u32 *res_size);
	/* @buf: list of parts (no command header), @len bytes */
	int (*parts_set)(void *priv, struct pci_dev *vf, u32 id,
			 const void *buf, u32 len);
};

/*
 * Registers @ops for @pf. -EEXIST if @pf already has a provider. VFs bound
 * after this call use it; the provider's module is pinned while they do.
 */
int vfmig_register_provider(struct pci_dev *pf,
			    const struct vfmig_admin_ops *ops, void *priv);
/* -EBUSY while a bound VF uses it, -ENOENT if not registered. */
int vfmig_unregister_provider(struct pci_dev *pf);

#endif /* VFMIG_PROVIDER_H */
