/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sys/profile-read.c against a mkfakehost tree with the fake kernel
 * running: VFs bound to vfmig_virtio_pci get their profile from the
 * driver's vfmig/ directory (which the fake kernel makes on bind and
 * removes on unbind), others from PCI identity; per-PF vfmig options make
 * an incompatible "host" whose reasons the rules find.
 */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "core/config.h"
#include "core/device.h"
#include "core/profile.h"
#include "core/vfmig-error.h"
#include "sys/host.h"
#include "sys/pci-scan.h"
#include "sys/profile-read.h"

/* A: the reference net PF; B: the same device with an older firmware (a
 * feature bit less, stream 2.0, no device-parts support); T: transitional
 * net with legacy I/O; K: blk; I: igb (not virtio). */
#define PF_A "0000:3b:00.0"
#define VF_A "0000:3b:00.1"
#define VF_A2 "0000:3b:00.2"
#define PF_B "0000:5e:00.0"
#define VF_B "0000:5e:00.1"
#define VF_T "0000:d8:00.1"
#define VF_K "0000:70:00.1"
#define VF_I "0000:af:10.0"

static const char *const spec[] = {
        "--pf", PF_A ",type=net,total=4,num=2,driver_features=0x0000000100030020",
        "--pf", PF_B ",type=net,total=2,num=1,features=0x000000230042802b,stream=2.0,mflags=0x0",
        "--pf", "0000:d8:00.0,type=net-t,total=2,num=1",
        "--pf", "0000:70:00.0,type=blk,total=2,num=1,stream=1.3",
        "--pf", "0000:af:00.0,type=igb,total=2,num=1",
        NULL,
};

typedef struct {
        char *root;
        GPid kernel;
        Host *host;
        Inventory *inv;
} Fixture;

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

/* The igb PF is managed only because the config names it. */
static void rescan(Fixture *f)
{
        static const char cfg_text[] = "[pf 8086:10c9]\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(VfmigConfig) cfg = vfmig_config_parse(cfg_text, strlen(cfg_text), &error);

        g_assert_no_error(error);
        g_clear_pointer(&f->inv, inventory_free);
        f->inv = pci_scan(f->host, cfg, &error);
        g_assert_no_error(error);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        const char *kargv[] = { FAKEKERNEL, "--die-with-parent", "--root", NULL, NULL };
        int out_fd = -1;

        f->root = g_dir_make_tmp("vfmig-profile-XXXXXX", &error);
        g_assert_no_error(error);
        g_ptr_array_add(argv, (char *) MKFAKEHOST);
        g_ptr_array_add(argv, (char *) "--root");
        g_ptr_array_add(argv, f->root);
        for (const char *const *s = spec; *s; s++)
                g_ptr_array_add(argv, (char *) *s);
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
        rescan(f);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        const char *rm[] = { "rm", "-rf", "--one-file-system", f->root, NULL };
        int status;

        kill(f->kernel, SIGTERM);
        g_assert_cmpint(waitpid(f->kernel, &status, 0), ==, f->kernel);
        g_spawn_close_pid(f->kernel);
        inventory_free(f->inv);
        host_free(f->host);
        run_checked(rm);
        g_free(f->root);
}

static void bind(Fixture *f, const char *vf, const char *driver)
{
        g_autoptr(GError) error = NULL;

        g_assert_true(host_bind(f->host, vf, driver, &error));
        g_assert_no_error(error);
}

static VfProfile *read_ok(Fixture *f, const char *vf)
{
        g_autoptr(GError) error = NULL;
        const Vf *v = inventory_find_vf(f->inv, vf);
        VfProfile *p;

        g_assert_nonnull(v);
        p = profile_read(f->host, v, inventory_find_pf(f->inv, v->pf_address), &error);
        g_assert_no_error(error);
        g_assert_nonnull(p);
        return p;
}

static char *vfmig_file(Fixture *f, const char *vf, const char *attr)
{
        return g_build_filename(f->root, "sys/bus/pci/devices", vf, "vfmig", attr, NULL);
}

