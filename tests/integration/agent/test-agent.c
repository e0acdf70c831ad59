/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent facade (agent.h) on a fake sysfs tree built by mkfakehost,
 * with the fake kernel reacting to writes: provisioning, binding, the
 * pool operations, refusals that must change nothing, and what survives
 * a restart through the journal.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "bus-private.h"
#include "core/reconcile.h"

#define UUID1 "11111111-2222-3333-4444-555555555555"
#define UUID2 "66666666-7777-8888-9999-000000000000"
#define PF_NET "0000:3b:00.0"
#define PF_BLK "0000:5e:00.0"
#define VF1 "0000:3b:00.1"
#define VF2 "0000:3b:00.2"
#define VF3 "0000:3b:00.3"

typedef struct Fixture {
        char *dir;
        char *root;
        char *state_dir;
        char *config;
        GPid fakekernel;
        Agent *agent;
        GPtrArray *events;   /* "<change> <address>" */
        /* Run once, from inside the agent, at the first change of
         * hook_address: something happening in the middle of an operation. */
        void (*hook)(struct Fixture *f);
        const char *hook_address;
} Fixture;

static const char *fakehost_dir(void)
{
        const char *d = g_getenv("FAKEHOST_DIR");
        return d ? d : "tests/fakehost";
}

static void on_change(Agent *agent, AgentChange change, const char *address,
                      gpointer user_data)
{
        Fixture *f = user_data;
        g_ptr_array_add(f->events, g_strdup_printf("%d %s", change, address));
        if (f->hook && g_strcmp0(f->hook_address, address) == 0) {
                void (*hook)(Fixture *) = f->hook;

                f->hook = NULL;   /* the hook may make the agent emit again */
                hook(f);
        }
}

static guint count_events(Fixture *f, AgentChange change, const char *address)
{
        g_autofree char *want = g_strdup_printf("%d %s", change, address);
        guint n = 0;

        for (guint i = 0; i < f->events->len; i++)
                n += strcmp(f->events->pdata[i], want) == 0;
        return n;
}

static char *sysfs_file(Fixture *f, const char *dev, const char *attr)
{
        return g_build_filename(f->root, "sys/bus/pci/devices", dev, attr, NULL);
}

static char *read_attr(Fixture *f, const char *dev, const char *attr)
{
        g_autofree char *path = sysfs_file(f, dev, attr);
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        return g_strstrip(text);
}

static char *driver_of(Fixture *f, const char *dev)
{
        g_autofree char *path = sysfs_file(f, dev, "driver");
        g_autofree char *target = g_file_read_link(path, NULL);

        return target ? g_path_get_basename(target) : NULL;
}

static char *journal_text(Fixture *f)
{
        g_autofree char *path = g_build_filename(f->state_dir, "pool.journal", NULL);
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return g_strdup("");
        return text;
}

static void write_config(Fixture *f, const char *text)
{
        assert_true(g_file_set_contents(f->config, text, -1, NULL));
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
        agent_set_change_func(f->agent, on_change, f);
        g_ptr_array_set_size(f->events, 0);
}

/* Polls for the fake kernel's reaction (it works through inotify). */
static gboolean wait_for(gboolean (*pred)(Fixture *, const char *), Fixture *f,
                         const char *arg)
{
        for (int i = 0; i < 500; i++) {
                if (pred(f, arg))
                        return TRUE;
                g_usleep(10 * 1000);
        }
        return FALSE;
}

