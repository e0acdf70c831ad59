/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile_compat_reasons(): one table row per rule (and per "unknown
 * never refuses" exception), each giving the exact reasons expected, and
 * rows breaking several rules at once, which must get every reason, not
 * the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/profile.h"

#define F_NET_OFFERED G_GUINT64_CONSTANT(0x000000230043802b)
#define F_NET_NEGOTIATED G_GUINT64_CONSTANT(0x0000000100030020)

/* A net VF under the variant driver, with a guest running: the source of
 * every row; the destination starts as an identical VF of another host. */
static VfProfile *base(void)
{
        VfProfile *p = vf_profile_new();

        p->type = DEVICE_TYPE_NET;
        p->source = PROFILE_SOURCE_VARIANT;
        p->features = F_NET_OFFERED;
        p->driver_features = F_NET_NEGOTIATED;
        p->limits.max_queue_pairs = 4;
        p->limits.mtu = 1500;
        p->stream_major = 1;
        p->stream_minor = 0;
        p->migration_flags = 0x7;
        p->mac = g_strdup("52:54:00:12:34:01");
        p->mac_settable = TRUE;
        p->pf_vendor_id = 0x1af4;
        p->pf_device_id = 0x1041;
        p->vendor_id = 0x1af4;
        p->device_id = 0x1041;
        p->subsystem_vendor_id = 0x1af4;
        p->subsystem_id = 0x1100;
        p->driver = g_strdup("vfmig_virtio_pci");
        return p;
}

typedef void (*Mutate)(VfProfile *src, VfProfile *dst);

typedef struct {
        const char *name;
        Mutate mutate;
        /* Exactly these reasons, in this order (NULL-terminated). */
        const char *reasons[10];
} Case;

static void m_none(VfProfile *s, VfProfile *d) { }
static void m_type(VfProfile *s, VfProfile *d) { d->type = DEVICE_TYPE_BLK; }
static void m_type_other(VfProfile *s, VfProfile *d)
{
        s->type = d->type = DEVICE_TYPE_OTHER;
}
static void m_feature_missing(VfProfile *s, VfProfile *d)
{
        d->features &= ~(G_GUINT64_CONSTANT(1) << 16); /* STATUS, negotiated */
}
static void m_feature_unnegotiated_missing(VfProfile *s, VfProfile *d)
{
        /* MQ (22) offered by the source but not negotiated by the guest. */
        d->features &= ~(G_GUINT64_CONSTANT(1) << 22);
}
static void m_feature_high_bit(VfProfile *s, VfProfile *d)
{
        s->features |= G_GUINT64_CONSTANT(1) << 63;
        s->driver_features |= G_GUINT64_CONSTANT(1) << 63;
}
static void m_feature_before_negotiation(VfProfile *s, VfProfile *d)
{
        s->driver_features = 0;
        d->features &= ~(G_GUINT64_CONSTANT(1) << 22);
}
static void m_dst_features_unknown(VfProfile *s, VfProfile *d)
{
        d->source = PROFILE_SOURCE_PCI;
        d->features = 0;
        d->migration_flags = 0;
        d->stream_major = d->stream_minor = 0;
}
/* Identity only on the destination: legacy I/O and MAC setting unknown
 * (false there), so neither refuses; type and PCI id still do. */
static void m_dst_pci_unknowns(VfProfile *s, VfProfile *d)
{
        m_dst_features_unknown(s, d);
        s->legacy_io = TRUE;
        d->mac_settable = FALSE;
        g_clear_pointer(&d->mac, g_free);
}
static void m_dst_pci_wrong_id(VfProfile *s, VfProfile *d)
{
        m_dst_pci_unknowns(s, d);
        d->device_id = 0x1000;
}
static void m_src_pci_legacy(VfProfile *s, VfProfile *d)
{
        s->source = PROFILE_SOURCE_PCI;
        d->legacy_io = TRUE;
}
static void m_dst_variant_no_features(VfProfile *s, VfProfile *d)
{
        d->features = 0;
}
static void m_dst_more_features(VfProfile *s, VfProfile *d)
{
        d->features |= G_GUINT64_CONSTANT(0xff00000000000000);
}
static void m_queue_pairs(VfProfile *s, VfProfile *d) { d->limits.max_queue_pairs = 2; }
static void m_mtu(VfProfile *s, VfProfile *d) { d->limits.mtu = 1400; }
static void m_limits_higher(VfProfile *s, VfProfile *d)
{
        d->limits.max_queue_pairs = 16;
        d->limits.mtu = 9000;
}
static void m_limits_unknown(VfProfile *s, VfProfile *d)
{
        d->limits.max_queue_pairs = 0;
        s->limits.mtu = 0;
        d->limits.mtu = 1;
}
static void m_blk(VfProfile *s, VfProfile *d)
{
        s->type = d->type = DEVICE_TYPE_BLK;
        s->device_id = d->device_id = 0x1042;
        g_clear_pointer(&s->mac, g_free);
        g_clear_pointer(&d->mac, g_free);
        s->limits = d->limits = (ProfileLimits) { .capacity_sectors = 1 << 21,
                                                  .block_size = 512, .num_queues = 2 };
}
static void m_capacity(VfProfile *s, VfProfile *d)
{
        m_blk(s, d);
        d->limits.capacity_sectors = (1 << 21) - 1;
}
static void m_num_queues(VfProfile *s, VfProfile *d)
{
        m_blk(s, d);
        d->limits.num_queues = 1;
}
static void m_block_size_bigger(VfProfile *s, VfProfile *d)
{
        m_blk(s, d);
        d->limits.block_size = 4096;
}
static void m_block_size_unknown(VfProfile *s, VfProfile *d)
{
        m_blk(s, d);
        d->limits.block_size = 0;
}
static void m_stream_major(VfProfile *s, VfProfile *d) { d->stream_major = 2; }
static void m_stream_minor_newer_src(VfProfile *s, VfProfile *d) { s->stream_minor = 3; }
static void m_stream_minor_newer_dst(VfProfile *s, VfProfile *d) { d->stream_minor = 3; }
static void m_stream_unknown(VfProfile *s, VfProfile *d)
{
        s->stream_major = 0;
        d->stream_major = 7;
}
static void m_stop_copy(VfProfile *s, VfProfile *d) { d->migration_flags = 0; }
static void m_stop_copy_src_none(VfProfile *s, VfProfile *d)
{
        s->migration_flags = 0;
        d->migration_flags = 0;
}
static void m_pre_copy_only_missing(VfProfile *s, VfProfile *d)
{
        d->migration_flags = PROFILE_MIGRATION_STOP_COPY;
}
static void m_legacy_src(VfProfile *s, VfProfile *d) { s->legacy_io = TRUE; }
static void m_legacy_dst(VfProfile *s, VfProfile *d) { d->legacy_io = TRUE; }
static void m_mac_not_settable(VfProfile *s, VfProfile *d)
{
        d->mac_settable = FALSE;
        g_free(d->mac);
        d->mac = g_strdup("52:54:00:99:99:99");
}
static void m_mac_not_settable_none(VfProfile *s, VfProfile *d)
{
        d->mac_settable = FALSE;
        g_clear_pointer(&d->mac, g_free);
}
static void m_mac_same_not_settable(VfProfile *s, VfProfile *d)
{
        d->mac_settable = FALSE;
        g_free(d->mac);
        d->mac = g_strdup("52:54:00:12:34:01");
}
static void m_mac_settable_other(VfProfile *s, VfProfile *d)
{
        g_free(d->mac);
        d->mac = g_strdup("52:54:00:99:99:99");
}
static void m_device_id(VfProfile *s, VfProfile *d) { d->device_id = 0x1000; }
static void m_vendor_id(VfProfile *s, VfProfile *d) { d->vendor_id = 0x8086; }
/* A JSON profile may leave the IDs out (docs/profile.md: then unknown,
 * 0), e.g. one an orchestrator wrote for `vfmigctl check`: unknown never
 * refuses by itself. */
static void m_id_unknown_src(VfProfile *s, VfProfile *d)
{
        s->vendor_id = s->device_id = 0;
}
static void m_id_unknown_dst(VfProfile *s, VfProfile *d)
{
        d->vendor_id = d->device_id = 0;
}
/* Identity that does not decide: subsystem, PF ids, driver, firmware. */
static void m_informative(VfProfile *s, VfProfile *d)
{
        d->subsystem_id = 0x2222;
        d->pf_device_id = 0x1000;
        g_free(d->driver);
        d->driver = g_strdup("vfio-pci");
        d->firmware = g_strdup("2.0");
}
static void m_everything(VfProfile *s, VfProfile *d)
{
        d->type = DEVICE_TYPE_BLK;
        d->features = F_NET_OFFERED & ~(G_GUINT64_CONSTANT(1) << 5);
        d->limits.max_queue_pairs = 1;
        d->limits.mtu = 576;
        d->stream_major = 3;
        d->migration_flags = 0;
        d->legacy_io = TRUE;
        d->mac_settable = FALSE;
        g_clear_pointer(&d->mac, g_free);
        d->device_id = 0x1042;
}
static void m_everything_blk(VfProfile *s, VfProfile *d)
{
        m_blk(s, d);
        d->limits.capacity_sectors = 1;
        d->limits.block_size = 4096;
        d->limits.num_queues = 1;
        d->legacy_io = TRUE;
}

static const Case cases[] = {
        { "identical", m_none, { NULL } },
        { "type", m_type, { "type differs: source net, destination blk", NULL } },
        { "type other both", m_type_other, { NULL } },
        { "negotiated feature missing", m_feature_missing,
          { "destination lacks negotiated feature bits 0x0000000000010000", NULL } },
        { "offered, not negotiated, missing", m_feature_unnegotiated_missing, { NULL } },
        { "feature bit 63", m_feature_high_bit,
          { "destination lacks negotiated feature bits 0x8000000000000000", NULL } },
        { "before negotiation: offered bits", m_feature_before_negotiation,
          { "destination lacks offered feature bits 0x0000000000400000", NULL } },
        { "destination from PCI identity only", m_dst_features_unknown, { NULL } },
        { "destination from PCI identity only: legacy, MAC unknown", m_dst_pci_unknowns, { NULL } },
        { "destination from PCI identity only: PCI id", m_dst_pci_wrong_id,
          { "PCI id differs: source 1af4:1041, destination 1af4:1000", NULL } },
        { "source from PCI identity only: legacy unknown", m_src_pci_legacy, { NULL } },
        { "destination variant offers nothing", m_dst_variant_no_features,
          { "destination lacks negotiated feature bits 0x0000000100030020", NULL } },
        { "destination offers more", m_dst_more_features, { NULL } },
        { "queue pairs", m_queue_pairs,
          { "max_queue_pairs lower: source 4, destination 2", NULL } },
        { "mtu", m_mtu, { "mtu lower: source 1500, destination 1400", NULL } },
        { "limits higher", m_limits_higher, { NULL } },
        { "limits unknown", m_limits_unknown, { NULL } },
        { "blk identical", m_blk, { NULL } },
        { "capacity", m_capacity,
          { "capacity_sectors lower: source 2097152, destination 2097151", NULL } },
        { "num_queues", m_num_queues, { "num_queues lower: source 2, destination 1", NULL } },
        { "block size bigger", m_block_size_bigger,
          { "block_size differs: source 512, destination 4096", NULL } },
        { "block size unknown", m_block_size_unknown, { NULL } },
        { "stream major", m_stream_major,
          { "stream version major differs: source 1.0, destination 2.0", NULL } },
        { "stream minor newer on source", m_stream_minor_newer_src, { NULL } },
        { "stream minor newer on destination", m_stream_minor_newer_dst, { NULL } },
        { "stream unknown", m_stream_unknown, { NULL } },
        { "stop-copy", m_stop_copy,
          { "destination does not support STOP_COPY migration", NULL } },
        { "stop-copy on neither", m_stop_copy_src_none, { NULL } },
        { "pre-copy missing only", m_pre_copy_only_missing, { NULL } },
        { "legacy on source", m_legacy_src,
          { "legacy I/O differs: source yes, destination no", NULL } },
        { "legacy on destination", m_legacy_dst,
          { "legacy I/O differs: source no, destination yes", NULL } },
        { "mac not settable", m_mac_not_settable,
          { "MAC 52:54:00:12:34:01 not reproducible: destination has 52:54:00:99:99:99 and cannot set it", NULL } },
        { "mac not settable, none", m_mac_not_settable_none,
          { "MAC 52:54:00:12:34:01 not reproducible: destination has none and cannot set it", NULL } },
        { "mac equal, not settable", m_mac_same_not_settable, { NULL } },
        { "mac other, settable", m_mac_settable_other, { NULL } },
        { "device id", m_device_id,
          { "PCI id differs: source 1af4:1041, destination 1af4:1000", NULL } },
        { "vendor id", m_vendor_id,
          { "PCI id differs: source 1af4:1041, destination 8086:1041", NULL } },
        { "PCI id unknown on source", m_id_unknown_src, { NULL } },
        { "PCI id unknown on destination", m_id_unknown_dst, { NULL } },
        { "informative identity", m_informative, { NULL } },
        { "every rule broken", m_everything, {
                "type differs: source net, destination blk",
                "destination lacks negotiated feature bits 0x0000000000000020",
                "max_queue_pairs lower: source 4, destination 1",
                "mtu lower: source 1500, destination 576",
                "stream version major differs: source 1.0, destination 3.0",
                "destination does not support STOP_COPY migration",
                "legacy I/O differs: source no, destination yes",
                "MAC 52:54:00:12:34:01 not reproducible: destination has none and cannot set it",
                "PCI id differs: source 1af4:1041, destination 1af4:1042",
                NULL } },
        { "every blk rule broken", m_everything_blk, {
                "capacity_sectors lower: source 2097152, destination 1",
                "num_queues lower: source 2, destination 1",
                "block_size differs: source 512, destination 4096",
                "legacy I/O differs: source no, destination yes",
                NULL } },
};

static void test_table(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                const Case *c = &cases[i];
                g_autoptr(VfProfile) src = base();
                g_autoptr(VfProfile) dst = base();
                g_autoptr(GPtrArray) r = NULL;
                g_autofree char *src_json = NULL, *dst_json = NULL;
                g_autofree char *src_after = NULL, *dst_after = NULL;
                guint n = 0;

                c->mutate(src, dst);
                src_json = profile_to_json(src, FALSE);
                dst_json = profile_to_json(dst, FALSE);
                r = profile_compat_reasons(src, dst);
                while (c->reasons[n])
                        n++;
                for (guint k = 0; k < r->len; k++)
                        print_message("  %s: %s\n", c->name,
                                      (const char *) g_ptr_array_index(r, k));
                if (r->len != n)
                        fail_msg("case \"%s\": %u reasons, expected %u", c->name, r->len, n);
                for (guint k = 0; k < n; k++)
                        if (!g_str_equal(g_ptr_array_index(r, k), c->reasons[k]))
                                fail_msg("case \"%s\": reason %u is \"%s\", expected \"%s\"",
                                         c->name, k, (const char *) g_ptr_array_index(r, k),
                                         c->reasons[k]);
                /* Comparing changes neither profile. */
                src_after = profile_to_json(src, FALSE);
                dst_after = profile_to_json(dst, FALSE);
                assert_string_equal(src_json, src_after);
                assert_string_equal(dst_json, dst_after);
        }
}

