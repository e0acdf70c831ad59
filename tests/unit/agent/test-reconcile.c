/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/reconcile.h"

#define UUID_A "6f3c1a52-8d7e-4f0b-9a61-0c2d3e4f5a6b"
#define UUID_B "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00"
#define T0 G_GINT64_CONSTANT(1700000000000000)

/* PF at 0000:<bus>:00.0, VFs at 0000:<bus>:01.<i>, all bound to `driver`. */
static Pf *make_pf(guint bus, guint16 vendor, guint16 device, guint total,
                   guint num, const char *driver)
{
        Pf *pf = pf_new();

        g_snprintf(pf->address, sizeof(pf->address), "0000:%02x:00.0", bus);
        pf->vendor_id = vendor;
        pf->device_id = device;
        pf->total_vfs = total;
        pf->num_vfs = num;
        for (guint i = 0; i < num; i++) {
                Vf *vf = vf_new();
                g_snprintf(vf->address, sizeof(vf->address), "0000:%02x:01.%u", bus, i);
                g_strlcpy(vf->pf_address, pf->address, sizeof(vf->pf_address));
                vf->index = i;
                vf->driver = g_strdup(driver);
                g_ptr_array_add(pf->vfs, vf);
        }
        return pf;
}

static Vf *find_vf_mut(Inventory *inv, const char *addr)
{
        return (Vf *) inventory_find_vf(inv, addr);
}

static VfmigConfig *config(const char *text)
{
        g_autoptr(GError) error = NULL;
        VfmigConfig *cfg = vfmig_config_parse(text, strlen(text), &error);

        if (!cfg)
                fail_msg("config: %s", error->message);
        return cfg;
}

static gboolean any_contains(GPtrArray *strs, const char *a, const char *b)
{
        for (guint i = 0; i < strs->len; i++) {
                const char *s = g_ptr_array_index(strs, i);
                if (strstr(s, a) && (!b || strstr(s, b)))
                        return TRUE;
        }
        return FALSE;
}

static void test_vanished_while_claimed(void **state)
{
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        g_autoptr(GPtrArray) findings = NULL, again = NULL;
        const PoolEntry *e;

        inventory_add_pf(inv, make_pf(0x3b, 0x1af4, 0x1041, 8, 2, "vfmig_virtio_pci"));
        assert_true(pool_claim(pool, "0000:3b:01.1", UUID_A, "vm1", T0, NULL));
        assert_true(pool_claim(pool, "0000:3b:01.5", UUID_A, "vm1", T0, NULL));  /* gone */
        assert_true(pool_reserve(pool, "0000:3b:01.6", UUID_B, NULL, T0 + 10, T0, NULL)); /* gone */
        pool_quarantine(pool, "0000:3b:01.7", "earlier", T0);                     /* gone */

        findings = reconcile_pool(pool, inv, T0 + 1);
        assert_int_equal(findings->len, 2);
        assert_true(any_contains(findings, "0000:3b:01.5 vanished while claimed by vm1", UUID_A));
        assert_true(any_contains(findings, "0000:3b:01.6 vanished while reserved", UUID_B));

        e = pool_lookup(pool, "0000:3b:01.5");
        assert_int_equal(e->state, VF_STATE_QUARANTINED);
        assert_non_null(strstr(e->reason, "vanished while claimed by vm1"));
        assert_int_equal(e->since_usec, T0 + 1);
        assert_int_equal(pool_state(pool, "0000:3b:01.6"), VF_STATE_QUARANTINED);
        /* Present and fine: untouched. Already quarantined: kept, not dropped. */
        assert_int_equal(pool_state(pool, "0000:3b:01.1"), VF_STATE_CLAIMED);
        assert_string_equal(pool_lookup(pool, "0000:3b:01.7")->reason, "earlier");

        /* Nothing new the second time. */
        again = reconcile_pool(pool, inv, T0 + 2);
        assert_int_equal(again->len, 0);
}

