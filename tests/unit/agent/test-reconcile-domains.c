/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/reconcile-domains.h"

#define A "11111111-1111-4111-8111-111111111111"
#define B "22222222-2222-4222-8222-222222222222"
#define VF1 "0000:3b:00.2"
#define VF2 "0000:3b:00.3"
#define VF3 "0000:3b:00.4"
#define NOW (1000 * G_USEC_PER_SEC)
#define GRACE (120 * G_USEC_PER_SEC)
#define OLD (NOW - 600 * G_USEC_PER_SEC)

static void test_enum(void **state)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        for (int i = 0; i < _DOMAIN_ACTION_MAX; i++) {
                const char *s = domain_action_kind_to_string(i);
                assert_non_null(s);
                assert_true(g_hash_table_add(seen, (gpointer) s));
                assert_int_equal(domain_action_kind_from_string(s), i);
        }
        assert_null(domain_action_kind_to_string(_DOMAIN_ACTION_MAX));
        assert_null(domain_action_kind_to_string(-1));
        assert_int_equal(domain_action_kind_from_string("x"), _DOMAIN_ACTION_INVALID);
        assert_int_equal(domain_action_kind_from_string(NULL), _DOMAIN_ACTION_INVALID);
        assert_int_equal(_DOMAIN_ACTION_INVALID, -EINVAL);
}

/* Pool set-up: "c:A" claimed by A, "r:A" reserved, "a:A" assigned,
 * "x:A" releasing, "q" quarantined, "cn:A" a claim made just now. */
static void put(Pool *p, const char *vf, const char *how)
{
        g_autofree char *kind = g_strdup(how);
        char *owner = strchr(kind, ':');
        gint64 when = OLD;

        if (owner)
                *owner++ = '\0';
        if (g_str_equal(kind, "q")) {
                pool_quarantine(p, vf, "test", OLD);
                return;
        }
        if (g_str_equal(kind, "cn"))
                when = NOW - 1;
        if (g_str_equal(kind, "r"))
                assert_true(pool_reserve(p, vf, owner, "n", NOW + GRACE, when, NULL));
        else
                assert_true(pool_claim(p, vf, owner, "n", when, NULL));
        if (g_str_equal(kind, "a") || g_str_equal(kind, "x"))
                assert_true(pool_assign(p, vf, owner, when, NULL));
        if (g_str_equal(kind, "x"))
                assert_true(pool_release_begin(p, vf, owner, when, NULL));
}

typedef struct {
        const char *name;
        const char *pool[4][2];          /* vf, how */
        const char *a_vfs[4], *b_vfs[4]; /* what A and B use (NULL: not running) */
        gboolean a_runs, b_runs, complete;
        const char *want;                /* "kind vf owner; ..." in address order */
} Case;