static void test_variant(Fixture *f, gconstpointer data)
{
        g_autoptr(VfProfile) p = NULL;
        g_autofree char *json = NULL;

        bind(f, VF_A, VFMIG_DRIVER_VARIANT);
        p = read_ok(f, VF_A);
        g_assert_cmpint(p->source, ==, PROFILE_SOURCE_VARIANT);
        g_assert_cmpint(p->type, ==, DEVICE_TYPE_NET);
        /* The fake's default net features, and the PF's driver_features. */
        g_assert_cmphex(p->features, ==, G_GUINT64_CONSTANT(0x000000230043802b));
        g_assert_cmphex(p->driver_features, ==, G_GUINT64_CONSTANT(0x0000000100030020));
        g_assert_cmpuint(p->stream_major, ==, 1);
        g_assert_cmpuint(p->stream_minor, ==, 0);
        g_assert_cmphex(p->migration_flags, ==, 0x7);
        g_assert_false(p->legacy_io);
        g_assert_true(p->mac_settable);
        g_assert_cmphex(p->vendor_id, ==, 0x1af4);
        g_assert_cmphex(p->device_id, ==, 0x1041);
        g_assert_cmphex(p->subsystem_vendor_id, ==, 0x1af4);
        g_assert_cmphex(p->subsystem_id, ==, 0x1100);
        g_assert_cmphex(p->pf_vendor_id, ==, 0x1af4);
        g_assert_cmphex(p->pf_device_id, ==, 0x1041);
        g_assert_cmpstr(p->driver, ==, VFMIG_DRIVER_VARIANT);
        json = profile_to_json(p, FALSE);
        g_assert_nonnull(strstr(json, "\"features\":\"0x000000230043802b\""));
}

static void test_pci_identity(Fixture *f, gconstpointer data)
{
        g_autoptr(VfProfile) net = NULL, blk = NULL, igb = NULL;

        /* Autoprobed to virtio-pci: no vfmig/, identity only. */
        net = read_ok(f, VF_A2);
        g_assert_cmpint(net->source, ==, PROFILE_SOURCE_PCI);
        g_assert_cmpint(net->type, ==, DEVICE_TYPE_NET);
        g_assert_cmphex(net->features, ==, 0);
        g_assert_cmpuint(net->stream_major, ==, 0);
        g_assert_false(net->mac_settable);
        g_assert_cmpstr(net->driver, ==, "virtio-pci");

        blk = read_ok(f, VF_K);
        g_assert_cmpint(blk->type, ==, DEVICE_TYPE_BLK);
        g_assert_cmpint(blk->source, ==, PROFILE_SOURCE_PCI);

        bind(f, VF_I, VFMIG_DRIVER_VFIO);
        igb = read_ok(f, VF_I);
        g_assert_cmpint(igb->type, ==, DEVICE_TYPE_OTHER);
        g_assert_cmpint(igb->source, ==, PROFILE_SOURCE_PCI);
        g_assert_cmphex(igb->vendor_id, ==, 0x8086);
        g_assert_cmphex(igb->device_id, ==, 0x10ca);
        g_assert_cmphex(igb->pf_device_id, ==, 0x10c9);
        g_assert_cmpstr(igb->driver, ==, VFMIG_DRIVER_VFIO);
}

/* Unbinding takes vfmig/ away, and the profile falls back to identity;
 * the driver is read afresh, not taken from the (stale) scan. */
static void test_unbind(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(VfProfile) before = NULL, after = NULL;
        g_autofree char *dir = g_build_filename(f->root, "sys/bus/pci/devices", VF_A,
                                                "vfmig", NULL);

        bind(f, VF_A, VFMIG_DRIVER_VARIANT);
        g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
        before = read_ok(f, VF_A);
        g_assert_cmpint(before->source, ==, PROFILE_SOURCE_VARIANT);

        g_assert_true(host_unbind(f->host, VF_A, &error));
        g_assert_no_error(error);
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
        after = read_ok(f, VF_A);
        g_assert_cmpint(after->source, ==, PROFILE_SOURCE_PCI);
        g_assert_null(after->driver);
        g_assert_cmphex(after->features, ==, 0);
}

static void test_legacy_and_blk(Fixture *f, gconstpointer data)
{
        g_autoptr(VfProfile) t = NULL, k = NULL;

        bind(f, VF_T, VFMIG_DRIVER_VARIANT);
        t = read_ok(f, VF_T);
        g_assert_true(t->legacy_io);
        g_assert_cmphex(t->device_id, ==, 0x1000);

        bind(f, VF_K, VFMIG_DRIVER_VARIANT);
        k = read_ok(f, VF_K);
        g_assert_cmpint(k->type, ==, DEVICE_TYPE_BLK);
        g_assert_cmphex(k->features, ==, G_GUINT64_CONSTANT(0x0000002300001646));
        g_assert_cmpuint(k->stream_major, ==, 1);
        g_assert_cmpuint(k->stream_minor, ==, 3);
        g_assert_false(k->legacy_io);
}

