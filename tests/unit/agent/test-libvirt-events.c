/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt_event_from_lifecycle(): which lifecycle events vfmig acts on.
 * The sequences are the ones libvirt 11.3 was seen to emit (RIG.md); the
 * table below is the whole contract, and every (event, detail) pair
 * libvirt defines is checked to land in it or be ignored on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* The *_LAST values, to walk every detail libvirt defines. */
#define VIR_ENUM_SENTINELS
#include <libvirt/libvirt.h>

#include "sys/libvirt-monitor.h"

#define E(ev, det) VIR_DOMAIN_EVENT_##ev, VIR_DOMAIN_EVENT_##ev##_##det

static const struct {
        int event, detail;
        LibvirtEvent expect;
} table[] = {
        { E(STARTED, BOOTED), LIBVIRT_EVENT_STARTED_BOOTED },
        { E(STARTED, RESTORED), LIBVIRT_EVENT_STARTED_BOOTED },
        { E(STARTED, FROM_SNAPSHOT), LIBVIRT_EVENT_STARTED_BOOTED },
        { E(STARTED, MIGRATED), LIBVIRT_EVENT_STARTED_MIGRATED },
        { E(STARTED, WAKEUP), _LIBVIRT_EVENT_INVALID },
        { E(RESUMED, UNPAUSED), LIBVIRT_EVENT_RESUMED_OTHER },
        { E(RESUMED, FROM_SNAPSHOT), LIBVIRT_EVENT_RESUMED_OTHER },
        { E(RESUMED, MIGRATED), LIBVIRT_EVENT_RESUMED_MIGRATED },
        { E(RESUMED, POSTCOPY), _LIBVIRT_EVENT_INVALID },
        { E(RESUMED, POSTCOPY_FAILED), _LIBVIRT_EVENT_INVALID },
        { E(SUSPENDED, MIGRATED), LIBVIRT_EVENT_SUSPENDED_MIGRATED },
        { E(SUSPENDED, POSTCOPY), LIBVIRT_EVENT_SUSPENDED_MIGRATED },
        { E(SUSPENDED, PAUSED), _LIBVIRT_EVENT_INVALID },
        { E(SUSPENDED, IOERROR), _LIBVIRT_EVENT_INVALID },
        { E(SUSPENDED, API_ERROR), _LIBVIRT_EVENT_INVALID },
        { E(SUSPENDED, POSTCOPY_FAILED), _LIBVIRT_EVENT_INVALID },
        { E(STOPPED, MIGRATED), LIBVIRT_EVENT_STOPPED_MIGRATED },
        { E(STOPPED, FAILED), LIBVIRT_EVENT_STOPPED_FAILED },
        { E(STOPPED, SHUTDOWN), LIBVIRT_EVENT_STOPPED_OTHER },
        { E(STOPPED, DESTROYED), LIBVIRT_EVENT_STOPPED_OTHER },
        { E(STOPPED, CRASHED), LIBVIRT_EVENT_STOPPED_OTHER },
        { E(STOPPED, SAVED), LIBVIRT_EVENT_STOPPED_OTHER },
        { E(STOPPED, FROM_SNAPSHOT), LIBVIRT_EVENT_STOPPED_OTHER },
        /* A STOPPED detail newer than this code: the domain is gone all
         * the same, its VFs must be released. */
        { VIR_DOMAIN_EVENT_STOPPED, 1000, LIBVIRT_EVENT_STOPPED_OTHER },
        { E(DEFINED, ADDED), _LIBVIRT_EVENT_INVALID },
        { E(UNDEFINED, REMOVED), _LIBVIRT_EVENT_INVALID },
        { E(SHUTDOWN, HOST), _LIBVIRT_EVENT_INVALID },
        { E(SHUTDOWN, FINISHED), _LIBVIRT_EVENT_INVALID },
        { E(PMSUSPENDED, MEMORY), _LIBVIRT_EVENT_INVALID },
        { E(CRASHED, PANICKED), _LIBVIRT_EVENT_INVALID },
        { -1, 0, _LIBVIRT_EVENT_INVALID },
        { 1000, 0, _LIBVIRT_EVENT_INVALID },
};

static void test_table(void **state)
{
        for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
                LibvirtEvent got = libvirt_event_from_lifecycle(table[i].event, table[i].detail);

                if (got != table[i].expect)
                        fail_msg("event %d detail %d: got %s, expected %s", table[i].event,
                                 table[i].detail,
                                 libvirt_event_to_string(got) ?: "(ignored)",
                                 libvirt_event_to_string(table[i].expect) ?: "(ignored)");
        }
}

