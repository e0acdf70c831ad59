/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfmigd's life: the agent, the bus connection and its name, sd_notify
 * (READY, STATUS, WATCHDOG), periodic reconciliation, udev-triggered
 * rescans, the libvirt monitor (daemon-libvirt.c), and a clean exit on
 * SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "bus/bus-source.h"
#include "bus/bus.h"
#include "daemon.h"

typedef struct {
        GMainLoop *loop;
        Agent *agent;
        sd_bus *bus;
        BusService *service;
        DeviceMonitor *monitor;
        gboolean leases_held;     /* logged once per disconnection */
        DaemonLibvirt *libvirt;    /* NULL with --no-libvirt */
        guint rescan_id;
        int exit_code;
        guint64 watchdog_usec;  /* 0: no watchdog */
        gint64 last_alive;      /* monotonic time of the last keep-alive */
        gboolean ready;
} Daemon;

/* Start-up may take this much longer each time we say we are still busy. */
#define START_EXTEND_USEC (30 * G_USEC_PER_SEC)

char *daemon_host_root_for_sysfs(const char *sysfs_dir, GError **error)
{
        g_autofree char *dir = g_canonicalize_filename(sysfs_dir, NULL);
        g_autofree char *base = g_path_get_basename(dir);

        if (strcmp(base, "sys") != 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "--sysfs-root %s: the sysfs directory must be named 'sys' (e.g. /sys, or /tmp/fakehost/sys)",
                            sysfs_dir);
                return NULL;
        }
        return g_path_get_dirname(dir);
}

static void notify_status(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void notify_status(const char *fmt, ...)
{
        g_autofree char *status = NULL;
        va_list ap;

        va_start(ap, fmt);
        status = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        (void) sd_notifyf(0, "STATUS=%s", status);
}

static void status_summary(Daemon *d)
{
        const Inventory *inv = agent_get_inventory(d->agent);
        g_autoptr(GPtrArray) entries = pool_entries(agent_get_pool(d->agent));

        notify_status("Managing %u PFs, %u VFs, %u in the pool%s", inv->pfs->len,
                      g_hash_table_size(inv->vf_by_address), entries->len,
                      !d->libvirt ? "" :
                      daemon_libvirt_is_connected(d->libvirt) ? "; libvirt connected" :
                      "; libvirt not connected");
}

static void log_lines(const char *what, GPtrArray *lines)
{
        for (guint i = 0; lines && i < lines->len; i++)
                g_message("%s: %s", what, (const char *) lines->pdata[i]);
}

static void reconcile(Daemon *d, const char *why)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) findings = NULL;
        guint expired;

        if (!agent_rescan(d->agent, &findings, &error))
                g_warning("Failed to rescan (%s), continuing: %s", why, error->message);
        log_lines(why, findings);
        /* While libvirt cannot be asked, a reservation whose migration did
         * arrive looks just like one whose migration never came: freeing
         * it could take the VF from under a running QEMU. Leases wait for
         * the next connection, whose reconciliation claims what runs. */
        if (d->libvirt && !daemon_libvirt_is_connected(d->libvirt)) {
                if (!d->leases_held)
                        g_message("%s: not connected to libvirt; reservation leases are held until it is",
                                  why);
                d->leases_held = TRUE;
        } else {
                d->leases_held = FALSE;
                expired = agent_expire_leases(d->agent);
                if (expired > 0)
                        g_message("%s: released %u expired reservation(s)", why, expired);
        }
        status_summary(d);
}

static gboolean on_reconcile_timer(gpointer user_data)
{
        reconcile(user_data, "periodic reconciliation");
        return G_SOURCE_CONTINUE;
}

static gboolean on_rescan_deferred(gpointer user_data)
{
        Daemon *d = user_data;

        d->rescan_id = 0;
        reconcile(d, "udev event");
        return G_SOURCE_REMOVE;
}

/* A numvfs change produces one event per VF: coalesce them. */
static void on_device_event(gpointer user_data)
{
        Daemon *d = user_data;

        if (!d->rescan_id)
                d->rescan_id = g_timeout_add(200, on_rescan_deferred, d);
}