/* Host A to "host" B (another PF with other driver options): every reason. */
static void test_incompatible(Fixture *f, gconstpointer data)
{
        g_autoptr(VfProfile) a = NULL, b = NULL, t = NULL;
        g_autoptr(GPtrArray) ab = NULL, ba = NULL, at = NULL;

        bind(f, VF_A, VFMIG_DRIVER_VARIANT);
        bind(f, VF_B, VFMIG_DRIVER_VARIANT);
        bind(f, VF_T, VFMIG_DRIVER_VARIANT);
        a = read_ok(f, VF_A);
        b = read_ok(f, VF_B);
        t = read_ok(f, VF_T);

        ab = profile_compat_reasons(a, b);
        g_assert_cmpuint(ab->len, ==, 3);
        g_assert_cmpstr(g_ptr_array_index(ab, 0), ==,
                        "destination lacks negotiated feature bits 0x0000000000010000");
        g_assert_cmpstr(g_ptr_array_index(ab, 1), ==,
                        "stream version major differs: source 1.0, destination 2.0");
        g_assert_cmpstr(g_ptr_array_index(ab, 2), ==,
                        "destination does not support STOP_COPY migration");

        /* B's guest negotiated nothing and A offers all B offers; only the
         * stream major is in the way. */
        ba = profile_compat_reasons(b, a);
        g_assert_cmpuint(ba->len, ==, 1);

        at = profile_compat_reasons(a, t);
        g_assert_cmpuint(at->len, ==, 2);
        g_assert_cmpstr(g_ptr_array_index(at, 0), ==,
                        "legacy I/O differs: source no, destination yes");
        g_assert_cmpstr(g_ptr_array_index(at, 1), ==,
                        "PCI id differs: source 1af4:1041, destination 1af4:1000");
}

typedef struct {
        const char *attr;
        const char *content; /* NULL: remove the file */
        const char *expect;
} BadAttr;

static const BadAttr bad_attrs[] = {
        { "features", "12345\n", VF_A ": vfmig/features holds \"12345\", not a 0x-prefixed hex number" },
        { "features", "0x\n", VF_A ": vfmig/features holds \"0x\"" },
        { "driver_features", "0x00000000000000001\n", VF_A ": vfmig/driver_features holds" },
        { "migration_flags", "0x100000000\n", VF_A ": vfmig/migration_flags holds \"0x100000000\", not in range" },
        { "stream_version", "1\n", VF_A ": vfmig/stream_version holds \"1\", not major.minor" },
        { "stream_version", "1.x\n", VF_A ": vfmig/stream_version holds \"1.x\"" },
        { "type", "gpu\n", VF_A ": vfmig/type holds \"gpu\", not net, blk or none" },
        { "legacy_io", "yes\n", VF_A ": vfmig/legacy_io holds \"yes\", not 0 or 1" },
        { "legacy_io", "0\n1\n", VF_A ": vfmig/legacy_io has more than one line" },
        { "stream_version", NULL, VF_A ": cannot read vfmig/stream_version" },
};

static void test_bad_attrs(Fixture *f, gconstpointer data)
{
        bind(f, VF_A, VFMIG_DRIVER_VARIANT);
        for (gsize i = 0; i < G_N_ELEMENTS(bad_attrs); i++) {
                const BadAttr *c = &bad_attrs[i];
                g_autofree char *path = vfmig_file(f, VF_A, c->attr);
                g_autofree char *saved = NULL;
                g_autoptr(GError) error = NULL;
                g_autoptr(VfProfile) p = NULL;
                const Vf *v = inventory_find_vf(f->inv, VF_A);

                g_assert_true(g_file_get_contents(path, &saved, NULL, NULL));
                if (c->content) {
                        g_assert_cmpint(g_chmod(path, 0644), ==, 0);
                        g_assert_true(g_file_set_contents(path, c->content, -1, NULL));
                } else {
                        g_assert_cmpint(g_unlink(path), ==, 0);
                }
                p = profile_read(f->host, v, NULL, &error);
                g_assert_null(p);
                g_assert_error(error, VFMIG_ERROR, VFMIG_ERROR_IO);
                if (!strstr(error->message, c->expect))
                        g_error("%s: \"%s\" lacks \"%s\"", c->attr, error->message, c->expect);
                g_assert_true(g_file_set_contents(path, saved, -1, NULL));
        }
        /* Restored: reads again. */
        g_autoptr(VfProfile) p = read_ok(f, VF_A);
        g_assert_cmpint(p->source, ==, PROFILE_SOURCE_VARIANT);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) \
        g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("/sys/profile/variant", test_variant);
        ADD("/sys/profile/pci-identity", test_pci_identity);
        ADD("/sys/profile/unbind", test_unbind);
        ADD("/sys/profile/legacy-and-blk", test_legacy_and_blk);
        ADD("/sys/profile/incompatible", test_incompatible);
        ADD("/sys/profile/bad-attrs", test_bad_attrs);
#undef ADD
        return g_test_run();
}
