/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/* The life of vfmigd between option parsing and exit. */
typedef struct {
        const char *config_path;
        const char *sysfs_dir;     /* the sysfs mount, "/sys" */
        const char *state_dir;
        const char *bus_address;   /* NULL: the system bus */
        gboolean no_libvirt;
} DaemonOptions;

/* Runs until SIGTERM/SIGINT (returns 0) or a fatal error (logged, 1). */
int daemon_run(const DaemonOptions *opts);

/* Host root for a sysfs directory: "/sys" -> "/", "/tmp/t/sys" -> "/tmp/t".
 * The directory must be called "sys": the host layer builds "sys/..." paths. */
char *daemon_host_root_for_sysfs(const char *sysfs_dir, GError **error);

/* Log writer: stderr, or the journal when stderr is connected to it. */
void daemon_log_setup(gboolean debug);

typedef struct DeviceMonitor DeviceMonitor;
typedef void (*DeviceMonitorFunc)(gpointer user_data);
/* Watches udev's PCI events; NULL (with error) where udev is not running
 * or the monitor cannot start. */
DeviceMonitor *device_monitor_new(DeviceMonitorFunc func, gpointer user_data,
                                  GError **error);
void device_monitor_free(DeviceMonitor *mon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DeviceMonitor, device_monitor_free)
