/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "pool.h"
#include "pool-private.h"
#include "vfmig-error.h"

/*
 * The pool's state machine. Every refusal leaves the pool untouched and
 * names the VF and the reason; the journal text form is in pool-journal.c.
 */

struct Pool {
        GHashTable *entries;     /* canonical address -> PoolEntry* (owned) */
};

static const char *const vf_state_table[_VF_STATE_MAX] = {
        [VF_STATE_FREE] = "free",
        [VF_STATE_CLAIMED] = "claimed",
        [VF_STATE_RESERVED] = "reserved",
        [VF_STATE_ASSIGNED] = "assigned",
        [VF_STATE_RELEASING] = "releasing",
        [VF_STATE_QUARANTINED] = "quarantined",
};

const char *vf_state_to_string(VfState s)
{
        if ((int) s < 0 || s >= _VF_STATE_MAX)
                return NULL;
        return vf_state_table[s];
}

VfState vf_state_from_string(const char *s)
{
        if (!s)
                return _VF_STATE_INVALID;
        for (int i = 0; i < _VF_STATE_MAX; i++)
                if (vf_state_table[i] && g_str_equal(vf_state_table[i], s))
                        return (VfState) i;
        return _VF_STATE_INVALID;
}

void pool_entry_free(PoolEntry *e)
{
        if (!e)
                return;
        g_free(e->owner_uuid);
        g_free(e->owner_name);
        g_free(e->reason);
        g_free(e);
}

static PoolEntry *pool_entry_copy(const PoolEntry *e)
{
        PoolEntry *c = g_memdup2(e, sizeof(*e));

        c->owner_uuid = g_strdup(e->owner_uuid);
        c->owner_name = g_strdup(e->owner_name);
        c->reason = g_strdup(e->reason);
        return c;
}

Pool *pool_new(void)
{
        Pool *pool = g_new0(Pool, 1);

        pool->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify) pool_entry_free);
        return pool;
}

void pool_free(Pool *pool)
{
        if (!pool)
                return;
        g_hash_table_unref(pool->entries);
        g_free(pool);
}

void pool_put_entry(Pool *pool, PoolEntry *e)
{
        /* The key lives inside the entry, so replace rather than insert:
         * the old entry (and its key) go away together. */
        g_hash_table_remove(pool->entries, e->address);
        g_hash_table_insert(pool->entries, e->address, e);
}

Pool *pool_copy(const Pool *pool)
{
        Pool *c = pool_new();
        GHashTableIter it;
        gpointer v;

        if (!pool)
                return c;
        g_hash_table_iter_init(&it, pool->entries);
        while (g_hash_table_iter_next(&it, NULL, &v))
                pool_put_entry(c, pool_entry_copy(v));
        return c;
}

static PoolEntry *lookup(const Pool *pool, const char *address)
{
        char canon[PCI_ADDRESS_STRLEN];

        if (!pool || !pci_address_normalize(address, canon, NULL))
                return NULL;
        return g_hash_table_lookup(pool->entries, canon);
}

const PoolEntry *pool_lookup(const Pool *pool, const char *address)
{
        return lookup(pool, address);
}

VfState pool_state(const Pool *pool, const char *address)
{
        const PoolEntry *e = lookup(pool, address);

        return e ? e->state : VF_STATE_FREE;
}

static gint entry_cmp(gconstpointer a, gconstpointer b)
{
        const PoolEntry *x = *(PoolEntry *const *) a, *y = *(PoolEntry *const *) b;

        return strcmp(x->address, y->address);
}

GPtrArray *pool_entries(const Pool *pool)
{
        GPtrArray *arr = g_ptr_array_new();
        GHashTableIter it;
        gpointer v;

        if (!pool)
                return arr;
        g_hash_table_iter_init(&it, pool->entries);
        while (g_hash_table_iter_next(&it, NULL, &v))
                g_ptr_array_add(arr, v);
        g_ptr_array_sort(arr, entry_cmp);
        return arr;
}

static gboolean is_held(VfState s)
{
        return s == VF_STATE_CLAIMED || s == VF_STATE_RESERVED ||
               s == VF_STATE_ASSIGNED;
}

/* "vm1 (uuid 6f3c...)" or "domain 6f3c..." when the name is unknown. */
char *pool_describe_owner(const PoolEntry *e)
{
        if (e->owner_name && *e->owner_name)
                return g_strdup_printf("%s (uuid %s)", e->owner_name, e->owner_uuid);
        return g_strdup_printf("domain %s", e->owner_uuid);
}

static gboolean owner_is(const PoolEntry *e, const char *uuid)
{
        return e->owner_uuid && uuid && g_ascii_strcasecmp(e->owner_uuid, uuid) == 0;
}

static gboolean check_address(const char *address, char canon[static PCI_ADDRESS_STRLEN],
                              GError **error)
{
        return pci_address_normalize(address, canon, error);
}

