/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

#include "pci-address.h"

/*
 * The VF pool: who owns which VF. Pure logic, no I/O; the journal module
 * persists it. A VF with no entry is free.
 *
 *   free --claim--> claimed --assign--> assigned
 *   free --reserve(lease)--> reserved --assign--> assigned
 *   claimed|reserved|assigned --release_begin--> releasing --release_finish--> free
 *   any --quarantine--> quarantined --unquarantine--> free
 *   reserved --claim(same owner)--> claimed (lease dropped)
 *
 * Claiming or reserving a VF the same owner already holds (claimed,
 * reserved or assigned) is a no-op (hooks are retried; a retried reserve
 * only extends the lease), except a claim of the owner's own reservation:
 * it turns the reservation into a claim and drops the lease, because the
 * domain is now using the VF and an expiring lease would free it under a
 * running VM. Another owner gets VFMIG_ERROR_BUSY, naming
 * the VF and the owner. Owners are domain UUIDs (any case, stored lower
 * case); a malformed UUID or address is VFMIG_ERROR_INVALID_ARGUMENT.
 * Other refusals: releasing -> BUSY for claim/reserve/assign; quarantined
 * -> QUARANTINED for claim/reserve/assign/release_begin; assign of a free
 * VF, release_finish of a VF not releasing, unquarantine of a VF not
 * quarantined -> INVALID_STATE; assign/release_begin by another owner ->
 * NOT_OWNER. release_begin and release_finish of a free VF succeed and
 * change nothing (release hooks run for every stop). pool_quarantine of a
 * quarantined VF keeps the first reason. A refused call changes nothing.
 */
typedef enum {
        VF_STATE_FREE,
        VF_STATE_CLAIMED,
        VF_STATE_RESERVED,
        VF_STATE_ASSIGNED,
        VF_STATE_RELEASING,
        VF_STATE_QUARANTINED,
        _VF_STATE_MAX,
        _VF_STATE_INVALID = -EINVAL,
} VfState;

const char *vf_state_to_string(VfState s);  /* "free", "claimed", ... */
VfState vf_state_from_string(const char *s);

typedef struct {
        char address[PCI_ADDRESS_STRLEN];
        VfState state;
        char *owner_uuid;        /* domain UUID; NULL when free/quarantined */
        char *owner_name;        /* domain name; may be NULL */
        gint64 since_usec;       /* CLOCK_REALTIME of the last transition */
        gint64 lease_until_usec; /* reserved only: expiry, CLOCK_REALTIME */
        char *reason;            /* quarantined: why; NULL otherwise */
} PoolEntry;

typedef struct Pool Pool;

Pool *pool_new(void);
void pool_free(Pool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pool, pool_free)
Pool *pool_copy(const Pool *pool);

/* NULL when the VF is free. */
const PoolEntry *pool_lookup(const Pool *pool, const char *address);
VfState pool_state(const Pool *pool, const char *address);
/* Entries sorted by address. The array owns nothing. */
GPtrArray *pool_entries(const Pool *pool);

/* Owners: a domain UUID, and optionally a name of at most
 * POOL_OWNER_NAME_MAX bytes of UTF-8 without control characters (it goes
 * into the journal and into messages). The error names the VF. */
#define POOL_OWNER_NAME_MAX 1024
gboolean pool_check_owner(const char *vf, const char *owner_uuid,
                          const char *owner_name, GError **error);

gboolean pool_claim(Pool *pool, const char *address, const char *owner_uuid,
                    const char *owner_name, gint64 now_usec, GError **error);
gboolean pool_reserve(Pool *pool, const char *address, const char *owner_uuid,
                      const char *owner_name, gint64 lease_until_usec,
                      gint64 now_usec, GError **error);
gboolean pool_assign(Pool *pool, const char *address, const char *owner_uuid,
                     gint64 now_usec, GError **error);
/* owner_uuid NULL: the administrator releases whatever the owner. */
gboolean pool_release_begin(Pool *pool, const char *address,
                            const char *owner_uuid, gint64 now_usec,
                            GError **error);
gboolean pool_release_finish(Pool *pool, const char *address, GError **error);
void pool_quarantine(Pool *pool, const char *address, const char *reason,
                     gint64 now_usec);
gboolean pool_unquarantine(Pool *pool, const char *address, GError **error);
/* Drops any entry; for a VF that is gone and was free-able. */
void pool_forget(Pool *pool, const char *address);

/* TRUE if any of the addresses is claimed, reserved, assigned or releasing. */
gboolean pool_any_in_use(const Pool *pool, const char *const *addresses,
                         const char **busy_address);
/*
 * The first of the addresses that is quarantined, or NULL. A quarantined
 * VF may belong to a running VM, so nothing may destroy it (numvfs).
 */
const PoolEntry *pool_first_quarantined(const Pool *pool,
                                        const char *const *addresses);
/* Addresses (owned strings) of reservations whose lease has expired. */
GPtrArray *pool_expired_reservations(const Pool *pool, gint64 now_usec);

/*
 * Journal text form (see docs/journal.md). Serialization is deterministic.
 * Parsing never fails outright on damaged input: it returns what it can
 * trust, and the addresses of records it cannot trust in *untrusted (to be
 * quarantined). It sets *damaged when anything was wrong with the text.
 */
char *pool_serialize(const Pool *pool);
Pool *pool_parse(const char *text, gsize len, GPtrArray **untrusted,
                 gboolean *damaged, char **damage_reason);
