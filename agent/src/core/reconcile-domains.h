/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

#include "pool.h"

/*
 * Pool vs the domains libvirt runs here (pure; agent-domain.c applies the
 * plan). Used after an agent or libvirtd restart and by the reconnect hook.
 *
 * For every running domain, each managed VF it uses:
 *   free, or claimed/reserved by that domain  -> ASSIGN to it
 *   assigned to it, or quarantined            -> nothing
 *   held (claimed/reserved/assigned) by another domain, releasing, or used
 *   by two running domains                    -> QUARANTINE (a VM may be
 *                                                using it: nobody may hand
 *                                                it out until a human looked)
 * Only when the list is complete (every running domain, not one reconnect):
 *   claimed/assigned/releasing VFs that no running domain uses -> RELEASE,
 *   except claims younger than claim_grace_usec (a domain between its
 *   prepare hook and its start is not running yet). Reservations are left
 *   to their lease.
 */
typedef struct {
        const char *uuid;         /* lower case */
        const char *name;         /* may be NULL */
        const char *const *vfs;   /* canonical addresses, NULL terminated */
} RunningDomain;

typedef enum {
        DOMAIN_ACTION_ASSIGN,
        DOMAIN_ACTION_RELEASE,
        DOMAIN_ACTION_QUARANTINE,
        _DOMAIN_ACTION_MAX,
        _DOMAIN_ACTION_INVALID = -EINVAL,
} DomainActionKind;

const char *domain_action_kind_to_string(DomainActionKind k); /* "assign", ... */
DomainActionKind domain_action_kind_from_string(const char *s);

typedef struct {
        DomainActionKind kind;
        char address[PCI_ADDRESS_STRLEN];
        char *owner_uuid;         /* assign: new owner; release: old owner */
        char *owner_name;         /* assign: may be NULL */
        char *line;               /* human-readable: what and why */
} DomainAction;

void domain_action_free(DomainAction *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DomainAction, domain_action_free)

/* domains: RunningDomain*, in any order. Actions come in address order
 * (owned; free with the array). */
GPtrArray *reconcile_domains_plan(const Pool *pool, const GPtrArray *domains,
                                  gboolean complete, gint64 now_usec,
                                  gint64 claim_grace_usec);
