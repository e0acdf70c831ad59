/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-bus.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "ctl-exit.h"
#include "ctl-model.h"

/* Apply and Provision may walk many VFs through sysfs; be patient. */
#define CTL_CALL_TIMEOUT_USEC (120 * G_USEC_PER_SEC)

static gboolean set_from_bus_error(GError **error, const sd_bus_error *e, int r)
{
        CtlExit code;
        const char *msg;

        if (sd_bus_error_is_set(e)) {
                code = ctl_exit_from_dbus_error(e->name);
                msg = e->message && *e->message ? e->message : e->name;
        } else {
                code = ctl_exit_from_errno(r);
                msg = g_strerror(-r);
        }
        if (code == CTL_EXIT_UNREACHABLE)
                g_set_error(error, CTL_ERROR, code, "cannot reach the agent %s: %s", CTL_BUS_NAME, msg);
        else
                g_set_error_literal(error, CTL_ERROR, code, msg);
        return FALSE;
}

static gboolean set_from_parse(GError **error, int r)
{
        g_set_error(error, CTL_ERROR, CTL_EXIT_FAILURE,
                    "cannot parse the agent's reply: %s", g_strerror(-r));
        return FALSE;
}

sd_bus *ctl_bus_connect(const char *address, GError **error)
{
        g_autoptr(sd_bus) bus = NULL;
        int r;

        if (address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else {
                r = sd_bus_open_system(&bus);
        }
        if (r < 0) {
                CtlExit code = ctl_exit_from_errno(r);

                /* A malformed address is the user's mistake, not the bus's. */
                if (code == CTL_EXIT_USAGE && !address)
                        code = CTL_EXIT_UNREACHABLE;
                g_set_error(error, CTL_ERROR, code, "cannot connect to %s: %s",
                            address ? address : "the system bus", g_strerror(-r));
                return NULL;
        }
        (void) sd_bus_set_method_call_timeout(bus, CTL_CALL_TIMEOUT_USEC);
        /* Let polkit ask for a password when a person is at the terminal. */
        (void) sd_bus_set_allow_interactive_authorization(bus, isatty(STDIN_FILENO));
        return g_steal_pointer(&bus);
}

static gboolean callv(sd_bus *bus, const char *path, const char *interface, const char *method,
                      sd_bus_message **reply, GError **error, const char *types, va_list ap)
{
        g_auto(sd_bus_error) e = SD_BUS_ERROR_NULL;
        g_autoptr(sd_bus_message) m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CTL_BUS_NAME, path, interface, method);
        if (r >= 0 && types && *types)
                r = sd_bus_message_appendv(m, types, ap);
        if (r < 0) {
                g_set_error(error, CTL_ERROR, CTL_EXIT_FAILURE, "cannot build the %s call: %s",
                            method, g_strerror(-r));
                return FALSE;
        }
        r = sd_bus_call(bus, m, 0, &e, reply);
        if (r < 0)
                return set_from_bus_error(error, &e, r);
        return TRUE;
}

static gboolean call(sd_bus *bus, const char *path, const char *interface, const char *method,
                     sd_bus_message **reply, GError **error, const char *types, ...)
{
        va_list ap;
        gboolean ok;

        va_start(ap, types);
        ok = callv(bus, path, interface, method, reply, error, types, ap);
        va_end(ap);
        return ok;
}

gboolean ctl_bus_list(sd_bus *bus, GPtrArray **pfs, GPtrArray **vfs, GError **error)
{
        g_autoptr(sd_bus_message) pr = NULL;
        g_autoptr(sd_bus_message) vr = NULL;
        g_autoptr(GPtrArray) p = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_pf_free);
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_vf_free);
        int r;

        if (!call(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, "ListPhysicalFunctions", &pr, error, NULL))
                return FALSE;
        r = sd_bus_message_enter_container(pr, 'a', "(sossqquu)");
        if (r < 0)
                return set_from_parse(error, r);
        for (;;) {
                const char *address, *object, *type, *driver;
                uint16_t vendor, device;
                uint32_t total, num;

                r = sd_bus_message_read(pr, "(sossqquu)", &address, &object, &type, &driver,
                                        &vendor, &device, &total, &num);
                if (r < 0)
                        return set_from_parse(error, r);
                if (r == 0)
                        break;
                g_ptr_array_add(p, ctl_pf_new(address, object, type, driver, vendor, device,
                                              total, num));
        }

        if (!call(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, "ListVirtualFunctions", &vr, error, NULL))
                return FALSE;
        r = sd_bus_message_enter_container(vr, 'a', "(sosusssss)");
        if (r < 0)
                return set_from_parse(error, r);
        for (;;) {
                const char *address, *object, *pf, *driver, *override, *state, *uuid, *name;
                uint32_t index;

                r = sd_bus_message_read(vr, "(sosusssss)", &address, &object, &pf, &index,
                                        &driver, &override, &state, &uuid, &name);
                if (r < 0)
                        return set_from_parse(error, r);
                if (r == 0)
                        break;
                g_ptr_array_add(v, ctl_vf_new(address, object, pf, index, driver, override,
                                              state, uuid, name));
        }
        *pfs = g_steal_pointer(&p);
        *vfs = g_steal_pointer(&v);
        return TRUE;
}

