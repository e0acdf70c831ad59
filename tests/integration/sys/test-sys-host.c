/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.c and pci-scan.c against a tree built by mkfakehost, with the fake
 * kernel reacting to the writes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "core/config.h"
#include "core/device.h"
#include "core/vfmig-error.h"
#include "sys/host.h"
#include "sys/pci-scan.h"

typedef struct {
        char *root;
        GPid kernel;
        Host *host;
} Fixture;

/* The tree most tests use. Expected addresses below follow from it by the
 * kernel's rule VF n = PF devfn + offset + n * stride (virtio: 1/1, igb:
 * 0x80/2). */
static const char *const default_spec[] = {
        "--pf", "0000:3b:00.0,type=net,total=16,num=4",
        "--pf", "0000:5e:00.0,type=blk,total=8",
        "--pf", "0000:af:00.0,type=igb,total=7,num=2",
        "--pf", "0000:d8:00.0,type=net-t,total=4,num=1",
        "--pf", "0000:e1:00.0,type=blk,total=4,driver=",
        "--pf", "0000:e2:00.0,type=net,total=4,autoprobe=0",
        "--dev", "0000:00:03.0,type=net",
        NULL,
};

static void run_checked(const char *const *argv)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL, *err = NULL;
        int status = 0;

        g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error);
        g_assert_no_error(error);
        if (!g_spawn_check_wait_status(status, NULL))
                g_error("%s failed: %s%s", argv[0], out, err);
}

static void wait_ready(int fd)
{
        char buf[64];
        gsize len = 0;

        while (len < sizeof(buf) - 1) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                g_assert_cmpint(poll(&p, 1, 10000), ==, 1);
                n = read(fd, buf + len, sizeof(buf) - 1 - len);
                g_assert_cmpint(n, >, 0);
                len += n;
                buf[len] = '\0';
                if (strstr(buf, "READY\n"))
                        return;
        }
        g_error("fakekernel did not become ready: %s", buf);
}

static void fixture_setup_with(Fixture *f, const char *const *spec,
                               const char *extra)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        const char *kargv[] = { FAKEKERNEL, "--die-with-parent", "--root", NULL, NULL };
        int out_fd = -1;

        /* A tmpfs when there is one: the tree is many small files. */
        if (access("/dev/shm", W_OK) == 0) {
                f->root = g_strdup("/dev/shm/vfmig-sys-XXXXXX");
                g_assert_nonnull(g_mkdtemp(f->root));
        } else {
                f->root = g_dir_make_tmp("vfmig-sys-XXXXXX", &error);
                g_assert_no_error(error);
        }
        g_ptr_array_add(argv, (char *) MKFAKEHOST);
        g_ptr_array_add(argv, (char *) "--root");
        g_ptr_array_add(argv, f->root);
        for (const char *const *s = spec; *s; s++)
                g_ptr_array_add(argv, (char *) *s);
        if (extra)
                g_ptr_array_add(argv, (char *) extra);
        g_ptr_array_add(argv, NULL);
        run_checked((const char *const *) argv->pdata);

        kargv[3] = f->root;
        g_spawn_async_with_pipes(NULL, (char **) kargv, NULL,
                                 G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                 &f->kernel, NULL, &out_fd, NULL, &error);
        g_assert_no_error(error);
        wait_ready(out_fd);
        close(out_fd);
        f->host = host_new(f->root);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        fixture_setup_with(f, default_spec, data);
}

static void rm_rf(const char *path)
{
        const char *argv[] = { "rm", "-rf", "--one-file-system", path, NULL };

        run_checked(argv);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        int status;

        kill(f->kernel, SIGTERM);
        g_assert_cmpint(waitpid(f->kernel, &status, 0), ==, f->kernel);
        g_spawn_close_pid(f->kernel);
        host_free(f->host);
        rm_rf(f->root);
        g_free(f->root);
}

/* ---- helpers that look at the tree directly, not through host.c ---- */

static char *dev_file(Fixture *f, const char *addr, const char *attr)
{
        return g_build_filename(f->root, "sys/bus/pci/devices", addr, attr, NULL);
}

