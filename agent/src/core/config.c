/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "config.h"
#include "device.h"
#include "pci-address.h"
#include "vfmig-error.h"

#define DEFAULT_LEASE_SEC 300
#define DEFAULT_RECONCILE_SEC 30
/* A reservation covers one migration's set-up; a day is already absurd. */
#define MAX_LEASE_SEC 86400
#define MAX_RECONCILE_SEC 86400
/* PCIe SR-IOV TotalVFs is a 16-bit field. */
#define MAX_NUM_VFS 65535

static const char *const allowed_drivers[] = {
        VFMIG_DRIVER_VARIANT,   /* the default: first */
        VFMIG_DRIVER_VFIO,
};

gboolean vfmig_driver_is_allowed(const char *driver)
{
        if (!driver)
                return FALSE;
        for (gsize i = 0; i < G_N_ELEMENTS(allowed_drivers); i++)
                if (g_str_equal(driver, allowed_drivers[i]))
                        return TRUE;
        return FALSE;
}

static void pf_policy_free(PfPolicy *p)
{
        if (!p)
                return;
        g_free(p->match_address);
        g_free(p->driver);
        g_free(p);
}

VfmigConfig *vfmig_config_new_default(void)
{
        VfmigConfig *cfg = g_new0(VfmigConfig, 1);

        cfg->default_driver = g_strdup(allowed_drivers[0]);
        cfg->reservation_lease_sec = DEFAULT_LEASE_SEC;
        cfg->reconcile_interval_sec = DEFAULT_RECONCILE_SEC;
        cfg->bind_on_claim = TRUE;
        cfg->pf_policies = g_ptr_array_new_with_free_func((GDestroyNotify) pf_policy_free);
        return cfg;
}

void vfmig_config_free(VfmigConfig *cfg)
{
        if (!cfg)
                return;
        g_free(cfg->default_driver);
        g_ptr_array_unref(cfg->pf_policies);
        g_free(cfg);
}

static char *get_value(GKeyFile *kf, const char *group, const char *key,
                       GError **error)
{
        g_autoptr(GError) e = NULL;
        char *v = g_key_file_get_string(kf, group, key, &e);

        if (!v) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] %s: %s", group, key, e->message);
                return NULL;
        }
        return g_strstrip(v);
}

static gboolean get_uint(GKeyFile *kf, const char *group, const char *key,
                         guint min, guint max, guint *out, GError **error)
{
        g_autofree char *v = get_value(kf, group, key, error);
        guint64 n;

        if (!v)
                return FALSE;
        if (!g_ascii_string_to_unsigned(v, 10, min, max, &n, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] %s: '%s' is not a whole number from %u to %u",
                            group, key, v, min, max);
                return FALSE;
        }
        *out = (guint) n;
        return TRUE;
}

static gboolean get_bool(GKeyFile *kf, const char *group, const char *key,
                         gboolean *out, GError **error)
{
        g_autofree char *v = get_value(kf, group, key, error);

        if (!v)
                return FALSE;
        if (g_str_equal(v, "true")) {
                *out = TRUE;
        } else if (g_str_equal(v, "false")) {
                *out = FALSE;
        } else {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s] %s: '%s' is not true or false", group, key, v);
                return FALSE;
        }
        return TRUE;
}

static gboolean get_driver(GKeyFile *kf, const char *group, const char *key,
                           char **out, GError **error)
{
        g_autofree char *v = get_value(kf, group, key, error);

        if (!v)
                return FALSE;
        if (!vfmig_driver_is_allowed(v)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_UNKNOWN_DRIVER,
                            "[%s] %s: driver '%s' is not allowed (use %s or %s)",
                            group, key, v, allowed_drivers[0], allowed_drivers[1]);
                return FALSE;
        }
        g_free(*out);
        *out = g_steal_pointer(&v);
        return TRUE;
}

