/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>

#include "agent-domain.h"
#include "bus.h"
#include "core/pci-address.h"

/* Shared by the files of the bus face; nothing else includes this. */

#define BUS_MANAGER_PATH "/org/vfmig/Agent1"
#define BUS_PF_PREFIX BUS_MANAGER_PATH "/pf"
#define BUS_VF_PREFIX BUS_MANAGER_PATH "/vf"
#define BUS_MIGRATION_PREFIX BUS_MANAGER_PATH "/migration"
#define BUS_MANAGER_IFACE "org.vfmig.Agent1.Manager"
#define BUS_PF_IFACE "org.vfmig.Agent1.PhysicalFunction"
#define BUS_VF_IFACE "org.vfmig.Agent1.VirtualFunction"
#define BUS_MIGRATION_IFACE "org.vfmig.Agent1.Migration"

struct BusService {
        sd_bus *bus;
        Agent *agent;
        GHashTable *vf_states;   /* address -> GINT_TO_POINTER(VfState + 1): last state signalled */
        GHashTable *vf_objects;  /* addresses of the VF objects clients were told exist */
        const char **pf_changing, **vf_changing;   /* EMITS_CHANGE property names */
        const char **migration_changing;
        GList *pending;          /* BusPendingOp*, waiting for polkit */
        GPtrArray *slots;        /* sd_bus_slot*, our registrations */
};

/* Object paths, malloc()ed (sd_bus_path_encode), free with free(). */
char *bus_pf_path(const char *address);
char *bus_vf_path(const char *address);
/* "/org/vfmig/Agent1/migration/<id>" (g_free); the id in decimal is a
 * valid path element as it is, unlike sd_bus_path_encode's escaping. */
char *bus_migration_path(guint64 id);
gboolean bus_migration_id_from_path(const char *path, guint64 *id);
/* FALSE if path is not a PF/VF object path holding a canonical address. */
gboolean bus_pf_address_from_path(const char *path, char out[static PCI_ADDRESS_STRLEN]);
gboolean bus_vf_address_from_path(const char *path, char out[static PCI_ADDRESS_STRLEN]);

/* Sets error from a GError (VFMIG_ERROR codes map to their D-Bus names)
 * and returns a negative errno for the handler to return. */
int bus_error_from_gerror(sd_bus_error *error, const GError *gerror);

/* The names of the properties of vtable flagged EMITS_CHANGE, NULL
 * terminated; free with g_free() (the strings belong to the vtable). */
const char **bus_vtable_changing_properties(const sd_bus_vtable *vtable);

/* Every mutating method, named like its D-Bus method. */
typedef enum {
        BUS_OP_RESCAN,
        BUS_OP_APPLY,
        BUS_OP_PROVISION,
        BUS_OP_BIND,
        BUS_OP_UNBIND,
        BUS_OP_CLAIM,
        BUS_OP_RESERVE,
        BUS_OP_ASSIGN,
        BUS_OP_RELEASE,
        BUS_OP_UNQUARANTINE,
        BUS_OP_CLAIM_FOR_DOMAIN,
        BUS_OP_PREPARE_INCOMING,
        BUS_OP_RELEASE_DOMAIN,
        BUS_OP_RECONCILE_DOMAIN,
        _BUS_OP_MAX,
        _BUS_OP_INVALID = -EINVAL,
} BusOpKind;

const char *bus_op_kind_to_string(BusOpKind k);
BusOpKind bus_op_kind_from_string(const char *s);

typedef struct {
        BusOpKind kind;
        const char *device;      /* as the caller wrote it; NULL for Rescan/Apply
                                  * and the domain operations */
        const char *s1, *s2;     /* driver | owner_uuid, owner_name | domain
                                  * XML | domain uuid, release reason */
        guint u;                 /* num_vfs | lease_sec */
} BusOpArgs;

/*
 * The one implementation of each mutating method, for the manager and the
 * object faces alike: checks the arguments, asks for authorization, acts,
 * and replies to m (now or when polkit answers). Returns what a method
 * handler returns.
 */
int bus_op_start(BusService *svc, sd_bus_message *m, const BusOpArgs *args,
                 sd_bus_error *error);
void bus_op_cancel_all(BusService *svc);

extern const sd_bus_vtable bus_manager_vtable[];
extern const sd_bus_vtable bus_pf_vtable[];
extern const sd_bus_vtable bus_vf_vtable[];
extern const sd_bus_vtable bus_migration_vtable[];

int bus_pf_find(sd_bus *bus, const char *path, const char *interface,
                void *userdata, void **found, sd_bus_error *error);
int bus_vf_find(sd_bus *bus, const char *path, const char *interface,
                void *userdata, void **found, sd_bus_error *error);
int bus_migration_find(sd_bus *bus, const char *path, const char *interface,
                       void *userdata, void **found, sd_bus_error *error);
int bus_migration_enumerate(sd_bus *bus, const char *prefix, void *userdata,
                            char ***nodes, sd_bus_error *error);
/* Signals for a changed migration (agent_set_migration_func). */
void bus_migration_changed(BusService *svc, const Migration *m,
                           MigrationPhase old_phase, gboolean created);
int bus_pf_enumerate(sd_bus *bus, const char *prefix, void *userdata,
                     char ***nodes, sd_bus_error *error);
int bus_vf_enumerate(sd_bus *bus, const char *prefix, void *userdata,
                     char ***nodes, sd_bus_error *error);
