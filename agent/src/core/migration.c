/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Migration record and its phase machine (see migration.h for the
 * drawing), plus the text form the agent persists. The allowed arcs are
 * data, one table per role, so the unit test can walk every (from, to).
 */
#include <string.h>

#include "migration.h"
#include "vfmig-error.h"

static const char *const migration_role_table[_MIGRATION_ROLE_MAX] = {
        [MIGRATION_ROLE_INCOMING] = "incoming",
        [MIGRATION_ROLE_OUTGOING] = "outgoing",
};

/* API: the Phase and Role properties and ListMigrations carry these. */
static const char *const migration_phase_table[_MIGRATION_PHASE_MAX] = {
        [MIGRATION_PHASE_PREPARING] = "preparing",
        [MIGRATION_PHASE_PREPARED] = "prepared",
        [MIGRATION_PHASE_TRANSFERRING] = "transferring",
        [MIGRATION_PHASE_COMPLETED] = "completed",
        [MIGRATION_PHASE_FAILED] = "failed",
        [MIGRATION_PHASE_REFUSED] = "refused",
};

const char *migration_role_to_string(MigrationRole r)
{
        if ((int) r < 0 || r >= _MIGRATION_ROLE_MAX)
                return NULL;
        return migration_role_table[r];
}

MigrationRole migration_role_from_string(const char *s)
{
        for (int i = 0; s && i < _MIGRATION_ROLE_MAX; i++)
                if (strcmp(migration_role_table[i], s) == 0)
                        return (MigrationRole) i;
        return _MIGRATION_ROLE_INVALID;
}

const char *migration_phase_to_string(MigrationPhase p)
{
        if ((int) p < 0 || p >= _MIGRATION_PHASE_MAX)
                return NULL;
        return migration_phase_table[p];
}

MigrationPhase migration_phase_from_string(const char *s)
{
        for (int i = 0; s && i < _MIGRATION_PHASE_MAX; i++)
                if (strcmp(migration_phase_table[i], s) == 0)
                        return (MigrationPhase) i;
        return _MIGRATION_PHASE_INVALID;
}

gboolean migration_phase_is_final(MigrationPhase p)
{
        return p == MIGRATION_PHASE_COMPLETED || p == MIGRATION_PHASE_FAILED ||
               p == MIGRATION_PHASE_REFUSED;
}

#define ARC(from, to) (G_GUINT64_CONSTANT(1) << ((from) * _MIGRATION_PHASE_MAX + (to)))
G_STATIC_ASSERT(_MIGRATION_PHASE_MAX * _MIGRATION_PHASE_MAX <= 64);

/* The arcs of migration.h, per role. */
static const guint64 migration_arcs[_MIGRATION_ROLE_MAX] = {
        [MIGRATION_ROLE_INCOMING] =
                ARC(MIGRATION_PHASE_PREPARING, MIGRATION_PHASE_PREPARED) |
                ARC(MIGRATION_PHASE_PREPARING, MIGRATION_PHASE_REFUSED) |
                ARC(MIGRATION_PHASE_PREPARED, MIGRATION_PHASE_TRANSFERRING) |
                ARC(MIGRATION_PHASE_PREPARED, MIGRATION_PHASE_FAILED) |
                ARC(MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_COMPLETED) |
                ARC(MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_FAILED),
        [MIGRATION_ROLE_OUTGOING] =
                ARC(MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_COMPLETED) |
                ARC(MIGRATION_PHASE_TRANSFERRING, MIGRATION_PHASE_FAILED),
};

static void migration_device_free(MigrationDevice *d)
{
        if (!d)
                return;
        g_free(d->alias);
        g_free(d);
}

static const char *str_or_invalid(const char *s)
{
        return s ? s : "(invalid)";
}

