/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's domain-level side (agent-domain.h) on a fake sysfs tree:
 * the lifecycle events the libvirt monitor reports, in the orders RIG.md
 * recorded on real libvirt (start, source and destination of a migration,
 * failures, aborts), the Migration records they drive, reconciliation
 * with the running domains, and the metadata to publish. No bus.
 */
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "agent-domain.h"
#include "core/domxml.h"

#define A "aaaaaaaa-0000-4000-8000-000000000001"
#define B "bbbbbbbb-0000-4000-8000-000000000002"
#define C "cccccccc-0000-4000-8000-000000000003"
#define D "dddddddd-0000-4000-8000-000000000004"
#define PF_NET "0000:3b:00.0"
#define VF1 "0000:3b:00.1"
#define VF2 "0000:3b:00.2"
#define VF3 "0000:3b:00.3"
#define VF4 "0000:3b:00.4"
#define REMOTE "0000:d8:00.2"

typedef struct {
        char *dir, *root, *state_dir, *config;
        GPid fakekernel;
        Agent *agent;
        GPtrArray *calls;   /* "<id> <created?> <old> -> <new>" */
} Fixture;

static const char *src_dir(const char *env, const char *fallback)
{
        const char *d = g_getenv(env);
        return d ? d : fallback;
}

static void on_migration(Agent *agent, const Migration *m, MigrationPhase old,
                         gboolean created, gpointer user_data)
{
        Fixture *f = user_data;

        g_ptr_array_add(f->calls, g_strdup_printf("%" G_GUINT64_FORMAT " %s %s -> %s", m->id,
                                                  created ? "created" : "changed",
                                                  migration_phase_to_string(old),
                                                  migration_phase_to_string(m->phase)));
}

static void start_agent(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        AgentOptions o = { .sysfs_root = f->root, .state_dir = f->state_dir,
                           .config_path = f->config };

        agent_free(f->agent);
        f->agent = agent_new(&o, &error);
        if (!f->agent)
                fail_msg("agent_new: %s", error->message);
        agent_set_migration_func(f->agent, on_migration, f);
        g_ptr_array_set_size(f->calls, 0);
}