static char *read_attr(Fixture *f, const char *addr, const char *attr)
{
        g_autofree char *p = dev_file(f, addr, attr);
        char *text = NULL;

        g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
        g_strchomp(text);
        return text;
}

static char *driver_link(Fixture *f, const char *addr)
{
        g_autofree char *p = dev_file(f, addr, "driver");
        g_autofree char *t = g_file_read_link(p, NULL);

        return t ? g_path_get_basename(t) : NULL;
}

static guint count_virtfn(Fixture *f, const char *pf)
{
        g_autofree char *p = dev_file(f, pf, NULL);
        g_autoptr(GDir) d = g_dir_open(p, 0, NULL);
        const char *n;
        guint c = 0;

        g_assert_nonnull(d);
        while ((n = g_dir_read_name(d)))
                c += g_str_has_prefix(n, "virtfn");
        return c;
}

static Inventory *scan(Fixture *f, const char *cfg_text)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(VfmigConfig) cfg = NULL;
        Inventory *inv;

        if (cfg_text) {
                cfg = vfmig_config_parse(cfg_text, strlen(cfg_text), &error);
                g_assert_no_error(error);
        }
        inv = pci_scan(f->host, cfg, &error);
        g_assert_no_error(error);
        g_assert_nonnull(inv);
        return inv;
}

static void assert_pf_list(const Inventory *inv, const char *const *want)
{
        guint n = 0;

        for (; want[n]; n++) {
                g_assert_cmpuint(n, <, inv->pfs->len);
                g_assert_cmpstr(((Pf *) g_ptr_array_index(inv->pfs, n))->address,
                                ==, want[n]);
        }
        g_assert_cmpuint(inv->pfs->len, ==, n);
}

static void assert_vfs(const Pf *pf, const char *const *want)
{
        guint n = 0;

        for (; want[n]; n++) {
                const Vf *vf;

                g_assert_cmpuint(n, <, pf->vfs->len);
                vf = g_ptr_array_index(pf->vfs, n);
                g_assert_cmpstr(vf->address, ==, want[n]);
                g_assert_cmpuint(vf->index, ==, n);
                g_assert_cmpstr(vf->pf_address, ==, pf->address);
        }
        g_assert_cmpuint(pf->vfs->len, ==, n);
        g_assert_cmpuint(pf->num_vfs, ==, n);
}

/* The group really holds the device (checked on the tree itself). */
static void assert_group_holds(Fixture *f, int group, const char *addr)
{
        g_autofree char *rel = g_strdup_printf("sys/kernel/iommu_groups/%d/devices/%s",
                                               group, addr);
        g_autofree char *p = g_build_filename(f->root, rel, NULL);

        g_assert_cmpint(group, >=, 0);
        g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
}

static void assert_bound(Fixture *f, const char *addr, const char *drv,
                         const char *override);

/* ---- scan ---- */