static int setup(void **state)
{
        Fixture *f = g_new0(Fixture, 1);
        g_autoptr(GError) error = NULL;
        g_autofree char *mk = g_build_filename(fakehost_dir(), "mkfakehost", NULL);
        g_autofree char *fk = g_build_filename(fakehost_dir(), "fakekernel", NULL);
        g_autofree char *pidfile = NULL;
        int status = 0;

        f->dir = g_dir_make_tmp("vfmig-agent-test-XXXXXX", &error);
        assert_non_null(f->dir);
        f->root = g_build_filename(f->dir, "root", NULL);
        f->state_dir = g_build_filename(f->dir, "state", NULL);
        f->config = g_build_filename(f->dir, "vfmig.conf", NULL);
        f->events = g_ptr_array_new_with_free_func(g_free);
        pidfile = g_build_filename(f->dir, "fakekernel.pid", NULL);

        const char *mkargv[] = { "python3", mk, "--root", f->root,
                                 "--pf", PF_NET ",type=net,total=8,num=4",
                                 "--pf", PF_BLK ",type=blk,total=4", NULL };
        if (!g_spawn_sync(NULL, (char **) mkargv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                          NULL, NULL, &status, &error) ||
            !g_spawn_check_wait_status(status, &error))
                fail_msg("mkfakehost: %s", error->message);

        const char *fkargv[] = { "python3", fk, "--root", f->root, "--pidfile", pidfile, g_getenv("FAKEKERNEL_VERBOSE") ? "-v" : NULL, NULL };
        if (!g_spawn_async(NULL, (char **) fkargv, NULL,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                           G_SPAWN_STDOUT_TO_DEV_NULL,
                           NULL, NULL, &f->fakekernel, &error))
                fail_msg("fakekernel: %s", error->message);
        for (int i = 0; i < 1000 && !g_file_test(pidfile, G_FILE_TEST_EXISTS); i++)
                g_usleep(10 * 1000);
        assert_true(g_file_test(pidfile, G_FILE_TEST_EXISTS));

        write_config(f, "");
        start_agent(f);
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
        g_ptr_array_unref(f->events);
        g_free(f->dir);
        g_free(f->root);
        g_free(f->state_dir);
        g_free(f->config);
        g_free(f);
        return 0;
}

static void test_start_inventory(void **state)
{
        Fixture *f = *state;
        const Inventory *inv = agent_get_inventory(f->agent);
        const Pf *pf = inventory_find_pf(inv, PF_NET);

        assert_int_equal(inv->pfs->len, 2);
        assert_non_null(pf);
        assert_int_equal(pf->num_vfs, 4);
        assert_int_equal(pf->total_vfs, 8);
        assert_int_equal(pf->vfs->len, 4);
        assert_non_null(inventory_find_vf(inv, VF2));
        assert_null(pool_lookup(agent_get_pool(f->agent), VF2));
        assert_int_equal(agent_get_startup_report(f->agent)->len, 0);
}

static void test_claim_binds_and_persists(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *drv = NULL;
        g_autofree char *journal = NULL;
        const PoolEntry *e;

        assert_true(agent_claim(f->agent, VF2, UUID1, "vm1", &error));
        e = pool_lookup(agent_get_pool(f->agent), VF2);
        assert_non_null(e);
        assert_int_equal(e->state, VF_STATE_CLAIMED);
        assert_string_equal(e->owner_uuid, UUID1);
        /* bind-on-claim is on by default: the VF is on the variant driver. */
        drv = driver_of(f, VF2);
        assert_string_equal(drv, VFMIG_DRIVER_VARIANT);
        assert_string_equal(inventory_find_vf(agent_get_inventory(f->agent), VF2)->driver,
                            VFMIG_DRIVER_VARIANT);
        assert_true(count_events(f, AGENT_CHANGE_VF_CHANGED, VF2) >= 1);
        journal = journal_text(f);
        assert_non_null(strstr(journal, VF2));
        assert_non_null(strstr(journal, UUID1));

        /* Same owner again: a no-op; another owner: Busy. */
        assert_true(agent_claim(f->agent, VF2, UUID1, "vm1", &error));
        assert_false(agent_claim(f->agent, VF2, UUID2, "vm2", &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_BUSY));
        g_clear_error(&error);

        /* What the journal holds is what a restarted agent believes. */
        start_agent(f);
        e = pool_lookup(agent_get_pool(f->agent), VF2);
        assert_non_null(e);
        assert_int_equal(e->state, VF_STATE_CLAIMED);
        assert_string_equal(e->owner_uuid, UUID1);
        assert_string_equal(e->owner_name, "vm1");
}

typedef enum { OP_CLAIM, OP_PROVISION, OP_BIND, OP_UNBIND, OP_RELEASE, OP_ASSIGN,
               OP_UNQUARANTINE } Op;

typedef struct {
        Op op;
        const char *device;
        const char *arg;
        guint num;
        VfmigError code;
        const char *in_message;
} BadCase;

