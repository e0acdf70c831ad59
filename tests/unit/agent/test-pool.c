/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/pool.h"
#include "core/vfmig-error.h"

#define VF "0000:3b:00.2"
#define UUID_A "6f3c1a52-8d7e-4f0b-9a61-0c2d3e4f5a6b"
#define UUID_B "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00"
#define T0 G_GINT64_CONSTANT(1700000000000000)
#define T1 (T0 + 1000000)
#define LEASE (T0 + 300000000LL)

typedef enum { OP_CLAIM, OP_RESERVE, OP_ASSIGN, OP_RELEASE_BEGIN,
               OP_RELEASE_FINISH, OP_QUARANTINE, OP_UNQUARANTINE } Op;
typedef enum { BY_A, BY_B, BY_ADMIN } Actor;

static const char *const op_names[] = {
        "claim", "reserve", "assign", "release_begin", "release_finish",
        "quarantine", "unquarantine",
};

/* Pool with VF in `from`, held by A where the state has an owner. */
static guint n_entries(const Pool *p)
{
        g_autoptr(GPtrArray) e = pool_entries(p);

        return e->len;
}

static Pool *pool_in_state(VfState from)
{
        Pool *p = pool_new();

        switch (from) {
        case VF_STATE_FREE:
                break;
        case VF_STATE_CLAIMED:
                assert_true(pool_claim(p, VF, UUID_A, "vm-a", T0, NULL));
                break;
        case VF_STATE_RESERVED:
                assert_true(pool_reserve(p, VF, UUID_A, "vm-a", LEASE, T0, NULL));
                break;
        case VF_STATE_ASSIGNED:
                assert_true(pool_claim(p, VF, UUID_A, "vm-a", T0, NULL));
                assert_true(pool_assign(p, VF, UUID_A, T0, NULL));
                break;
        case VF_STATE_RELEASING:
                assert_true(pool_claim(p, VF, UUID_A, "vm-a", T0, NULL));
                assert_true(pool_release_begin(p, VF, UUID_A, T0, NULL));
                break;
        case VF_STATE_QUARANTINED:
                pool_quarantine(p, VF, "first reason", T0);
                break;
        default:
                fail();
        }
        assert_int_equal(pool_state(p, VF), from);
        return p;
}

static gboolean run_op(Pool *p, Op op, Actor who, GError **error)
{
        const char *uuid = who == BY_A ? UUID_A : who == BY_B ? UUID_B : NULL;
        const char *name = who == BY_A ? "vm-a" : "vm-b";

        switch (op) {
        case OP_CLAIM:
                return pool_claim(p, VF, uuid, name, T1, error);
        case OP_RESERVE:
                return pool_reserve(p, VF, uuid, name, LEASE + 1000000, T1, error);
        case OP_ASSIGN:
                return pool_assign(p, VF, uuid, T1, error);
        case OP_RELEASE_BEGIN:
                return pool_release_begin(p, VF, uuid, T1, error);
        case OP_RELEASE_FINISH:
                return pool_release_finish(p, VF, error);
        case OP_QUARANTINE:
                pool_quarantine(p, VF, "second reason", T1);
                return TRUE;
        case OP_UNQUARANTINE:
                return pool_unquarantine(p, VF, error);
        }
        return FALSE;
}

#define OK (-1)
typedef struct {
        VfState from;
        Op op;
        Actor who;
        int error;       /* OK or a VfmigError */
        VfState to;      /* when OK */
} Transition;

#define F VF_STATE_FREE
#define C VF_STATE_CLAIMED
#define R VF_STATE_RESERVED
#define A VF_STATE_ASSIGNED
#define L VF_STATE_RELEASING
#define Q VF_STATE_QUARANTINED

