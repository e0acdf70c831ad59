/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "agent-private.h"
#include "core/domxml.h"

/* Shared by agent-domain.c (operations) and agent-domain-events.c
 * (lifecycle events, reconciliation). */

/* One device of a domain that vfmig manages (a VF of a managed PF here,
 * or a device our metadata describes). */
typedef struct {
        guint position;                      /* in domxml_get_devices() order */
        gboolean has_device;                 /* FALSE: from metadata alone */
        char *alias;                         /* may be NULL */
        char *label;                         /* "<alias or hostdevN> (<address>)" */
        const char *hostdev_driver;          /* <driver name=>, borrowed, may be NULL */
        char named[PCI_ADDRESS_STRLEN];      /* the address the XML names */
        char source[PCI_ADDRESS_STRLEN];     /* the VF on the host the metadata came from */
        VfProfile *source_profile;           /* from the metadata; NULL without */
        char chosen[PCI_ADDRESS_STRLEN];     /* local VF chosen; "" none yet */
        VfProfile *chosen_profile;           /* its profile, when read */
} ManagedDevice;

void managed_device_free(ManagedDevice *md);

/* "<alias or hostdevN> (<address>)", as every refusal line begins. */
char *domain_device_label(const char *alias, guint index, const char *address);
/* A refusal: exactly one line per refused device (the hook prints them as
 * they are), so the caller names the domain. */
void domain_set_refusal(GError **error, VfmigError code, GPtrArray *lines);
/* Appends "<label>: <reason>; <reason>..." to lines. */
void domain_add_line(GPtrArray *lines, const ManagedDevice *md, GPtrArray *reasons);
/* Whether the VF can go to a VM as far as its driver goes (on a VFIO
 * driver, or bind-on-claim with the policy driver loaded); if not, why,
 * appended to reasons. */
gboolean domain_driver_reason(Agent *agent, const Vf *vf, GPtrArray *reasons);
/* Binds every md->chosen per policy and claims or reserves (with the
 * config's lease) them all in one pool commit; a failure undoes the binds.
 * With refits (address -> reason), a VF that had to be rebound is checked
 * again against the source profile on its new driver (before, on another
 * driver, only its PCI identity was known): NOT_COMPATIBLE if it no
 * longer fits, with the reason added to refits. */
gboolean domain_take_all(Agent *agent, GPtrArray *devices, const char *uuid,
                         const char *name, gboolean reserve, GHashTable *refits,
                         GError **error);

/* domxml_parse plus a valid <uuid>; errors are INVALID_ARGUMENT. */
Domxml *domain_parse(const char *xml, GError **error);
GPtrArray *domain_managed_devices(Agent *agent, const Domxml *d);
/* refits (may be NULL): VFs found unfit once bound (domain_take_all). */
gboolean domain_choose_vfs(Agent *agent, const char *uuid, GPtrArray *devices,
                           GHashTable *refits, GPtrArray *lines, VfmigError *code);
/* Addresses (owned) of every pool entry the domain owns, any state. */
GPtrArray *domain_held_vfs(Agent *agent, const char *uuid);
char *domain_metadata_for(Agent *agent, GPtrArray *addresses, GError **error);

/*
 * Releases every VF the domain (lower-case uuid) holds and updates its
 * migrations for why it stopped: reason as the release hook says it
 * ("migrated", "failed", "destroyed", ...; "" unknown). name may be NULL.
 */
gboolean domain_release(Agent *agent, const char *uuid, const char *name,
                        const char *reason, GError **error);