static void test_driver_changed(void **state)
{
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        g_autoptr(GPtrArray) findings = NULL;

        inventory_add_pf(inv, make_pf(0x3b, 0x1af4, 0x1041, 8, 5, "vfmig_virtio_pci"));
        for (int i = 0; i < 5; i++) {
                g_autofree char *a = g_strdup_printf("0000:3b:01.%d", i);
                assert_true(pool_claim(pool, a, UUID_A, "vm1", T0, NULL));
        }
        assert_true(pool_assign(pool, "0000:3b:01.0", UUID_A, T0, NULL));
        assert_true(pool_release_begin(pool, "0000:3b:01.3", NULL, T0, NULL));

        g_free(find_vf_mut(inv, "0000:3b:01.0")->driver);
        find_vf_mut(inv, "0000:3b:01.0")->driver = g_strdup("virtio-pci");
        g_clear_pointer(&find_vf_mut(inv, "0000:3b:01.1")->driver, g_free);
        g_free(find_vf_mut(inv, "0000:3b:01.2")->driver);
        find_vf_mut(inv, "0000:3b:01.2")->driver = g_strdup("vfio-pci"); /* allowed */
        g_free(find_vf_mut(inv, "0000:3b:01.3")->driver);
        find_vf_mut(inv, "0000:3b:01.3")->driver = g_strdup("virtio-pci"); /* releasing */

        findings = reconcile_pool(pool, inv, T0 + 1);
        assert_int_equal(findings->len, 2);
        assert_true(any_contains(findings,
                                 "0000:3b:01.0 driver changed to virtio-pci while assigned by vm1",
                                 NULL));
        assert_true(any_contains(findings, "0000:3b:01.1 driver changed to (none)", NULL));
        assert_int_equal(pool_state(pool, "0000:3b:01.0"), VF_STATE_QUARANTINED);
        assert_non_null(strstr(pool_lookup(pool, "0000:3b:01.0")->reason, "virtio-pci"));
        assert_int_equal(pool_state(pool, "0000:3b:01.1"), VF_STATE_QUARANTINED);
        assert_int_equal(pool_state(pool, "0000:3b:01.2"), VF_STATE_CLAIMED);
        assert_int_equal(pool_state(pool, "0000:3b:01.3"), VF_STATE_RELEASING);
        assert_int_equal(pool_state(pool, "0000:3b:01.4"), VF_STATE_CLAIMED);
}

static void free_plan(GPtrArray **plan, GPtrArray **ref)
{
        g_clear_pointer(plan, g_ptr_array_unref);
        g_clear_pointer(ref, g_ptr_array_unref);
}

/* What the agent would do with a plan, on the fake inventory. */
static void execute(Inventory *inv, GPtrArray *plan)
{
        for (guint i = 0; i < plan->len; i++) {
                const PlanAction *a = plan->pdata[i];
                if (a->kind == PLAN_BIND) {
                        Vf *vf = find_vf_mut(inv, a->address);
                        assert_non_null(vf);
                        g_free(vf->driver);
                        vf->driver = g_strdup(a->driver);
                } else {
                        const Pf *pf = inventory_find_pf(inv, a->address);
                        guint bus;
                        assert_non_null(pf);
                        sscanf(pf->address + 5, "%x", &bus);
                        /* New VFs come up with the kernel's default driver. */
                        inventory_add_pf(inv, make_pf(bus, pf->vendor_id, pf->device_id,
                                                      pf->total_vfs, a->num_vfs,
                                                      "virtio-pci"));
                }
        }
}