static gboolean get_object(sd_bus *bus, const char *method, const char *address, char **object,
                           sd_bus_error *e, int *ret)
{
        g_autoptr(sd_bus_message) reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, CTL_BUS_NAME, CTL_BUS_PATH, CTL_BUS_MANAGER, method, e,
                               &reply, "s", address);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        *ret = r;
        if (r < 0)
                return FALSE;
        *object = g_strdup(path);
        return TRUE;
}

gboolean ctl_bus_find_device(sd_bus *bus, const char *address, char **object,
                             const char **interface, GError **error)
{
        g_auto(sd_bus_error) e = SD_BUS_ERROR_NULL;
        int r;

        /* Most questions are about VFs; a PF answers NotAVf. */
        if (get_object(bus, "GetVirtualFunction", address, object, &e, &r)) {
                *interface = CTL_BUS_VF;
                return TRUE;
        }
        if (!sd_bus_error_has_name(&e, "org.vfmig.Agent1.Error.NotAVf"))
                return set_from_bus_error(error, &e, r);
        sd_bus_error_free(&e);
        if (get_object(bus, "GetPhysicalFunction", address, object, &e, &r)) {
                *interface = CTL_BUS_PF;
                return TRUE;
        }
        return set_from_bus_error(error, &e, r);
}

/* The array of basic type `element` at the read position, as a strv. */
static int read_strv(sd_bus_message *m, char element, char ***out)
{
        g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
        char sig[2] = { element, '\0' };
        int r;

        r = sd_bus_message_enter_container(m, 'a', sig);
        if (r < 0)
                return r;
        for (;;) {
                const char *s;

                r = sd_bus_message_read_basic(m, element, &s);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                g_ptr_array_add(items, g_strdup(s));
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        g_ptr_array_add(items, NULL);
        *out = (char **) g_ptr_array_free(g_steal_pointer(&items), FALSE);
        return 0;
}

/* The variant at the read position (already entered), reduced to a CtlProp. */
static int read_value(sd_bus_message *m, const char *name, const char *sig, CtlProp **out)
{
        union {
                uint8_t y;
                uint16_t q;
                uint32_t u;
                uint64_t t;
                int16_t n;
                int32_t i;
                int64_t x;
                int b;
                const char *s;
        } v;
        int r;

        if (strlen(sig) == 1 && strchr("soggyqutnixb", sig[0])) {
                r = sd_bus_message_read_basic(m, sig[0], &v);
                if (r < 0)
                        return r;
                switch (sig[0]) {
                case 's': case 'o': case 'g':
                        *out = ctl_prop_new_string(name, sig, v.s);
                        break;
                case 'y': *out = ctl_prop_new_uint(name, sig, v.y); break;
                case 'q': *out = ctl_prop_new_uint(name, sig, v.q); break;
                case 'u': *out = ctl_prop_new_uint(name, sig, v.u); break;
                case 't': *out = ctl_prop_new_uint(name, sig, v.t); break;
                case 'n': *out = ctl_prop_new_int(name, sig, v.n); break;
                case 'i': *out = ctl_prop_new_int(name, sig, v.i); break;
                case 'x': *out = ctl_prop_new_int(name, sig, v.x); break;
                case 'b': *out = ctl_prop_new_bool(name, v.b); break;
                }
                return 0;
        }
        if (g_str_equal(sig, "as") || g_str_equal(sig, "ao")) {
                g_auto(GStrv) strv = NULL;

                r = read_strv(m, sig[1], &strv);
                if (r < 0)
                        return r;
                *out = ctl_prop_new_strv(name, sig, (const char *const *) strv);
                return 0;
        }
        r = sd_bus_message_skip(m, sig);
        if (r < 0)
                return r;
        *out = ctl_prop_new_other(name, sig);
        return 0;
}

GPtrArray *ctl_bus_get_all(sd_bus *bus, const char *object, const char *interface,
                           GError **error)
{
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) props = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_prop_free);
        int r;

        if (!call(bus, object, "org.freedesktop.DBus.Properties", "GetAll", &reply, error,
                  "s", interface))
                return NULL;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return set_from_parse(error, r), NULL;
        for (;;) {
                const char *name, *sig;
                CtlProp *p = NULL;
                char type;

                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r < 0)
                        return set_from_parse(error, r), NULL;
                if (r == 0)
                        break;
                r = sd_bus_message_read_basic(reply, 's', &name);
                if (r >= 0)
                        r = sd_bus_message_peek_type(reply, &type, &sig);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'v', sig);
                if (r >= 0)
                        r = read_value(reply, name, sig, &p);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0) {
                        ctl_prop_free(p);
                        return set_from_parse(error, r), NULL;
                }
                g_ptr_array_add(props, p);
        }
        return g_steal_pointer(&props);
}