static void test_scan_default(Fixture *f, gconstpointer data)
{
        g_autoptr(Inventory) inv = scan(f, NULL);
        g_autoptr(GHashTable) groups = g_hash_table_new(NULL, NULL);
        const char *const pfs[] = { "0000:3b:00.0", "0000:5e:00.0",
                                    "0000:d8:00.0", "0000:e1:00.0",
                                    "0000:e2:00.0", NULL };
        const char *const vfs_3b[] = { "0000:3b:00.1", "0000:3b:00.2",
                                       "0000:3b:00.3", "0000:3b:00.4", NULL };
        const char *const vfs_d8[] = { "0000:d8:00.1", NULL };
        const char *const none[] = { NULL };
        const Pf *pf;

        /* igb (not virtio, not in a config) and the plain virtio device
         * without SR-IOV are left out. */
        assert_pf_list(inv, pfs);

        pf = inventory_find_pf(inv, "0000:3b:00.0");
        g_assert_nonnull(pf);
        g_assert_cmpint(pf->type, ==, DEVICE_TYPE_NET);
        g_assert_cmphex(pf->vendor_id, ==, 0x1af4);
        g_assert_cmphex(pf->device_id, ==, 0x1041);
        g_assert_cmphex(pf->subsystem_vendor_id, ==, 0x1af4);
        g_assert_cmphex(pf->subsystem_id, ==, 0x1100);
        g_assert_cmpstr(pf->driver, ==, "virtio-pci");
        g_assert_cmpuint(pf->total_vfs, ==, 16);
        assert_vfs(pf, vfs_3b);
        g_hash_table_add(groups, GINT_TO_POINTER(host_get_iommu_group(f->host, pf->address)));
        for (guint i = 0; i < pf->vfs->len; i++) {
                const Vf *vf = g_ptr_array_index(pf->vfs, i);

                g_assert_cmpint(vf->type, ==, DEVICE_TYPE_NET);
                g_assert_cmphex(vf->vendor_id, ==, 0x1af4);
                g_assert_cmphex(vf->device_id, ==, 0x1041);
                g_assert_cmpstr(vf->driver, ==, "virtio-pci");
                g_assert_null(vf->driver_override);
                assert_group_holds(f, vf->iommu_group, vf->address);
                /* Every device has its own group (intel-iommu, ACS). */
                g_assert_false(g_hash_table_contains(groups, GINT_TO_POINTER(vf->iommu_group)));
                g_hash_table_add(groups, GINT_TO_POINTER(vf->iommu_group));
                g_assert_true(inventory_find_vf(inv, vf->address) == vf);
        }

        pf = inventory_find_pf(inv, "0000:5e:00.0");
        g_assert_cmpint(pf->type, ==, DEVICE_TYPE_BLK);
        g_assert_cmpuint(pf->total_vfs, ==, 8);
        assert_vfs(pf, none);

        /* Transitional IDs count as virtio-net. */
        pf = inventory_find_pf(inv, "0000:d8:00.0");
        g_assert_cmpint(pf->type, ==, DEVICE_TYPE_NET);
        assert_vfs(pf, vfs_d8);
        g_assert_cmphex(((Vf *) g_ptr_array_index(pf->vfs, 0))->device_id, ==, 0x1000);

        pf = inventory_find_pf(inv, "0000:e1:00.0");
        g_assert_null(pf->driver);
        g_assert_null(inventory_find_pf(inv, "0000:af:00.0"));
        g_assert_null(inventory_find_vf(inv, "0000:af:10.0"));
}

static void test_scan_config(Fixture *f, gconstpointer data)
{
        const char *const by_ids[] = { "0000:3b:00.0", "0000:5e:00.0",
                                       "0000:af:00.0", "0000:d8:00.0",
                                       "0000:e1:00.0", "0000:e2:00.0", NULL };
        const char *const vfs_af[] = { "0000:af:10.0", "0000:af:10.2", NULL };
        const char *const texts[] = { "[pf 8086:10c9]\nnum-vfs=2\n",
                                      "[pf 0000:af:00.0]\n",
                                      "[pf af:00.0]\ndriver=vfio-pci\n" };

        for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
                g_autoptr(Inventory) inv = scan(f, texts[i]);
                const Pf *pf;
                const Vf *vf;

                assert_pf_list(inv, by_ids);
                pf = inventory_find_pf(inv, "0000:af:00.0");
                g_assert_cmpint(pf->type, ==, DEVICE_TYPE_OTHER);
                g_assert_cmphex(pf->vendor_id, ==, 0x8086);
                g_assert_cmphex(pf->device_id, ==, 0x10c9);
                g_assert_cmpstr(pf->driver, ==, "igb");
                g_assert_cmpuint(pf->total_vfs, ==, 7);
                assert_vfs(pf, vfs_af);
                vf = g_ptr_array_index(pf->vfs, 1);
                g_assert_cmpint(vf->type, ==, DEVICE_TYPE_OTHER);
                g_assert_cmphex(vf->device_id, ==, 0x10ca);
                g_assert_cmpstr(vf->driver, ==, "igbvf");
                assert_group_holds(f, vf->iommu_group, vf->address);
        }
}