/* Every pair libvirt defines maps to a valid value or to "ignored", never
 * to something out of range, and never to the two values that are not
 * lifecycle events. */
static void test_total(void **state)
{
        const int last_detail[] = {
                [VIR_DOMAIN_EVENT_DEFINED] = VIR_DOMAIN_EVENT_DEFINED_LAST,
                [VIR_DOMAIN_EVENT_UNDEFINED] = VIR_DOMAIN_EVENT_UNDEFINED_LAST,
                [VIR_DOMAIN_EVENT_STARTED] = VIR_DOMAIN_EVENT_STARTED_LAST,
                [VIR_DOMAIN_EVENT_SUSPENDED] = VIR_DOMAIN_EVENT_SUSPENDED_LAST,
                [VIR_DOMAIN_EVENT_RESUMED] = VIR_DOMAIN_EVENT_RESUMED_LAST,
                [VIR_DOMAIN_EVENT_STOPPED] = VIR_DOMAIN_EVENT_STOPPED_LAST,
                [VIR_DOMAIN_EVENT_SHUTDOWN] = VIR_DOMAIN_EVENT_SHUTDOWN_LAST,
                [VIR_DOMAIN_EVENT_PMSUSPENDED] = VIR_DOMAIN_EVENT_PMSUSPENDED_LAST,
                [VIR_DOMAIN_EVENT_CRASHED] = VIR_DOMAIN_EVENT_CRASHED_LAST,
        };

        G_STATIC_ASSERT(G_N_ELEMENTS(last_detail) == VIR_DOMAIN_EVENT_LAST);
        for (int ev = 0; ev < VIR_DOMAIN_EVENT_LAST; ev++) {
                for (int det = 0; det < last_detail[ev]; det++) {
                        LibvirtEvent got = libvirt_event_from_lifecycle(ev, det);

                        if (got == _LIBVIRT_EVENT_INVALID)
                                continue;
                        assert_true(got >= 0 && got < _LIBVIRT_EVENT_MAX);
                        assert_int_not_equal(got, LIBVIRT_EVENT_MIGRATION_ITERATION);
                        assert_int_not_equal(got, LIBVIRT_EVENT_MIGRATION_ABORTED);
                }
        }
}

/* virDomainGetState() of a listed domain: only a domain waiting for (or
 * in the post-copy phase of) a migration counts as still coming in; every
 * other state and reason libvirt defines, and newer ones, as running. */
static void test_domain_state(void **state)
{
        static const struct {
                int state, reason;
                LibvirtDomainState expect;
        } st[] = {
                { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION, LIBVIRT_DOMAIN_STATE_INCOMING },
                { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP, LIBVIRT_DOMAIN_STATE_INCOMING },
                { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY, LIBVIRT_DOMAIN_STATE_INCOMING },
                { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED, LIBVIRT_DOMAIN_STATE_INCOMING },
                { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY, LIBVIRT_DOMAIN_STATE_INCOMING },
                { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY_FAILED, LIBVIRT_DOMAIN_STATE_INCOMING },
                { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATION_CANCELED, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_PAUSED, 1000, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_RUNNING, 1000, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_BLOCKED, 0, LIBVIRT_DOMAIN_STATE_RUNNING },
                { VIR_DOMAIN_PMSUSPENDED, 0, LIBVIRT_DOMAIN_STATE_RUNNING },
                { 1000, 0, LIBVIRT_DOMAIN_STATE_RUNNING },
        };
        int incoming = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(st); i++) {
                LibvirtDomainState got = libvirt_domain_state_from_libvirt(st[i].state, st[i].reason);

                if (got != st[i].expect)
                        fail_msg("state %d reason %d: got %s, expected %s", st[i].state,
                                 st[i].reason, libvirt_domain_state_to_string(got) ?: "?",
                                 libvirt_domain_state_to_string(st[i].expect));
        }
        /* Over everything libvirt defines: in range, and exactly the six
         * pairs above are "incoming". */
        for (int s = 0; s < VIR_DOMAIN_LAST; s++)
                for (int r = 0; r < 32; r++) {
                        LibvirtDomainState got = libvirt_domain_state_from_libvirt(s, r);

                        assert_true(got >= 0 && got < _LIBVIRT_DOMAIN_STATE_MAX);
                        incoming += got == LIBVIRT_DOMAIN_STATE_INCOMING;
                }
        assert_int_equal(incoming, 6);
}