static gboolean unknown_key(const char *group, const char *key, GError **error)
{
        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                    "[%s] %s: unknown key", group, key);
        return FALSE;
}

static gboolean parse_agent_group(GKeyFile *kf, const char *group,
                                  VfmigConfig *cfg, GError **error)
{
        g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

        for (char **k = keys; k && *k; k++) {
                gboolean ok;

                if (g_str_equal(*k, "default-driver"))
                        ok = get_driver(kf, group, *k, &cfg->default_driver, error);
                else if (g_str_equal(*k, "reservation-lease-sec"))
                        ok = get_uint(kf, group, *k, 1, MAX_LEASE_SEC,
                                      &cfg->reservation_lease_sec, error);
                else if (g_str_equal(*k, "reconcile-interval-sec"))
                        ok = get_uint(kf, group, *k, 0, MAX_RECONCILE_SEC,
                                      &cfg->reconcile_interval_sec, error);
                else if (g_str_equal(*k, "bind-on-claim"))
                        ok = get_bool(kf, group, *k, &cfg->bind_on_claim, error);
                else
                        ok = unknown_key(group, *k, error);
                if (!ok)
                        return FALSE;
        }
        return TRUE;
}

/* "vvvv:dddd", exactly four hex digits each. */
static gboolean parse_ids(const char *s, guint16 *vendor, guint16 *device)
{
        guint64 v, d;
        char buf[5] = { 0 };

        if (strlen(s) != 9 || s[4] != ':')
                return FALSE;
        for (int i = 0; i < 9; i++)
                if (i != 4 && !g_ascii_isxdigit(s[i]))
                        return FALSE;
        memcpy(buf, s, 4);
        v = g_ascii_strtoull(buf, NULL, 16);
        d = g_ascii_strtoull(s + 5, NULL, 16);
        *vendor = (guint16) v;
        *device = (guint16) d;
        return TRUE;
}

static gboolean same_match(const PfPolicy *a, const PfPolicy *b)
{
        if (a->match_address || b->match_address)
                return g_strcmp0(a->match_address, b->match_address) == 0;
        return a->match_vendor == b->match_vendor && a->match_device == b->match_device;
}

static gboolean parse_pf_group(GKeyFile *kf, const char *group,
                               VfmigConfig *cfg, GError **error)
{
        const char *what = group + strlen("pf ");
        g_autoptr(GError) addr_error = NULL;
        g_auto(GStrv) keys = NULL;
        PfPolicy *p = g_new0(PfPolicy, 1);
        char canon[PCI_ADDRESS_STRLEN];

        /* vendor:device first: "8086:10c9" is never an address, while a
         * bad address should be reported as one. */
        if (parse_ids(what, &p->match_vendor, &p->match_device)) {
                /* ids set */
        } else if (pci_address_normalize(what, canon, &addr_error)) {
                p->match_address = g_strdup(canon);
        } else {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "[%s]: '%s' is neither a PCI address (dddd:bb:ss.f) nor vendor:device (vvvv:dddd)",
                            group, what);
                goto fail;
        }
        for (guint i = 0; i < cfg->pf_policies->len; i++)
                if (same_match(g_ptr_array_index(cfg->pf_policies, i), p)) {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "[%s]: this PF is already configured in an earlier group",
                                    group);
                        goto fail;
                }

        keys = g_key_file_get_keys(kf, group, NULL, NULL);
        for (char **k = keys; k && *k; k++) {
                gboolean ok;

                if (g_str_equal(*k, "num-vfs")) {
                        ok = get_uint(kf, group, *k, 0, MAX_NUM_VFS, &p->num_vfs, error);
                        p->has_num_vfs = ok;
                } else if (g_str_equal(*k, "driver")) {
                        ok = get_driver(kf, group, *k, &p->driver, error);
                } else {
                        ok = unknown_key(group, *k, error);
                }
                if (!ok)
                        goto fail;
        }
        g_ptr_array_add(cfg->pf_policies, p);
        return TRUE;
