/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pci-address.h"
#include "core/vfmig-error.h"
#include "host.h"
#include "io-util.h"

/*
 * The real kernel acts on a sysfs write before write() returns; the fake
 * kernel of the tests (inotify) a few milliseconds later. Waiting for the
 * effect covers both, and also a kernel whose probe runs asynchronously.
 */
#define SETTLE_TIMEOUT_USEC (5 * G_USEC_PER_SEC)
#define SETTLE_POLL_USEC 2000
#define ATTR_MAX_SIZE 65536

struct Host {
        char *root;
        char *pci_sysfs_path;
        HostWaitFunc wait_func;
        gpointer wait_data;
};

void host_set_wait_func(Host *host, HostWaitFunc func, gpointer user_data)
{
        host->wait_func = func;
        host->wait_data = user_data;
}

/* One poll interval of a bounded wait for the kernel. */
static void settle_pause(Host *host)
{
        if (host->wait_func)
                host->wait_func(host->wait_data);
        g_usleep(SETTLE_POLL_USEC);
}

Host *host_new(const char *root)
{
        Host *host = g_new0(Host, 1);

        host->root = g_strdup(root && *root ? root : "/");
        host->pci_sysfs_path = g_build_filename(host->root, "sys", "bus",
                                                "pci", NULL);
        return host;
}

void host_free(Host *host)
{
        if (!host)
                return;
        g_free(host->root);
        g_free(host->pci_sysfs_path);
        g_free(host);
}

const char *host_root(const Host *host)
{
        return host->root;
}

const char *host_pci_sysfs_path(const Host *host)
{
        return host->pci_sysfs_path;
}

char *host_path(const Host *host, const char *relative)
{
        return g_build_filename(host->root, relative, NULL);
}

static char *device_path(const Host *host, const char *address,
                         const char *attr)
{
        return g_build_filename(host->pci_sysfs_path, "devices", address,
                                attr, NULL);
}

static int errno_to_vfmig(int e)
{
        switch (e) {
        case ERANGE:
                return VFMIG_ERROR_OUT_OF_RANGE;
        case EBUSY:
                return VFMIG_ERROR_BUSY;
        case ENODEV:
        case ENXIO:
                return VFMIG_ERROR_NO_SUCH_DEVICE;
        default:
                return VFMIG_ERROR_IO;
        }
}

/* Canonical address of an existing device, or an error naming it. */
static gboolean check_device(Host *host, const char *address,
                             char out[static PCI_ADDRESS_STRLEN],
                             GError **error)
{
        g_autofree char *dir = NULL;

        if (!pci_address_normalize(address, out, error))
                return FALSE;
        dir = device_path(host, out, NULL);
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE,
                            "%s: no such PCI device", out);
                return FALSE;
        }
        return TRUE;
}

static gboolean read_file(const char *path, const char *address,
                          const char *attr, char **value, GError **error)
{
        g_autofree char *buf = g_malloc(ATTR_MAX_SIZE + 1);
        gsize len = 0;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;

                g_set_error(error, VFMIG_ERROR,
                            e == ENOENT ? VFMIG_ERROR_NO_SUCH_DEVICE : VFMIG_ERROR_IO,
                            "%s: cannot read %s: %s", address, attr,
                            g_strerror(e));
                return FALSE;
        }
        while (len < ATTR_MAX_SIZE) {
                ssize_t n = read(fd, buf + len, ATTR_MAX_SIZE - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;

                        close(fd);
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                                    "%s: cannot read %s: %s", address, attr,
                                    g_strerror(e));
                        return FALSE;
                }
                if (n == 0)
                        break;
                len += n;
        }
        close(fd);
        buf[len] = '\0';
        while (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        *value = g_steal_pointer(&buf);
        return TRUE;
}

/* 0 or the errno of the failed open/write/close. */
static int write_raw(const char *path, const char *value)
{
        int fd, r;

        /* O_TRUNC: sysfs ignores it, a plain file (the fake tree) needs it. */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return errno;
        r = io_write_all(fd, value, strlen(value));
        if (r < 0) {
                close(fd);
                return -r;
        }
        return close(fd) < 0 ? errno : 0;
}