static int setup(void **state)
{
        Fixture *f = g_new0(Fixture, 1);
        g_autoptr(GError) error = NULL;
        const char *fh = src_dir("FAKEHOST_DIR", "tests/fakehost");
        g_autofree char *mk = g_build_filename(fh, "mkfakehost", NULL);
        g_autofree char *fk = g_build_filename(fh, "fakekernel", NULL);
        g_autofree char *pidfile = NULL;
        int status = 0;

        f->dir = g_dir_make_tmp("vfmig-agent-domain-XXXXXX", &error);
        assert_non_null(f->dir);
        f->root = g_build_filename(f->dir, "root", NULL);
        f->state_dir = g_build_filename(f->dir, "state", NULL);
        f->config = g_build_filename(f->dir, "vfmig.conf", NULL);
        f->calls = g_ptr_array_new_with_free_func(g_free);
        pidfile = g_build_filename(f->dir, "fakekernel.pid", NULL);

        const char *mkargv[] = { "python3", mk, "--root", f->root,
                                 "--pf", PF_NET ",type=net,total=8,num=4", NULL };
        if (!g_spawn_sync(NULL, (char **) mkargv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                          NULL, NULL, &status, &error) ||
            !g_spawn_check_wait_status(status, &error))
                fail_msg("mkfakehost: %s", error->message);
        const char *fkargv[] = { "python3", fk, "--root", f->root, "--pidfile", pidfile, NULL };
        if (!g_spawn_async(NULL, (char **) fkargv, NULL,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                           G_SPAWN_STDOUT_TO_DEV_NULL,
                           NULL, NULL, &f->fakekernel, &error))
                fail_msg("fakekernel: %s", error->message);
        for (int i = 0; i < 1000 && !g_file_test(pidfile, G_FILE_TEST_EXISTS); i++)
                g_usleep(10 * 1000);
        assert_true(g_file_test(pidfile, G_FILE_TEST_EXISTS));

        /* VFs on the variant driver already, as after an Apply. */
        assert_true(g_file_set_contents(f->config, "", -1, NULL));
        start_agent(f);
        for (const char *const *v = (const char *const[]) { VF1, VF2, VF3, VF4, NULL }; *v; v++)
                assert_true(agent_bind(f->agent, *v, NULL, NULL));
        *state = f;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int teardown(void **state)
{
        Fixture *f = *state;

        agent_free(f->agent);
        if (f->fakekernel > 0) {
                kill(f->fakekernel, SIGTERM);
                waitpid(f->fakekernel, NULL, 0);
                g_spawn_close_pid(f->fakekernel);
        }
        if (!g_getenv("VFMIG_KEEP_TMP"))
                nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        g_ptr_array_unref(f->calls);
        g_free(f->dir);
        g_free(f->root);
        g_free(f->state_dir);
        g_free(f->config);
        g_free(f);
        return 0;
}

/* ---- domain XML from tests/data/domain/ ---- */

static char *data_file(const char *name)
{
        g_autofree char *path = g_build_filename(src_dir("VFMIG_SRCDIR", "."), "tests", "data",
                                                 "domain", name, NULL);
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                fail_msg("cannot read %s", path);
        return text;
}

static void replace(GString *s, const char *what, const char *with)
{
        g_string_replace(s, what, with, 0);
}

static char *hostdev(const char *address, const char *alias, guint guestbus)
{
        g_autofree char *tmpl = data_file("hostdev.xml.in");
        g_autoptr(GString) s = g_string_new(tmpl);
        char d[5], b[3], sl[3], fn[2], gb[3];

        assert_int_equal(sscanf(address, "%4[0-9a-f]:%2[0-9a-f]:%2[0-9a-f].%1[0-7]", d, b, sl, fn), 4);
        g_snprintf(gb, sizeof(gb), "%02x", guestbus);
        replace(s, "@D@", d);
        replace(s, "@B@", b);
        replace(s, "@S@", sl);
        replace(s, "@F@", fn);
        replace(s, "@ALIAS@", alias);
        replace(s, "@DRIVER@", "vfio");
        replace(s, "@GUESTBUS@", gb);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A domain with one hostdev per address (NULL terminated), metadata
 * optional. */
static char *domain_xml(const char *name, const char *uuid, const char *metadata,
                        const char *const *addresses)
{
        g_autofree char *tmpl = data_file("domain.xml.in");
        g_autoptr(GString) s = g_string_new(tmpl);
        g_autoptr(GString) devs = g_string_new(NULL);

        for (guint i = 0; addresses && addresses[i]; i++) {
                g_autofree char *alias = g_strdup_printf("hostdev%u", i);
                g_autofree char *h = hostdev(addresses[i], alias, i + 1);
                g_string_append(devs, h);
        }
        replace(s, "@NAME@", name);
        replace(s, "@UUID@", uuid);
        replace(s, "@METADATA@", metadata ? metadata : "");
        replace(s, "@DEVICES@", devs->str);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* What a source host would publish for its VF "remote", with the profile
 * of the local VF "like". */
static char *remote_metadata(Fixture *f, const char *like, const char *remote)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(VfProfile) p = agent_get_vf_profile(f->agent, like, &error);
        g_autoptr(GPtrArray) meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);

        if (!p)
                fail_msg("profile of %s: %s", like, error->message);
        g_ptr_array_add(meta, domxml_meta_device_new("hostdev0", remote, p));
        return domxml_format_metadata(meta);
}

static VfState state_of(Fixture *f, const char *vf)
{
        return pool_state(agent_get_pool(f->agent), vf);
}

static const Migration *last_migration(Fixture *f)
{
        const GPtrArray *all = agent_get_migrations(f->agent);

        return all->len ? all->pdata[all->len - 1] : NULL;
}

static void claim_and_boot(Fixture *f, const char *name, const char *uuid, const char *vf)
{
        const char *vfs[] = { vf, NULL };
        g_autofree char *xml = domain_xml(name, uuid, NULL, vfs);
        g_autoptr(GError) error = NULL;

        if (!agent_claim_for_domain(f->agent, xml, &error))
                fail_msg("claim: %s", error->message);
        assert_int_equal(state_of(f, vf), VF_STATE_CLAIMED);
        agent_domain_event(f->agent, uuid, name, AGENT_DOMAIN_STARTED_BOOTED);
        assert_int_equal(state_of(f, vf), VF_STATE_ASSIGNED);
}

/* The running domains reconciliation gets: XML (owned) and state. */
static void running_free(gpointer data)
{
        AgentRunningDomain *d = data;

        g_free((char *) d->xml);
        g_free(d);
}

static GPtrArray *running_list(void)
{
        return g_ptr_array_new_with_free_func(running_free);
}

static void add_running(GPtrArray *list, char *xml /* taken */, DomainRunState state)
{
        AgentRunningDomain *d = g_new0(AgentRunningDomain, 1);

        d->xml = xml;
        d->state = state;
        g_ptr_array_add(list, d);
}

/* The live XML of domain A after an incoming migration: the VF the
 * destination rewrote in, and the metadata that came from the source. */
static char *incoming_xml(Fixture *f)
{
        g_autofree char *meta = remote_metadata(f, VF1, REMOTE);
        const char *vfs[] = { VF1, NULL };

        return domain_xml("vm1", A, meta, vfs);
}

static gboolean has_line(GPtrArray *lines, const char *a, const char *b)
{
        for (guint i = 0; lines && i < lines->len; i++)
                if (strstr(lines->pdata[i], a) && (!b || strstr(lines->pdata[i], b)))
                        return TRUE;
        return FALSE;
}

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

static char *prepare(Fixture *f, guint64 *id)
{
        g_autofree char *meta = remote_metadata(f, VF1, REMOTE);
        const char *vfs[] = { REMOTE, NULL };
        g_autofree char *xml = domain_xml("vm1", A, meta, vfs);
        g_autoptr(GError) error = NULL;
        char *out = NULL;

        if (!agent_prepare_incoming(f->agent, xml, &out, id, &error))
                fail_msg("prepare: %s", error->message);
        assert_true(*id > 0);
        assert_int_equal(agent_find_migration(f->agent, *id)->phase, MIGRATION_PHASE_PREPARED);
        assert_int_equal(state_of(f, VF1), VF_STATE_RESERVED);
        return out;
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
                cmocka_unit_test(test_event_enum),
                cmocka_unit_test_setup_teardown(test_normal_start_and_stop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_completes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_hook_without_events, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_stopped_hook_then_release, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_aborted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_new_attempt_replaces_a_lost_one, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_while_preparing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_destination_completes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_destination_missed_started, setup, teardown),
                cmocka_unit_test_setup_teardown(test_destination_failed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_domains, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_unreadable_domain_releases_nothing,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_one_domain, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_expiry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_keeps_records, setup, teardown),
                cmocka_unit_test_setup_teardown(test_finished_records_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prepare_bad_name_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_kept_once_started, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reconcile_keeps_fresh_incoming, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_success_after_abort_recorded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_source_emulator_failure_message, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unrelated_lease_expiry_keeps_migration, setup, teardown),
                cmocka_unit_test_setup_teardown(test_release_reason_bounded, setup, teardown),
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