gboolean pool_check_owner(const char *vf, const char *uuid, const char *name,
                          GError **error)
{
        if (!uuid || !g_uuid_string_is_valid(uuid)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "The owner of %s must be a domain UUID, got '%s'",
                            vf, uuid ? uuid : "");
                return FALSE;
        }
        if (!name)
                return TRUE;
        if (strlen(name) > POOL_OWNER_NAME_MAX) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "The owner name for %s is %zu bytes long, more than %d",
                            vf, strlen(name), POOL_OWNER_NAME_MAX);
                return FALSE;
        }
        if (!g_utf8_validate(name, -1, NULL)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "The owner name for %s is not valid UTF-8", vf);
                return FALSE;
        }
        for (const char *p = name; *p; p++)
                if ((guchar) *p < 0x20 || *p == 0x7f) {
                        g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "The owner name for %s contains control characters",
                                    vf);
                        return FALSE;
                }
        return TRUE;
}

/* Why a VF that is not free cannot be taken by `uuid`. */
static void set_taken_error(const PoolEntry *e, GError **error)
{
        g_autofree char *who = NULL;

        if (e->state == VF_STATE_QUARANTINED) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_QUARANTINED,
                            "%s is quarantined: %s", e->address,
                            e->reason ? e->reason : "no reason recorded");
                return;
        }
        who = pool_describe_owner(e);
        if (e->state == VF_STATE_RELEASING)
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_BUSY,
                            "%s is being released from %s", e->address, who);
        else
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_BUSY,
                            "%s is %s by %s", e->address,
                            vf_state_to_string(e->state), who);
}

static PoolEntry *entry_new(const char *canon, VfState state, const char *uuid,
                            const char *name, gint64 now_usec)
{
        PoolEntry *e = g_new0(PoolEntry, 1);

        g_strlcpy(e->address, canon, sizeof(e->address));
        e->state = state;
        e->owner_uuid = uuid ? g_ascii_strdown(uuid, -1) : NULL;
        e->owner_name = g_strdup(name);
        e->since_usec = now_usec;
        return e;
}

/* Same-owner retries keep the state; they only learn a name not known yet. */
static void refresh_name(PoolEntry *e, const char *name)
{
        if (!e->owner_name && name && *name)
                e->owner_name = g_strdup(name);
}

gboolean pool_claim(Pool *pool, const char *address, const char *owner_uuid,
                    const char *owner_name, gint64 now_usec, GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        PoolEntry *e;

        if (!check_address(address, canon, error) ||
            !pool_check_owner(canon, owner_uuid, owner_name, error))
                return FALSE;
        e = g_hash_table_lookup(pool->entries, canon);
        if (!e) {
                pool_put_entry(pool, entry_new(canon, VF_STATE_CLAIMED, owner_uuid,
                                               owner_name, now_usec));
                return TRUE;
        }
        if (is_held(e->state) && owner_is(e, owner_uuid)) {
                /* The reserving domain now uses the VF: a lease running
                 * out under it would free a VF a VM may be using, so the
                 * reservation becomes a claim and the lease is dropped. */
                if (e->state == VF_STATE_RESERVED) {
                        e->state = VF_STATE_CLAIMED;
                        e->lease_until_usec = 0;
                        e->since_usec = now_usec;
                }
                /* Otherwise a hook retried: nothing to do. */
                refresh_name(e, owner_name);
                return TRUE;
        }
        set_taken_error(e, error);
        return FALSE;
}

gboolean pool_reserve(Pool *pool, const char *address, const char *owner_uuid,
                      const char *owner_name, gint64 lease_until_usec,
                      gint64 now_usec, GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        PoolEntry *e;

        if (!check_address(address, canon, error) ||
            !pool_check_owner(canon, owner_uuid, owner_name, error))
                return FALSE;
        if (lease_until_usec <= now_usec) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "Reservation of %s needs a lease that ends in the future",
                            canon);
                return FALSE;
        }
        e = g_hash_table_lookup(pool->entries, canon);
        if (!e) {
                e = entry_new(canon, VF_STATE_RESERVED, owner_uuid, owner_name,
                              now_usec);
                e->lease_until_usec = lease_until_usec;
                pool_put_entry(pool, e);
                return TRUE;
        }
        if (is_held(e->state) && owner_is(e, owner_uuid)) {
                /* A retried reservation renews the lease, never shortens it. */
                if (e->state == VF_STATE_RESERVED &&
                    lease_until_usec > e->lease_until_usec)
                        e->lease_until_usec = lease_until_usec;
                refresh_name(e, owner_name);
                return TRUE;
        }
        set_taken_error(e, error);
        return FALSE;
}

