/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "pci-address.h"
#include "vfmig-error.h"

/* Exactly n hex digits at s; returns the value or -1. */
static int parse_hex_exact(const char *s, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                int d = g_ascii_xdigit_value(s[i]);
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        return v;
}

static gboolean parse_address(const char *in, int *domain, int *bus, int *slot,
                              int *func)
{
        size_t len = strlen(in);
        const char *p = in;

        /* "dddd:bb:ss.f" (12) or the short "bb:ss.f" (7); nothing else, so
         * that a typo is an error rather than some other device. */
        if (len == 12) {
                *domain = parse_hex_exact(p, 4);
                if (*domain < 0 || p[4] != ':')
                        return FALSE;
                p += 5;
        } else if (len == 7) {
                *domain = 0;
        } else {
                return FALSE;
        }
        *bus = parse_hex_exact(p, 2);
        if (*bus < 0 || p[2] != ':')
                return FALSE;
        *slot = parse_hex_exact(p + 3, 2);
        if (*slot < 0 || p[5] != '.')
                return FALSE;
        *func = g_ascii_digit_value(p[6]);
        /* Device numbers are 5 bits, functions 3 bits (ARI folds the device
         * into the function, but sysfs still prints it this way). */
        if (*slot > 0x1f || *func < 0 || *func > 7)
                return FALSE;
        return TRUE;
}

gboolean pci_address_normalize(const char *in, char out[static PCI_ADDRESS_STRLEN],
                               GError **error)
{
        int domain, bus, slot, func;

        if (!in || !parse_address(in, &domain, &bus, &slot, &func)) {
                g_autofree char *shown = in ? g_strescape(in, NULL) : NULL;
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "'%s' is not a PCI address (expected dddd:bb:ss.f)",
                            shown ? shown : "(null)");
                return FALSE;
        }
        g_snprintf(out, PCI_ADDRESS_STRLEN, "%04x:%02x:%02x.%d",
                   domain, bus, slot, func);
        return TRUE;
}

gboolean pci_address_is_valid(const char *s)
{
        char canon[PCI_ADDRESS_STRLEN];

        return s && pci_address_normalize(s, canon, NULL);
}