static gboolean run_op(Fixture *f, const BadCase *c, GError **error)
{
        switch (c->op) {
        case OP_CLAIM:
                return agent_claim(f->agent, c->device, c->arg, "x", error);
        case OP_PROVISION:
                return agent_provision(f->agent, c->device, c->num, error);
        case OP_BIND:
                return agent_bind(f->agent, c->device, c->arg, error);
        case OP_UNBIND:
                return agent_unbind(f->agent, c->device, error);
        case OP_RELEASE:
                return agent_release(f->agent, c->device, c->arg, error);
        case OP_ASSIGN:
                return agent_assign(f->agent, c->device, c->arg, error);
        case OP_UNQUARANTINE:
                return agent_unquarantine(f->agent, c->device, error);
        }
        return FALSE;
}

static void test_refusals_change_nothing(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        static const BadCase cases[] = {
                { OP_CLAIM, "zz", UUID2, 0, VFMIG_ERROR_INVALID_ARGUMENT, "zz" },
                { OP_CLAIM, "0000:3b:00.9", UUID2, 0, VFMIG_ERROR_INVALID_ARGUMENT, "0000:3b:00.9" },
                { OP_CLAIM, PF_NET, UUID2, 0, VFMIG_ERROR_NOT_A_VF, PF_NET },
                { OP_CLAIM, "0000:3b:00.7", UUID2, 0, VFMIG_ERROR_NO_SUCH_DEVICE, "0000:3b:00.7" },
                { OP_CLAIM, VF3, "not-a-uuid", 0, VFMIG_ERROR_INVALID_ARGUMENT, "not-a-uuid" },
                { OP_CLAIM, VF2, UUID2, 0, VFMIG_ERROR_BUSY, VF2 },
                { OP_PROVISION, VF2, NULL, 2, VFMIG_ERROR_NOT_A_PF, VF2 },
                { OP_PROVISION, PF_BLK, NULL, 5, VFMIG_ERROR_OUT_OF_RANGE, PF_BLK },
                { OP_PROVISION, PF_NET, NULL, 2, VFMIG_ERROR_BUSY, VF2 },
                { OP_PROVISION, "0000:99:00.0", NULL, 2, VFMIG_ERROR_NO_SUCH_DEVICE, "0000:99:00.0" },
                { OP_BIND, VF3, "e1000", 0, VFMIG_ERROR_UNKNOWN_DRIVER, "e1000" },
                { OP_BIND, VF2, VFMIG_DRIVER_VFIO, 0, VFMIG_ERROR_BUSY, VF2 },
                { OP_UNBIND, VF2, NULL, 0, VFMIG_ERROR_BUSY, VF2 },
                { OP_RELEASE, VF2, UUID2, 0, VFMIG_ERROR_NOT_OWNER, VF2 },
                { OP_ASSIGN, VF2, UUID2, 0, VFMIG_ERROR_NOT_OWNER, VF2 },
                { OP_UNQUARANTINE, VF2, NULL, 0, VFMIG_ERROR_INVALID_STATE, VF2 },
        };
        g_autofree char *journal_before = NULL;
        g_autofree char *pool_before = NULL;
        g_autofree char *numvfs_before = NULL;
        g_autofree char *drv3_before = NULL;

        assert_true(agent_claim(f->agent, VF2, UUID1, "vm1", &error));
        journal_before = journal_text(f);
        pool_before = pool_serialize(agent_get_pool(f->agent));
        numvfs_before = read_attr(f, PF_NET, "sriov_numvfs");
        drv3_before = driver_of(f, VF3);
        g_ptr_array_set_size(f->events, 0);

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                const BadCase *c = &cases[i];
                g_autofree char *journal = NULL;
                g_autofree char *pool = NULL;
                g_autofree char *numvfs = NULL;
                g_autofree char *drv3 = NULL;

                if (run_op(f, c, &error))
                        fail_msg("case %zu (%s) succeeded", i, c->device);
                if (!g_error_matches(error, VFMIG_ERROR, (gint) c->code))
                        fail_msg("case %zu (%s): want %s, got %s: %s", i, c->device,
                                 vfmig_error_to_string(c->code),
                                 error->domain == VFMIG_ERROR ? vfmig_error_to_string(error->code) : "?",
                                 error->message);
                /* The message names the device (or the bad input). */
                if (!strstr(error->message, c->in_message))
                        fail_msg("case %zu: '%s' does not name '%s'", i, error->message,
                                 c->in_message);
                g_clear_error(&error);

                journal = journal_text(f);
                pool = pool_serialize(agent_get_pool(f->agent));
                numvfs = read_attr(f, PF_NET, "sriov_numvfs");
                drv3 = driver_of(f, VF3);
                assert_string_equal(journal, journal_before);
                assert_string_equal(pool, pool_before);
                assert_string_equal(numvfs, numvfs_before);
                assert_string_equal(drv3, drv3_before);
        }
        assert_int_equal(f->events->len, 0);
}

