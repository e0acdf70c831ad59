/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "core/vfmig-error.h"
#include "pci-scan.h"

/* SR-IOV extended capability: VF Device ID register (PCIe base spec). */
#define SRIOV_VF_DID_OFFSET 0x1a

/*
 * libpci's error callback must not return (its callers go on as if the
 * read had worked): jump back into pci_protected() instead of letting the
 * default handler exit() the agent when a device vanishes mid-scan.
 */
static __thread sigjmp_buf *scan_jmp;
static __thread char scan_error[256];

static void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN scan_on_error(char *msg, ...)
{
        va_list ap;

        va_start(ap, msg);
        vsnprintf(scan_error, sizeof(scan_error), msg, ap);
        va_end(ap);
        if (scan_jmp)
                siglongjmp(*scan_jmp, 1);
        /* Only reachable if libpci calls back outside pci_scan(). */
        g_error("libpci: %s", scan_error);
}

static void G_GNUC_PRINTF(1, 2) scan_on_warning(char *msg, ...)
{
        g_autofree char *text = NULL;
        va_list ap;

        va_start(ap, msg);
        text = g_strdup_vprintf(msg, ap);
        va_end(ap);
        g_debug("libpci: %s", text);
}

static void format_address(const struct pci_dev *d,
                           char out[static PCI_ADDRESS_STRLEN])
{
        g_snprintf(out, PCI_ADDRESS_STRLEN, "%04x:%02x:%02x.%d",
                   (unsigned) d->domain & 0xffff, d->bus, d->dev, d->func);
}

static gboolean read_hex16(Host *host, const char *addr, const char *attr,
                           guint16 *out)
{
        g_autofree char *v = NULL;
        guint64 n;
        const char *p;

        if (!host_read_device_attr(host, addr, attr, &v, NULL))
                return FALSE;
        p = g_str_has_prefix(v, "0x") ? v + 2 : v;
        if (!g_ascii_string_to_unsigned(p, 16, 0, 0xffff, &n, NULL))
                return FALSE;
        *out = (guint16) n;
        return TRUE;
}

struct find_sriov {
        struct pci_dev *dev;
        int vf_did;
};
static gboolean pci_protected(void (*fn)(void *), void *data, GError **error);
static void do_find_sriov(void *data);

/* The VFs' device ID: sysfs first, else the SR-IOV capability. */
static gboolean pf_vf_device_id(Host *host, struct pci_dev *d,
                                const char *addr, guint16 *out)
{
        struct find_sriov f = { .dev = d, .vf_did = -1 };

        if (read_hex16(host, addr, "sriov_vf_device", out))
                return TRUE;
        /* Kernels before 5.x lack sriov_vf_device: ask the capability. */
        if (!pci_protected(do_find_sriov, &f, NULL) || f.vf_did < 0)
                return FALSE;
        *out = (guint16) f.vf_did;
        return TRUE;
}

static char *read_override(Host *host, const char *addr)
{
        g_autofree char *v = NULL;

        if (!host_read_device_attr(host, addr, "driver_override", &v, NULL))
                return NULL;
        /* The kernel shows "(null)" when no override is set. */
        if (!*v || g_str_equal(v, "(null)"))
                return NULL;
        return g_steal_pointer(&v);
}

static Vf *scan_vf(Host *host, GHashTable *by_addr, const Pf *pf,
                   const char *addr, guint index, GError **error)
{
        g_autoptr(Vf) vf = vf_new();
        struct pci_dev *d = g_hash_table_lookup(by_addr, addr);
        DeviceType t;

        g_strlcpy(vf->address, addr, sizeof(vf->address));
        g_strlcpy(vf->pf_address, pf->address, sizeof(vf->pf_address));
        vf->index = index;
        if (d) {
                vf->vendor_id = d->vendor_id;
                vf->device_id = d->device_id;
                vf->subsystem_vendor_id = d->subsys_vendor_id;
                vf->subsystem_id = d->subsys_id;
        } else if (!read_hex16(host, addr, "vendor", &vf->vendor_id) ||
                   !read_hex16(host, addr, "device", &vf->device_id)) {
                /* Appeared after libpci's scan and gone again. */
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE,
                            "%s: VF %u of %s vanished during the scan", addr,
                            index, pf->address);
                return NULL;
        } else {
                (void) read_hex16(host, addr, "subsystem_vendor",
                                  &vf->subsystem_vendor_id);
                (void) read_hex16(host, addr, "subsystem_device",
                                  &vf->subsystem_id);
        }
        t = device_type_from_ids(vf->vendor_id, vf->device_id);
        vf->type = t >= 0 ? t : DEVICE_TYPE_OTHER;
        if (!host_get_driver(host, addr, &vf->driver, error))
                return NULL;
        vf->driver_override = read_override(host, addr);
        vf->iommu_group = host_get_iommu_group(host, addr);
        return g_steal_pointer(&vf);
}

static gboolean is_vanished(const GError *e)
{
        return g_error_matches(e, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE);
}