static void test_domain_state_enum(void **state)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        for (int i = 0; i < _LIBVIRT_DOMAIN_STATE_MAX; i++) {
                const char *s = libvirt_domain_state_to_string(i);

                assert_non_null(s);
                assert_true(g_hash_table_add(seen, (gpointer) s));
                assert_int_equal(libvirt_domain_state_from_string(s), i);
        }
        assert_null(libvirt_domain_state_to_string(_LIBVIRT_DOMAIN_STATE_MAX));
        assert_null(libvirt_domain_state_to_string(-1));
        assert_int_equal(libvirt_domain_state_from_string("paused"), _LIBVIRT_DOMAIN_STATE_INVALID);
        assert_int_equal(libvirt_domain_state_from_string(NULL), _LIBVIRT_DOMAIN_STATE_INVALID);
        assert_int_equal(_LIBVIRT_DOMAIN_STATE_INVALID, -EINVAL);
}

/* The sequences seen on real hosts (RIG.md), as vfmig sees them. */
static void check_sequence(const int (*seq)[2], size_t n, const LibvirtEvent *expect,
                           size_t n_expect)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                LibvirtEvent got = libvirt_event_from_lifecycle(seq[i][0], seq[i][1]);

                if (got == _LIBVIRT_EVENT_INVALID)
                        continue;
                assert_true(k < n_expect);
                assert_string_equal(libvirt_event_to_string(got),
                                    libvirt_event_to_string(expect[k]));
                k++;
        }
        assert_int_equal(k, n_expect);
}

#define SEQ(s, e) check_sequence(s, G_N_ELEMENTS(s), e, G_N_ELEMENTS(e))

static void test_sequences(void **state)
{
        const int start[][2] = { { E(RESUMED, UNPAUSED) }, { E(STARTED, BOOTED) } };
        const LibvirtEvent start_e[] = { LIBVIRT_EVENT_RESUMED_OTHER,
                                         LIBVIRT_EVENT_STARTED_BOOTED };
        const int source[][2] = { { E(SUSPENDED, MIGRATED) }, { E(SHUTDOWN, HOST) },
                                  { E(STOPPED, MIGRATED) } };
        const LibvirtEvent source_e[] = { LIBVIRT_EVENT_SUSPENDED_MIGRATED,
                                          LIBVIRT_EVENT_STOPPED_MIGRATED };
        const int dest[][2] = { { E(STARTED, MIGRATED) }, { E(DEFINED, ADDED) },
                                { E(RESUMED, MIGRATED) } };
        const LibvirtEvent dest_e[] = { LIBVIRT_EVENT_STARTED_MIGRATED,
                                        LIBVIRT_EVENT_RESUMED_MIGRATED };
        const int aborted[][2] = { { E(STARTED, MIGRATED) }, { E(SHUTDOWN, HOST) },
                                   { E(STOPPED, FAILED) } };
        const LibvirtEvent aborted_e[] = { LIBVIRT_EVENT_STARTED_MIGRATED,
                                           LIBVIRT_EVENT_STOPPED_FAILED };
        const int destroy[][2] = { { E(STOPPED, DESTROYED) } };
        const LibvirtEvent destroy_e[] = { LIBVIRT_EVENT_STOPPED_OTHER };

        SEQ(start, start_e);
        SEQ(source, source_e);
        SEQ(dest, dest_e);
        SEQ(aborted, aborted_e);
        SEQ(destroy, destroy_e);
}

/* The strings are what the agent logs and the tests grep. */
static void test_strings(void **state)
{
        assert_string_equal(libvirt_event_to_string(LIBVIRT_EVENT_STARTED_BOOTED),
                            "started-booted");
        assert_string_equal(libvirt_event_to_string(LIBVIRT_EVENT_MIGRATION_ABORTED),
                            "migration-aborted");
        assert_int_equal(libvirt_event_from_string("stopped-failed"),
                         LIBVIRT_EVENT_STOPPED_FAILED);
        assert_int_equal(libvirt_event_from_string("STOPPED-FAILED"), _LIBVIRT_EVENT_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_total),
                cmocka_unit_test(test_sequences),
                cmocka_unit_test(test_domain_state),
                cmocka_unit_test(test_domain_state_enum),
                cmocka_unit_test(test_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