/*
 * Tells the service manager we are alive: WATCHDOG=1 once ready, before
 * that more start-up time. Rate-limited, so it can be called from every
 * poll of a long sysfs wait, while the main loop (and so the watchdog
 * timer) is blocked.
 */
static void keep_alive(gpointer user_data)
{
        Daemon *d = user_data;
        gint64 now = g_get_monotonic_time();
        gint64 every = d->ready ? (gint64) d->watchdog_usec / 2 : START_EXTEND_USEC / 3;

        if (d->ready && d->watchdog_usec == 0)
                return;
        if (d->last_alive && now - d->last_alive < every)
                return;
        d->last_alive = now;
        if (d->ready)
                (void) sd_notify(0, "WATCHDOG=1");
        else
                (void) sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%" G_GINT64_FORMAT,
                                  (gint64) START_EXTEND_USEC);
}

static gboolean on_watchdog(gpointer user_data)
{
        keep_alive(user_data);
        return G_SOURCE_CONTINUE;
}

/* SIGHUP (systemctl reload): re-read the config and converge to it. */
static gboolean on_reload(gpointer user_data)
{
        Daemon *d = user_data;
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;

        (void) sd_notify(0, "RELOADING=1");
        if (!agent_reload_config(d->agent, &error) ||
            !agent_apply(d->agent, &changes, &error))
                g_warning("Reload failed, keeping the running configuration: %s",
                          error->message);
        else
                log_lines("Reload", changes);
        (void) sd_notify(0, "READY=1");
        return G_SOURCE_CONTINUE;
}

static void on_libvirt_changed(gboolean connected, gpointer user_data)
{
        status_summary(user_data);
}

static gboolean on_signal(gpointer user_data)
{
        Daemon *d = user_data;

        g_message("Received a termination signal, exiting");
        g_main_loop_quit(d->loop);
        return G_SOURCE_CONTINUE;
}

static void on_bus_error(int error, gpointer user_data)
{
        Daemon *d = user_data;

        g_critical("Lost the bus connection: %s", g_strerror(-error));
        d->exit_code = 1;
        g_main_loop_quit(d->loop);
}