static gboolean write_file(const char *path, const char *address,
                           const char *attr, const char *value, GError **error)
{
        int e = write_raw(path, value);

        if (e == 0)
                return TRUE;
        g_set_error(error, VFMIG_ERROR, errno_to_vfmig(e),
                    "%s: writing \"%s\" to %s failed: %s", address, value,
                    attr, g_strerror(e));
        return FALSE;
}

/* One file inside the device's directory, never a path out of it. */
static gboolean check_attr(const char *addr, const char *attr, GError **error)
{
        if (attr && *attr && !strchr(attr, '/') && !g_str_equal(attr, ".") &&
            !g_str_equal(attr, ".."))
                return TRUE;
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                    "%s: \"%s\" is not an attribute name", addr,
                    attr ? attr : "");
        return FALSE;
}

gboolean host_read_device_attr(Host *host, const char *address,
                               const char *attr, char **value, GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *path = NULL;

        if (!check_device(host, address, addr, error) ||
            !check_attr(addr, attr, error))
                return FALSE;
        path = device_path(host, addr, attr);
        return read_file(path, addr, attr, value, error);
}

gboolean host_write_device_attr(Host *host, const char *address,
                                const char *attr, const char *value,
                                GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *path = NULL;

        if (!check_device(host, address, addr, error) ||
            !check_attr(addr, attr, error))
                return FALSE;
        path = device_path(host, addr, attr);
        return write_file(path, addr, attr, value, error);
}

/* Basename of a symlink's target, NULL if there is no such link. */
static char *link_basename(const char *path)
{
        g_autofree char *target = g_file_read_link(path, NULL);

        return target ? g_path_get_basename(target) : NULL;
}

gboolean host_get_driver(Host *host, const char *address, char **driver,
                         GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *path = NULL;

        if (!check_device(host, address, addr, error))
                return FALSE;
        path = device_path(host, addr, "driver");
        *driver = link_basename(path);
        return TRUE;
}

int host_get_iommu_group(Host *host, const char *address)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *path = NULL;
        g_autofree char *group = NULL;
        char *end = NULL;
        long n;

        if (!pci_address_normalize(address, addr, NULL))
                return -1;
        path = device_path(host, addr, "iommu_group");
        group = link_basename(path);
        if (!group)
                return -1;
        errno = 0;
        n = strtol(group, &end, 10);
        if (errno || end == group || *end || n < 0 || n > G_MAXINT)
                return -1;
        return (int) n;
}

static gboolean driver_name_is_sane(const char *driver)
{
        return driver && *driver && !strchr(driver, '/') &&
               !g_str_equal(driver, ".") && !g_str_equal(driver, "..") &&
               strlen(driver) < 256;
}

gboolean host_driver_exists(Host *host, const char *driver)
{
        g_autofree char *path = NULL;

        if (!driver_name_is_sane(driver))
                return FALSE;
        path = g_build_filename(host->pci_sysfs_path, "drivers", driver, NULL);
        return g_file_test(path, G_FILE_TEST_IS_DIR);
}

gboolean host_read_device_uint(Host *host, const char *addr, const char *attr,
                               guint *out, GError **error)
{
        g_autofree char *v = NULL;
        guint64 n;

        if (!host_read_device_attr(host, addr, attr, &v, error))
                return FALSE;
        if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT, &n, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                            "%s: %s holds \"%s\", not a number", addr, attr, v);
                return FALSE;
        }
        *out = (guint) n;
        return TRUE;
}

static guint count_virtfn_links(Host *host, const char *pf)
{
        g_autofree char *dir = device_path(host, pf, NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        guint n = 0;

        if (!d)
                return 0;
        while ((name = g_dir_read_name(d)))
                if (g_str_has_prefix(name, "virtfn") &&
                    g_ascii_isdigit(name[strlen("virtfn")]))
                        n++;
        return n;
}

static gboolean num_vfs_settled(Host *host, const char *pf, guint want)
{
        g_autofree char *v = NULL;
        guint64 n;

        if (count_virtfn_links(host, pf) != want)
                return FALSE;
        if (!host_read_device_attr(host, pf, "sriov_numvfs", &v, NULL))
                return FALSE;
        return g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT, &n, NULL) &&
               n == want;
}