static void test_release(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *drv = NULL;
        g_autofree char *journal = NULL;

        assert_true(agent_claim(f->agent, VF2, UUID1, "vm1", &error));
        assert_true(agent_release(f->agent, VF2, UUID1, &error));
        assert_null(pool_lookup(agent_get_pool(f->agent), VF2));
        /* Kept on its policy driver, ready for the next VM. */
        drv = driver_of(f, VF2);
        assert_string_equal(drv, VFMIG_DRIVER_VARIANT);
        journal = journal_text(f);
        assert_null(strstr(journal, VF2));

        /* Releasing again (hooks repeat) is fine and changes nothing. */
        g_ptr_array_set_size(f->events, 0);
        assert_true(agent_release(f->agent, VF2, UUID1, &error));
        assert_int_equal(f->events->len, 0);

        /* Administrative release, whatever the owner. */
        assert_true(agent_reserve(f->agent, VF3, UUID2, "vm2", 0, &error));
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_RESERVED);
        assert_true(agent_release(f->agent, VF3, NULL, &error));
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_FREE);

        start_agent(f);
        assert_null(pool_lookup(agent_get_pool(f->agent), VF2));
        assert_null(pool_lookup(agent_get_pool(f->agent), VF3));
}

static void test_assign(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        const PoolEntry *e;

        assert_true(agent_reserve(f->agent, VF1, UUID1, "vm1", 60, &error));
        e = pool_lookup(agent_get_pool(f->agent), VF1);
        assert_int_equal(e->state, VF_STATE_RESERVED);
        assert_true(e->lease_until_usec > g_get_real_time());
        assert_true(agent_assign(f->agent, VF1, UUID1, &error));
        start_agent(f);
        e = pool_lookup(agent_get_pool(f->agent), VF1);
        assert_non_null(e);
        assert_int_equal(e->state, VF_STATE_ASSIGNED);
}

