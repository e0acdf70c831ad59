/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's domain-level side (agent-domain.h) on a fake sysfs tree:
 * the lifecycle events the libvirt monitor reports, in the orders RIG.md
 * recorded on real libvirt (start, source and destination of a migration,
 * failures, aborts), the Migration records they drive, leases, and the
 * metadata to publish. No bus. Reconciliation: test-agent-domain-reconcile.c.
 */
#include "agent-domain-fixture.h"

/* ---- tests ---- */

static void test_event_enum(void **state)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        for (int i = 0; i < _AGENT_DOMAIN_EVENT_MAX; i++) {
                const char *s = agent_domain_event_to_string(i);

                if (!s)
                        fail_msg("event %d has no string", i);
                assert_true(g_hash_table_add(seen, (gpointer) s));
                assert_int_equal(agent_domain_event_from_string(s), i);
        }
        assert_null(agent_domain_event_to_string(_AGENT_DOMAIN_EVENT_MAX));
        assert_null(agent_domain_event_to_string(-1));
        assert_int_equal(agent_domain_event_from_string("x"), _AGENT_DOMAIN_EVENT_INVALID);
        assert_int_equal(agent_domain_event_from_string(NULL), _AGENT_DOMAIN_EVENT_INVALID);
        assert_int_equal(_AGENT_DOMAIN_EVENT_INVALID, -EINVAL);
}

static void test_normal_start_and_stop(void **state)
{
        Fixture *f = *state;

        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STOPPED_OTHER);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        /* A plain start and stop is no migration. */
        assert_int_equal(agent_get_migrations(f->agent)->len, 0);
        assert_int_equal(f->calls->len, 0);
        /* The release hook after it finds nothing left to do. */
        assert_true(agent_release_domain(f->agent, A, "destroyed", NULL));
}

static void test_source_completes(void **state)
{
        Fixture *f = *state;
        const Migration *m;
        guint64 id;

        claim_and_boot(f, "vm1", A, VF1);
        /* The source gets no hook: the job events tell it. */
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        m = last_migration(f);
        assert_non_null(m);
        id = m->id;
        assert_int_equal(m->role, MIGRATION_ROLE_OUTGOING);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        assert_int_equal(m->devices->len, 1);
        assert_string_equal(((MigrationDevice *) m->devices->pdata[0])->source_vf, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_SUSPENDED_MIGRATED);
        assert_int_equal(agent_get_migrations(f->agent)->len, 1);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);

        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STOPPED_MIGRATED);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_true(m->finished_usec > 0);
        /* release end migrated comes after: the same migration, no new one. */
        assert_true(agent_release_domain(f->agent, A, "migrated", NULL));
        assert_int_equal(agent_get_migrations(f->agent)->len, 1);

        assert_int_equal(f->calls->len, 2);
        {
                g_autofree char *want = g_strdup_printf("%" G_GUINT64_FORMAT
                                                        " created transferring -> transferring", id);
                g_autofree char *done = g_strdup_printf("%" G_GUINT64_FORMAT
                                                        " changed transferring -> completed", id);
                assert_string_equal(f->calls->pdata[0], want);
                assert_string_equal(f->calls->pdata[1], done);
        }
}

static void test_source_hook_without_events(void **state)
{
        Fixture *f = *state;
        const Migration *m;

        /* No job event reached the agent (it was down): release end
         * migrated alone records and completes the outgoing migration. */
        claim_and_boot(f, "vm1", A, VF2);
        assert_true(agent_release_domain(f->agent, A, "migrated", NULL));
        assert_int_equal(state_of(f, VF2), VF_STATE_FREE);
        m = last_migration(f);
        assert_non_null(m);
        assert_int_equal(m->role, MIGRATION_ROLE_OUTGOING);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
}