gboolean pool_assign(Pool *pool, const char *address, const char *owner_uuid,
                     gint64 now_usec, GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        g_autofree char *who = NULL;
        PoolEntry *e;

        if (!check_address(address, canon, error) ||
            !pool_check_owner(canon, owner_uuid, NULL, error))
                return FALSE;
        e = g_hash_table_lookup(pool->entries, canon);
        if (!e) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_STATE,
                            "%s is free: claim or reserve it before assigning it",
                            canon);
                return FALSE;
        }
        if (e->state == VF_STATE_QUARANTINED || e->state == VF_STATE_RELEASING) {
                set_taken_error(e, error);
                return FALSE;
        }
        if (!owner_is(e, owner_uuid)) {
                who = pool_describe_owner(e);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_OWNER,
                            "%s is %s by %s, not by domain %s", canon,
                            vf_state_to_string(e->state), who, owner_uuid);
                return FALSE;
        }
        if (e->state == VF_STATE_ASSIGNED)
                return TRUE;
        e->state = VF_STATE_ASSIGNED;
        e->lease_until_usec = 0;
        e->since_usec = now_usec;
        return TRUE;
}

gboolean pool_release_begin(Pool *pool, const char *address,
                            const char *owner_uuid, gint64 now_usec,
                            GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        g_autofree char *who = NULL;
        PoolEntry *e;

        if (!check_address(address, canon, error))
                return FALSE;
        if (owner_uuid && !pool_check_owner(canon, owner_uuid, NULL, error))
                return FALSE;
        e = g_hash_table_lookup(pool->entries, canon);
        /* Release hooks run for every stop, also repeated ones: releasing
         * a free VF succeeds and changes nothing. */
        if (!e)
                return TRUE;
        if (e->state == VF_STATE_QUARANTINED) {
                set_taken_error(e, error);
                return FALSE;
        }
        if (owner_uuid && !owner_is(e, owner_uuid)) {
                who = pool_describe_owner(e);
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NOT_OWNER,
                            "%s is %s by %s, not by domain %s", canon,
                            vf_state_to_string(e->state), who, owner_uuid);
                return FALSE;
        }
        if (e->state == VF_STATE_RELEASING)
                return TRUE;
        e->state = VF_STATE_RELEASING;
        e->lease_until_usec = 0;
        e->since_usec = now_usec;
        return TRUE;
}

gboolean pool_release_finish(Pool *pool, const char *address, GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        PoolEntry *e;

        if (!check_address(address, canon, error))
                return FALSE;
        e = g_hash_table_lookup(pool->entries, canon);
        if (!e)
                return TRUE;
        if (e->state != VF_STATE_RELEASING) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_STATE,
                            "%s is %s, not being released", canon,
                            vf_state_to_string(e->state));
                return FALSE;
        }
        g_hash_table_remove(pool->entries, canon);
        return TRUE;
}

void pool_quarantine(Pool *pool, const char *address, const char *reason,
                     gint64 now_usec)
{
        char canon[PCI_ADDRESS_STRLEN];
        PoolEntry *e;

        if (!pool || !pci_address_normalize(address, canon, NULL))
                return;
        e = g_hash_table_lookup(pool->entries, canon);
        /* The first cause is the one an administrator needs: keep it. */
        if (e && e->state == VF_STATE_QUARANTINED)
                return;
        e = entry_new(canon, VF_STATE_QUARANTINED, NULL, NULL, now_usec);
        e->reason = g_strdup(reason && *reason ? reason : "quarantined");
        pool_put_entry(pool, e);
}

gboolean pool_unquarantine(Pool *pool, const char *address, GError **error)
{
        char canon[PCI_ADDRESS_STRLEN];
        PoolEntry *e;

        if (!check_address(address, canon, error))
                return FALSE;
        e = g_hash_table_lookup(pool->entries, canon);
        if (!e || e->state != VF_STATE_QUARANTINED) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_STATE,
                            "%s is %s, not quarantined", canon,
                            vf_state_to_string(e ? e->state : VF_STATE_FREE));
                return FALSE;
        }
        g_hash_table_remove(pool->entries, canon);
        return TRUE;
}

void pool_forget(Pool *pool, const char *address)
{
        char canon[PCI_ADDRESS_STRLEN];

        if (pool && pci_address_normalize(address, canon, NULL))
                g_hash_table_remove(pool->entries, canon);
}

gboolean pool_any_in_use(const Pool *pool, const char *const *addresses,
                         const char **busy_address)
{
        for (; addresses && *addresses; addresses++) {
                const PoolEntry *e = lookup(pool, *addresses);
                if (e && (is_held(e->state) || e->state == VF_STATE_RELEASING)) {
                        if (busy_address)
                                *busy_address = e->address;
                        return TRUE;
                }
        }
        return FALSE;
}

const PoolEntry *pool_first_quarantined(const Pool *pool,
                                        const char *const *addresses)
{
        for (; addresses && *addresses; addresses++) {
                const PoolEntry *e = lookup(pool, *addresses);
                if (e && e->state == VF_STATE_QUARANTINED)
                        return e;
        }
        return NULL;
}

GPtrArray *pool_expired_reservations(const Pool *pool, gint64 now_usec)
{
        g_autoptr(GPtrArray) all = pool_entries(pool);
        GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

        for (guint i = 0; i < all->len; i++) {
                const PoolEntry *e = g_ptr_array_index(all, i);
                if (e->state == VF_STATE_RESERVED && e->lease_until_usec <= now_usec)
                        g_ptr_array_add(out, g_strdup(e->address));
        }
        return out;
}