static gboolean wait_num_vfs(Host *host, const char *pf, guint want,
                             GError **error)
{
        gint64 deadline = g_get_monotonic_time() + SETTLE_TIMEOUT_USEC;

        for (;;) {
                if (num_vfs_settled(host, pf, want))
                        return TRUE;
                if (g_get_monotonic_time() > deadline)
                        break;
                settle_pause(host);
        }
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                    "%s: the kernel did not set sriov_numvfs to %u within %d s "
                    "(it shows %u VFs; is the PF's driver bound?)",
                    pf, want, (int) (SETTLE_TIMEOUT_USEC / G_USEC_PER_SEC),
                    count_virtfn_links(host, pf));
        return FALSE;
}

gboolean host_set_num_vfs(Host *host, const char *pf, guint num_vfs,
                          GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *total_path = NULL;
        g_autofree char *numvfs_path = NULL;
        g_autofree char *value = NULL;
        guint total, current;
        int e;

        if (!check_device(host, pf, addr, error))
                return FALSE;
        total_path = device_path(host, addr, "sriov_totalvfs");
        if (!g_file_test(total_path, G_FILE_TEST_EXISTS)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_A_PF,
                            "%s is not an SR-IOV physical function", addr);
                return FALSE;
        }
        if (!host_read_device_uint(host, addr, "sriov_totalvfs", &total, error) ||
            !host_read_device_uint(host, addr, "sriov_numvfs", &current, error))
                return FALSE;
        if (num_vfs > total) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_OUT_OF_RANGE,
                            "%s: %u VFs requested, but the PF supports at most %u",
                            addr, num_vfs, total);
                return FALSE;
        }
        if (num_vfs == current)
                return TRUE;
        numvfs_path = device_path(host, addr, "sriov_numvfs");
        /* The kernel refuses to change between two non-zero counts. */
        if (current != 0 && num_vfs != 0) {
                if (!write_file(numvfs_path, addr, "sriov_numvfs", "0", error) ||
                    !wait_num_vfs(host, addr, 0, error))
                        return FALSE;
        }
        value = g_strdup_printf("%u", num_vfs);
        e = write_raw(numvfs_path, value);
        if (e == ENOENT) {
                /* What sriov_numvfs_store() says for a PF without a driver
                 * or whose driver cannot configure SR-IOV. */
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED,
                            "%s: the kernel refused %u VFs: no PF driver that can enable SR-IOV is bound",
                            addr, num_vfs);
                return FALSE;
        }
        if (e != 0) {
                g_set_error(error, VFMIG_ERROR, errno_to_vfmig(e),
                            "%s: writing %u to sriov_numvfs failed: %s", addr,
                            num_vfs, g_strerror(e));
                return FALSE;
        }
        return wait_num_vfs(host, addr, num_vfs, error);
}

/* Waits until the device's driver is want (NULL: none). */
static gboolean wait_driver(Host *host, const char *addr, const char *want,
                            GError **error)
{
        gint64 deadline = g_get_monotonic_time() + SETTLE_TIMEOUT_USEC;
        g_autofree char *link = device_path(host, addr, "driver");
        g_autofree char *cur = NULL;

        for (;;) {
                g_free(cur);
                cur = link_basename(link);
                if (g_strcmp0(cur, want) == 0)
                        return TRUE;
                if (g_get_monotonic_time() > deadline)
                        break;
                settle_pause(host);
        }
        if (want)
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED,
                            "%s: %s did not bind within %d s (bound: %s)",
                            addr, want,
                            (int) (SETTLE_TIMEOUT_USEC / G_USEC_PER_SEC),
                            cur ? cur : "none");
        else
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED,
                            "%s: %s did not unbind within %d s", addr, cur,
                            (int) (SETTLE_TIMEOUT_USEC / G_USEC_PER_SEC));
        return FALSE;
}

static gboolean check_vf(Host *host, const char *address,
                         char out[static PCI_ADDRESS_STRLEN], GError **error)
{
        g_autofree char *physfn = NULL;

        if (!check_device(host, address, out, error))
                return FALSE;
        physfn = device_path(host, out, "physfn");
        if (!g_file_test(physfn, G_FILE_TEST_EXISTS)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_A_VF,
                            "%s is not an SR-IOV virtual function", out);
                return FALSE;
        }
        return TRUE;
}