static void test_source_stopped_hook_then_release(void **state)
{
        Fixture *f = *state;
        const Migration *m;
        guint64 id;

        /* Hooks on the source after a migration: stopped end (no reason),
         * then release end migrated. */
        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_SUSPENDED_MIGRATED);
        id = last_migration(f)->id;
        assert_true(agent_release_domain(f->agent, A, "", NULL));
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        assert_true(agent_release_domain(f->agent, A, "migrated", NULL));
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(agent_get_migrations(f->agent)->len, 1);
        /* Destroyed while migrating away: failed. */
        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        assert_true(agent_release_domain(f->agent, A, "destroyed", NULL));
        m = last_migration(f);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_non_null(strstr(m->error, "destroyed"));
}

static void test_source_aborted(void **state)
{
        Fixture *f = *state;
        const Migration *m;

        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ABORTED);
        m = last_migration(f);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_non_null(strstr(m->error, "aborted"));
        /* The VM keeps its VF. */
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);

        /* Failing in the last phase: suspended, then resumed here. */
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_SUSPENDED_MIGRATED);
        m = last_migration(f);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_OTHER);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_FAILED);
        assert_int_equal(agent_get_migrations(f->agent)->len, 2);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);

        /* libvirt also says RESUMED(MIGRATED) when the source resumes
         * after a failure in the paused phase: a failure here, not a
         * completion. */
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_SUSPENDED_MIGRATED);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        m = last_migration(f);
        assert_int_equal(m->role, MIGRATION_ROLE_OUTGOING);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_non_null(strstr(m->error, "resumed here"));
        assert_int_equal(agent_get_migrations(f->agent)->len, 3);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);

        /* A domain without VFs here gets no record. */
        agent_domain_event(f->agent, B, "vm2", AGENT_DOMAIN_MIGRATION_ITERATION);
        assert_int_equal(agent_get_migrations(f->agent)->len, 3);
}

static void test_destination_completes(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        g_autofree char *meta = NULL;
        const Migration *m;
        guint64 id = 0;

        out = prepare(f, &id);
        /* prepare begin: the domain's own reservation becomes a claim. */
        if (!agent_claim_for_domain(f->agent, out, &error))
                fail_msg("claim: %s", error->message);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STARTED_MIGRATED);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
        assert_string_equal(((MigrationDevice *) m->devices->pdata[0])->destination_vf, VF1);
        assert_string_equal(((MigrationDevice *) m->devices->pdata[0])->source_vf, REMOTE);

        /* The monitor publishes the profile of what the domain holds now. */
        meta = agent_metadata_to_publish(f->agent, A);
        assert_non_null(meta);
        assert_non_null(strstr(meta, "address=\"" VF1 "\""));
        assert_null(agent_metadata_to_publish(f->agent, B));

        /* created, prepared, transferring, completed: STARTED changed nothing */
        assert_int_equal(f->calls->len, 4);
}

static void test_destination_missed_started(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        const Migration *m;
        guint64 id = 0;

        /* The agent was away for the hook and STARTED: RESUMED alone. */
        out = prepare(f, &id);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_true(m->phase_usec[MIGRATION_PHASE_TRANSFERRING] > 0);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
}

static void test_destination_failed(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        const Migration *m;
        guint64 id = 0;

        out = prepare(f, &id);
        assert_true(agent_claim_for_domain(f->agent, out, NULL));
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STARTED_MIGRATED);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STOPPED_FAILED);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        /* stopped end, release end failed: repeated, harmless. */
        assert_true(agent_release_domain(f->agent, A, "", NULL));
        assert_true(agent_release_domain(f->agent, A, "failed", NULL));
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
}

static void test_new_attempt_replaces_a_lost_one(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL, *out2 = NULL;
        guint64 id = 0, id2 = 0;

        out = prepare(f, &id);
        assert_true(agent_claim_for_domain(f->agent, out, NULL));
        /* Its end never reached the agent; libvirt tries again. The VF the
         * domain already holds is chosen again. */
        {
                g_autofree char *meta = remote_metadata(f, VF1, REMOTE);
                const char *vfs[] = { REMOTE, NULL };
                g_autofree char *xml = domain_xml("vm1", A, meta, vfs);

                assert_true(agent_prepare_incoming(f->agent, xml, &out2, &id2, NULL));
        }
        assert_non_null(strstr(out2, "bus=\"0x3b\" slot=\"0x00\" function=\"0x1\""));
        assert_true(id2 > id);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_FAILED);
        assert_non_null(strstr(agent_find_migration(f->agent, id)->error, "replaced"));
        assert_int_equal(agent_find_migration(f->agent, id2)->phase, MIGRATION_PHASE_PREPARED);
}

