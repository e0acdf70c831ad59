/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's domain-level side after restarts: reconciliation with the
 * domains libvirt runs (their state, their XML or none), records that
 * survive the agent, and migrations that moved on while it was down.
 */
#include "agent-domain-fixture.h"

static void test_crash_while_preparing(void **state)
{
        Fixture *f = *state;
        g_autofree char *path = g_build_filename(f->state_dir, "migrations.state", NULL);
        const char *text =
                "[migration 40]\nrole=incoming\nphase=preparing\n"
                "domain-uuid=" A "\ndomain-name=vm1\nstarted=1\nfinished=0\ndevices=0\n";

        assert_true(g_file_set_contents(path, text, -1, NULL));
        start_agent(f);
        assert_int_equal(agent_get_migrations(f->agent)->len, 1);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_REFUSED);
        assert_int_equal(agent_get_startup_report(f->agent)->len, 0);
}

static void test_reconcile_domains(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) xmls = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;
        const char *b_vfs[] = { VF2, VF4, NULL };
        guint64 out_id;

        /* A: assigned, not running any more. C: reserved (incoming that
         * may still come). D: assigned to VF4, but B runs on it. */
        claim_and_boot(f, "vm-a", A, VF1);
        claim_and_boot(f, "vm-d", D, VF4);
        assert_true(agent_reserve(f->agent, VF3, C, "vm-c", 0, NULL));
        /* An outgoing migration of A that the agent never saw end. */
        agent_domain_event(f->agent, A, "vm-a", AGENT_DOMAIN_MIGRATION_ITERATION);
        out_id = last_migration(f)->id;

        add_running(xmls, domain_xml("vm-b", B, NULL, b_vfs), DOMAIN_RUN_STATE_RUNNING);
        if (!agent_reconcile_domains(f->agent, xmls, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        assert_int_equal(state_of(f, VF2), VF_STATE_ASSIGNED);
        assert_string_equal(pool_lookup(agent_get_pool(f->agent), VF2)->owner_uuid, B);
        assert_int_equal(state_of(f, VF3), VF_STATE_RESERVED);
        assert_int_equal(state_of(f, VF4), VF_STATE_QUARANTINED);
        assert_int_equal(agent_find_migration(f->agent, out_id)->phase, MIGRATION_PHASE_COMPLETED);
        /* released VF1, assigned VF2, quarantined VF4, the migration */
        assert_int_equal(changes->len, 4);

        /* Idempotent. */
        g_clear_pointer(&changes, g_ptr_array_unref);
        assert_true(agent_reconcile_domains(f->agent, xmls, 0, &changes, NULL));
        assert_int_equal(changes->len, 0);
}

static void test_reconcile_unreadable_domain_releases_nothing(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) xmls = running_list();
        g_autoptr(GPtrArray) changes = NULL;

        claim_and_boot(f, "vm-a", A, VF1);
        add_running(xmls, g_strdup("<domain><name>broken"), DOMAIN_RUN_STATE_RUNNING);
        assert_true(agent_reconcile_domains(f->agent, xmls, 0, &changes, NULL));
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
        assert_int_equal(changes->len, 1);
        assert_non_null(strstr(changes->pdata[0], "nothing is released"));
}

static void test_reconcile_one_domain(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) changes = NULL;
        const char *vfs[] = { VF2, NULL };
        g_autofree char *xml = domain_xml("vm-b", B, NULL, vfs);

        claim_and_boot(f, "vm-a", A, VF1);
        /* reconnect hook of B: only B's VFs change. */
        assert_true(agent_reconcile_domain(f->agent, xml, &changes, NULL));
        assert_int_equal(changes->len, 1);
        assert_int_equal(state_of(f, VF2), VF_STATE_ASSIGNED);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
}

static void test_restart_keeps_records(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        guint64 id = 0;

        out = prepare(f, &id);
        claim_and_boot(f, "vm-b", B, VF2);
        agent_domain_event(f->agent, B, "vm-b", AGENT_DOMAIN_MIGRATION_ITERATION);
        agent_domain_event(f->agent, B, "vm-b", AGENT_DOMAIN_MIGRATION_ABORTED);
        start_agent(f);
        assert_int_equal(agent_get_migrations(f->agent)->len, 2);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_PREPARED);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_FAILED);
        assert_int_equal(state_of(f, VF1), VF_STATE_RESERVED);
        /* and continues */
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_COMPLETED);
}

/* The agent reconnects between the destination's prepare hook (claim,
 * transferring) and QEMU showing up as running: the claim is kept for its
 * grace period, and so must be the Migration, which then completes. */