gboolean ctl_bus_call_manager(sd_bus *bus, const char *method, char ***strv_out,
                              GError **error, const char *types, ...)
{
        g_autoptr(sd_bus_message) reply = NULL;
        va_list ap;
        gboolean ok;
        int r;

        va_start(ap, types);
        ok = callv(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, method, &reply, error, types, ap);
        va_end(ap);
        if (!ok)
                return FALSE;
        if (strv_out) {
                r = read_strv(reply, 's', strv_out);
                if (r < 0)
                        return set_from_parse(error, r);
        }
        return TRUE;
}

gboolean ctl_bus_call_string(sd_bus *bus, const char *method, const char *arg, char **out,
                             GError **error)
{
        g_autoptr(sd_bus_message) reply = NULL;
        const char *text;
        int r;

        if (!call(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, method, &reply, error, "s", arg))
                return FALSE;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return set_from_parse(error, r);
        *out = g_strdup(text);
        return TRUE;
}

gboolean ctl_bus_prepare_incoming(sd_bus *bus, const char *xml, char **out_xml,
                                  char **migration, GError **error)
{
        g_autoptr(sd_bus_message) reply = NULL;
        const char *text, *object;
        int r;

        if (!call(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, "PrepareIncoming", &reply, error, "s", xml))
                return FALSE;
        r = sd_bus_message_read(reply, "so", &text, &object);
        if (r < 0)
                return set_from_parse(error, r);
        *out_xml = g_strdup(text);
        if (migration)
                *migration = g_strdup(object);
        return TRUE;
}

gboolean ctl_bus_check_incoming(sd_bus *bus, const char *xml_or_metadata, gboolean *compatible,
                                char ***lines, GError **error)
{
        g_autoptr(sd_bus_message) reply = NULL;
        g_auto(GStrv) strv = NULL;
        int ok, r;

        if (!call(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, "CheckIncoming", &reply, error, "s",
                  xml_or_metadata))
                return FALSE;
        r = sd_bus_message_read(reply, "b", &ok);
        if (r >= 0)
                r = read_strv(reply, 's', &strv);
        if (r < 0)
                return set_from_parse(error, r);
        *compatible = !!ok;
        *lines = g_steal_pointer(&strv);
        return TRUE;
}

gboolean ctl_bus_list_migrations(sd_bus *bus, GPtrArray **migrations, GError **error)
{
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_migration_free);
        int r;

        if (!call(bus, CTL_BUS_PATH, CTL_BUS_MANAGER, "ListMigrations", &reply, error, NULL))
                return FALSE;
        r = sd_bus_message_enter_container(reply, 'a', "(otssss)");
        if (r < 0)
                return set_from_parse(error, r);
        for (;;) {
                const char *object, *role, *phase, *uuid, *name;
                uint64_t id;

                r = sd_bus_message_read(reply, "(otssss)", &object, &id, &role, &phase, &uuid, &name);
                if (r < 0)
                        return set_from_parse(error, r);
                if (r == 0)
                        break;
                g_ptr_array_add(out, ctl_migration_new(object, id, role, phase, uuid, name));
        }
        *migrations = g_steal_pointer(&out);
        return TRUE;
}
