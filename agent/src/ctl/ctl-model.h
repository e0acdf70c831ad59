/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * What vfmigctl reads from the agent, as plain data: the bus module fills
 * these, the render module prints them, and tests build them by hand.
 * Strings are never NULL; "" means none, as on the bus.
 */
typedef struct {
        char *address;
        char *object;
        char *type;
        char *driver;
        guint16 vendor_id, device_id;
        guint total_vfs, num_vfs;
} CtlPf;

typedef struct {
        char *address;
        char *object;
        char *pf_address;
        guint index;
        char *driver;
        char *driver_override;
        char *state;
        char *owner_uuid;
        char *owner_name;
} CtlVf;

CtlPf *ctl_pf_new(const char *address, const char *object, const char *type,
                  const char *driver, guint16 vendor_id, guint16 device_id,
                  guint total_vfs, guint num_vfs);
void ctl_pf_free(CtlPf *pf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlPf, ctl_pf_free)

CtlVf *ctl_vf_new(const char *address, const char *object, const char *pf_address,
                  guint index, const char *driver, const char *driver_override,
                  const char *state, const char *owner_uuid, const char *owner_name);
void ctl_vf_free(CtlVf *vf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlVf, ctl_vf_free)

/* One row of ListMigrations (a(otssss)). */
typedef struct {
        char *object;
        guint64 id;
        char *role;          /* "incoming", "outgoing" */
        char *phase;         /* "preparing", ..., "completed", "failed", "refused" */
        char *domain_uuid;
        char *domain_name;
} CtlMigration;

CtlMigration *ctl_migration_new(const char *object, guint64 id, const char *role,
                                const char *phase, const char *domain_uuid,
                                const char *domain_name);
void ctl_migration_free(CtlMigration *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlMigration, ctl_migration_free)

/* One D-Bus property, reduced to what printing needs. */
typedef enum {
        CTL_VALUE_STRING,   /* s, o, g */
        CTL_VALUE_UINT,     /* y, q, u, t */
        CTL_VALUE_INT,      /* n, i, x */
        CTL_VALUE_BOOL,     /* b */
        CTL_VALUE_STRV,     /* as, ao */
        CTL_VALUE_OTHER,    /* anything else: shown as its signature */
        _CTL_VALUE_MAX,
        _CTL_VALUE_INVALID = -EINVAL,
} CtlValueKind;

const char *ctl_value_kind_to_string(CtlValueKind k);  /* "string", "uint", ... */
CtlValueKind ctl_value_kind_from_string(const char *s);

typedef struct {
        char *name;          /* D-Bus property name, "OwnerUUID" */
        char *signature;     /* D-Bus type, "s", "q", "ao", ... */
        CtlValueKind kind;
        char *s;             /* STRING, OTHER (the signature) */
        guint64 u;
        gint64 i;
        gboolean b;
        char **strv;         /* STRV */
} CtlProp;

CtlProp *ctl_prop_new_string(const char *name, const char *signature, const char *s);
CtlProp *ctl_prop_new_uint(const char *name, const char *signature, guint64 u);
CtlProp *ctl_prop_new_int(const char *name, const char *signature, gint64 i);
CtlProp *ctl_prop_new_bool(const char *name, gboolean b);
CtlProp *ctl_prop_new_strv(const char *name, const char *signature, const char *const *strv);
CtlProp *ctl_prop_new_other(const char *name, const char *signature);
void ctl_prop_free(CtlProp *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlProp, ctl_prop_free)

/*
 * The last label of an object path built with sd_bus_path_encode()
 * ("_30000_3a3b_3a00_2e2"), decoded ("0000:3b:00.2"). NULL when the
 * label is not a valid encoding.
 */
char *ctl_path_label_decode(const char *object_path);