static gboolean unbind_current(Host *host, const char *addr, GError **error)
{
        g_autofree char *cur = NULL;
        g_autofree char *path = NULL;

        if (!host_get_driver(host, addr, &cur, error))
                return FALSE;
        if (!cur)
                return TRUE;
        path = g_build_filename(host->pci_sysfs_path, "drivers", cur, "unbind",
                                NULL);
        if (!write_file(path, addr, "the unbind file of its driver", addr, error))
                return FALSE;
        return wait_driver(host, addr, NULL, error);
}

static gboolean probe(Host *host, const char *addr, GError **error)
{
        g_autofree char *path = g_build_filename(host->pci_sysfs_path,
                                                 "drivers_probe", NULL);

        return write_file(path, addr, "drivers_probe", addr, error);
}

gboolean host_bind(Host *host, const char *vf, const char *driver,
                   GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *cur = NULL;
        g_autofree char *old_override = NULL;
        g_autoptr(GError) local = NULL;

        if (!check_vf(host, vf, addr, error))
                return FALSE;
        if (!driver_name_is_sane(driver)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "%s: \"%s\" is not a driver name", addr,
                            driver ? driver : "");
                return FALSE;
        }
        if (!host_driver_exists(host, driver)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_DRIVER_NOT_LOADED,
                            "%s: driver %s is not loaded", addr, driver);
                return FALSE;
        }
        if (!host_get_driver(host, addr, &cur, error) ||
            !host_read_device_attr(host, addr, "driver_override",
                                   &old_override, error))
                return FALSE;
        if (g_str_equal(old_override, "(null)") || !*old_override)
                g_clear_pointer(&old_override, g_free);
        if (g_strcmp0(cur, driver) == 0 && g_strcmp0(old_override, driver) == 0)
                return TRUE;

        /* The override makes the probe pick this driver and no other, also
         * one whose ID table does not list the device (vfio-pci). */
        if (!host_write_device_attr(host, addr, "driver_override", driver, error))
                return FALSE;
        if (g_strcmp0(cur, driver) == 0)
                return TRUE;
        if (unbind_current(host, addr, &local) &&
            probe(host, addr, &local) &&
            wait_driver(host, addr, driver, &local))
                return TRUE;

        /* Best effort back to where we were; the error says what failed. */
        (void) host_write_device_attr(host, addr, "driver_override",
                                      old_override ? old_override : "\n", NULL);
        if (cur) {
                g_autofree char *now = NULL;

                if (host_get_driver(host, addr, &now, NULL) && !now)
                        (void) probe(host, addr, NULL);
        }
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
}

/* The kernel shows a cleared override as "(null)". */
static gboolean wait_override_cleared(Host *host, const char *addr,
                                      GError **error)
{
        gint64 deadline = g_get_monotonic_time() + SETTLE_TIMEOUT_USEC;
        g_autofree char *v = NULL;

        for (;;) {
                g_clear_pointer(&v, g_free);
                if (!host_read_device_attr(host, addr, "driver_override", &v,
                                           error))
                        return FALSE;
                if (g_str_equal(v, "(null)"))
                        return TRUE;
                if (g_get_monotonic_time() > deadline)
                        break;
                settle_pause(host);
        }
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_IO,
                    "%s: driver_override still shows \"%s\" after clearing it",
                    addr, v);
        return FALSE;
}

gboolean host_unbind(Host *host, const char *vf, GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];

        if (!check_vf(host, vf, addr, error))
                return FALSE;
        if (!unbind_current(host, addr, error))
                return FALSE;
        /* "\n" clears the override. */
        return host_write_device_attr(host, addr, "driver_override", "\n",
                                      error) &&
               wait_override_cleared(host, addr, error);
}

gboolean host_reset_device(Host *host, const char *address, GError **error)
{
        char addr[PCI_ADDRESS_STRLEN];
        g_autofree char *path = NULL;

        if (!check_device(host, address, addr, error))
                return FALSE;
        path = device_path(host, addr, "reset");
        /* pci_dev_reset_attr_is_visible(): no attribute, no reset method. */
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED,
                            "%s cannot be reset: the kernel shows no reset attribute for it (no reset method)",
                            addr);
                return FALSE;
        }
        return write_file(path, addr, "reset", "1", error);
}