static MigrationPhase initial_phase(MigrationRole role)
{
        /* The source learns of a migration only once it is under way (no
         * hook runs there when it starts): it begins in transferring. */
        return role == MIGRATION_ROLE_OUTGOING ? MIGRATION_PHASE_TRANSFERRING
                                               : MIGRATION_PHASE_PREPARING;
}

Migration *migration_new(guint64 id, MigrationRole role, const char *uuid,
                         const char *name, gint64 now_usec)
{
        Migration *m;

        g_return_val_if_fail(role >= 0 && role < _MIGRATION_ROLE_MAX, NULL);
        m = g_new0(Migration, 1);
        m->id = id;
        m->role = role;
        m->phase = initial_phase(role);
        m->domain_uuid = g_ascii_strdown(uuid ? uuid : "", -1);
        m->domain_name = g_strdup(name ? name : "");
        m->devices = g_ptr_array_new_with_free_func((GDestroyNotify) migration_device_free);
        m->phase_usec[m->phase] = now_usec;
        m->started_usec = now_usec;
        return m;
}

void migration_free(Migration *m)
{
        if (!m)
                return;
        g_free(m->domain_uuid);
        g_free(m->domain_name);
        if (m->devices)
                g_ptr_array_unref(m->devices);
        g_free(m->error);
        g_free(m);
}

void migration_add_device(Migration *m, const char *alias,
                          const char *source_vf, const char *destination_vf)
{
        MigrationDevice *d = g_new0(MigrationDevice, 1);

        d->alias = alias && *alias ? g_strdup(alias) : NULL;
        g_strlcpy(d->source_vf, source_vf ? source_vf : "", sizeof(d->source_vf));
        g_strlcpy(d->destination_vf, destination_vf ? destination_vf : "",
                  sizeof(d->destination_vf));
        g_ptr_array_add(m->devices, d);
}

static gboolean arc_allowed(MigrationRole role, MigrationPhase from, MigrationPhase to)
{
        if (role < 0 || role >= _MIGRATION_ROLE_MAX ||
            from < 0 || from >= _MIGRATION_PHASE_MAX ||
            to < 0 || to >= _MIGRATION_PHASE_MAX)
                return FALSE;
        return (migration_arcs[role] & ARC(from, to)) != 0;
}

gboolean migration_set_phase(Migration *m, MigrationPhase to,
                             const char *error, gint64 now_usec, GError **err)
{
        if (m->phase == to)
                return TRUE;
        if (!arc_allowed(m->role, m->phase, to)) {
                g_set_error(err, VFMIG_ERROR, VFMIG_ERROR_INVALID_STATE,
                            "Migration %" G_GUINT64_FORMAT " (%s, domain %s) cannot go from %s to %s",
                            m->id, migration_role_to_string(m->role), m->domain_uuid,
                            migration_phase_to_string(m->phase),
                            str_or_invalid(migration_phase_to_string(to)));
                return FALSE;
        }
        m->phase = to;
        m->phase_usec[to] = now_usec;
        if (migration_phase_is_final(to))
                m->finished_usec = now_usec;
        if (to == MIGRATION_PHASE_FAILED || to == MIGRATION_PHASE_REFUSED) {
                g_free(m->error);
                m->error = g_strdup(error && *error ? error : "no reason recorded");
        }
        return TRUE;
}

/* ---- text form -------------------------------------------------------- */

#define GROUP_PREFIX "migration "