static int connect_bus(const char *address, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        if (!address)
                return sd_bus_open_system_with_description(ret, "vfmigd");

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_description(bus, "vfmigd");
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

static gboolean own_bus_name(sd_bus *bus)
{
        int r = sd_bus_request_name(bus, VFMIG_BUS_NAME, 0);

        if (r >= 0)
                return TRUE;
        if (r == -EEXIST)
                g_critical("The bus name %s is already taken: is another vfmigd running?",
                           VFMIG_BUS_NAME);
        else if (r == -EACCES || r == -EPERM)
                g_critical("Not allowed to own the bus name %s (check the bus policy %s.conf): %s",
                           VFMIG_BUS_NAME, VFMIG_BUS_NAME, g_strerror(-r));
        else
                g_critical("Failed to request the bus name %s: %s", VFMIG_BUS_NAME,
                           g_strerror(-r));
        return FALSE;
}

static gboolean start(Daemon *d, const DaemonOptions *opts)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        g_autofree char *root = NULL;
        const GPtrArray *report;
        GSource *source;
        uint64_t watchdog_usec = 0;
        int r;

        root = daemon_host_root_for_sysfs(opts->sysfs_dir, &error);
        if (!root) {
                g_critical("%s", error->message);
                return FALSE;
        }

        /* Own the name before touching anything: a second vfmigd must
         * fail here, not after it has applied its config to the host.
         * Calls that arrive meanwhile wait in the socket until the loop runs. */
        r = connect_bus(opts->bus_address, &d->bus);
        if (r < 0) {
                g_critical("Failed to connect to %s: %s",
                           opts->bus_address ? opts->bus_address : "the system bus",
                           g_strerror(-r));
                return FALSE;
        }
        if (!own_bus_name(d->bus))
                return FALSE;

        notify_status("Loading the pool and scanning PCI devices");
        AgentOptions ao = {
                .sysfs_root = root,
                .state_dir = opts->state_dir,
                .config_path = opts->config_path,
        };
        d->agent = agent_new(&ao, &error);
        if (!d->agent) {
                g_critical("Failed to start: %s", error->message);
                return FALSE;
        }
        host_set_wait_func(agent_get_host(d->agent), keep_alive, d);

        /* Converge to the config before anyone's call is served. */
        if (!agent_apply(d->agent, &changes, &error)) {
                g_autofree char *line = g_strdup_printf("Applying the configuration failed: %s",
                                                        error->message);
                agent_add_startup_report(d->agent, line);
                g_clear_error(&error);
        }
        for (guint i = 0; changes && i < changes->len; i++) {
                g_autofree char *line = g_strdup_printf("Applied: %s",
                                                        (const char *) changes->pdata[i]);
                agent_add_startup_report(d->agent, line);
        }
        report = agent_get_startup_report(d->agent);
        for (guint i = 0; i < report->len; i++)
                g_warning("Start-up: %s", (const char *) report->pdata[i]);

        d->service = bus_service_new(d->bus, d->agent, &error);
        if (!d->service) {
                g_critical("%s", error->message);
                return FALSE;
        }

        source = bus_source_new(d->bus, on_bus_error, d);
        g_source_attach(source, NULL);
        g_source_unref(source);

        g_unix_signal_add(SIGTERM, on_signal, d);
        g_unix_signal_add(SIGINT, on_signal, d);
        g_unix_signal_add(SIGHUP, on_reload, d);

        if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
                d->watchdog_usec = watchdog_usec;
                g_timeout_add(MAX(watchdog_usec / 2000, 1), on_watchdog, d);
        }

        guint interval = agent_get_config(d->agent)->reconcile_interval_sec;
        if (interval > 0)
                g_timeout_add_seconds(interval, on_reconcile_timer, d);

        /* Asynchronous: a libvirtd that is not (yet) there is retried
         * with backoff and does not hold up the start. */
        if (opts->no_libvirt)
                g_message("libvirt integration disabled (--no-libvirt)");
        else
                d->libvirt = daemon_libvirt_new(d->agent,
                                                opts->libvirt_uri ? opts->libvirt_uri
                                                                  : DAEMON_DEFAULT_LIBVIRT_URI,
                                                on_libvirt_changed, d);

        d->monitor = device_monitor_new(on_device_event, d, &error);
        if (!d->monitor) {
                g_message("udev monitoring unavailable (%s); relying on reconciliation every %u s",
                          error->message, interval);
                g_clear_error(&error);
        }

        const Inventory *inv = agent_get_inventory(d->agent);
        g_message("Ready: %u PFs, %u VFs under %s, bus name %s", inv->pfs->len,
                  g_hash_table_size(inv->vf_by_address), opts->sysfs_dir, VFMIG_BUS_NAME);
        (void) sd_notify(0, "READY=1");
        d->ready = TRUE;
        d->last_alive = 0;
        status_summary(d);
        return TRUE;
}

int daemon_run(const DaemonOptions *opts)
{
        Daemon d = { .exit_code = 0 };

        d.loop = g_main_loop_new(NULL, FALSE);
        if (start(&d, opts))
                g_main_loop_run(d.loop);
        else
                d.exit_code = 1;

        (void) sd_notify(0, "STOPPING=1");
        if (d.rescan_id)
                g_source_remove(d.rescan_id);
        device_monitor_free(d.monitor);
        if (d.libvirt) {
                daemon_libvirt_free(d.libvirt);
                /* libvirt's removed watches and timers free their data from
                 * idle sources: let them run while the rest still lives. */
                for (int i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++)
                        ;
        }
        bus_service_free(d.service);
        if (d.bus) {
                (void) sd_bus_flush(d.bus);
                sd_bus_close(d.bus);
                sd_bus_unref(d.bus);
        }
        agent_free(d.agent);
        g_main_loop_unref(d.loop);
        return d.exit_code;
}
