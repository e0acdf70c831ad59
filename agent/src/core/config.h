/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * /etc/vfmig/vfmig.conf (GKeyFile), see docs/man/vfmig.conf.5:
 *
 *   [agent]
 *   default-driver=vfmig_virtio_pci      # or vfio-pci
 *   reservation-lease-sec=300
 *   reconcile-interval-sec=30
 *   bind-on-claim=true
 *
 *   [pf 0000:3b:00.0]        # by address
 *   num-vfs=8                # desired; absent = leave as is
 *   driver=vfmig_virtio_pci  # for its VFs; absent = default-driver
 *
 *   [pf 8086:10c9]           # by vendor:device (managed even if not virtio)
 *   num-vfs=4
 *
 * Parsing is pure (text in, struct out). Unknown keys and groups are
 * errors that name the group and key.
 */
typedef struct {
        char *match_address;     /* canonical address, or NULL */
        guint16 match_vendor;    /* with match_device when match_address is NULL */
        guint16 match_device;
        gboolean has_num_vfs;
        guint num_vfs;
        char *driver;            /* NULL: default_driver */
} PfPolicy;

typedef struct {
        char *default_driver;
        guint reservation_lease_sec;
        guint reconcile_interval_sec;
        gboolean bind_on_claim;
        GPtrArray *pf_policies;  /* PfPolicy*, owned, in file order */
} VfmigConfig;

VfmigConfig *vfmig_config_new_default(void);
VfmigConfig *vfmig_config_parse(const char *text, gsize len, GError **error);
void vfmig_config_free(VfmigConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfmigConfig, vfmig_config_free)

/* The policy naming this PF: an address match wins over vendor:device. */
const PfPolicy *vfmig_config_find_policy(const VfmigConfig *cfg,
                                          const char *pf_address,
                                          guint16 vendor, guint16 device);
/* Drivers the agent may bind a VF to: vfmig_virtio_pci, vfio-pci. */
gboolean vfmig_driver_is_allowed(const char *driver);
/* The driver a PF's VFs get: its policy's, else the default. */
const char *vfmig_config_driver_for(const VfmigConfig *cfg, const PfPolicy *p);