static void test_lease_expiry(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        guint64 id = 0;

        assert_true(g_file_set_contents(f->config, "[agent]\nreservation-lease-sec=1\n", -1, NULL));
        assert_true(agent_reload_config(f->agent, NULL));
        out = prepare(f, &id);
        g_usleep(1100 * 1000);
        assert_int_equal(agent_expire_leases(f->agent), 1);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_FAILED);
}

static void test_finished_records_bounded(void **state)
{
        Fixture *f = *state;
        const GPtrArray *all;

        claim_and_boot(f, "vm1", A, VF1);
        for (int i = 0; i < AGENT_MIGRATIONS_KEPT + 6; i++) {
                agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
                agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ABORTED);
        }
        all = agent_get_migrations(f->agent);
        assert_int_equal(all->len, AGENT_MIGRATIONS_KEPT);
        /* The newest stay. */
        assert_int_equal(((Migration *) all->pdata[all->len - 1])->id, AGENT_MIGRATIONS_KEPT + 6);
        assert_int_equal(((Migration *) all->pdata[0])->id, 7);
}

/* ---- review regressions ---- */

/* Bad input changes nothing: a domain name the pool refuses (too long)
 * must not leave a Migration record behind (it would be persisted, and
 * a few such records push the store over its size limit). */
static void test_prepare_bad_name_changes_nothing(void **state)
{
        Fixture *f = *state;
        g_autofree char *meta = remote_metadata(f, VF1, REMOTE);
        g_autofree char *name = g_strnfill(POOL_OWNER_NAME_MAX + 1, 'x');
        const char *vfs[] = { REMOTE, NULL };
        g_autofree char *xml = domain_xml(name, A, meta, vfs);
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        guint64 id = 99;

        assert_false(agent_prepare_incoming(f->agent, xml, &out, &id, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
        assert_non_null(strstr(error->message, "hostdev0"));
        assert_non_null(strstr(error->message, "bytes long"));
        assert_null(out);
        assert_int_equal(id, 0);
        assert_int_equal(agent_get_migrations(f->agent)->len, 0);
        assert_int_equal(f->calls->len, 0);
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
}

/* Once the destination's QEMU runs (STARTED(MIGRATED)) it holds the VF:
 * the reservation's lease must not run out under a long migration, even
 * when no prepare hook turned it into a claim (VDSM's own hook, or the
 * claim failed to reach us). */
static void test_lease_kept_once_started(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        const Migration *m;
        guint64 id = 0;

        assert_true(g_file_set_contents(f->config, "[agent]\nreservation-lease-sec=1\n", -1, NULL));
        assert_true(agent_reload_config(f->agent, NULL));
        out = prepare(f, &id);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STARTED_MIGRATED);
        g_usleep(1100 * 1000);
        assert_int_equal(agent_expire_leases(f->agent), 0);
        assert_int_equal(state_of(f, VF1), VF_STATE_CLAIMED);
        m = agent_find_migration(f->agent, id);
        assert_int_equal(m->phase, MIGRATION_PHASE_TRANSFERRING);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_RESUMED_MIGRATED);
        assert_int_equal(m->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(state_of(f, VF1), VF_STATE_ASSIGNED);
}

/* An aborted attempt, then a second one that succeeds while no event
 * reached the agent: "release end migrated" must record the success,
 * not take it for the failed attempt reported twice. */
static void test_source_success_after_abort_recorded(void **state)
{
        Fixture *f = *state;
        guint64 failed_id;

        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ABORTED);
        failed_id = last_migration(f)->id;
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_FAILED);
        assert_true(agent_release_domain(f->agent, A, "migrated", NULL));
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
        assert_int_equal(agent_get_migrations(f->agent)->len, 2);
        assert_true(last_migration(f)->id != failed_id);
        assert_int_equal(last_migration(f)->role, MIGRATION_ROLE_OUTGOING);
        assert_int_equal(last_migration(f)->phase, MIGRATION_PHASE_COMPLETED);
        assert_int_equal(agent_find_migration(f->agent, failed_id)->phase, MIGRATION_PHASE_FAILED);
}

