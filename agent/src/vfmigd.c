/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfmigd: options, then daemon_run(). See vfmigd(8). */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "vfmig-build-config.h"

int main(int argc, char **argv)
{
        g_autofree char *config = NULL;
        g_autofree char *sysfs = NULL;
        g_autofree char *state = NULL;
        g_autofree char *bus_address = NULL;
        g_autofree char *libvirt_uri = NULL;
        gboolean no_libvirt = FALSE, version = FALSE, debug = FALSE;
        g_autoptr(GError) error = NULL;
        g_autoptr(GOptionContext) ctx = NULL;
        GOptionEntry entries[] = {
                { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
                  "Configuration file (default " VFMIG_CONFIG_FILE "; missing = defaults)", "FILE" },
                { "sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &sysfs,
                  "The sysfs tree to manage, also used by libpci (default /sys)", "DIR" },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state,
                  "Directory of the pool journal (default " VFMIG_STATE_DIR ")", "DIR" },
                { "bus-address", 0, 0, G_OPTION_ARG_STRING, &bus_address,
                  "D-Bus address to serve on (default: the system bus)", "ADDRESS" },
                { "libvirt-uri", 0, 0, G_OPTION_ARG_STRING, &libvirt_uri,
                  "libvirt connection to monitor (default " DAEMON_DEFAULT_LIBVIRT_URI ")", "URI" },
                { "no-libvirt", 0, 0, G_OPTION_ARG_NONE, &no_libvirt,
                  "Do not connect to libvirt", NULL },
                { "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, "Log debug messages", NULL },
                { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
                { NULL },
        };

        ctx = g_option_context_new("- VF inventory, pool and migration agent");
        g_option_context_set_summary(ctx,
                                     "Serves org.vfmig.Agent1 on D-Bus: virtio SR-IOV PFs and VFs, their\n"
                                     "provisioning and the pool of VFs handed to VMs.");
        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                fprintf(stderr, "vfmigd: %s (see --help)\n", error->message);
                return 2;
        }
        if (argc > 1) {
                fprintf(stderr, "vfmigd: unexpected argument '%s' (see --help)\n", argv[1]);
                return 2;
        }
        if (no_libvirt && libvirt_uri) {
                fprintf(stderr, "vfmigd: --libvirt-uri and --no-libvirt contradict each other\n");
                return 2;
        }
        if (version) {
                printf("vfmigd %s\n", VFMIG_VERSION);
                return 0;
        }

        daemon_log_setup(debug);
        DaemonOptions opts = {
                .config_path = config ? config : VFMIG_CONFIG_FILE,
                .sysfs_dir = sysfs ? sysfs : "/sys",
                .state_dir = state ? state : VFMIG_STATE_DIR,
                .bus_address = bus_address,
                .no_libvirt = no_libvirt,
                .libvirt_uri = libvirt_uri,
        };
        return daemon_run(&opts) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
