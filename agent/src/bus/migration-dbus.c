/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * org.vfmig.Agent1.Migration at /org/vfmig/Agent1/migration/<id>: one
 * object per migration the agent keeps (unfinished ones, and the newest
 * finished ones). Read-only; the phase follows the hooks and events.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bus-private.h"

char *bus_migration_path(guint64 id)
{
        return g_strdup_printf(BUS_MIGRATION_PREFIX "/%" G_GUINT64_FORMAT, id);
}

gboolean bus_migration_id_from_path(const char *path, guint64 *id)
{
        const char *label;

        if (!g_str_has_prefix(path, BUS_MIGRATION_PREFIX "/"))
                return FALSE;
        label = path + strlen(BUS_MIGRATION_PREFIX "/");
        /* One spelling per object: no leading zeros, no sign. */
        if (!*label || (label[0] == '0' && label[1]) || !g_ascii_isdigit(label[0]))
                return FALSE;
        return g_ascii_string_to_unsigned(label, 10, 1, G_MAXUINT64, id, NULL);
}

static const Migration *migration_from_path(BusService *svc, const char *path)
{
        guint64 id;

        if (!bus_migration_id_from_path(path, &id))
                return NULL;
        return agent_find_migration(svc->agent, id);
}

int bus_migration_find(sd_bus *bus, const char *path, const char *interface,
                       void *userdata, void **found, sd_bus_error *error)
{
        if (!migration_from_path(userdata, path))
                return 0;
        *found = userdata;
        return 1;
}

int bus_migration_enumerate(sd_bus *bus, const char *prefix, void *userdata,
                            char ***nodes, sd_bus_error *error)
{
        BusService *svc = userdata;
        const GPtrArray *all = agent_get_migrations(svc->agent);
        char **l = calloc(all->len + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (guint i = 0; i < all->len; i++) {
                const Migration *m = all->pdata[i];
                /* sd-bus frees these with free(). */
                l[i] = NULL;
                if (asprintf(&l[i], BUS_MIGRATION_PREFIX "/%" PRIu64, (uint64_t) m->id) < 0) {
                        for (guint j = 0; j < i; j++)
                                free(l[j]);
                        free(l);
                        return -ENOMEM;
                }
        }
        *nodes = l;
        return 1;
}

#define MIGRATION_OR_FAIL(m)                                                        \
        const Migration *m = migration_from_path(userdata, path);                   \
        if (!m)                                                                     \
                return sd_bus_error_setf(error, VFMIG_DBUS_ERROR_PREFIX "NoSuchDevice", \
                                         "%s: no such migration", path)

static int property_get_string(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply,
                               void *userdata, sd_bus_error *error)
{
        MIGRATION_OR_FAIL(m);
        const char *s = NULL;

        if (strcmp(property, "Role") == 0)
                s = migration_role_to_string(m->role);
        else if (strcmp(property, "Phase") == 0)
                s = migration_phase_to_string(m->phase);
        else if (strcmp(property, "DomainUUID") == 0)
                s = m->domain_uuid;
        else if (strcmp(property, "DomainName") == 0)
                s = m->domain_name;
        else if (strcmp(property, "Error") == 0)
                s = m->error;
        return sd_bus_message_append(reply, "s", s ? s : "");
}

static int property_get_time(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply,
                             void *userdata, sd_bus_error *error)
{
        MIGRATION_OR_FAIL(m);
        gint64 t;

        if (strcmp(property, "Id") == 0)
                return sd_bus_message_append(reply, "t", (uint64_t) m->id);
        t = strcmp(property, "Started") == 0 ? m->started_usec : m->finished_usec;
        return sd_bus_message_append(reply, "t", (uint64_t) MAX(t, 0));
}

static int property_get_devices(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply,
                                void *userdata, sd_bus_error *error)
{
        MIGRATION_OR_FAIL(m);
        int r = sd_bus_message_open_container(reply, 'a', "(sss)");

        for (guint i = 0; r >= 0 && i < m->devices->len; i++) {
                const MigrationDevice *d = m->devices->pdata[i];
                r = sd_bus_message_append(reply, "(sss)", d->alias ? d->alias : "",
                                          d->source_vf, d->destination_vf);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_phase_times(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply,
                                    void *userdata, sd_bus_error *error)
{
        MIGRATION_OR_FAIL(m);
        int r = sd_bus_message_open_container(reply, 'a', "(st)");

        /* Only the phases it went through, in the machine's order. */
        for (int p = 0; r >= 0 && p < _MIGRATION_PHASE_MAX; p++)
                if (m->phase_usec[p] > 0)
                        r = sd_bus_message_append(reply, "(st)", migration_phase_to_string(p),
                                                  (uint64_t) m->phase_usec[p]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

#define CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST

const sd_bus_vtable bus_migration_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "t", property_get_time, 0, CONST),
        SD_BUS_PROPERTY("Role", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("Phase", "s", property_get_string, 0, CHANGE),
        SD_BUS_PROPERTY("DomainUUID", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("DomainName", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("Devices", "a(sss)", property_get_devices, 0, CHANGE),
        SD_BUS_PROPERTY("PhaseTimes", "a(st)", property_get_phase_times, 0, CHANGE),
        SD_BUS_PROPERTY("Started", "t", property_get_time, 0, CONST),
        SD_BUS_PROPERTY("Finished", "t", property_get_time, 0, CHANGE),
        SD_BUS_PROPERTY("Error", "s", property_get_string, 0, CHANGE),
        SD_BUS_SIGNAL_WITH_ARGS("PhaseChanged", SD_BUS_ARGS("s", old_phase, "s", new_phase), 0),
        SD_BUS_VTABLE_END,
};

void bus_migration_changed(BusService *svc, const Migration *m, MigrationPhase old_phase,
                           gboolean created)
{
        g_autofree char *path = bus_migration_path(m->id);

        if (created) {
                (void) sd_bus_emit_signal(svc->bus, BUS_MANAGER_PATH, BUS_MANAGER_IFACE,
                                          "MigrationAdded", "ot", path, (uint64_t) m->id);
                return;
        }
        /* PropertiesChanged first: a client woken by PhaseChanged that
         * reads the object sees the new state either way. */
        (void) sd_bus_emit_properties_changed_strv(svc->bus, path, BUS_MIGRATION_IFACE,
                                                   (char **) svc->migration_changing);
        if (old_phase != m->phase)
                (void) sd_bus_emit_signal(svc->bus, path, BUS_MIGRATION_IFACE, "PhaseChanged",
                                          "ss", migration_phase_to_string(old_phase),
                                          migration_phase_to_string(m->phase));
}