static gboolean has_vfs(Fixture *f, const char *n)
{
        g_autofree char *link = g_strdup_printf("virtfn%d", atoi(n) - 1);
        g_autofree char *path = g_build_filename(f->root, "sys/bus/pci/devices", PF_BLK,
                                                 link, NULL);
        return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void test_provision(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *numvfs = NULL;
        const Pf *pf;

        assert_true(agent_provision(f->agent, PF_BLK, 3, &error));
        numvfs = read_attr(f, PF_BLK, "sriov_numvfs");
        assert_string_equal(numvfs, "3");
        assert_true(wait_for(has_vfs, f, "3"));
        pf = inventory_find_pf(agent_get_inventory(f->agent), PF_BLK);
        assert_int_equal(pf->num_vfs, 3);
        assert_int_equal(pf->vfs->len, 3);
        assert_int_equal(count_events(f, AGENT_CHANGE_PF_CHANGED, PF_BLK), 1);
        for (guint i = 0; i < pf->vfs->len; i++) {
                const Vf *vf = pf->vfs->pdata[i];
                assert_int_equal(vf->type, DEVICE_TYPE_BLK);
                assert_int_equal(count_events(f, AGENT_CHANGE_VF_ADDED, vf->address), 1);
        }

        /* Same count: nothing to do. */
        g_ptr_array_set_size(f->events, 0);
        assert_true(agent_provision(f->agent, PF_BLK, 3, &error));
        assert_int_equal(f->events->len, 0);

        if (!agent_provision(f->agent, PF_BLK, 0, &error))
                fail_msg("provision to 0: %s", error->message);
        pf = inventory_find_pf(agent_get_inventory(f->agent), PF_BLK);
        assert_int_equal(pf->num_vfs, 0);
        assert_int_equal(pf->vfs->len, 0);
}

static void test_bind_unbind(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        char *drv;

        assert_true(agent_bind(f->agent, VF1, VFMIG_DRIVER_VFIO, &error));
        drv = driver_of(f, VF1);
        assert_string_equal(drv, VFMIG_DRIVER_VFIO);
        g_free(drv);
        assert_string_equal(inventory_find_vf(agent_get_inventory(f->agent), VF1)->driver,
                            VFMIG_DRIVER_VFIO);
        assert_int_equal(count_events(f, AGENT_CHANGE_VF_CHANGED, VF1), 1);

        /* "" is the policy driver. */
        assert_true(agent_bind(f->agent, VF1, "", &error));
        drv = driver_of(f, VF1);
        assert_string_equal(drv, VFMIG_DRIVER_VARIANT);
        g_free(drv);

        assert_true(agent_unbind(f->agent, VF1, &error));
        assert_null(driver_of(f, VF1));
        assert_null(inventory_find_vf(agent_get_inventory(f->agent), VF1)->driver);
}

static gboolean unbound(Fixture *f, const char *dev)
{
        g_autofree char *d = driver_of(f, dev);
        return d == NULL;
}

static void test_rescan_quarantines(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) findings = NULL;
        g_autofree char *unbind = g_build_filename(f->root, "sys/bus/pci/drivers",
                                                   VFMIG_DRIVER_VARIANT, "unbind", NULL);
        gboolean named = FALSE;
        const PoolEntry *e;

        assert_true(agent_claim(f->agent, VF3, UUID1, "vm1", &error));

        /* Behind the agent's back, like an admin with a shell. */
        FILE *fp = fopen(unbind, "w");
        assert_non_null(fp);
        fputs(VF3, fp);
        assert_int_equal(fclose(fp), 0);
        assert_true(wait_for(unbound, f, VF3));

        assert_true(agent_rescan(f->agent, &findings, &error));
        for (guint i = 0; i < findings->len; i++)
                named |= strstr(findings->pdata[i], VF3) != NULL;
        assert_true(named);
        e = pool_lookup(agent_get_pool(f->agent), VF3);
        assert_int_equal(e->state, VF_STATE_QUARANTINED);
        assert_non_null(e->reason);

        /* Quarantine is journaled and refuses new owners. */
        start_agent(f);
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_QUARANTINED);
        assert_false(agent_claim(f->agent, VF3, UUID2, "vm2", &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_QUARANTINED));
        g_clear_error(&error);

        assert_true(agent_unquarantine(f->agent, VF3, &error));
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_FREE);
}

static void test_apply_idempotent(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        g_autoptr(GPtrArray) again = NULL;
        g_autofree char *numvfs = NULL;
        const Pf *pf;

        write_config(f, "[pf " PF_BLK "]\nnum-vfs=2\ndriver=vfio-pci\n");
        start_agent(f);
        assert_true(agent_apply(f->agent, &changes, &error));
        /* numvfs, then one bind per new VF. */
        assert_int_equal(changes->len, 3);
        numvfs = read_attr(f, PF_BLK, "sriov_numvfs");
        assert_string_equal(numvfs, "2");
        pf = inventory_find_pf(agent_get_inventory(f->agent), PF_BLK);
        assert_int_equal(pf->vfs->len, 2);
        for (guint i = 0; i < pf->vfs->len; i++) {
                const Vf *vf = pf->vfs->pdata[i];
                g_autofree char *drv = driver_of(f, vf->address);
                assert_string_equal(drv, VFMIG_DRIVER_VFIO);
        }

        assert_true(agent_apply(f->agent, &again, &error));
        assert_int_equal(again->len, 0);
}

