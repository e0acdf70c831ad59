/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * PCI addresses are kept as canonical strings "dddd:bb:ss.f" (lower-case
 * hex, 4-digit domain), the form sysfs uses for device names. Parsing
 * accepts only that form (and upper-case hex, and the short "bb:ss.f"
 * which means domain 0000), and normalizes.
 */
#define PCI_ADDRESS_STRLEN sizeof("0000:00:00.0")

gboolean pci_address_normalize(const char *in, char out[static PCI_ADDRESS_STRLEN],
                               GError **error);
/* TRUE if pci_address_normalize() accepts s (any accepted form). */
gboolean pci_address_is_valid(const char *s);