/* Every rule is broken together in one of the "every ..." rows: each
 * single-rule row's reason (its first two words, which name the rule)
 * appears in one of them, so all reasons are returned together, not the
 * first. */
static gboolean in_every_row(const char *head)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                if (!g_str_has_prefix(cases[i].name, "every "))
                        continue;
                for (int k = 0; cases[i].reasons[k]; k++)
                        if (g_str_has_prefix(cases[i].reasons[k], head))
                                return TRUE;
        }
        return FALSE;
}

static void test_every_rule_reported_together(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                const char *first = cases[i].reasons[0];
                g_auto(GStrv) words = NULL;
                g_autofree char *head = NULL;

                if (!first || g_str_has_prefix(cases[i].name, "every "))
                        continue;
                words = g_strsplit(first, " ", 3);
                head = g_strjoin(" ", words[0], words[1], NULL);
                assert_true(in_every_row(head));
        }
}

/* The direction matters: limits and features are one-sided. */
static void test_asymmetric(void **state)
{
        g_autoptr(VfProfile) big = base();
        g_autoptr(VfProfile) small = base();
        g_autoptr(GPtrArray) up = NULL, down = NULL;

        small->limits.max_queue_pairs = 1;
        small->features = F_NET_NEGOTIATED;
        small->driver_features = F_NET_NEGOTIATED;
        up = profile_compat_reasons(small, big);
        down = profile_compat_reasons(big, small);
        assert_int_equal(up->len, 0);
        assert_int_equal(down->len, 1);
        assert_string_equal(g_ptr_array_index(down, 0),
                            "max_queue_pairs lower: source 4, destination 1");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_every_rule_reported_together),
                cmocka_unit_test(test_asymmetric),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
