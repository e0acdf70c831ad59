/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctl-model.h"

static void test_path_decode(void **state)
{
        g_autofree char *a = ctl_path_label_decode("/org/vfmig/Agent1/vf/_30000_3a3b_3a00_2e2");
        g_autofree char *b = ctl_path_label_decode("/org/vfmig/Agent1/pf/_30000_3a5e_3a00_2e0");
        g_autofree char *e = ctl_path_label_decode("/a/_");
        g_autofree char *bad = ctl_path_label_decode("/a/_3");
        g_autofree char *bad2 = ctl_path_label_decode("/a/");

        assert_string_equal(a, "0000:3b:00.2");
        assert_string_equal(b, "0000:5e:00.0");
        assert_string_equal(e, "");
        assert_null(bad);
        assert_null(bad2);
        assert_null(ctl_path_label_decode(NULL));
}

/* Constructors take NULL as "" (the bus never sends NULL; tests might). */
static void test_model_null_strings(void **state)
{
        g_autoptr(CtlPf) pf = ctl_pf_new(NULL, NULL, NULL, NULL, 1, 2, 3, 4);
        g_autoptr(CtlVf) vf = ctl_vf_new(NULL, NULL, NULL, 5, NULL, NULL, NULL, NULL, NULL);
        g_autoptr(CtlProp) s = ctl_prop_new_string("S", "s", NULL);
        g_autoptr(CtlProp) v = ctl_prop_new_strv("V", "as", NULL);
        g_autoptr(CtlProp) o = ctl_prop_new_other("O", "a{sv}");

        assert_string_equal(pf->address, "");
        assert_string_equal(pf->driver, "");
        assert_int_equal(pf->num_vfs, 4);
        assert_string_equal(vf->owner_uuid, "");
        assert_int_equal(vf->index, 5);
        assert_string_equal(s->s, "");
        assert_int_equal(s->kind, CTL_VALUE_STRING);
        assert_non_null(v->strv);
        assert_null(v->strv[0]);
        assert_int_equal(o->kind, CTL_VALUE_OTHER);
        assert_string_equal(o->s, "a{sv}");
        ctl_pf_free(NULL);
        ctl_vf_free(NULL);
        ctl_prop_free(NULL);
}

static void test_value_kind_table_complete(void **state)
{
        for (int k = 0; k < _CTL_VALUE_MAX; k++) {
                const char *name = ctl_value_kind_to_string(k);

                assert_non_null(name);
                assert_int_equal(ctl_value_kind_from_string(name), k);
        }
        assert_null(ctl_value_kind_to_string(_CTL_VALUE_MAX));
        assert_null(ctl_value_kind_to_string(_CTL_VALUE_INVALID));
        assert_int_equal(ctl_value_kind_from_string("float"), _CTL_VALUE_INVALID);
        assert_int_equal(ctl_value_kind_from_string(NULL), _CTL_VALUE_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_decode),
                cmocka_unit_test(test_model_null_strings),
                cmocka_unit_test(test_value_kind_table_complete),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