/* A policy naming a device that is no SR-IOV PF adds nothing. */
static void test_scan_config_not_pf(Fixture *f, gconstpointer data)
{
        g_autoptr(Inventory) inv = scan(f, "[pf 0000:00:03.0]\n[pf 0000:3b:00.1]\n");

        g_assert_null(inventory_find_pf(inv, "0000:00:03.0"));
        g_assert_null(inventory_find_pf(inv, "0000:3b:00.1"));
        g_assert_nonnull(inventory_find_vf(inv, "0000:3b:00.1"));
}

/* A virtfn link to a VF that is gone (removed while the scan looked)
 * costs that VF only, never its PF or the other VFs. */
static void test_scan_dangling_virtfn(Fixture *f, gconstpointer data)
{
        g_autofree char *link = dev_file(f, "0000:3b:00.0", "virtfn9");
        g_autoptr(Inventory) inv = NULL;
        const Pf *pf;

        g_assert_cmpint(symlink("../0000:3b:07.7", link), ==, 0);
        inv = scan(f, NULL);
        pf = inventory_find_pf(inv, "0000:3b:00.0");
        g_assert_nonnull(pf);
        g_assert_cmpuint(pf->vfs->len, ==, 4);
        g_assert_null(inventory_find_vf(inv, "0000:3b:07.7"));
}

static void test_scan_bad_root(void)
{
        g_autoptr(Host) host = host_new("/nonexistent/vfmig-root");
        g_autoptr(GError) error = NULL;
        g_autoptr(Inventory) inv = pci_scan(host, NULL, &error);

        g_assert_null(inv);
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_IO);
        g_assert_nonnull(strstr(error->message, "/nonexistent/vfmig-root"));
}

/* ---- numvfs ---- */

