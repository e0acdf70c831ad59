/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-model.h"

#include <string.h>

CtlPf *ctl_pf_new(const char *address, const char *object, const char *type,
                  const char *driver, guint16 vendor_id, guint16 device_id,
                  guint total_vfs, guint num_vfs)
{
        CtlPf *pf = g_new0(CtlPf, 1);

        pf->address = g_strdup(address ? address : "");
        pf->object = g_strdup(object ? object : "");
        pf->type = g_strdup(type ? type : "");
        pf->driver = g_strdup(driver ? driver : "");
        pf->vendor_id = vendor_id;
        pf->device_id = device_id;
        pf->total_vfs = total_vfs;
        pf->num_vfs = num_vfs;
        return pf;
}

void ctl_pf_free(CtlPf *pf)
{
        if (!pf)
                return;
        g_free(pf->address);
        g_free(pf->object);
        g_free(pf->type);
        g_free(pf->driver);
        g_free(pf);
}

CtlMigration *ctl_migration_new(const char *object, guint64 id, const char *role,
                                const char *phase, const char *domain_uuid,
                                const char *domain_name)
{
        CtlMigration *m = g_new0(CtlMigration, 1);

        m->object = g_strdup(object ? object : "");
        m->id = id;
        m->role = g_strdup(role ? role : "");
        m->phase = g_strdup(phase ? phase : "");
        m->domain_uuid = g_strdup(domain_uuid ? domain_uuid : "");
        m->domain_name = g_strdup(domain_name ? domain_name : "");
        return m;
}

void ctl_migration_free(CtlMigration *m)
{
        if (!m)
                return;
        g_free(m->object);
        g_free(m->role);
        g_free(m->phase);
        g_free(m->domain_uuid);
        g_free(m->domain_name);
        g_free(m);
}

CtlVf *ctl_vf_new(const char *address, const char *object, const char *pf_address,
                  guint index, const char *driver, const char *driver_override,
                  const char *state, const char *owner_uuid, const char *owner_name)
{
        CtlVf *vf = g_new0(CtlVf, 1);

        vf->address = g_strdup(address ? address : "");
        vf->object = g_strdup(object ? object : "");
        vf->pf_address = g_strdup(pf_address ? pf_address : "");
        vf->index = index;
        vf->driver = g_strdup(driver ? driver : "");
        vf->driver_override = g_strdup(driver_override ? driver_override : "");
        vf->state = g_strdup(state ? state : "");
        vf->owner_uuid = g_strdup(owner_uuid ? owner_uuid : "");
        vf->owner_name = g_strdup(owner_name ? owner_name : "");
        return vf;
}

void ctl_vf_free(CtlVf *vf)
{
        if (!vf)
                return;
        g_free(vf->address);
        g_free(vf->object);
        g_free(vf->pf_address);
        g_free(vf->driver);
        g_free(vf->driver_override);
        g_free(vf->state);
        g_free(vf->owner_uuid);
        g_free(vf->owner_name);
        g_free(vf);
}

static const char *const value_kind_names[_CTL_VALUE_MAX] = {
        [CTL_VALUE_STRING] = "string",
        [CTL_VALUE_UINT] = "uint",
        [CTL_VALUE_INT] = "int",
        [CTL_VALUE_BOOL] = "bool",
        [CTL_VALUE_STRV] = "strv",
        [CTL_VALUE_OTHER] = "other",
};

const char *ctl_value_kind_to_string(CtlValueKind k)
{
        if (k < 0 || k >= _CTL_VALUE_MAX)
                return NULL;
        return value_kind_names[k];
}

CtlValueKind ctl_value_kind_from_string(const char *s)
{
        for (int i = 0; s && i < _CTL_VALUE_MAX; i++)
                if (g_str_equal(value_kind_names[i], s))
                        return i;
        return _CTL_VALUE_INVALID;
}

static CtlProp *prop_new(const char *name, const char *signature, CtlValueKind kind)
{
        CtlProp *p = g_new0(CtlProp, 1);

        p->name = g_strdup(name);
        p->signature = g_strdup(signature);
        p->kind = kind;
        return p;
}

CtlProp *ctl_prop_new_string(const char *name, const char *signature, const char *s)
{
        CtlProp *p = prop_new(name, signature, CTL_VALUE_STRING);

        p->s = g_strdup(s ? s : "");
        return p;
}

CtlProp *ctl_prop_new_uint(const char *name, const char *signature, guint64 u)
{
        CtlProp *p = prop_new(name, signature, CTL_VALUE_UINT);

        p->u = u;
        return p;
}

CtlProp *ctl_prop_new_int(const char *name, const char *signature, gint64 i)
{
        CtlProp *p = prop_new(name, signature, CTL_VALUE_INT);

        p->i = i;
        return p;
}

CtlProp *ctl_prop_new_bool(const char *name, gboolean b)
{
        CtlProp *p = prop_new(name, "b", CTL_VALUE_BOOL);

        p->b = !!b;
        return p;
}

CtlProp *ctl_prop_new_strv(const char *name, const char *signature, const char *const *strv)
{
        CtlProp *p = prop_new(name, signature, CTL_VALUE_STRV);

        p->strv = strv ? g_strdupv((char **) strv) : g_new0(char *, 1);
        return p;
}

CtlProp *ctl_prop_new_other(const char *name, const char *signature)
{
        CtlProp *p = prop_new(name, signature, CTL_VALUE_OTHER);

        p->s = g_strdup(signature);
        return p;
}

void ctl_prop_free(CtlProp *p)
{
        if (!p)
                return;
        g_free(p->name);
        g_free(p->signature);
        g_free(p->s);
        g_strfreev(p->strv);
        g_free(p);
}

char *ctl_path_label_decode(const char *object_path)
{
        const char *label;
        GString *out;

        if (!object_path)
                return NULL;
        label = strrchr(object_path, '/');
        label = label ? label + 1 : object_path;
        if (!*label)
                return NULL;
        /* sd_bus_path_encode() writes "_" for the empty string. */
        if (g_str_equal(label, "_"))
                return g_strdup("");
        out = g_string_new(NULL);
        for (const char *p = label; *p; p++) {
                if (*p != '_') {
                        if (!g_ascii_isalnum(*p))
                                goto bad;
                        g_string_append_c(out, *p);
                        continue;
                }
                if (!g_ascii_isxdigit(p[1]) || !g_ascii_isxdigit(p[2]))
                        goto bad;
                g_string_append_c(out, (char) (g_ascii_xdigit_value(p[1]) * 16 +
                                               g_ascii_xdigit_value(p[2])));
                p += 2;
        }
        return g_string_free(out, FALSE);
bad:
        g_string_free(out, TRUE);
        return NULL;
}