static void test_damaged_journal(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->state_dir, "pool.journal", NULL);
        const char *garbage = "this is not a journal\n\x01\x02";
        g_autoptr(GDir) dir = NULL;
        const char *name;
        gboolean kept = FALSE;

        agent_free(g_steal_pointer(&f->agent));
        assert_true(g_file_set_contents(path, garbage, -1, NULL));
        start_agent(f);
        assert_true(agent_get_startup_report(f->agent)->len >= 1);

        dir = g_dir_open(f->state_dir, 0, &error);
        assert_non_null(dir);
        while ((name = g_dir_read_name(dir))) {
                if (g_str_has_prefix(name, "pool.journal.damaged-")) {
                        g_autofree char *p = g_build_filename(f->state_dir, name, NULL);
                        g_autofree char *text = NULL;
                        assert_true(g_file_get_contents(p, &text, NULL, NULL));
                        assert_string_equal(text, garbage);
                        kept = TRUE;
                }
        }
        assert_true(kept);

        /* The agent still works. */
        assert_true(agent_claim(f->agent, VF1, UUID1, "vm1", &error));
}

static void test_bad_config(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        AgentOptions o = { .sysfs_root = f->root, .state_dir = f->state_dir,
                           .config_path = f->config };
        Agent *a;

        write_config(f, "[agent]\nno-such-key=1\n");
        a = agent_new(&o, &error);
        assert_null(a);
        assert_non_null(strstr(error->message, f->config));
        assert_non_null(strstr(error->message, "no-such-key"));
        g_clear_error(&error);

        /* A missing file means defaults. */
        assert_int_equal(unlink(f->config), 0);
        a = agent_new(&o, &error);
        assert_non_null(a);
        assert_string_equal(agent_get_config(a)->default_driver, VFMIG_DRIVER_VARIANT);
        agent_free(a);
}

static void test_lease_expiry(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;

        assert_true(agent_reserve(f->agent, VF1, UUID1, "vm1", 1, &error));
        assert_true(agent_claim(f->agent, VF2, UUID1, "vm1", &error));
        assert_int_equal(agent_expire_leases(f->agent), 0);
        g_usleep(1100 * 1000);
        assert_int_equal(agent_expire_leases(f->agent), 1);
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF1), VF_STATE_FREE);
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF2), VF_STATE_CLAIMED);
}

/* Makes the journal unwritable: a non-empty directory in its place. */
static void break_journal(Fixture *f)
{
        g_autofree char *journal = g_build_filename(f->state_dir, "pool.journal", NULL);
        g_autofree char *inside = g_build_filename(journal, "x", NULL);

        (void) remove(journal);
        assert_int_equal(g_mkdir_with_parents(inside, 0755), 0);
}

static void repair_journal(Fixture *f)
{
        g_autofree char *journal = g_build_filename(f->state_dir, "pool.journal", NULL);
        g_autofree char *inside = g_build_filename(journal, "x", NULL);

        assert_int_equal(rmdir(inside), 0);
        assert_int_equal(rmdir(journal), 0);
}

static char *driver_dir(Fixture *f, const char *name)
{
        return g_build_filename(f->root, "sys/bus/pci/drivers", name, NULL);
}

/* virtio-pci "unloaded" right after bind-on-claim moved the VF away from it. */
static void hide_virtio_pci(Fixture *f)
{
        g_autofree char *dir = driver_dir(f, "virtio-pci");
        g_autofree char *gone = driver_dir(f, "virtio-pci.gone");

        assert_int_equal(rename(dir, gone), 0);
}

/*
 * bind-on-claim moved the VF, then the journal could not be saved: the VF
 * goes back to its old driver and override, so "nothing changed" is true.
 */
static void test_failed_claim_puts_driver_back(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *override_before = read_attr(f, VF1, "driver_override");

        for (int reserve = 0; reserve <= 1; reserve++) {
                g_autofree char *drv = NULL;
                g_autofree char *override = NULL;
                gboolean ok;

                break_journal(f);
                ok = reserve ? agent_reserve(f->agent, VF1, UUID1, "vm1", 60, &error)
                             : agent_claim(f->agent, VF1, UUID1, "vm1", &error);
                assert_false(ok);
                assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_IO));
                assert_non_null(strstr(error->message, "nothing changed"));
                g_clear_error(&error);
                drv = driver_of(f, VF1);
                assert_string_equal(drv, "virtio-pci");
                override = read_attr(f, VF1, "driver_override");
                assert_string_equal(override, override_before);
                assert_string_equal(inventory_find_vf(agent_get_inventory(f->agent), VF1)->driver,
                                    "virtio-pci");
                assert_null(pool_lookup(agent_get_pool(f->agent), VF1));
                repair_journal(f);
        }

        /* The journal works again: the same claim goes through. */
        assert_true(agent_claim(f->agent, VF1, UUID1, "vm1", &error));
        g_autofree char *drv = driver_of(f, VF1);
        assert_string_equal(drv, VFMIG_DRIVER_VARIANT);
}