char *migrations_serialize(GPtrArray *migrations)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();

        for (guint i = 0; migrations && i < migrations->len; i++) {
                const Migration *m = migrations->pdata[i];
                g_autofree char *group = g_strdup_printf(GROUP_PREFIX "%" G_GUINT64_FORMAT, m->id);

                g_key_file_set_string(kf, group, "role", migration_role_to_string(m->role));
                g_key_file_set_string(kf, group, "phase", migration_phase_to_string(m->phase));
                g_key_file_set_string(kf, group, "domain-uuid", m->domain_uuid);
                g_key_file_set_string(kf, group, "domain-name", m->domain_name);
                g_key_file_set_int64(kf, group, "started", m->started_usec);
                g_key_file_set_int64(kf, group, "finished", m->finished_usec);
                for (int p = 0; p < _MIGRATION_PHASE_MAX; p++) {
                        g_autofree char *key = NULL;

                        if (!m->phase_usec[p])
                                continue;
                        key = g_strdup_printf("entered-%s", migration_phase_to_string(p));
                        g_key_file_set_int64(kf, group, key, m->phase_usec[p]);
                }
                if (m->error)
                        g_key_file_set_string(kf, group, "error", m->error);
                g_key_file_set_integer(kf, group, "devices", (int) m->devices->len);
                for (guint j = 0; j < m->devices->len; j++) {
                        const MigrationDevice *d = m->devices->pdata[j];
                        g_autofree char *ka = g_strdup_printf("device%u-alias", j);
                        g_autofree char *ks = g_strdup_printf("device%u-source", j);
                        g_autofree char *kd = g_strdup_printf("device%u-destination", j);

                        if (d->alias)
                                g_key_file_set_string(kf, group, ka, d->alias);
                        g_key_file_set_string(kf, group, ks, d->source_vf);
                        g_key_file_set_string(kf, group, kd, d->destination_vf);
                }
        }
        return g_key_file_to_data(kf, NULL, NULL);
}

static gboolean bad(GError **error, const char *group, const char *what)
{
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                    "[%s]: %s", group, what);
        return FALSE;
}

static gboolean read_string(GKeyFile *kf, const char *group, const char *key,
                            gboolean required, char **out, GError **error)
{
        g_autoptr(GError) local = NULL;
        char *s = g_key_file_get_string(kf, group, key, &local);

        if (!s) {
                if (!required && g_error_matches(local, G_KEY_FILE_ERROR,
                                                 G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
                        *out = NULL;
                        return TRUE;
                }
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] %s: %s", group, key, local->message);
                return FALSE;
        }
        *out = s;
        return TRUE;
}

static gboolean read_time(GKeyFile *kf, const char *group, const char *key,
                          gboolean required, gint64 *out, GError **error)
{
        g_autofree char *s = NULL;
        gint64 v;

        if (!read_string(kf, group, key, required, &s, error))
                return FALSE;
        if (!s) {
                *out = 0;
                return TRUE;
        }
        if (!g_ascii_string_to_signed(s, 10, 0, G_MAXINT64, &v, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] %s: '%s' is not a time in microseconds", group, key, s);
                return FALSE;
        }
        *out = v;
        return TRUE;
}

static gboolean read_address(GKeyFile *kf, const char *group, const char *key,
                             char out[static PCI_ADDRESS_STRLEN], GError **error)
{
        g_autofree char *s = NULL;

        if (!read_string(kf, group, key, TRUE, &s, error))
                return FALSE;
        if (!*s) {
                out[0] = '\0';
                return TRUE;
        }
        if (!pci_address_normalize(s, out, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] %s: '%s' is not a PCI address", group, key, s);
                return FALSE;
        }
        return TRUE;
}

/* Upper bound on devices per migration in the file: a domain has at most a
 * few dozen PCI devices; a bigger number is damage, not data. */
#define MIGRATION_MAX_DEVICES 256