static void test_plan_converges(void **state)
{
        g_autoptr(VfmigConfig) cfg = config(
                "[pf 0000:3b:00.0]\nnum-vfs=4\n"
                "[pf 1af4:1042]\nnum-vfs=2\ndriver=vfio-pci\n");
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        GPtrArray *plan = NULL, *ref = NULL;
        const PlanAction *a;

        inventory_add_pf(inv, make_pf(0x3b, 0x1af4, 0x1041, 8, 2, "virtio-pci"));
        inventory_add_pf(inv, make_pf(0x5e, 0x1af4, 0x1042, 4, 2, NULL));
        inventory_add_pf(inv, make_pf(0x7f, 0x1af4, 0x1041, 4, 2, "virtio-pci")); /* no policy */

        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(ref->len, 0);
        assert_int_equal(plan->len, 3);
        /* numvfs first, then binds; no binds for a PF whose VFs change. */
        a = plan->pdata[0];
        assert_int_equal(a->kind, PLAN_SET_NUM_VFS);
        assert_string_equal(a->address, "0000:3b:00.0");
        assert_int_equal(a->num_vfs, 4);
        for (int i = 1; i < 3; i++) {
                a = plan->pdata[i];
                assert_int_equal(a->kind, PLAN_BIND);
                assert_true(g_str_has_prefix(a->address, "0000:5e:01."));
                assert_string_equal(a->driver, "vfio-pci");
        }
        execute(inv, plan);
        free_plan(&plan, &ref);

        /* After the rescan: the new VFs get the default driver. */
        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(ref->len, 0);
        assert_int_equal(plan->len, 4);
        for (int i = 0; i < 4; i++) {
                a = plan->pdata[i];
                assert_int_equal(a->kind, PLAN_BIND);
                assert_true(g_str_has_prefix(a->address, "0000:3b:01."));
                assert_string_equal(a->driver, "vfmig_virtio_pci");
        }
        execute(inv, plan);
        free_plan(&plan, &ref);

        /* Converged: nothing to do, nothing refused, twice. */
        for (int round = 0; round < 2; round++) {
                plan = reconcile_plan(cfg, inv, pool, &ref);
                assert_int_equal(plan->len, 0);
                assert_int_equal(ref->len, 0);
                free_plan(&plan, &ref);
        }
        /* The PF without a policy was never touched. */
        assert_string_equal(inventory_find_vf(inv, "0000:7f:01.0")->driver, "virtio-pci");
}

static void test_refused_when_in_use(void **state)
{
        g_autoptr(VfmigConfig) cfg = config("[pf 0000:3b:00.0]\nnum-vfs=0\n");
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        GPtrArray *plan = NULL, *ref = NULL;

        inventory_add_pf(inv, make_pf(0x3b, 0x1af4, 0x1041, 8, 3, "vfmig_virtio_pci"));
        pool_quarantine(pool, "0000:3b:01.0", "x", T0);
        assert_true(pool_reserve(pool, "0000:3b:01.2", UUID_B, "vm-b", T0 + 9, T0, NULL));

        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(plan->len, 0);
        assert_int_equal(ref->len, 1);
        assert_true(any_contains(ref, "0000:3b:00.0", "0000:3b:01.2 is reserved by vm-b"));
        assert_true(any_contains(ref, "from 3 to 0", NULL));
        free_plan(&plan, &ref);

        assert_true(pool_release_begin(pool, "0000:3b:01.2", NULL, T0, NULL));
        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(plan->len, 0);                 /* releasing blocks too */
        free_plan(&plan, &ref);

        /* Released: the quarantined VF still blocks, it may belong to a
         * running VM; the refusal names it and its reason. */
        assert_true(pool_release_finish(pool, "0000:3b:01.2", NULL));
        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(plan->len, 0);
        assert_int_equal(ref->len, 1);
        assert_true(any_contains(ref, "0000:3b:00.0", "0000:3b:01.0 is quarantined (x)"));
        assert_true(any_contains(ref, "from 3 to 0", NULL));
        free_plan(&plan, &ref);

        /* Unquarantined by the administrator: now it may change. */
        assert_true(pool_unquarantine(pool, "0000:3b:01.0", NULL));
        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(plan->len, 1);
        assert_int_equal(((PlanAction *) plan->pdata[0])->kind, PLAN_SET_NUM_VFS);
        assert_int_equal(ref->len, 0);
        free_plan(&plan, &ref);
}

