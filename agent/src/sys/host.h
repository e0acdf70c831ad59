/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * Every read and write of sysfs goes through here, under a root prefix
 * ("/" on a real host, a generated tree in tests). Paths are relative to
 * the root, e.g. "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs".
 *
 * Writes that the kernel acts on asynchronously elsewhere (udev, the fake
 * kernel in tests) are followed by a bounded wait for the effect, so
 * callers see the settled result or a timeout error naming the device.
 */
typedef struct Host Host;

Host *host_new(const char *root);     /* "/" for the real host */
void host_free(Host *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Host, host_free)

/* Called at every poll of a bounded wait for the kernel, so that a daemon
 * whose loop is blocked meanwhile can still tell its service manager it is
 * alive (WATCHDOG=1). */
typedef void (*HostWaitFunc)(gpointer user_data);
void host_set_wait_func(Host *host, HostWaitFunc func, gpointer user_data);

const char *host_root(const Host *host);
/* "<root>/sys/bus/pci": libpci's sysfs.path. Owned by host. */
const char *host_pci_sysfs_path(const Host *host);
char *host_path(const Host *host, const char *relative);

/* Attribute of a PCI device, trailing newline stripped. */
gboolean host_read_device_attr(Host *host, const char *address,
                               const char *attr, char **value, GError **error);
gboolean host_write_device_attr(Host *host, const char *address,
                                const char *attr, const char *value,
                                GError **error);
/* An unsigned decimal attribute (sriov_numvfs, ...). */
gboolean host_read_device_uint(Host *host, const char *address,
                               const char *attr, guint *value, GError **error);
/* Name of the bound driver, or NULL (no error) when none is bound. */
gboolean host_get_driver(Host *host, const char *address, char **driver,
                         GError **error);
/* The device's iommu_group number, or -1. */
int host_get_iommu_group(Host *host, const char *address);
gboolean host_driver_exists(Host *host, const char *driver);

/* Writes sriov_numvfs (through 0 when changing between two non-zero counts). */
gboolean host_set_num_vfs(Host *host, const char *pf, guint num_vfs,
                          GError **error);
/* driver_override + unbind from the current driver + drivers_probe, then
 * checks that driver is bound. */
gboolean host_bind(Host *host, const char *vf, const char *driver,
                   GError **error);
/* Unbinds from the current driver (if any) and clears driver_override. */
gboolean host_unbind(Host *host, const char *vf, GError **error);
/* Function reset (the kernel's pci_reset_function) through the device's
 * reset attribute. The kernel shows that attribute only for a device it
 * can reset: without it, FALSE with VFMIG_ERROR_FAILED naming the device
 * (the caller decides what that means). A reset the kernel refuses
 * (-ENOTTY, ...) is VFMIG_ERROR_IO. No wait for an effect: the kernel
 * resets before write() returns, and nothing in sysfs shows it. */
gboolean host_reset_device(Host *host, const char *address, GError **error);