/* The way back fails too: the error must not pretend nothing changed. */
static void test_failed_claim_restore_fails(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = driver_dir(f, "virtio-pci");
        g_autofree char *gone = driver_dir(f, "virtio-pci.gone");
        g_autofree char *drv = NULL;

        break_journal(f);
        f->hook = hide_virtio_pci;
        f->hook_address = VF1;
        assert_false(agent_claim(f->agent, VF1, UUID1, "vm1", &error));
        assert_true(g_error_matches(error, VFMIG_ERROR, VFMIG_ERROR_IO));
        assert_non_null(strstr(error->message, VF1));
        assert_non_null(strstr(error->message, "stays on " VFMIG_DRIVER_VARIANT
                                                  " instead of going back to virtio-pci"));
        drv = driver_of(f, VF1);
        assert_string_equal(drv, VFMIG_DRIVER_VARIANT);   /* what the error says */
        assert_null(pool_lookup(agent_get_pool(f->agent), VF1));
        assert_int_equal(rename(gone, dir), 0);
        repair_journal(f);
}

static void rescan_from_inside(Fixture *f)
{
        g_autoptr(GError) error = NULL;

        assert_true(agent_rescan(f->agent, NULL, &error));
}

/*
 * A rescan during the bind of a claim (agent_refresh_vf falls back to one)
 * commits quarantines: the claim must not overwrite them with the pool it
 * had before the bind.
 */
static void test_claim_keeps_quarantine_from_rescan_during_bind(void **state)
{
        Fixture *f = *state;
        g_autoptr(GError) error = NULL;
        g_autofree char *variant = driver_dir(f, VFMIG_DRIVER_VARIANT);
        g_autofree char *unbind = g_build_filename(variant, "unbind", NULL);
        g_autofree char *journal = NULL;
        FILE *fp;

        assert_true(agent_claim(f->agent, VF3, UUID2, "vm2", &error));
        /* Behind the agent's back; the agent has not seen it yet. */
        fp = fopen(unbind, "w");
        assert_non_null(fp);
        fputs(VF3, fp);
        assert_int_equal(fclose(fp), 0);
        assert_true(wait_for(unbound, f, VF3));
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_CLAIMED);

        f->hook = rescan_from_inside;
        f->hook_address = VF1;
        assert_true(agent_claim(f->agent, VF1, UUID1, "vm1", &error));
        assert_null(f->hook);   /* the rescan did run during the bind */
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF1), VF_STATE_CLAIMED);
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_QUARANTINED);
        journal = journal_text(f);
        assert_non_null(strstr(journal, "state=quarantined"));
        start_agent(f);
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF3), VF_STATE_QUARANTINED);
        assert_int_equal(pool_state(agent_get_pool(f->agent), VF1), VF_STATE_CLAIMED);
}

static void test_bus_op_table(void **state)
{
        for (int i = 0; i < _BUS_OP_MAX; i++) {
                const char *s = bus_op_kind_to_string(i);
                assert_non_null(s);
                assert_int_equal(bus_op_kind_from_string(s), i);
        }
        assert_null(bus_op_kind_to_string(_BUS_OP_MAX));
        assert_null(bus_op_kind_to_string(-1));
        assert_int_equal(bus_op_kind_from_string("Frobnicate"), _BUS_OP_INVALID);
        assert_int_equal(bus_op_kind_from_string(NULL), _BUS_OP_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_start_inventory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_claim_binds_and_persists, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_release, setup, teardown),
                cmocka_unit_test_setup_teardown(test_assign, setup, teardown),
                cmocka_unit_test_setup_teardown(test_provision, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bind_unbind, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rescan_quarantines, setup, teardown),
                cmocka_unit_test_setup_teardown(test_apply_idempotent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged_journal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_expiry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_claim_puts_driver_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_claim_restore_fails, setup, teardown),
                cmocka_unit_test_setup_teardown(test_claim_keeps_quarantine_from_rescan_during_bind,
                                                setup, teardown),
                cmocka_unit_test(test_bus_op_table),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