/* QEMU failing on the source while it migrates away (STOPPED(FAILED)):
 * the outgoing record must not blame an incoming domain. */
static void test_source_emulator_failure_message(void **state)
{
        Fixture *f = *state;
        const Migration *m;

        claim_and_boot(f, "vm1", A, VF1);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_MIGRATION_ITERATION);
        agent_domain_event(f->agent, A, "vm1", AGENT_DOMAIN_STOPPED_FAILED);
        m = last_migration(f);
        assert_int_equal(m->role, MIGRATION_ROLE_OUTGOING);
        assert_int_equal(m->phase, MIGRATION_PHASE_FAILED);
        assert_null(strstr(m->error, "incoming"));
        assert_non_null(strstr(m->error, "stopped here (failed)"));
        assert_int_equal(state_of(f, VF1), VF_STATE_FREE);
}

/* A reservation of the same domain that the migration does not use (an
 * orchestrator's Reserve of a spare VF) running out must not fail the
 * migration, which holds its own VF under a longer lease. */
static void test_unrelated_lease_expiry_keeps_migration(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        guint64 id = 0;

        out = prepare(f, &id);
        assert_true(agent_reserve(f->agent, VF3, A, "vm1", 1, NULL));
        g_usleep(1100 * 1000);
        assert_int_equal(agent_expire_leases(f->agent), 1);
        assert_int_equal(state_of(f, VF3), VF_STATE_FREE);
        assert_int_equal(state_of(f, VF1), VF_STATE_RESERVED);
        assert_int_equal(agent_find_migration(f->agent, id)->phase, MIGRATION_PHASE_PREPARED);
}

/* A release reason is a short word from the hook ("destroyed", ...). A
 * huge one is refused and changes nothing: stored in a Migration's error
 * it would push the records over their size limit, and at the next start
 * every record (other domains' unfinished migrations too) would be set
 * aside as damaged. */
static void test_release_reason_bounded(void **state)
{
        Fixture *f = *state;
        g_autofree char *out = NULL;
        g_autofree char *reason = g_strnfill(5 * 1024 * 1024, 'r');
        g_autoptr(GError) error = NULL;
        guint64 id = 0, out_id;

        out = prepare(f, &id);
        claim_and_boot(f, "vm-b", B, VF2);
        agent_domain_event(f->agent, B, "vm-b", AGENT_DOMAIN_MIGRATION_ITERATION);
        out_id = last_migration(f)->id;

        assert_false(agent_release_domain(f->agent, B, reason, &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT));
        assert_true(strlen(error->message) < 512);
        assert_int_equal(state_of(f, VF2), VF_STATE_ASSIGNED);
        assert_int_equal(agent_find_migration(f->agent, out_id)->phase, MIGRATION_PHASE_TRANSFERRING);

        start_agent(f);
        assert_non_null(agent_find_migration(f->agent, id));
        assert_int_equal(agent_get_startup_report(f->agent)->len, 0);
        /* A normal reason still works. */
        assert_true(agent_release_domain(f->agent, B, "destroyed", NULL));
        assert_int_equal(state_of(f, VF2), VF_STATE_FREE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_event_enum),
                cmocka_unit_test_setup_teardown(test_normal_start_and_stop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_completes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_hook_without_events, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_stopped_hook_then_release, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_aborted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_new_attempt_replaces_a_lost_one, setup, teardown),
                cmocka_unit_test_setup_teardown(test_destination_completes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_destination_missed_started, setup, teardown),
                cmocka_unit_test_setup_teardown(test_destination_failed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_expiry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_finished_records_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prepare_bad_name_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_kept_once_started, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_success_after_abort_recorded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_emulator_failure_message, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unrelated_lease_expiry_keeps_migration, setup, teardown),
                cmocka_unit_test_setup_teardown(test_release_reason_bounded, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