static void test_numvfs_up_down(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        gboolean ok;
        const char *const eight[] = { "0000:5e:00.1", "0000:5e:00.2", "0000:5e:00.3",
                                      "0000:5e:00.4", "0000:5e:00.5", "0000:5e:00.6",
                                      "0000:5e:00.7", "0000:5e:01.0", NULL };
        const char *const three[] = { "0000:5e:00.1", "0000:5e:00.2",
                                      "0000:5e:00.3", NULL };
        const char *const none[] = { NULL };

        ok = host_set_num_vfs(f->host, "0000:5e:00.0", 8, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        {
                g_autoptr(Inventory) inv = scan(f, NULL);
                const Pf *pf = inventory_find_pf(inv, "0000:5e:00.0");

                assert_vfs(pf, eight);
                /* Autoprobe bound the new VFs to virtio-pci. */
                for (guint i = 0; i < pf->vfs->len; i++)
                        g_assert_cmpstr(((Vf *) g_ptr_array_index(pf->vfs, i))->driver,
                                        ==, "virtio-pci");
        }
        /* 8 -> 3 goes through 0: the kernel refuses non-zero to non-zero. */
        ok = host_set_num_vfs(f->host, "5E:00.0", 3, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        {
                g_autoptr(Inventory) inv = scan(f, NULL);

                assert_vfs(inventory_find_pf(inv, "0000:5e:00.0"), three);
        }
        g_assert_true(host_set_num_vfs(f->host, "0000:5e:00.0", 3, &error));
        ok = host_set_num_vfs(f->host, "0000:5e:00.0", 0, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        {
                g_autoptr(Inventory) inv = scan(f, NULL);
                g_autofree char *v = read_attr(f, "0000:5e:00.0", "sriov_numvfs");

                assert_vfs(inventory_find_pf(inv, "0000:5e:00.0"), none);
                g_assert_cmpstr(v, ==, "0");
        }
}

/* Autoprobe off (as for the rig's igb): new VFs stay unbound. */
static void test_numvfs_no_autoprobe(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        gboolean ok;
        g_autoptr(Inventory) inv = NULL;
        const Pf *pf;

        ok = host_set_num_vfs(f->host, "0000:e2:00.0", 2, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        inv = scan(f, NULL);
        pf = inventory_find_pf(inv, "0000:e2:00.0");
        g_assert_cmpuint(pf->vfs->len, ==, 2);
        for (guint i = 0; i < pf->vfs->len; i++)
                g_assert_null(((Vf *) g_ptr_array_index(pf->vfs, i))->driver);
        /* Only the override's driver may bind such a VF. */
        ok = host_bind(f->host, "0000:e2:00.2", "vfio-pci", &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        assert_bound(f, "0000:e2:00.2", "vfio-pci", "vfio-pci");
        /* Straight after creation too: the new VF's files are watched. */
        ok = host_unbind(f->host, "0000:e2:00.2", &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        assert_bound(f, "0000:e2:00.2", NULL, "(null)");
}

static void test_numvfs_refused(Fixture *f, gconstpointer data)
{
        struct {
                const char *addr;
                guint n;
                int code;
                const char *named;
        } cases[] = {
                { "0000:3b:00.0", 17, VFMIG_ERROR_OUT_OF_RANGE, "0000:3b:00.0" },
                { "0000:3b:00.0", 65536, VFMIG_ERROR_OUT_OF_RANGE, "at most 16" },
                { "0000:3b:00.1", 1, VFMIG_ERROR_NOT_A_PF, "0000:3b:00.1" },
                { "0000:00:03.0", 1, VFMIG_ERROR_NOT_A_PF, "0000:00:03.0" },
                { "0000:3b:1f.7", 1, VFMIG_ERROR_NO_SUCH_DEVICE, "0000:3b:1f.7" },
                { "zz:00.0", 1, VFMIG_ERROR_INVALID_ARGUMENT, "zz:00.0" },
                { "0000:3b:00.0/../..", 1, VFMIG_ERROR_INVALID_ARGUMENT, "0000:3b" },
                { "", 1, VFMIG_ERROR_INVALID_ARGUMENT, NULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *v = NULL;

                g_assert_false(host_set_num_vfs(f->host, cases[i].addr,
                                                cases[i].n, &error));
                g_assert_error(error, VFMIG_ERROR, cases[i].code);
                if (cases[i].named)
                        g_assert_nonnull(strstr(error->message, cases[i].named));
                /* Nothing changed. */
                v = read_attr(f, "0000:3b:00.0", "sriov_numvfs");
                g_assert_cmpstr(v, ==, "4");
                g_assert_cmpuint(count_virtfn(f, "0000:3b:00.0"), ==, 4);
        }
}

/* The fake kernel refuses numvfs on a PF without a driver (-ENOENT on a
 * real one); the agent sees no effect and times out with a clear error. */
static void test_numvfs_timeout(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *v = NULL;

        g_assert_false(host_set_num_vfs(f->host, "0000:e1:00.0", 2, &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_IO);
        g_assert_nonnull(strstr(error->message, "0000:e1:00.0"));
        g_assert_nonnull(strstr(error->message, "driver"));
        v = read_attr(f, "0000:e1:00.0", "sriov_numvfs");
        g_assert_cmpstr(v, ==, "0");
        g_assert_cmpuint(count_virtfn(f, "0000:e1:00.0"), ==, 0);
}

/* ---- bind / unbind ---- */

static void assert_bound(Fixture *f, const char *addr, const char *drv,
                         const char *override)
{
        g_autofree char *d = driver_link(f, addr);
        g_autofree char *o = read_attr(f, addr, "driver_override");
        g_autofree char *via_host = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_cmpstr(d, ==, drv);
        g_assert_cmpstr(o, ==, override);
        g_assert_true(host_get_driver(f->host, addr, &via_host, &error));
        g_assert_cmpstr(via_host, ==, drv);
}

static void test_bind_unbind(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        gboolean ok;
        const char *vf = "0000:3b:00.2";

        assert_bound(f, vf, "virtio-pci", "(null)");
        ok = host_bind(f->host, vf, VFMIG_DRIVER_VARIANT, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        assert_bound(f, vf, "vfmig_virtio_pci", "vfmig_virtio_pci");
        /* Again: nothing to do, still fine. */
        g_assert_true(host_bind(f->host, vf, VFMIG_DRIVER_VARIANT, &error));
        ok = host_bind(f->host, vf, VFMIG_DRIVER_VFIO, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        assert_bound(f, vf, "vfio-pci", "vfio-pci");
        ok = host_unbind(f->host, vf, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        assert_bound(f, vf, NULL, "(null)");
        /* Unbinding an unbound VF is no error either. */
        ok = host_unbind(f->host, vf, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        /* From unbound straight to the variant driver. */
        ok = host_bind(f->host, "3B:00.2", VFMIG_DRIVER_VARIANT, &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        assert_bound(f, vf, "vfmig_virtio_pci", "vfmig_virtio_pci");
        {
                g_autoptr(Inventory) inv = scan(f, NULL);
                const Vf *v = inventory_find_vf(inv, vf);

                g_assert_cmpstr(v->driver, ==, "vfmig_virtio_pci");
                g_assert_cmpstr(v->driver_override, ==, "vfmig_virtio_pci");
        }
        /* Neighbours untouched. */
        assert_bound(f, "0000:3b:00.1", "virtio-pci", "(null)");
        assert_bound(f, "0000:3b:00.3", "virtio-pci", "(null)");
}

static void test_bind_refused(Fixture *f, gconstpointer data)
{
        struct {
                const char *addr;
                const char *drv;
                int code;
                const char *named;
        } cases[] = {
                { "0000:3b:00.0", "vfio-pci", VFMIG_ERROR_NOT_A_VF, "0000:3b:00.0" },
                { "0000:00:03.0", "vfio-pci", VFMIG_ERROR_NOT_A_VF, "0000:00:03.0" },
                { "0000:3b:07.0", "vfio-pci", VFMIG_ERROR_NO_SUCH_DEVICE, "0000:3b:07.0" },
                { "0000:3b:00.9", "vfio-pci", VFMIG_ERROR_INVALID_ARGUMENT, "0000:3b:00.9" },
                { "../../..", "vfio-pci", VFMIG_ERROR_INVALID_ARGUMENT, NULL },
                { "0000:3b:00.2", "nosuchdrv", VFMIG_ERROR_DRIVER_NOT_LOADED, "nosuchdrv" },
                { "0000:3b:00.2", "../vfio-pci", VFMIG_ERROR_INVALID_ARGUMENT, "0000:3b:00.2" },
                { "0000:3b:00.2", "", VFMIG_ERROR_INVALID_ARGUMENT, "0000:3b:00.2" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;

                g_assert_false(host_bind(f->host, cases[i].addr, cases[i].drv,
                                         &error));
                g_assert_error(error, VFMIG_ERROR, cases[i].code);
                if (cases[i].named)
                        g_assert_nonnull(strstr(error->message, cases[i].named));
                assert_bound(f, "0000:3b:00.2", "virtio-pci", "(null)");
                assert_bound(f, "0000:3b:00.0", "virtio-pci", "(null)");
        }
        {
                g_autoptr(GError) error = NULL;

                g_assert_false(host_unbind(f->host, "0000:3b:00.0", &error));
                g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_A_VF);
                assert_bound(f, "0000:3b:00.0", "virtio-pci", "(null)");
        }
}

static void test_driver_not_loaded(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        g_assert_false(host_driver_exists(f->host, VFMIG_DRIVER_VARIANT));
        g_assert_true(host_driver_exists(f->host, VFMIG_DRIVER_VFIO));
        g_assert_false(host_bind(f->host, "0000:3b:00.1", VFMIG_DRIVER_VARIANT,
                                 &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_DRIVER_NOT_LOADED);
        g_assert_nonnull(strstr(error->message, "0000:3b:00.1"));
        g_assert_nonnull(strstr(error->message, VFMIG_DRIVER_VARIANT));
        assert_bound(f, "0000:3b:00.1", "virtio-pci", "(null)");
}

/* The driver refuses the device: after the bounded wait a clear error,
 * and the VF is back where it was (override cleared, old driver bound). */
static void test_bind_probe_fails(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        gint64 start = g_get_monotonic_time();

        g_assert_false(host_bind(f->host, "0000:3b:00.3", "brokendrv", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED);
        g_assert_nonnull(strstr(error->message, "0000:3b:00.3"));
        g_assert_nonnull(strstr(error->message, "brokendrv did not bind"));
        /* It did wait, but boundedly. */
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 4 * G_USEC_PER_SEC);
        for (int i = 0; i < 2500; i++) {
                g_autofree char *d = driver_link(f, "0000:3b:00.3");

                if (d)
                        break;
                g_usleep(2000);
        }
        assert_bound(f, "0000:3b:00.3", "virtio-pci", "(null)");
}

/* ---- attributes, hot-removal ---- */

static void test_attrs(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *v = NULL;
        g_autofree char *path = host_path(f->host, "sys/bus/pci/devices");
        g_autofree char *want = g_build_filename(f->root, "sys/bus/pci/devices", NULL);
        g_autofree char *drv = NULL;

        g_assert_cmpstr(path, ==, want);
        g_assert_true(g_str_has_prefix(host_pci_sysfs_path(f->host), f->root));
        g_assert_true(host_read_device_attr(f->host, "0000:3b:00.0", "vendor", &v, &error));
        g_assert_cmpstr(v, ==, "0x1af4");
        g_clear_pointer(&v, g_free);
        g_assert_false(host_read_device_attr(f->host, "0000:3b:00.0", "nosuchattr",
                                             &v, &error));
        g_assert_nonnull(strstr(error->message, "0000:3b:00.0"));
        g_assert_nonnull(strstr(error->message, "nosuchattr"));
        g_clear_error(&error);
        g_assert_true(host_get_driver(f->host, "0000:e1:00.0", &drv, &error));
        g_assert_null(drv);
        /* A failing write says which device, which file and why. */
        g_assert_false(host_write_device_attr(f->host, "0000:3b:00.1", "iommu_group",
                                              "1", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_IO);
        g_assert_nonnull(strstr(error->message, "0000:3b:00.1"));
        g_assert_nonnull(strstr(error->message, "iommu_group"));
        g_assert_nonnull(strstr(error->message, g_strerror(EISDIR)));
        g_clear_error(&error);
        g_assert_false(host_write_device_attr(f->host, "0000:3b:00.1/..", "x",
                                              "1", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT);
        g_clear_error(&error);
        g_assert_false(host_read_device_attr(f->host, "0000:3b:00.1", "../0000:3b:00.0/vendor",
                                             &v, &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error->message, "0000:3b:00.1"));
        g_clear_error(&error);
        g_assert_cmpint(host_get_iommu_group(f->host, "0000:9a:00.0"), ==, -1);
        g_assert_cmpint(host_get_iommu_group(f->host, "garbage"), ==, -1);
}

static void test_hot_remove(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        gboolean ok;
        const char *argv[] = { FAKEHOST_REMOVE, f->root, "0000:3b:00.3", NULL };

        run_checked(argv);
        {
                g_autoptr(Inventory) inv = scan(f, NULL);
                const Pf *pf = inventory_find_pf(inv, "0000:3b:00.0");

                g_assert_cmpuint(pf->vfs->len, ==, 3);
                g_assert_null(inventory_find_vf(inv, "0000:3b:00.3"));
                g_assert_nonnull(inventory_find_vf(inv, "0000:3b:00.4"));
        }
        /* Through the kernel's own "remove" attribute: the PF and its VFs. */
        ok = host_write_device_attr(f->host, "0000:d8:00.0", "remove", "1",
                                             &error);
        g_assert_no_error(error);
        g_assert_true(ok);
        for (int i = 0; i < 2500; i++) {
                g_autofree char *p = dev_file(f, "0000:d8:00.0", NULL);

                if (!g_file_test(p, G_FILE_TEST_EXISTS))
                        break;
                g_usleep(2000);
        }
        {
                g_autoptr(Inventory) inv = scan(f, NULL);

                g_assert_null(inventory_find_pf(inv, "0000:d8:00.0"));
                g_assert_null(inventory_find_vf(inv, "0000:d8:00.1"));
                g_assert_nonnull(inventory_find_pf(inv, "0000:3b:00.0"));
        }
        g_assert_false(host_bind(f->host, "0000:d8:00.1", "vfio-pci", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE);
}

/* ---- function reset ---- */

/* The fake kernel's record of resets done to addr (one line each),
 * kept beside the tree, not in sysfs. */
static guint count_resets(Fixture *f, const char *addr)
{
        g_autofree char *p = g_build_filename(f->root, ".fakehost", "resets",
                                              addr, NULL);
        g_autofree char *text = NULL;
        guint n = 0;

        if (!g_file_get_contents(p, &text, NULL, NULL))
                return 0;
        for (const char *c = text; *c; c++)
                n += *c == '\n';
        return n;
}

static void wait_resets(Fixture *f, const char *addr, guint want)
{
        for (int i = 0; i < 2500 && count_resets(f, addr) < want; i++)
                g_usleep(2000);
        g_assert_cmpuint(count_resets(f, addr), ==, want);
}

static void test_reset(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpuint(count_resets(f, "0000:3b:00.1"), ==, 0);
        g_assert_true(host_reset_device(f->host, "3b:00.1", &error));
        g_assert_no_error(error);
        wait_resets(f, "0000:3b:00.1", 1);
        g_assert_true(host_reset_device(f->host, "0000:3b:00.1", &error));
        g_assert_no_error(error);
        wait_resets(f, "0000:3b:00.1", 2);
        /* Only that device, and nothing else changed about it. */
        g_assert_cmpuint(count_resets(f, "0000:3b:00.2"), ==, 0);
        assert_bound(f, "0000:3b:00.1", "virtio-pci", "(null)");

        g_assert_false(host_reset_device(f->host, "0000:3b:07.0", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE);
        g_assert_nonnull(strstr(error->message, "0000:3b:07.0"));
        g_clear_error(&error);
        g_assert_false(host_reset_device(f->host, "../..", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT);
}

/* A device the kernel cannot reset has no reset attribute: an error that
 * names the device, and nothing written. */
static void test_reset_missing(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *p = dev_file(f, "0000:c0:00.1", "reset");

        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
        g_assert_false(host_reset_device(f->host, "0000:c0:00.1", &error));
        g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_FAILED);
        g_assert_nonnull(strstr(error->message, "0000:c0:00.1"));
        g_assert_nonnull(strstr(error->message, "reset"));
        g_clear_error(&error);
        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
        g_usleep(50 * 1000);
        g_assert_cmpuint(count_resets(f, "0000:c0:00.1"), ==, 0);
        /* Its PF keeps its own reset. */
        g_assert_true(host_reset_device(f->host, "0000:c0:00.0", &error));
        g_assert_no_error(error);
        wait_resets(f, "0000:c0:00.0", 1);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

#define ADD(name, extra, fn) \
        g_test_add(name, Fixture, extra, fixture_setup, fn, fixture_teardown)
        ADD("/sys/scan/default", NULL, test_scan_default);
        ADD("/sys/scan/config", NULL, test_scan_config);
        ADD("/sys/scan/config-not-pf", NULL, test_scan_config_not_pf);
        ADD("/sys/scan/dangling-virtfn", NULL, test_scan_dangling_virtfn);
        g_test_add_func("/sys/scan/bad-root", test_scan_bad_root);
        ADD("/sys/numvfs/up-down", NULL, test_numvfs_up_down);
        ADD("/sys/numvfs/no-autoprobe", NULL, test_numvfs_no_autoprobe);
        ADD("/sys/numvfs/refused", NULL, test_numvfs_refused);
        ADD("/sys/numvfs/timeout", NULL, test_numvfs_timeout);
        ADD("/sys/bind/bind-unbind", NULL, test_bind_unbind);
        ADD("/sys/bind/refused", NULL, test_bind_refused);
        ADD("/sys/bind/driver-not-loaded", "--no-variant-driver",
            test_driver_not_loaded);
        ADD("/sys/bind/probe-fails", "--failing-driver=brokendrv",
            test_bind_probe_fails);
        ADD("/sys/attrs", NULL, test_attrs);
        ADD("/sys/hot-remove", NULL, test_hot_remove);
        ADD("/sys/reset/done", NULL, test_reset);
        ADD("/sys/reset/missing", "--pf=0000:c0:00.0,type=net,total=2,num=1,reset=none",
            test_reset_missing);
#undef ADD
        return g_test_run();
}