static const Case cases[] = {
        { "free VF used by a running domain is assigned",
          { { VF1, NULL } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A },
        { "own claim becomes an assignment",
          { { VF1, "c:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A },
        { "own reservation becomes an assignment (incoming arrived)",
          { { VF1, "r:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "assign 0000:3b:00.2 " A },
        { "own assignment: nothing",
          { { VF1, "a:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "" },
        { "another domain's VF is quarantined",
          { { VF1, "a:" B } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "quarantine 0000:3b:00.2 -" },
        { "another's reservation is quarantined",
          { { VF1, "r:" B } }, { VF1 }, { NULL }, TRUE, FALSE, FALSE, "quarantine 0000:3b:00.2 -" },
        { "used while releasing: quarantined",
          { { VF1, "x:" A } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "quarantine 0000:3b:00.2 -" },
        { "quarantined stays as it is",
          { { VF1, "q" } }, { VF1 }, { NULL }, TRUE, FALSE, TRUE, "" },
        { "two running domains on one VF",
          { { VF1, NULL } }, { VF1 }, { VF1 }, TRUE, TRUE, TRUE, "quarantine 0000:3b:00.2 -" },
        { "claim of a domain not running is released",
          { { VF1, "c:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "release 0000:3b:00.2 " A },
        { "assignment of a domain not running is released",
          { { VF1, "a:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "release 0000:3b:00.2 " A },
        { "an interrupted release is finished",
          { { VF1, "x:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "release 0000:3b:00.2 " A },
        { "a claim just made (domain starting) is kept",
          { { VF1, "cn:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "" },
        { "reservations wait for their lease",
          { { VF1, "r:" A } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "" },
        { "assignment of a running domain no longer using it is released",
          { { VF1, "a:" A }, { VF2, "a:" A } }, { VF2 }, { NULL }, TRUE, FALSE, TRUE,
          "release 0000:3b:00.2 " A },
        { "one domain (reconnect hook) releases nothing else",
          { { VF1, "a:" B }, { VF2, NULL } }, { VF2 }, { NULL }, TRUE, FALSE, FALSE,
          "assign 0000:3b:00.3 " A },
        { "mixed, address order",
          { { VF3, "c:" B }, { VF2, "a:" A }, { VF1, NULL } }, { VF2, VF1 }, { NULL },
          TRUE, FALSE, TRUE,
          "assign 0000:3b:00.2 " A "; release 0000:3b:00.4 " B },
        { "nothing running, nothing held", { { NULL } }, { NULL }, { NULL }, FALSE, FALSE, TRUE, "" },
};

static void test_table(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                const Case *c = &cases[i];
                g_autoptr(Pool) pool = pool_new();
                g_autoptr(Pool) before = NULL;
                g_autoptr(GPtrArray) domains = g_ptr_array_new();
                g_autoptr(GPtrArray) plan = NULL;
                g_autoptr(GString) got = g_string_new(NULL);
                g_autofree char *text_before = NULL, *text_after = NULL;
                RunningDomain da = { A, "vmA", c->a_vfs }, db = { B, NULL, c->b_vfs };

                for (int j = 0; j < 4 && c->pool[j][0]; j++)
                        if (c->pool[j][1])
                                put(pool, c->pool[j][0], c->pool[j][1]);
                if (c->a_runs)
                        g_ptr_array_add(domains, &da);
                if (c->b_runs)
                        g_ptr_array_add(domains, &db);
                text_before = pool_serialize(pool);
                plan = reconcile_domains_plan(pool, domains, c->complete, NOW, GRACE);
                text_after = pool_serialize(pool);
                /* A planner: the pool is not touched. */
                assert_string_equal(text_before, text_after);

                for (guint k = 0; k < plan->len; k++) {
                        const DomainAction *a = plan->pdata[k];
                        g_string_append_printf(got, "%s%s %s %s", k ? "; " : "",
                                               domain_action_kind_to_string(a->kind), a->address,
                                               a->owner_uuid ? a->owner_uuid : "-");
                        /* Each line names the VF. */
                        assert_non_null(strstr(a->line, a->address));
                }
                if (!g_str_equal(got->str, c->want))
                        fail_msg("%s: got '%s', want '%s'", c->name, got->str, c->want);
        }
}

static void test_lines_name_owners(void **state)
{
        g_autoptr(Pool) pool = pool_new();
        g_autoptr(GPtrArray) domains = g_ptr_array_new();
        g_autoptr(GPtrArray) plan = NULL;
        const char *vfs[] = { VF1, NULL };
        RunningDomain da = { A, "vmA", vfs };
        const DomainAction *a;

        assert_true(pool_claim(pool, VF1, B, "vmB", OLD, NULL));
        g_ptr_array_add(domains, &da);
        plan = reconcile_domains_plan(pool, domains, TRUE, NOW, GRACE);
        assert_int_equal(plan->len, 1);
        a = plan->pdata[0];
        assert_non_null(strstr(a->line, "vmA"));
        assert_non_null(strstr(a->line, "vmB"));
        assert_non_null(strstr(a->line, "quarantined"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enum),
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_lines_name_owners),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