static void test_bind_refusals(void **state)
{
        g_autoptr(VfmigConfig) cfg = config("[pf 0000:3b:00.0]\n[pf 0000:99:00.0]\nnum-vfs=1\n");
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        GPtrArray *plan = NULL, *ref = NULL;

        inventory_add_pf(inv, make_pf(0x3b, 0x1af4, 0x1041, 8, 3, "vfio-pci"));
        assert_true(pool_claim(pool, "0000:3b:01.0", UUID_A, "vm1", T0, NULL));
        pool_quarantine(pool, "0000:3b:01.1", "vanished once", T0);

        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(plan->len, 1);
        assert_string_equal(((PlanAction *) plan->pdata[0])->address, "0000:3b:01.2");
        assert_string_equal(((PlanAction *) plan->pdata[0])->driver, "vfmig_virtio_pci");
        assert_int_equal(ref->len, 3);
        assert_true(any_contains(ref, "0000:3b:01.0", "claimed by vm1"));
        assert_true(any_contains(ref, "0000:3b:01.1", "quarantined"));
        assert_true(any_contains(ref, "0000:99:00.0", "no such PF"));
        free_plan(&plan, &ref);
}

static void test_too_many_vfs(void **state)
{
        g_autoptr(VfmigConfig) cfg = config("[pf 0000:3b:00.0]\nnum-vfs=9\n");
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        GPtrArray *plan = NULL, *ref = NULL;

        inventory_add_pf(inv, make_pf(0x3b, 0x1af4, 0x1041, 8, 0, NULL));
        plan = reconcile_plan(cfg, inv, pool, &ref);
        assert_int_equal(plan->len, 0);
        assert_int_equal(ref->len, 1);
        assert_true(any_contains(ref, "0000:3b:00.0", "at most 8"));
        free_plan(&plan, &ref);
        /* NULL refusals pointer is allowed. */
        plan = reconcile_plan(cfg, inv, pool, NULL);
        assert_int_equal(plan->len, 0);
        g_ptr_array_unref(plan);
        plan_action_free(NULL);
}

/* After a damaged journal, VFIO-bound VFs the pool does not hold may be
 * in use: quarantined. Held, unbound and host-driver VFs are left alone. */
static void test_after_damaged_journal(void **state)
{
        g_autoptr(Inventory) inv = inventory_new();
        g_autoptr(Pool) pool = pool_new();
        g_autoptr(GPtrArray) findings = NULL, again = NULL;
        Pf *pf = make_pf(0x3b, 0x1af4, 0x1041, 8, 4, "vfmig_virtio_pci");

        g_free(((Vf *) pf->vfs->pdata[2])->driver);
        ((Vf *) pf->vfs->pdata[2])->driver = g_strdup("virtio-pci");
        g_clear_pointer(&((Vf *) pf->vfs->pdata[3])->driver, g_free);
        inventory_add_pf(inv, pf);
        inventory_add_pf(inv, make_pf(0x5e, 0x1af4, 0x1042, 8, 1, "vfio-pci"));
        assert_true(pool_claim(pool, "0000:3b:01.0", UUID_A, "vm1", T0, NULL));

        findings = reconcile_after_damaged_journal(pool, inv, "kept aside", T0 + 1);
        assert_int_equal(findings->len, 2);
        assert_true(any_contains(findings, "0000:3b:01.1 is bound to vfmig_virtio_pci",
                                 "kept aside"));
        assert_true(any_contains(findings, "0000:5e:01.0 is bound to vfio-pci", NULL));
        assert_int_equal(pool_state(pool, "0000:3b:01.0"), VF_STATE_CLAIMED);
        assert_int_equal(pool_state(pool, "0000:3b:01.1"), VF_STATE_QUARANTINED);
        assert_int_equal(pool_state(pool, "0000:3b:01.2"), VF_STATE_FREE);
        assert_int_equal(pool_state(pool, "0000:3b:01.3"), VF_STATE_FREE);
        assert_int_equal(pool_state(pool, "0000:5e:01.0"), VF_STATE_QUARANTINED);

        /* Already quarantined VFs are held by the pool: nothing more. */
        again = reconcile_after_damaged_journal(pool, inv, "kept aside", T0 + 2);
        assert_int_equal(again->len, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vanished_while_claimed),
                cmocka_unit_test(test_driver_changed),
                cmocka_unit_test(test_after_damaged_journal),
                cmocka_unit_test(test_plan_converges),
                cmocka_unit_test(test_refused_when_in_use),
                cmocka_unit_test(test_bind_refusals),
                cmocka_unit_test(test_too_many_vfs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
