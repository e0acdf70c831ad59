/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent-domain-fixture.h"

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

void start_agent(Fixture *f)
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

int setup(void **state)
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

int teardown(void **state)
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

char *data_file(const char *name)
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

char *hostdev(const char *address, const char *alias, guint guestbus)
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
char *domain_xml(const char *name, const char *uuid, const char *metadata,
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
char *remote_metadata(Fixture *f, const char *like, const char *remote)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(VfProfile) p = agent_get_vf_profile(f->agent, like, &error);
        g_autoptr(GPtrArray) meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);

        if (!p)
                fail_msg("profile of %s: %s", like, error->message);
        g_ptr_array_add(meta, domxml_meta_device_new("hostdev0", remote, p));
        return domxml_format_metadata(meta);
}

VfState state_of(Fixture *f, const char *vf)
{
        return pool_state(agent_get_pool(f->agent), vf);
}

const Migration *last_migration(Fixture *f)
{
        const GPtrArray *all = agent_get_migrations(f->agent);

        return all->len ? all->pdata[all->len - 1] : NULL;
}

void claim_and_boot(Fixture *f, const char *name, const char *uuid, const char *vf)
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
void running_free(gpointer data)
{
        AgentRunningDomain *d = data;

        g_free((char *) d->xml);
        g_free(d);
}

GPtrArray *running_list(void)
{
        return g_ptr_array_new_with_free_func(running_free);
}

void add_running(GPtrArray *list, char *xml /* taken */, DomainRunState state)
{
        AgentRunningDomain *d = g_new0(AgentRunningDomain, 1);

        d->xml = xml;
        d->state = state;
        g_ptr_array_add(list, d);
}

/* The live XML of domain A after an incoming migration: the VF the
 * destination rewrote in, and the metadata that came from the source. */
char *incoming_xml(Fixture *f)
{
        g_autofree char *meta = remote_metadata(f, VF1, REMOTE);
        const char *vfs[] = { VF1, NULL };

        return domain_xml("vm1", A, meta, vfs);
}

gboolean has_line(GPtrArray *lines, const char *a, const char *b)
{
        for (guint i = 0; lines && i < lines->len; i++)
                if (strstr(lines->pdata[i], a) && (!b || strstr(lines->pdata[i], b)))
                        return TRUE;
        return FALSE;
}

char *prepare(Fixture *f, guint64 *id)
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
