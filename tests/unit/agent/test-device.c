/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/device.h"

static void test_type_from_ids(void **state)
{
        static const struct {
                guint16 vendor, device;
                DeviceType type;
        } cases[] = {
                { 0x1af4, 0x1041, DEVICE_TYPE_NET },
                { 0x1af4, 0x1000, DEVICE_TYPE_NET },   /* transitional */
                { 0x1af4, 0x1042, DEVICE_TYPE_BLK },
                { 0x1af4, 0x1001, DEVICE_TYPE_BLK },   /* transitional */
                { 0x1af4, 0x1043, _DEVICE_TYPE_INVALID }, /* console */
                { 0x1af4, 0x1040, _DEVICE_TYPE_INVALID },
                { 0x1af4, 0x1002, _DEVICE_TYPE_INVALID },
                { 0x8086, 0x1041, _DEVICE_TYPE_INVALID },
                { 0x8086, 0x10ca, _DEVICE_TYPE_INVALID },
                { 0x15b3, 0x1041, _DEVICE_TYPE_INVALID },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
                if (device_type_from_ids(cases[i].vendor, cases[i].device) != cases[i].type)
                        fail_msg("%04x:%04x: got %d, want %d", cases[i].vendor,
                                 cases[i].device,
                                 device_type_from_ids(cases[i].vendor, cases[i].device),
                                 cases[i].type);
}

static Pf *make_pf(const char *addr, guint nvfs)
{
        Pf *pf = pf_new();
        guint bus = 0, dev = 0, fn = 0;

        g_strlcpy(pf->address, addr, sizeof(pf->address));
        sscanf(addr + 5, "%x:%x.%u", &bus, &dev, &fn);
        /* Add in reverse order: inventory_add_pf sorts by index. */
        for (guint i = nvfs; i-- > 0;) {
                Vf *vf = vf_new();
                g_snprintf(vf->address, sizeof(vf->address), "0000:%02x:%02x.%u",
                           bus, dev + 1 + i / 8, i % 8);
                g_strlcpy(vf->pf_address, addr, sizeof(vf->pf_address));
                vf->index = i;
                g_ptr_array_add(pf->vfs, vf);
        }
        pf->num_vfs = pf->total_vfs = nvfs;
        return pf;
}

static void test_inventory(void **state)
{
        g_autoptr(Inventory) inv = inventory_new();
        const Pf *pf;
        const Vf *vf;

        inventory_add_pf(inv, make_pf("0000:5e:00.0", 3));
        inventory_add_pf(inv, make_pf("0000:3b:00.0", 2));
        inventory_add_pf(inv, make_pf("0000:af:00.0", 0));

        assert_int_equal(inv->pfs->len, 3);
        assert_string_equal(((Pf *) inv->pfs->pdata[0])->address, "0000:3b:00.0");
        assert_string_equal(((Pf *) inv->pfs->pdata[1])->address, "0000:5e:00.0");
        assert_string_equal(((Pf *) inv->pfs->pdata[2])->address, "0000:af:00.0");

        pf = inventory_find_pf(inv, "0000:5e:00.0");
        assert_non_null(pf);
        assert_int_equal(((Vf *) pf->vfs->pdata[0])->index, 0);
        assert_int_equal(((Vf *) pf->vfs->pdata[2])->index, 2);
        /* Upper case and short forms are found too. */
        assert_ptr_equal(inventory_find_pf(inv, "5E:00.0"), pf);

        vf = inventory_find_vf(inv, "0000:5e:01.2");
        assert_non_null(vf);
        assert_string_equal(vf->pf_address, "0000:5e:00.0");
        assert_null(inventory_find_vf(inv, "0000:5e:00.0"));   /* a PF */
        assert_null(inventory_find_pf(inv, "0000:5e:01.2"));   /* a VF */
        assert_null(inventory_find_vf(inv, "garbage"));
        assert_null(inventory_find_vf(inv, NULL));

        /* Re-adding a PF replaces it and its VFs. */
        inventory_add_pf(inv, make_pf("0000:5e:00.0", 1));
        assert_int_equal(inv->pfs->len, 3);
        assert_non_null(inventory_find_vf(inv, "0000:5e:01.0"));
        assert_null(inventory_find_vf(inv, "0000:5e:01.2"));
        assert_int_equal(g_hash_table_size(inv->vf_by_address), 3);
}

static void test_vf_copy_and_defaults(void **state)
{
        g_autoptr(Vf) vf = vf_new();
        g_autoptr(Vf) c = NULL;

        assert_int_equal(vf->iommu_group, -1);
        assert_null(vf->driver);
        vf->driver = g_strdup("vfio-pci");
        g_strlcpy(vf->address, "0000:3b:00.2", sizeof(vf->address));
        c = vf_copy(vf);
        assert_string_equal(c->driver, "vfio-pci");
        assert_ptr_not_equal(c->driver, vf->driver);
        assert_string_equal(c->address, "0000:3b:00.2");
        assert_null(vf_copy(NULL));
        vf_free(NULL);
        pf_free(NULL);
        inventory_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_type_from_ids),
                cmocka_unit_test(test_inventory),
                cmocka_unit_test(test_vf_copy_and_defaults),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