static void test_reconcile_keeps_fresh_incoming(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) xmls = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        const Migration *m;
        guint64 id = 0;

        out = prepare(f, &id);
        assert_true(agent_claim_for_domain(f->agent, out, NULL));
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        if (!agent_reconcile_domains(f->agent, xmls, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STARTED_MIGRATED);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
}

/* ---- an agent restart in the middle of a migration ---- */

/* Destination: the agent is away when the incoming migration finishes
 * (RESUMED(MIGRATED) missed). While libvirt still lists the domain paused
 * for the migration, reconciliation leaves the record and keeps the VF a
 * claim; once it runs normally, the record completes and the VF is
 * assigned, as the event would have done. */
static void test_reconcile_completes_missed_incoming(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) list = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        const Migration *m;
        guint64 id = 0;

        out = prepare(f, &id);
        assert_true(agent_claim_for_domain(f->agent, out, NULL));
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STARTED_MIGRATED);
        start_agent(f);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);

        /* Still coming in. */
        add_running(list, incoming_xml(f), DOMAIN_RUN_STATE_INCOMING);
        if (!agent_reconcile_domains(f->agent, list, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(changes->len, 0);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        assert_int_equal(f->calls->len, 0);

        /* Done while we were away. */
        g_clear_pointer(&changes, g_ptr_array_unref);
        ((AgentRunningDomain *) list->pdata[0])->state = DOMAIN_RUN_STATE_RUNNING;
        if (!agent_reconcile_domains(f->agent, list, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_null(m->error);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
        assert_string_equal(pool_lookup(agent_get_pool(f->agent), VF1)->owner_uuid, A);
        assert_int_equal(changes->len, 2);
        assert_true(has_line(changes, VF1, "assigned"));
        assert_true(has_line(changes, "migration", "completed"));
        /* PhaseChanged went out. */
        assert_int_equal(f->calls->len, 1);
        assert_non_null(strstr(f->calls->pdata[0], "transferring -> completed"));
        /* The metadata to publish names the local VF. */
        {
                g_autofree char *meta = agent_metadata_to_publish(f->agent, A);
                assert_non_null(strstr(meta, "address=\"" VF1 "\""));
        }

        /* Idempotent, and the late event changes nothing. */
        g_clear_pointer(&changes, g_ptr_array_unref);
        assert_true(agent_reconcile_domains(f->agent, list, 0, &changes, NULL));
        assert_int_equal(changes->len, 0);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        assert_int_equal(agent_get_migrations(f->agent)->len, 1);
        assert_int_equal(f->calls->len, 1);
}

/* The agent was away from the prepare hook on (the record prepared, the
 * VF reserved): QEMU holding it paused for the migration turns the
 * reservation into a claim (its lease must not end under it); the record
 * is left until the domain runs, then goes through transferring. */
static void test_reconcile_incoming_reservation(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) list = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        const Migration *m;
        guint64 id = 0;

        out = prepare(f, &id);
        start_agent(f);
        add_running(list, incoming_xml(f), DOMAIN_RUN_STATE_INCOMING);
        if (!agent_reconcile_domains(f->agent, list, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        assert_int_equal(changes->len, 1);
        assert_true(has_line(changes, VF1, "claimed"));
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_PREPARED);

        g_clear_pointer(&changes, g_ptr_array_unref);
        ((AgentRunningDomain *) list->pdata[0])->state = DOMAIN_RUN_STATE_RUNNING;
        assert_true(agent_reconcile_domains(f->agent, list, 0, &changes, NULL));
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_true(m->phase_usec[MIGRATION_PHASE_TRANSFERRING] > 0);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
}

/* libvirt answers no XML query while a domain comes in: the monitor lists
 * it by uuid and state alone. Its reservation becomes a claim and nothing
 * of it is released; its record waits. A listing without a valid uuid is
 * refused like unreadable XML (nothing released). */
static void test_reconcile_incoming_without_xml(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        AgentRunningDomain *d;
        guint64 id = 0;

        out = prepare(f, &id);
        claim_and_boot(f, "vm-b", B, VF2);
        start_agent(f);

        d = g_new0(AgentRunningDomain, 1);
        d->uuid = "AAAAAAAA-0000-4000-8000-000000000001";   /* any case */
        d->name = "vm1";
        d->state = DOMAIN_RUN_STATE_INCOMING;
        g_ptr_array_add(list, d);
        if (!agent_reconcile_domains(f->agent, list, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        assert_string_equal(pool_lookup(agent_get_pool(f->agent), VF1)->owner_uuid, A);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_PREPARED);
        /* B is not listed: released, as before. */
        assert_int_equal(state_of(f, VF2), VF_STATE_FREE);
        assert_int_equal(changes->len, 2);

        d = g_new0(AgentRunningDomain, 1);
        d->uuid = "not-a-uuid";
        d->state = DOMAIN_RUN_STATE_INCOMING;
        g_ptr_array_add(bad, d);
        g_clear_pointer(&changes, g_ptr_array_unref);
        assert_true(agent_reconcile_domains(f->agent, bad, 0, &changes, NULL));
        assert_int_equal(changes->len, 1);
        assert_non_null(strstr(changes->pdata[0], "nothing is released"));
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
}

/* The destination's agent down while the migration is aborted: the
 * domain is gone, its claim and record are older than the list (libvirt
 * lists a domain as active before its prepare hook claims): released and
 * failed at once, without the fixed grace. A claim made after the list
 * was read is kept (its domain may be starting). */
static void test_reconcile_by_list_time(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) list = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        const Migration *m;
        gint64 before;
        guint64 id = 0;

        out = prepare(f, &id);
        before = g_get_real_time();
        assert_true(agent_claim_for_domain(f->agent, out, NULL));
        start_agent(f);

        /* Listed before the claim: kept, as the fixed grace would. */
        if (!agent_reconcile_domains(f->agent, list, before, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(changes->len, 0);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_TRANSFERRING);

        /* Listed after it (beyond the clock margin): the domain is gone. */
        g_usleep(2200 * 1000);
        g_clear_pointer(&changes, g_ptr_array_unref);
        if (!agent_reconcile_domains(f->agent, list, g_get_real_time(), &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_non_null(strstr(m->error, "does not run here"));
        assert_int_equal(changes->len, 2);
}

/* The reconnect hook gives the XML alone: what the domain does is not
 * known, so its incoming record is left to the monitor. */
static void test_reconcile_hook_leaves_incoming(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) changes = NULL;
        g_autofree char *out = NULL, *xml = NULL;
        guint64 id = 0;

        out = prepare(f, &id);
        assert_true(agent_claim_for_domain(f->agent, out, NULL));
        xml = incoming_xml(f);
        assert_true(agent_reconcile_domain(f->agent, xml, &changes, NULL));
        assert_false(has_line(changes, "migration", NULL));
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_TRANSFERRING);
}

/* Source: the agent restarts while its domain migrates away. The domain
 * runs here, so reconciliation leaves the record to the monitor's watch
 * (vfmigd starts it on connect); the watch's migration-aborted then fails
 * it, and the next migration gets a record of its own instead of reusing
 * the stale one. */
static void test_restart_mid_outgoing_then_abort(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) list = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GError) error = NULL;
        const char *vfs[] = { VF1, NULL };
        guint64 out_id;
        const Migration *m;

        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        out_id = last_migration(f)->id;
        start_agent(f);

        add_running(list, domain_xml("vm1", A, NULL, vfs), DOMAIN_RUN_STATE_RUNNING);
        if (!agent_reconcile_domains(f->agent, list, 0, &changes, &error))
                fail_msg("reconcile: %s", error->message);
        assert_int_equal(changes->len, 0);
        m = agent_find_migration(f->agent, out_id);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);

        /* What the watch reports when no job runs and the domain is here. */
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ABORTED);
        m = agent_find_migration(f->agent, out_id);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_non_null(strstr(m->error, "aborted"));
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);

        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        assert_true(last_migration(f)->id != out_id);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STOPPED_MIGRATED);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(agent_find_migration(f->agent, out_id)->phase, MIGRATION_PHASE_FAILED);
}

/* Source: the migration completed while the agent was away (the domain
 * is gone): reconciliation completes the record and frees the VF. */
static void test_restart_outgoing_completed_away(void **state)
{
        Fixture *f = *state;
        g_autoptr(GPtrArray) list = running_list();
        g_autoptr(GPtrArray) changes = NULL;
        guint64 out_id;

        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        out_id = last_migration(f)->id;
        start_agent(f);
        assert_true(agent_reconcile_domains(f->agent, list, 0, &changes, NULL));
        assert_int_equal(agent_find_migration(f->agent, out_id)->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        assert_true(has_line(changes, "migration", "completed"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_crash_while_preparing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_domains, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_unreadable_domain_releases_nothing,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_one_domain, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_keeps_records, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_keeps_fresh_incoming, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_completes_missed_incoming, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_incoming_reservation, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_hook_leaves_incoming, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_incoming_without_xml, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_by_list_time, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_mid_outgoing_then_abort, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_outgoing_completed_away, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