/* virtfnN links of the PF, as index -> VF address. */
static gboolean scan_virtfns(Host *host, GHashTable *by_addr, Pf *pf,
                             GError **error)
{
        g_autofree char *rel = g_strdup_printf("sys/bus/pci/devices/%s",
                                               pf->address);
        g_autofree char *dir = host_path(host, rel);
        g_autoptr(GDir) d = NULL;
        const char *name;

        d = g_dir_open(dir, 0, error);
        if (!d) {
                g_prefix_error(error, "%s: ", pf->address);
                return FALSE;
        }
        while ((name = g_dir_read_name(d))) {
                g_autofree char *link = NULL;
                g_autofree char *target = NULL;
                g_autofree char *base = NULL;
                char canon[PCI_ADDRESS_STRLEN];
                g_autoptr(GError) local = NULL;
                guint64 index;
                Vf *vf;

                if (!g_str_has_prefix(name, "virtfn") ||
                    !g_ascii_string_to_unsigned(name + strlen("virtfn"), 10, 0,
                                                G_MAXUINT, &index, NULL))
                        continue;
                link = g_build_filename(dir, name, NULL);
                target = g_file_read_link(link, NULL);
                if (!target)
                        continue;       /* removed while we looked */
                base = g_path_get_basename(target);
                if (!pci_address_normalize(base, canon, NULL))
                        continue;
                vf = scan_vf(host, by_addr, pf, canon, (guint) index, &local);
                if (!vf && is_vanished(local)) {
                        /* Hot-removed while we looked: the VF is gone,
                         * the PF and its other VFs are not. */
                        g_clear_error(&local);
                        continue;
                }
                if (!vf) {
                        g_propagate_error(error, g_steal_pointer(&local));
                        return FALSE;
                }
                g_ptr_array_add(pf->vfs, vf);
        }
        return TRUE;
}

/* NULL with no error: not an SR-IOV PF, or not one we manage. */
static Pf *scan_pf(Host *host, const VfmigConfig *cfg, GHashTable *by_addr,
                   struct pci_dev *d, const char *addr, GError **error)
{
        g_autofree char *rel = g_strdup_printf("sys/bus/pci/devices/%s/sriov_totalvfs",
                                               addr);
        g_autofree char *path = host_path(host, rel);
        g_autoptr(Pf) pf = NULL;
        const PfPolicy *policy;
        guint16 vf_device = 0;
        DeviceType t = _DEVICE_TYPE_INVALID;

        if (!g_file_test(path, G_FILE_TEST_EXISTS))
                return NULL;
        if (pf_vf_device_id(host, d, addr, &vf_device))
                t = device_type_from_ids(d->vendor_id, vf_device);
        policy = vfmig_config_find_policy(cfg, addr, d->vendor_id, d->device_id);
        if (t < 0 && !policy)
                return NULL;

        pf = pf_new();
        g_strlcpy(pf->address, addr, sizeof(pf->address));
        pf->vendor_id = d->vendor_id;
        pf->device_id = d->device_id;
        pf->subsystem_vendor_id = d->subsys_vendor_id;
        pf->subsystem_id = d->subsys_id;
        pf->type = t >= 0 ? t : DEVICE_TYPE_OTHER;
        if (!host_get_driver(host, addr, &pf->driver, error) ||
            !host_read_device_uint(host, addr, "sriov_totalvfs", &pf->total_vfs, error) ||
            !host_read_device_uint(host, addr, "sriov_numvfs", &pf->num_vfs, error) ||
            !scan_virtfns(host, by_addr, pf, error))
                return NULL;
        return g_steal_pointer(&pf);
}

/*
 * Runs fn with libpci errors turned into a GError. Nothing but the jump
 * buffer lives in this frame, so the longjmp leaves no stale locals.
 */
static gboolean pci_protected(void (*fn)(void *), void *data, GError **error)
{
        sigjmp_buf jmp;

        scan_error[0] = '\0';
        if (sigsetjmp(jmp, 0)) {
                scan_jmp = NULL;
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO, "libpci: %s",
                            scan_error);
                return FALSE;
        }
        scan_jmp = &jmp;
        fn(data);
        scan_jmp = NULL;
        return TRUE;
}

static void do_scan(void *data)
{
        struct pci_access *pacc = data;

        pci_init(pacc);
        pci_scan_bus(pacc);
        for (struct pci_dev *d = pacc->devices; d; d = d->next)
                pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS |
                                 PCI_FILL_SUBSYS);
}

static void do_find_sriov(void *data)
{
        struct find_sriov *f = data;
        struct pci_cap *cap;

        cap = pci_find_cap(f->dev, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED);
        f->vf_did = cap ? pci_read_word(f->dev, cap->addr + SRIOV_VF_DID_OFFSET) : -1;
}

static void pci_access_free(struct pci_access *pacc)
{
        if (pacc)
                pci_cleanup(pacc);
}
typedef struct pci_access PciAccess;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PciAccess, pci_access_free)

Inventory *pci_scan(Host *host, const VfmigConfig *cfg, GError **error)
{
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(GHashTable) by_addr = NULL;
        g_autoptr(PciAccess) pacc = NULL;

        pacc = pci_alloc();
        pacc->error = scan_on_error;
        pacc->warning = scan_on_warning;
        pacc->debug = scan_on_warning;
        pacc->method = PCI_ACCESS_SYS_BUS_PCI;
        pci_set_param(pacc, "sysfs.path", (char *) host_pci_sysfs_path(host));
        if (!pci_protected(do_scan, pacc, error)) {
                g_prefix_error(error, "Cannot scan the PCI devices under %s: ",
                               host_pci_sysfs_path(host));
                return NULL;
        }

        by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (struct pci_dev *d = pacc->devices; d; d = d->next) {
                char addr[PCI_ADDRESS_STRLEN];

                format_address(d, addr);
                g_hash_table_insert(by_addr, g_strdup(addr), d);
        }
        for (struct pci_dev *d = pacc->devices; d; d = d->next) {
                g_autoptr(GError) local = NULL;
                char addr[PCI_ADDRESS_STRLEN];
                Pf *pf;

                format_address(d, addr);
                pf = scan_pf(host, cfg, by_addr, d, addr, &local);
                if (pf)
                        inventory_add_pf(inv, pf);
                else if (local && !is_vanished(local)) {
                        g_propagate_error(error, g_steal_pointer(&local));
                        return NULL;
                }
                /* A device hot-removed during the scan is simply not there. */
        }
        return g_steal_pointer(&inv);
}
