/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

#include "pci-address.h"

/*
 * One migration as this host sees it (pure state machine, no I/O). The
 * agent exports each as a D-Bus object and persists the unfinished ones.
 *
 * Destination (role incoming):
 *   preparing --(VFs reserved, XML rewritten)--> prepared
 *   prepared --(STARTED migrated / prepare hook)--> transferring
 *   transferring --(RESUMED migrated: assigned)--> completed
 *   preparing --(no compatible VF)--> refused
 *   prepared|transferring --(STOPPED failed, release hook, lease expiry)--> failed
 * Source (role outgoing):
 *   transferring (first SUSPENDED(migrated) or job event)
 *   transferring --(STOPPED migrated / release end migrated)--> completed
 *   transferring --(domain resumed here: aborted)--> failed
 * completed, failed and refused are final: nothing leaves them.
 */
typedef enum {
        MIGRATION_ROLE_INCOMING,
        MIGRATION_ROLE_OUTGOING,
        _MIGRATION_ROLE_MAX,
        _MIGRATION_ROLE_INVALID = -EINVAL,
} MigrationRole;

typedef enum {
        MIGRATION_PHASE_PREPARING,
        MIGRATION_PHASE_PREPARED,
        MIGRATION_PHASE_TRANSFERRING,
        MIGRATION_PHASE_COMPLETED,
        MIGRATION_PHASE_FAILED,
        MIGRATION_PHASE_REFUSED,
        _MIGRATION_PHASE_MAX,
        _MIGRATION_PHASE_INVALID = -EINVAL,
} MigrationPhase;

const char *migration_role_to_string(MigrationRole r);   /* "incoming", "outgoing" */
MigrationRole migration_role_from_string(const char *s);
const char *migration_phase_to_string(MigrationPhase p); /* "preparing", ... */
MigrationPhase migration_phase_from_string(const char *s);
gboolean migration_phase_is_final(MigrationPhase p);

typedef struct {
        char *alias;                                   /* may be NULL */
        char source_vf[PCI_ADDRESS_STRLEN];            /* "" unknown */
        char destination_vf[PCI_ADDRESS_STRLEN];       /* "" not chosen */
} MigrationDevice;

typedef struct {
        guint64 id;                 /* unique on this host, never reused */
        MigrationRole role;
        MigrationPhase phase;
        char *domain_uuid;
        char *domain_name;
        GPtrArray *devices;         /* MigrationDevice*, owned */
        gint64 phase_usec[_MIGRATION_PHASE_MAX]; /* CLOCK_REALTIME entered; 0 never */
        gint64 started_usec, finished_usec;      /* finished 0 while running */
        char *error;                /* why failed/refused; NULL otherwise */
} Migration;

Migration *migration_new(guint64 id, MigrationRole role, const char *uuid,
                         const char *name, gint64 now_usec);
void migration_free(Migration *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Migration, migration_free)

void migration_add_device(Migration *m, const char *alias,
                          const char *source_vf, const char *destination_vf);

/*
 * Moves to phase to. Allowed arcs are those drawn above (and staying in the
 * same phase is a no-op returning TRUE); others are VFMIG_ERROR_INVALID_STATE
 * naming both phases, and change nothing. Entering failed/refused takes the
 * error text.
 */
gboolean migration_set_phase(Migration *m, MigrationPhase to,
                             const char *error, gint64 now_usec, GError **err);

/* Persistence of unfinished migrations (GKeyFile text, one group each). */
char *migrations_serialize(GPtrArray *migrations /* Migration* */);
/* Refuses damaged text with an error; returns owned Migration*s. */
GPtrArray *migrations_parse(const char *text, gsize len, GError **error);
