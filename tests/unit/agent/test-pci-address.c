/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/pci-address.h"
#include "core/vfmig-error.h"

typedef struct {
        const char *in;
        const char *canon;   /* NULL: must be refused */
} Case;

static const Case cases[] = {
        { "0000:3b:00.2", "0000:3b:00.2" },
        { "0000:3B:00.2", "0000:3b:00.2" },          /* upper case */
        { "ABCD:EF:1F.7", "abcd:ef:1f.7" },
        { "3b:00.2", "0000:3b:00.2" },               /* short form */
        { "ff:1f.7", "0000:ff:1f.7" },
        { "0001:00:00.0", "0001:00:00.0" },
        { "", NULL },
        { "garbage", NULL },
        { "0000:3b:00.8", NULL },                    /* function is 3 bits */
        { "0000:3b:00.9", NULL },
        { "0000:3b:20.0", NULL },                    /* device is 5 bits */
        { "0000:3b:00.2 ", NULL },                   /* trailing space */
        { " 0000:3b:00.2", NULL },
        { "0000:3b:00.2\n", NULL },
        { "00000:3b:00.2", NULL },                   /* overlong domain */
        { "0000:3b:00.22", NULL },                   /* overlong function */
        { "0000:3b:000.2", NULL },
        { "000:3b:00.2", NULL },
        { "0000-3b-00.2", NULL },
        { "0000:3b:00:2", NULL },
        { "0000:3g:00.2", NULL },                    /* not hex */
        { "0000:3b:00.a", NULL },                    /* function is decimal */
        { "3b:0.2", NULL },
        { "+000:3b:00.2", NULL },
        { "0000:3b:00.2/../../x", NULL },
        { "0000:3b:00.2\0x", "0000:3b:00.2" },       /* C string ends at NUL */
};

static void test_table(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                char out[PCI_ADDRESS_STRLEN] = "unchanged";
                g_autoptr(GError) error = NULL;
                gboolean ok = pci_address_normalize(cases[i].in, out, &error);

                if (cases[i].canon) {
                        if (!ok)
                                fail_msg("'%s' refused: %s", cases[i].in, error->message);
                        assert_string_equal(out, cases[i].canon);
                        assert_true(pci_address_is_valid(cases[i].in));
                } else {
                        if (ok)
                                fail_msg("'%s' accepted as %s", cases[i].in, out);
                        assert_true(g_error_matches(error, VFMIG_ERROR,
                                                    VFMIG_ERROR_INVALID_ARGUMENT));
                        /* Refusal names the input and writes nothing. */
                        assert_non_null(strstr(error->message, "not a PCI address"));
                        assert_string_equal(out, "unchanged");
                        assert_false(pci_address_is_valid(cases[i].in));
                }
        }
}

static void test_error_names_input(void **state)
{
        char out[PCI_ADDRESS_STRLEN];
        g_autoptr(GError) error = NULL;

        assert_false(pci_address_normalize("0000:3b:00.9", out, &error));
        assert_non_null(strstr(error->message, "0000:3b:00.9"));
}

static void test_null(void **state)
{
        char out[PCI_ADDRESS_STRLEN];
        g_autoptr(GError) error = NULL;

        assert_false(pci_address_normalize(NULL, out, &error));
        assert_non_null(error);
        assert_false(pci_address_is_valid(NULL));
}

static void test_idempotent(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                char a[PCI_ADDRESS_STRLEN], b[PCI_ADDRESS_STRLEN];

                if (!cases[i].canon)
                        continue;
                assert_true(pci_address_normalize(cases[i].in, a, NULL));
                assert_true(pci_address_normalize(a, b, NULL));
                assert_string_equal(a, b);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_error_names_input),
                cmocka_unit_test(test_null),
                cmocka_unit_test(test_idempotent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