/* Every state x every operation (x owner where it matters). */
static const Transition table[] = {
        { F, OP_CLAIM, BY_A, OK, C },
        { F, OP_RESERVE, BY_A, OK, R },
        { F, OP_ASSIGN, BY_A, VFMIG_ERROR_INVALID_STATE, 0 },
        { F, OP_RELEASE_BEGIN, BY_A, OK, F },
        { F, OP_RELEASE_BEGIN, BY_ADMIN, OK, F },
        { F, OP_RELEASE_FINISH, BY_ADMIN, OK, F },
        { F, OP_QUARANTINE, BY_ADMIN, OK, Q },
        { F, OP_UNQUARANTINE, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },

        { C, OP_CLAIM, BY_A, OK, C },
        { C, OP_CLAIM, BY_B, VFMIG_ERROR_BUSY, 0 },
        { C, OP_RESERVE, BY_A, OK, C },
        { C, OP_RESERVE, BY_B, VFMIG_ERROR_BUSY, 0 },
        { C, OP_ASSIGN, BY_A, OK, A },
        { C, OP_ASSIGN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { C, OP_RELEASE_BEGIN, BY_A, OK, L },
        { C, OP_RELEASE_BEGIN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { C, OP_RELEASE_BEGIN, BY_ADMIN, OK, L },
        { C, OP_RELEASE_FINISH, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },
        { C, OP_QUARANTINE, BY_ADMIN, OK, Q },
        { C, OP_UNQUARANTINE, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },

        { R, OP_CLAIM, BY_A, OK, C },      /* the lease is dropped */
        { R, OP_CLAIM, BY_B, VFMIG_ERROR_BUSY, 0 },
        { R, OP_RESERVE, BY_A, OK, R },
        { R, OP_RESERVE, BY_B, VFMIG_ERROR_BUSY, 0 },
        { R, OP_ASSIGN, BY_A, OK, A },
        { R, OP_ASSIGN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { R, OP_RELEASE_BEGIN, BY_A, OK, L },
        { R, OP_RELEASE_BEGIN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { R, OP_RELEASE_BEGIN, BY_ADMIN, OK, L },
        { R, OP_RELEASE_FINISH, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },
        { R, OP_QUARANTINE, BY_ADMIN, OK, Q },
        { R, OP_UNQUARANTINE, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },

        { A, OP_CLAIM, BY_A, OK, A },
        { A, OP_CLAIM, BY_B, VFMIG_ERROR_BUSY, 0 },
        { A, OP_RESERVE, BY_A, OK, A },
        { A, OP_RESERVE, BY_B, VFMIG_ERROR_BUSY, 0 },
        { A, OP_ASSIGN, BY_A, OK, A },
        { A, OP_ASSIGN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { A, OP_RELEASE_BEGIN, BY_A, OK, L },
        { A, OP_RELEASE_BEGIN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { A, OP_RELEASE_BEGIN, BY_ADMIN, OK, L },
        { A, OP_RELEASE_FINISH, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },
        { A, OP_QUARANTINE, BY_ADMIN, OK, Q },
        { A, OP_UNQUARANTINE, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },

        { L, OP_CLAIM, BY_A, VFMIG_ERROR_BUSY, 0 },
        { L, OP_CLAIM, BY_B, VFMIG_ERROR_BUSY, 0 },
        { L, OP_RESERVE, BY_A, VFMIG_ERROR_BUSY, 0 },
        { L, OP_RESERVE, BY_B, VFMIG_ERROR_BUSY, 0 },
        { L, OP_ASSIGN, BY_A, VFMIG_ERROR_BUSY, 0 },
        { L, OP_ASSIGN, BY_B, VFMIG_ERROR_BUSY, 0 },
        { L, OP_RELEASE_BEGIN, BY_A, OK, L },
        { L, OP_RELEASE_BEGIN, BY_B, VFMIG_ERROR_NOT_OWNER, 0 },
        { L, OP_RELEASE_BEGIN, BY_ADMIN, OK, L },
        { L, OP_RELEASE_FINISH, BY_ADMIN, OK, F },
        { L, OP_QUARANTINE, BY_ADMIN, OK, Q },
        { L, OP_UNQUARANTINE, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },

        { Q, OP_CLAIM, BY_A, VFMIG_ERROR_QUARANTINED, 0 },
        { Q, OP_RESERVE, BY_A, VFMIG_ERROR_QUARANTINED, 0 },
        { Q, OP_ASSIGN, BY_A, VFMIG_ERROR_QUARANTINED, 0 },
        { Q, OP_RELEASE_BEGIN, BY_A, VFMIG_ERROR_QUARANTINED, 0 },
        { Q, OP_RELEASE_BEGIN, BY_ADMIN, VFMIG_ERROR_QUARANTINED, 0 },
        { Q, OP_RELEASE_FINISH, BY_ADMIN, VFMIG_ERROR_INVALID_STATE, 0 },
        { Q, OP_QUARANTINE, BY_ADMIN, OK, Q },
        { Q, OP_UNQUARANTINE, BY_ADMIN, OK, F },
};

static void test_transitions(void **state)
{
        for (gsize i = 0; i < G_N_ELEMENTS(table); i++) {
                const Transition *t = &table[i];
                g_autoptr(Pool) p = pool_in_state(t->from);
                g_autofree char *before = pool_serialize(p);
                g_autoptr(GError) error = NULL;
                gboolean ok = run_op(p, t->op, t->who, &error);
                g_autofree char *after = pool_serialize(p);

                if (t->error == OK) {
                        if (!ok)
                                fail_msg("%s --%s(%d)--> refused: %s",
                                         vf_state_to_string(t->from), op_names[t->op],
                                         t->who, error->message);
                        if (pool_state(p, VF) != t->to)
                                fail_msg("%s --%s(%d)--> %s, want %s",
                                         vf_state_to_string(t->from), op_names[t->op],
                                         t->who, vf_state_to_string(pool_state(p, VF)),
                                         vf_state_to_string(t->to));
                        /* Free VFs have no entry at all. */
                        assert_true((pool_lookup(p, VF) == NULL) == (t->to == F));
                        /* A no-op on a held VF leaves it exactly as it was
                         * (except a renewed lease, which only reserve does). */
                        if (t->from == t->to && t->op != OP_RESERVE)
                                assert_string_equal(before, after);
                } else {
                        if (ok)
                                fail_msg("%s --%s(%d)--> accepted, want error %s",
                                         vf_state_to_string(t->from), op_names[t->op],
                                         t->who, vfmig_error_to_string(t->error));
                        if (!g_error_matches(error, VFMIG_ERROR, t->error))
                                fail_msg("%s --%s(%d)--> %s, want %s",
                                         vf_state_to_string(t->from), op_names[t->op],
                                         t->who, error->message,
                                         vfmig_error_to_string(t->error));
                        /* Refusals name the VF and change nothing. */
                        assert_non_null(strstr(error->message, VF));
                        assert_string_equal(before, after);
                }
        }
}

/* Every state and operation appears in the table. */
static void test_table_complete(void **state)
{
        for (int s = 0; s < _VF_STATE_MAX; s++)
                for (int op = OP_CLAIM; op <= OP_UNQUARANTINE; op++) {
                        gboolean found = FALSE;
                        for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
                                found |= table[i].from == (VfState) s && table[i].op == (Op) op;
                        if (!found)
                                fail_msg("no row for %s/%s", vf_state_to_string(s),
                                         op_names[op]);
                }
}

static void test_busy_message(void **state)
{
        g_autoptr(Pool) p = pool_in_state(VF_STATE_CLAIMED);
        g_autoptr(GError) error = NULL;

        assert_false(pool_claim(p, VF, UUID_B, "vm-b", T1, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_BUSY));
        assert_non_null(strstr(error->message, VF));
        assert_non_null(strstr(error->message, "vm-a"));
        assert_non_null(strstr(error->message, UUID_A));
        assert_null(strstr(error->message, "vm-b"));
}

static void test_same_owner_idempotent(void **state)
{
        g_autoptr(Pool) p = pool_new();
        const PoolEntry *e;

        /* UUIDs compare case-insensitively and are stored lower-case. */
        assert_true(pool_claim(p, VF, "6F3C1A52-8D7E-4F0B-9A61-0C2D3E4F5A6B", NULL, T0, NULL));
        assert_true(pool_claim(p, VF, UUID_A, "vm-a", T1, NULL));
        e = pool_lookup(p, VF);
        assert_string_equal(e->owner_uuid, UUID_A);
        assert_string_equal(e->owner_name, "vm-a");    /* learned on retry */
        assert_int_equal(e->since_usec, T0);           /* not a transition */
        /* Non-canonical addresses name the same VF. */
        assert_true(pool_claim(p, "3B:00.2", UUID_A, "vm-a", T1, NULL));
        assert_int_equal(pool_state(p, "3b:00.2"), VF_STATE_CLAIMED);
        assert_int_equal(n_entries(p), 1);
}

/* The reserving domain claims its VF (prepare hook): the reservation
 * becomes a claim, so an expiring lease cannot free it under the VM. */
static void test_claim_of_own_reservation(void **state)
{
        g_autoptr(Pool) p = pool_in_state(VF_STATE_RESERVED);
        g_autoptr(GPtrArray) expired = NULL;
        g_autoptr(GError) error = NULL;
        const PoolEntry *e;

        assert_true(pool_claim(p, VF, "6F3C1A52-8D7E-4F0B-9A61-0C2D3E4F5A6B", NULL, T1, NULL));
        e = pool_lookup(p, VF);
        assert_int_equal(e->state, VF_STATE_CLAIMED);
        assert_int_equal(e->lease_until_usec, 0);
        assert_int_equal(e->since_usec, T1);           /* a transition */
        assert_string_equal(e->owner_uuid, UUID_A);
        assert_string_equal(e->owner_name, "vm-a");    /* kept */
        expired = pool_expired_reservations(p, LEASE + 1000000000LL);
        assert_int_equal(expired->len, 0);

        /* Retried: still claimed, nothing changes; a later reserve by the
         * same owner does not turn it back into a reservation. */
        assert_true(pool_claim(p, VF, UUID_A, "vm-a", T1 + 5, NULL));
        assert_true(pool_reserve(p, VF, UUID_A, "vm-a", LEASE, T1 + 6, NULL));
        e = pool_lookup(p, VF);
        assert_int_equal(e->state, VF_STATE_CLAIMED);
        assert_int_equal(e->lease_until_usec, 0);
        assert_int_equal(e->since_usec, T1);

        /* Another owner's reservation is not taken over. */
        g_autoptr(Pool) q = pool_in_state(VF_STATE_RESERVED);
        assert_false(pool_claim(q, VF, UUID_B, "vm-b", T1, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_BUSY));
        assert_int_equal(pool_state(q, VF), VF_STATE_RESERVED);
        assert_int_equal(pool_lookup(q, VF)->lease_until_usec, LEASE);
}

static void test_first_quarantined(void **state)
{
        g_autoptr(Pool) p = pool_new();
        const char *none[] = { NULL };
        const char *free_and_busy[] = { "0000:3b:00.2", "0000:3b:00.4", NULL };
        const char *with_q[] = { "0000:3b:00.2", "0000:3b:00.4", "3b:00.3", NULL };
        const PoolEntry *e;

        pool_quarantine(p, "0000:3b:00.3", "journal damaged", T0);
        assert_true(pool_claim(p, "0000:3b:00.4", UUID_A, NULL, T0, NULL));
        assert_null(pool_first_quarantined(p, none));
        assert_null(pool_first_quarantined(p, NULL));
        assert_null(pool_first_quarantined(p, free_and_busy));
        e = pool_first_quarantined(p, with_q);
        assert_non_null(e);
        assert_string_equal(e->address, "0000:3b:00.3");
        assert_string_equal(e->reason, "journal damaged");
}

static void test_reserve_lease(void **state)
{
        g_autoptr(Pool) p = pool_new();
        g_autoptr(GPtrArray) none = NULL, one = NULL, later = NULL;
        g_autoptr(GError) error = NULL;

        assert_true(pool_reserve(p, VF, UUID_A, "vm-a", T0 + 10, T0, NULL));
        assert_true(pool_reserve(p, "0000:3b:00.3", UUID_B, "vm-b", T0 + 50, T0, NULL));
        assert_true(pool_claim(p, "0000:3b:00.4", UUID_B, "vm-b", T0, NULL));
        assert_int_equal(pool_lookup(p, VF)->lease_until_usec, T0 + 10);

        none = pool_expired_reservations(p, T0 + 9);
        assert_int_equal(none->len, 0);
        one = pool_expired_reservations(p, T0 + 10);
        assert_int_equal(one->len, 1);
        assert_string_equal(g_ptr_array_index(one, 0), VF);

        /* A retry renews the lease but never shortens it. */
        assert_true(pool_reserve(p, VF, UUID_A, "vm-a", T0 + 100, T0 + 5, NULL));
        assert_int_equal(pool_lookup(p, VF)->lease_until_usec, T0 + 100);
        assert_true(pool_reserve(p, VF, UUID_A, "vm-a", T0 + 20, T0 + 6, NULL));
        assert_int_equal(pool_lookup(p, VF)->lease_until_usec, T0 + 100);
        later = pool_expired_reservations(p, T0 + 60);
        assert_int_equal(later->len, 1);
        assert_string_equal(g_ptr_array_index(later, 0), "0000:3b:00.3");

        /* Assigning drops the lease: it can no longer expire. */
        assert_true(pool_assign(p, "0000:3b:00.3", UUID_B, T0 + 1, NULL));
        assert_int_equal(pool_lookup(p, "0000:3b:00.3")->lease_until_usec, 0);
        g_ptr_array_unref(later);
        later = pool_expired_reservations(p, T0 + 1000);
        assert_int_equal(later->len, 1);
        assert_string_equal(g_ptr_array_index(later, 0), VF);

        /* A lease that already ended is bad input. */
        assert_false(pool_reserve(p, "0000:3b:00.5", UUID_A, NULL, T0, T0, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
        assert_non_null(strstr(error->message, "0000:3b:00.5"));
        assert_int_equal(pool_state(p, "0000:3b:00.5"), VF_STATE_FREE);
}

static void test_bad_arguments(void **state)
{
        g_autoptr(Pool) p = pool_new();
        static const struct {
                const char *addr, *uuid, *name;
        } bad[] = {
                { "0000:3b:00.9", UUID_A, "vm" },
                { "garbage", UUID_A, "vm" },
                { NULL, UUID_A, "vm" },
                { VF, "not-a-uuid", "vm" },
                { VF, "", "vm" },
                { VF, NULL, "vm" },
                { VF, UUID_A, "evil\nname" },
                { VF, UUID_A, "\xff\xfe" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) e1 = NULL, e2 = NULL;

                assert_false(pool_claim(p, bad[i].addr, bad[i].uuid, bad[i].name, T0, &e1));
                assert_true(g_error_matches(e1, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
                assert_false(pool_reserve(p, bad[i].addr, bad[i].uuid, bad[i].name,
                                          LEASE, T0, &e2));
                assert_true(g_error_matches(e2, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
        }
        assert_int_equal(n_entries(p), 0);
        {
                g_autoptr(GError) e = NULL;
                g_autofree char *big = g_strnfill(5000, 'x');
                assert_false(pool_claim(p, VF, UUID_A, big, T0, &e));
                assert_true(g_error_matches(e, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
        }
        /* A name with spaces and non-ASCII is fine. */
        assert_true(pool_claim(p, VF, UUID_A, "web server – prod", T0, NULL));
}

static void test_any_in_use(void **state)
{
        g_autoptr(Pool) p = pool_new();
        const char *none[] = { NULL };
        const char *free_and_q[] = { "0000:3b:00.2", "0000:3b:00.3", NULL };
        const char *with_busy[] = { "0000:3b:00.2", "0000:3b:00.3", "0000:3b:00.4", NULL };
        const char *busy = NULL;

        pool_quarantine(p, "0000:3b:00.3", "x", T0);
        assert_true(pool_reserve(p, "0000:3b:00.4", UUID_A, NULL, LEASE, T0, NULL));
        assert_false(pool_any_in_use(p, none, &busy));
        assert_false(pool_any_in_use(p, NULL, &busy));
        assert_false(pool_any_in_use(p, free_and_q, &busy));
        assert_null(busy);
        assert_true(pool_any_in_use(p, with_busy, &busy));
        assert_string_equal(busy, "0000:3b:00.4");
        assert_true(pool_any_in_use(p, with_busy, NULL));

        /* Each owned state counts, releasing too. */
        for (int s = VF_STATE_CLAIMED; s <= VF_STATE_RELEASING; s++) {
                g_autoptr(Pool) q = pool_in_state(s);
                const char *one[] = { VF, NULL };
                assert_true(pool_any_in_use(q, one, NULL));
        }
}

static void test_quarantine_keeps_first_reason(void **state)
{
        g_autoptr(Pool) p = pool_in_state(VF_STATE_CLAIMED);
        const PoolEntry *e;

        pool_quarantine(p, VF, "vanished", T1);
        pool_quarantine(p, VF, "something later", T1 + 5);
        e = pool_lookup(p, VF);
        assert_int_equal(e->state, VF_STATE_QUARANTINED);
        assert_string_equal(e->reason, "vanished");
        assert_null(e->owner_uuid);
        assert_int_equal(e->since_usec, T1);
        pool_quarantine(p, "bad", "x", T1);           /* ignored */
        assert_int_equal(n_entries(p), 1);
}

static void test_copy_forget_entries(void **state)
{
        g_autoptr(Pool) p = pool_new();
        g_autoptr(Pool) c = NULL;
        g_autoptr(GPtrArray) entries = NULL;

        assert_true(pool_claim(p, "0000:5e:00.1", UUID_A, NULL, T0, NULL));
        assert_true(pool_claim(p, "0000:3b:00.1", UUID_B, NULL, T0, NULL));
        c = pool_copy(p);
        pool_forget(p, "0000:5e:00.1");
        assert_int_equal(pool_state(p, "0000:5e:00.1"), VF_STATE_FREE);
        assert_int_equal(pool_state(c, "0000:5e:00.1"), VF_STATE_CLAIMED);
        entries = pool_entries(c);
        assert_int_equal(entries->len, 2);
        assert_string_equal(((PoolEntry *) entries->pdata[0])->address, "0000:3b:00.1");
        assert_string_equal(((PoolEntry *) entries->pdata[1])->address, "0000:5e:00.1");
        pool_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_transitions),
                cmocka_unit_test(test_table_complete),
                cmocka_unit_test(test_busy_message),
                cmocka_unit_test(test_same_owner_idempotent),
                cmocka_unit_test(test_reserve_lease),
                cmocka_unit_test(test_claim_of_own_reservation),
                cmocka_unit_test(test_first_quarantined),
                cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_any_in_use),
                cmocka_unit_test(test_quarantine_keeps_first_reason),
                cmocka_unit_test(test_copy_forget_entries),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
