// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-VF sysfs attributes: the migration profile the agent reads and the
 * counters (docs/kmod-interface.md §3), in the "vfmig" group of the device.
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "vfmig_common.h"
#include "core/vfmig_arcs.h"
#include "core/vfmig_parts.h"

static struct vfmig_vf *vfmig_from_dev(struct device *dev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(dev);

	return container_of(core, struct vfmig_vf, core);
}

static ssize_t type_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct vfmig_vf *vf = vfmig_from_dev(dev);

	return sysfs_emit(buf, "%s\n", vf->type == VFMIG_VIRTIO_ID_NET ? "net" :
			  vf->type == VFMIG_VIRTIO_ID_BLOCK ? "blk" : "none");
}
static DEVICE_ATTR_RO(type);

static ssize_t transport_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  vfmig_transport_kind_to_string(vfmig_from_dev(dev)->tr.kind));
}
static DEVICE_ATTR_RO(transport);

static ssize_t features_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", vfmig_from_dev(dev)->features);
}
static DEVICE_ATTR_RO(features);

static ssize_t driver_features_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n",
			  READ_ONCE(vfmig_from_dev(dev)->driver_features));
}
static DEVICE_ATTR_RO(driver_features);

static ssize_t stream_version_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u.%u\n", VFMIG_STREAM_VERSION_MAJOR,
			  VFMIG_STREAM_VERSION_MINOR);
}
static DEVICE_ATTR_RO(stream_version);

static ssize_t migration_flags_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct vfmig_vf *vf = vfmig_from_dev(dev);

	return sysfs_emit(buf, "0x%x\n", vf->migratable ? VFMIG_MIGRATION_ALL : 0);
}
static DEVICE_ATTR_RO(migration_flags);

static ssize_t legacy_io_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", vfmig_from_dev(dev)->legacy_io);
}
static DEVICE_ATTR_RO(legacy_io);

#define VFMIG_COUNTER(name)						\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&vfmig_from_dev(dev)->name));	\
}									\
static DEVICE_ATTR_RO(name)

VFMIG_COUNTER(saves);
VFMIG_COUNTER(restores);
VFMIG_COUNTER(bytes_saved);
VFMIG_COUNTER(bytes_restored);
VFMIG_COUNTER(admin_cmds);
VFMIG_COUNTER(admin_cmds_stopped);

static ssize_t last_error_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vfmig_from_dev(dev)->last_error));
}
static DEVICE_ATTR_RO(last_error);

static struct attribute *vfmig_attrs[] = {
	&dev_attr_type.attr,
	&dev_attr_transport.attr,
	&dev_attr_features.attr,
	&dev_attr_driver_features.attr,
	&dev_attr_stream_version.attr,
	&dev_attr_migration_flags.attr,
	&dev_attr_legacy_io.attr,
	&dev_attr_saves.attr,
	&dev_attr_restores.attr,
	&dev_attr_bytes_saved.attr,
	&dev_attr_bytes_restored.attr,
	&dev_attr_admin_cmds.attr,
	&dev_attr_admin_cmds_stopped.attr,
	&dev_attr_last_error.attr,
	NULL,
};

static const struct attribute_group vfmig_attr_group = {
	.name = "vfmig",
	.attrs = vfmig_attrs,
};

const struct attribute_group *vfmig_dev_groups[] = {
	&vfmig_attr_group,
	NULL,
};
