/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFMIG_COMMON_H
#define VFMIG_COMMON_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/vfio_pci_core.h>

#include "vfmig_conftest.h"
#include "vfmig_kcompat.h"
#include "include/vfmig_provider.h"
#include "core/vfmig_stream.h"

#define VFMIG_DRV_VERSION	"0.1"

enum vfmig_transport_kind {
	VFMIG_TRANSPORT_NONE,
	VFMIG_TRANSPORT_SIM,		/* registered provider */
	VFMIG_TRANSPORT_VIRTIO,		/* kernel virtio_pci_admin_*() */
	VFMIG_TRANSPORT_MAX,
	VFMIG_TRANSPORT_INVALID = -EINVAL,
};

struct vfmig_provider;

struct vfmig_transport {
	enum vfmig_transport_kind kind;
	const struct vfmig_admin_ops *ops;
	void *priv;
	struct vfmig_provider *prov;	/* for the registered kind */
};

struct vfmig_save_file;
struct vfmig_resume_file;

struct vfmig_vf {
	struct vfio_pci_core_device core;	/* must stay first */
	struct vfmig_transport tr;
	u16 type;				/* virtio ID, 0 = none */
	bool migratable;
	bool legacy_io;

	/*
	 * state_mutex serialises migration state changes and protects
	 * mig_state, stopped, saving, resuming and the resource objects.
	 */
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	bool stopped;				/* admin DEV_MODE stopped */
	struct vfmig_save_file *saving;
	struct vfmig_resume_file *resuming;
	/* reset_lock protects deferred_reset (set from the reset handler) */
	spinlock_t reset_lock;
	bool deferred_reset;

	/* profile; written at bind and under state_mutex after save/restore */
	u64 features;
	u64 driver_features;

	/* counters for sysfs */
	atomic64_t saves;
	atomic64_t restores;
	atomic64_t bytes_saved;
	atomic64_t bytes_restored;
	atomic64_t admin_cmds;
	atomic64_t admin_cmds_stopped;
	atomic_t last_error;

	/* legacy BAR0 emulation; legacy_lock protects the fields below */
	struct mutex legacy_lock;
	u32 bar0_reg;				/* emulated BAR0 config register */
};

static inline struct vfmig_vf *vfmig_from_vdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfmig_vf, core.vdev);
}

static inline struct pci_dev *vfmig_pdev(struct vfmig_vf *vf)
{
	return vf->core.pdev;
}

/* vfmig_transport.c */
int vfmig_transport_find(struct pci_dev *vf, struct vfmig_transport *tr);
void vfmig_transport_put(struct vfmig_transport *tr);
const char *vfmig_transport_kind_to_string(int k);
int vfmig_admin_mode_set(struct vfmig_vf *vf, bool stop);
int vfmig_admin_obj_create(struct vfmig_vf *vf, u8 op_type, u32 *id);
int vfmig_admin_obj_destroy(struct vfmig_vf *vf, u32 id);
int vfmig_admin_parts_size(struct vfmig_vf *vf, u32 id, u32 *size);
int vfmig_admin_parts_get(struct vfmig_vf *vf, u32 id, void *buf, u32 cap,
			  u32 *res);
int vfmig_admin_parts_set(struct vfmig_vf *vf, u32 id, const void *buf,
			  u32 len);
int vfmig_admin_legacy_rw(struct vfmig_vf *vf, bool device, bool write,
			  u8 offset, u8 size, u8 *buf);
int vfmig_admin_legacy_notify(struct vfmig_vf *vf, u16 queue);

/* Any failed arc or refused stream; shown in sysfs last_error. */
static inline void vfmig_set_error(struct vfmig_vf *vf, int err)
{
	atomic_set(&vf->last_error, err);
}

/* vfmig_resume.c; all with state_mutex held */
struct file *vfmig_resume_start(struct vfmig_vf *vf);
int vfmig_resume_load(struct vfmig_vf *vf);
void vfmig_resume_put(struct vfmig_vf *vf, int err);

/* vfmig_migrate.c */
extern const struct vfio_migration_ops vfmig_mig_ops;
void vfmig_mig_init(struct vfmig_vf *vf);
int vfmig_mig_open(struct vfmig_vf *vf);
void vfmig_mig_close(struct vfmig_vf *vf);
void vfmig_mig_reset_done(struct vfmig_vf *vf);
int vfmig_read_features(struct vfmig_vf *vf);

/* vfmig_legacy_io.c */
ssize_t vfmig_legacy_rw(struct vfmig_vf *vf, char __user *buf, size_t count,
			loff_t *ppos, bool write);
ssize_t vfmig_legacy_config_rw(struct vfmig_vf *vf, char __user *buf,
			       size_t count, loff_t *ppos, bool write);
int vfmig_legacy_region_info(struct vfmig_vf *vf,
			     struct vfio_region_info *info);

/* vfmig_sysfs.c */
extern const struct attribute_group *vfmig_dev_groups[];

#endif /* VFMIG_COMMON_H */
