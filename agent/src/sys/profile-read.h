/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "core/device.h"
#include "core/profile.h"
#include "host.h"

/*
 * The profile of one VF as the host shows it now (docs/profile.md):
 *  - bound to vfmig_virtio_pci: from the driver's sysfs profile
 *    <VF>/vfmig/ (docs/kmod-interface.md §3), source "variant";
 *  - otherwise from PCI identity only, source "pci": type from the IDs,
 *    features, stream version and migration flags 0 (unknown).
 * The PCI identity (VF and PF vendor/device/subsystem) comes from vf and pf
 * (the last scan); the bound driver is read afresh, since it decides where
 * the rest comes from. Errors name the VF and the attribute.
 */
VfProfile *profile_read(Host *host, const Vf *vf, const Pf *pf, GError **error);
