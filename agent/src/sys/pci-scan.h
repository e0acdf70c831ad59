/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "core/config.h"
#include "core/device.h"
#include "host.h"

/*
 * Builds the inventory through libpci pointed at host_pci_sysfs_path():
 * every SR-IOV PF whose VFs are virtio-net/blk, plus every PF the config
 * names (by address or vendor:device). Driver, driver_override, SR-IOV
 * counts, virtfnN links and IOMMU groups come from sysfs through host.
 */
Inventory *pci_scan(Host *host, const VfmigConfig *cfg, GError **error);
