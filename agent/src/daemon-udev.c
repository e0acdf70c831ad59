/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udev PCI events through sd_device_monitor. The monitor lives on an
 * sd_event loop; that loop's epoll fd is watched from GLib and run
 * without blocking when it is readable.
 */
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <glib-unix.h>

#include "core/vfmig-error.h"
#include "daemon.h"

struct DeviceMonitor {
        sd_event *event;
        sd_device_monitor *monitor;
        guint watch_id;
        DeviceMonitorFunc func;
        gpointer user_data;
};

static int on_device(sd_device_monitor *m, sd_device *device, void *userdata)
{
        DeviceMonitor *mon = userdata;
        const char *sysname = NULL;

        (void) sd_device_get_sysname(device, &sysname);
        g_debug("udev event for PCI device %s", sysname ? sysname : "?");
        mon->func(mon->user_data);
        return 0;
}

static gboolean on_event_fd(gint fd, GIOCondition cond, gpointer user_data)
{
        DeviceMonitor *mon = user_data;

        while (sd_event_run(mon->event, 0) > 0)
                ;
        return G_SOURCE_CONTINUE;
}

DeviceMonitor *device_monitor_new(DeviceMonitorFunc func, gpointer user_data,
                                  GError **error)
{
        g_autoptr(DeviceMonitor) mon = g_new0(DeviceMonitor, 1);
        const char *step;
        int r;

        mon->func = func;
        mon->user_data = user_data;

        step = "create an event loop";
        r = sd_event_new(&mon->event);
        if (r >= 0) {
                step = "create the device monitor";
                r = sd_device_monitor_new(&mon->monitor);
        }
        if (r >= 0) {
                step = "filter on the pci subsystem";
                r = sd_device_monitor_filter_add_match_subsystem_devtype(mon->monitor, "pci", NULL);
        }
        if (r >= 0) {
                step = "attach the monitor";
                r = sd_device_monitor_attach_event(mon->monitor, mon->event);
        }
        if (r >= 0) {
                step = "start the monitor";
                r = sd_device_monitor_start(mon->monitor, on_device, mon);
        }
        if (r < 0) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "Failed to %s: %s", step, g_strerror(-r));
                return NULL;
        }
        mon->watch_id = g_unix_fd_add(sd_event_get_fd(mon->event), G_IO_IN, on_event_fd, mon);
        return g_steal_pointer(&mon);
}

void device_monitor_free(DeviceMonitor *mon)
{
        if (!mon)
                return;
        if (mon->watch_id)
                g_source_remove(mon->watch_id);
        if (mon->monitor)
                sd_device_monitor_unref(mon->monitor);
        sd_event_unref(mon->event);
        g_free(mon);
}