static Migration *parse_group(GKeyFile *kf, const char *group, GError **error)
{
        g_autoptr(Migration) m = NULL;
        g_autofree char *role = NULL, *phase = NULL, *uuid = NULL, *name = NULL;
        g_autofree char *ndev = NULL;
        guint64 id, n;
        MigrationRole r;
        MigrationPhase p;

        if (!g_str_has_prefix(group, GROUP_PREFIX) ||
            !g_ascii_string_to_unsigned(group + strlen(GROUP_PREFIX), 10, 1, G_MAXUINT64,
                                        &id, NULL)) {
                bad(error, group, "not a migration group (expected [migration <id>])");
                return NULL;
        }
        if (!read_string(kf, group, "role", TRUE, &role, error) ||
            !read_string(kf, group, "phase", TRUE, &phase, error) ||
            !read_string(kf, group, "domain-uuid", TRUE, &uuid, error) ||
            !read_string(kf, group, "domain-name", TRUE, &name, error) ||
            !read_string(kf, group, "devices", TRUE, &ndev, error))
                return NULL;
        r = migration_role_from_string(role);
        if (r < 0) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] role: unknown role '%s'", group, role);
                return NULL;
        }
        p = migration_phase_from_string(phase);
        if (p < 0) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] phase: unknown phase '%s'", group, phase);
                return NULL;
        }
        if (!g_uuid_string_is_valid(uuid)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] domain-uuid: '%s' is not a UUID", group, uuid);
                return NULL;
        }
        if (!g_ascii_string_to_unsigned(ndev, 10, 0, MIGRATION_MAX_DEVICES, &n, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] devices: '%s' is not a count of at most %d", group,
                            ndev, MIGRATION_MAX_DEVICES);
                return NULL;
        }

        m = migration_new(id, r, uuid, name, 0);
        m->phase = p;
        if (!read_time(kf, group, "started", TRUE, &m->started_usec, error) ||
            !read_time(kf, group, "finished", TRUE, &m->finished_usec, error) ||
            !read_string(kf, group, "error", FALSE, &m->error, error))
                return NULL;
        for (int i = 0; i < _MIGRATION_PHASE_MAX; i++) {
                g_autofree char *key = g_strdup_printf("entered-%s", migration_phase_to_string(i));

                if (!read_time(kf, group, key, FALSE, &m->phase_usec[i], error))
                        return NULL;
        }
        if (migration_phase_is_final(p) != (m->finished_usec != 0)) {
                bad(error, group, migration_phase_is_final(p)
                                  ? "a finished migration without a finish time"
                                  : "a running migration with a finish time");
                return NULL;
        }
        for (guint j = 0; j < n; j++) {
                g_autofree char *ka = g_strdup_printf("device%u-alias", j);
                g_autofree char *ks = g_strdup_printf("device%u-source", j);
                g_autofree char *kd = g_strdup_printf("device%u-destination", j);
                g_autofree char *alias = NULL;
                char src[PCI_ADDRESS_STRLEN], dst[PCI_ADDRESS_STRLEN];

                if (!read_string(kf, group, ka, FALSE, &alias, error) ||
                    !read_address(kf, group, ks, src, error) ||
                    !read_address(kf, group, kd, dst, error))
                        return NULL;
                migration_add_device(m, alias, src, dst);
        }
        return g_steal_pointer(&m);
}

GPtrArray *migrations_parse(const char *text, gsize len, GError **error)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify) migration_free);
        g_autoptr(GHashTable) ids = g_hash_table_new(g_int64_hash, g_int64_equal);
        g_autoptr(GError) local = NULL;
        g_auto(GStrv) groups = NULL;

        /* GKeyFile would skip a NUL and what follows: refuse it here. */
        if (!g_utf8_validate_len(text, len, NULL)) {
                g_set_error_literal(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "not a migrations file: not UTF-8 text");
                return NULL;
        }
        if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "not a migrations file: %s", local->message);
                return NULL;
        }
        groups = g_key_file_get_groups(kf, NULL);
        for (guint i = 0; groups[i]; i++) {
                Migration *m = parse_group(kf, groups[i], error);

                if (!m)
                        return NULL;
                g_ptr_array_add(out, m);
                /* GKeyFile merges repeated groups; the id check catches
                 * "migration 7" and "migration 07". */
                if (!g_hash_table_add(ids, &m->id)) {
                        bad(error, groups[i], "the same migration id twice");
                        return NULL;
                }
        }
        return g_steal_pointer(&out);
}
