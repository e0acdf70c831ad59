/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "agent.h"

/* The life of vfmigd between option parsing and exit. */
typedef struct {
        const char *config_path;
        const char *sysfs_dir;     /* the sysfs mount, "/sys" */
        const char *state_dir;
        const char *bus_address;   /* NULL: the system bus */
        gboolean no_libvirt;
        const char *libvirt_uri;   /* NULL: "qemu:///system" */
} DaemonOptions;

#define DAEMON_DEFAULT_LIBVIRT_URI "qemu:///system"

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

/*
 * The agent's libvirt integration (daemon-libvirt.c): a LibvirtMonitor
 * whose events drive agent_domain_event(), publishing profiles into the
 * live domain XML and reconciling on every (re)connection. changed runs
 * on every connection and disconnection.
 */
typedef struct DaemonLibvirt DaemonLibvirt;
typedef void (*DaemonLibvirtFunc)(gboolean connected, gpointer user_data);
DaemonLibvirt *daemon_libvirt_new(Agent *agent, const char *uri,
                                  DaemonLibvirtFunc changed, gpointer user_data);
void daemon_libvirt_free(DaemonLibvirt *dl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DaemonLibvirt, daemon_libvirt_free)
gboolean daemon_libvirt_is_connected(const DaemonLibvirt *dl);