fail:
        pf_policy_free(p);
        return FALSE;
}

/*
 * GKeyFile quietly merges a repeated group, lets a repeated key win, and
 * hides localized keys ("key[de]") from g_key_file_get_keys(). Each of
 * those is a mistake in this file, so look at the raw lines first.
 */
static gboolean check_raw_lines(const char *text, gsize len, GError **error)
{
        g_autofree char *copy = g_strndup(text, len);
        g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
        g_autoptr(GHashTable) groups = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *group = NULL;

        for (char **l = lines; *l; l++) {
                char *line = g_strstrip(*l);
                char *eq;

                if (*line == '\0' || *line == '#')
                        continue;
                if (*line == '[') {
                        char *end = strrchr(line, ']');
                        if (!end)
                                continue;       /* GKeyFile reports it */
                        *end = '\0';
                        group = line + 1;
                        if (!g_hash_table_add(groups, (gpointer) group)) {
                                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                            "[%s]: group appears twice", group);
                                return FALSE;
                        }
                        continue;
                }
                eq = strchr(line, '=');
                if (!eq || !group)
                        continue;               /* GKeyFile reports it */
                *eq = '\0';
                g_strchomp(line);
                if (strchr(line, '[')) {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "[%s] %s: unknown key (localized keys are not supported)",
                                    group, line);
                        return FALSE;
                }
                if (!g_hash_table_add(keys, g_strdup_printf("%s\n%s", group, line))) {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "[%s] %s: key is set twice", group, line);
                        return FALSE;
                }
        }
        return TRUE;
}

VfmigConfig *vfmig_config_parse(const char *text, gsize len, GError **error)
{
        g_autoptr(VfmigConfig) cfg = vfmig_config_new_default();
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) e = NULL;
        g_auto(GStrv) groups = NULL;

        if (!text || len == 0)
                return g_steal_pointer(&cfg);
        if (memchr(text, '\0', len)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "Configuration contains NUL bytes");
                return NULL;
        }
        if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &e)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "Configuration is not a valid key file: %s", e->message);
                return NULL;
        }
        if (!check_raw_lines(text, len, error))
                return NULL;
        groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; g && *g; g++) {
                gboolean ok;

                if (g_str_equal(*g, "agent")) {
                        ok = parse_agent_group(kf, *g, cfg, error);
                } else if (g_str_has_prefix(*g, "pf ")) {
                        ok = parse_pf_group(kf, *g, cfg, error);
                } else {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "[%s]: unknown group (expected [agent] or [pf ADDRESS] or [pf VENDOR:DEVICE])",
                                    *g);
                        ok = FALSE;
                }
                if (!ok)
                        return NULL;
        }
        return g_steal_pointer(&cfg);
}

const PfPolicy *vfmig_config_find_policy(const VfmigConfig *cfg,
                                          const char *pf_address,
                                          guint16 vendor, guint16 device)
{
        char canon[PCI_ADDRESS_STRLEN];
        const PfPolicy *by_ids = NULL;
        gboolean have_addr;

        if (!cfg)
                return NULL;
        have_addr = pf_address && pci_address_normalize(pf_address, canon, NULL);
        for (guint i = 0; i < cfg->pf_policies->len; i++) {
                const PfPolicy *p = g_ptr_array_index(cfg->pf_policies, i);

                if (p->match_address) {
                        if (have_addr && g_str_equal(p->match_address, canon))
                                return p;
                } else if (!by_ids && p->match_vendor == vendor &&
                           p->match_device == device) {
                        by_ids = p;
                }
        }
        return by_ids;
}

const char *vfmig_config_driver_for(const VfmigConfig *cfg, const PfPolicy *p)
{
        if (p && p->driver)
                return p->driver;
        return cfg && cfg->default_driver ? cfg->default_driver : VFMIG_DRIVER_VARIANT;
}
