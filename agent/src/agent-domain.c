/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain-level operations the hooks and orchestrators call (see
 * agent-domain.h): the managed devices of a domain, claiming its VFs,
 * releasing them, and profiles; the helpers every operation shares.
 * Incoming migrations are in agent-incoming.c, lifecycle events and
 * reconciliation in agent-domain-events.c. Every operation decides on
 * a copy of the pool first and collects every refusal of every device
 * before it touches sysfs; binds it did are undone when a later step
 * fails, so a refusal leaves pool, journal and drivers as they were.
 */
#include <string.h>

#include "agent-domain-private.h"
#include "core/domxml.h"
#include "sys/profile-read.h"

/* ---- the managed devices of a domain ---------------------------------- */

void managed_device_free(ManagedDevice *md)
{
        if (!md)
                return;
        g_free(md->label);
        g_free(md->alias);
        vf_profile_free(md->source_profile);
        vf_profile_free(md->chosen_profile);
        g_free(md);
}

char *domain_device_label(const char *alias, guint index, const char *address)
{
        return alias ? g_strdup_printf("%s (%s)", alias, address)
                     : g_strdup_printf("hostdev%u (%s)", index, address);
}

GPtrArray *domain_managed_devices(Agent *a, const Domxml *d)
{
        const GPtrArray *devs = domxml_get_devices(d);
        GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) managed_device_free);

        for (guint i = 0; i < devs->len; i++) {
                const DomxmlDevice *dev = devs->pdata[i];
                const DomxmlMetaDevice *meta = domxml_find_meta(d, dev);
                ManagedDevice *md;

                /* Ours when it names a VF of a managed PF here, or when our
                 * metadata describes it (it comes from another host). */
                if (!meta && !inventory_find_vf(a->inventory, dev->address) &&
                    !pool_lookup(a->pool, dev->address))
                        continue;
                md = g_new0(ManagedDevice, 1);
                md->position = i;
                md->has_device = TRUE;
                md->alias = g_strdup(dev->alias ? dev->alias : meta ? meta->alias : NULL);
                md->hostdev_driver = dev->driver;
                g_strlcpy(md->named, dev->address, sizeof(md->named));
                g_strlcpy(md->source, meta ? meta->address : dev->address, sizeof(md->source));
                md->source_profile = meta ? vf_profile_copy(meta->profile) : NULL;
                md->label = domain_device_label(dev->alias, dev->index, dev->address);
                g_ptr_array_add(out, md);
        }
        return out;
}

Domxml *domain_parse(const char *xml, GError **error)
{
        g_autoptr(Domxml) d = NULL;
        const char *uuid;

        if (!xml) {
                g_set_error_literal(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "No domain XML given");
                return NULL;
        }
        d = domxml_parse(xml, strlen(xml), error);
        if (!d)
                return NULL;
        uuid = domxml_get_uuid(d);
        if (!uuid || !g_uuid_string_is_valid(uuid)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "The domain XML of '%s' has no valid <uuid>",
                            str_or(domxml_get_name(d), "(unnamed)"));
                return NULL;
        }
        return g_steal_pointer(&d);
}

/*
 * A refusal: exactly one line per refused device (the hook prints them as
 * they are, one stderr line each), so the domain is named by the caller.
 */
void domain_set_refusal(GError **error, VfmigError code, GPtrArray *lines)
{
        g_autofree char *text = NULL;

        g_ptr_array_add(lines, NULL);
        text = g_strjoinv("\n", (char **) lines->pdata);
        g_ptr_array_remove_index(lines, lines->len - 1);
        g_set_error_literal(error, VFMIG_ERROR, code, text);
}

void domain_add_line(GPtrArray *lines, const ManagedDevice *md, GPtrArray *reasons)
{
        g_autofree char *joined = NULL;

        g_ptr_array_add(reasons, NULL);
        joined = g_strjoinv("; ", (char **) reasons->pdata);
        g_ptr_array_remove_index(reasons, reasons->len - 1);
        g_ptr_array_add(lines, g_strdup_printf("%s: %s", md->label, joined));
}

/*
 * Whether the VF can go to a VM as far as its driver goes: on a VFIO
 * driver already, or bind-on-claim with the policy driver loaded.
 */
gboolean domain_driver_reason(Agent *a, const Vf *vf, GPtrArray *reasons)
{
        const char *policy;

        if (vf->driver && vfmig_driver_is_allowed(vf->driver))
                return TRUE;
        policy = agent_policy_driver(a, vf);
        if (!a->config->bind_on_claim) {
                g_ptr_array_add(reasons, g_strdup_printf("%s is bound to %s, not to a VFIO driver, and bind-on-claim is off",
                                                         vf->address, str_or(vf->driver, "no driver")));
                return FALSE;
        }
        if (!vfmig_driver_is_allowed(policy)) {
                g_ptr_array_add(reasons, g_strdup_printf("%s: its policy driver '%s' is not allowed (only %s and %s)",
                                                         vf->address, policy, VFMIG_DRIVER_VARIANT,
                                                         VFMIG_DRIVER_VFIO));
                return FALSE;
        }
        if (!host_driver_exists(a->host, policy)) {
                g_ptr_array_add(reasons, g_strdup_printf("%s would be bound to %s, which is not loaded in the kernel",
                                                         vf->address, policy));
                return FALSE;
        }
        return TRUE;
}

/* Undoes the binds done so far, in reverse order; says what could not. */
static void restore_drivers(Agent *a, GPtrArray *devices, DriverBefore *before, guint n,
                            GString *also)
{
        for (guint i = n; i > 0; i--) {
                const ManagedDevice *md = devices->pdata[i - 1];
                g_autoptr(GError) e = NULL;

                if (!before[i - 1].rebound)
                        continue;
                if (!agent_restore_driver(a, md->chosen, &before[i - 1], &e))
                        g_string_append_printf(also, "; %s could not be put back on %s: %s",
                                               md->chosen, str_or(before[i - 1].driver, "no driver"),
                                               e->message);
        }
}

static void before_array_free(DriverBefore *b, guint n)
{
        for (guint i = 0; i < n; i++)
                driver_before_clear(&b[i]);
        g_free(b);
}

/*
 * Binds every chosen VF per policy and takes them all in one pool commit
 * (claim, or reservation with lease). Anything failing undoes the binds.
 */
/*
 * A VF that had to be bound for the VM showed only its PCI identity
 * before: now that it is on its policy driver, its full profile can be
 * read. NULL when it fits the source profile, else why not (and the
 * reason is kept in refits for the next choice).
 */
static char *recheck_bound(Agent *a, const ManagedDevice *md, GHashTable *refits)
{
        const Vf *vf = inventory_find_vf(a->inventory, md->chosen);
        const Pf *pf = vf ? inventory_find_pf(a->inventory, vf->pf_address) : NULL;
        g_autoptr(GError) e = NULL;
        g_autoptr(VfProfile) now = NULL;
        g_autoptr(GPtrArray) why = NULL;
        g_autoptr(GString) text = NULL;

        if (!vf || !pf)
                return NULL;
        now = profile_read(a->host, vf, pf, &e);
        if (!now) {
                text = g_string_new(NULL);
                g_string_printf(text, "%s: cannot read its profile once bound: %s",
                                md->chosen, e->message);
        } else {
                why = profile_compat_reasons(md->source_profile, now);
                if (why->len == 0)
                        return NULL;
                text = g_string_new(NULL);
                for (guint i = 0; i < why->len; i++)
                        g_string_append_printf(text, "%s%s once bound to %s: %s",
                                               i ? "; " : "", md->chosen,
                                               str_or(now->driver, "its driver"),
                                               (const char *) why->pdata[i]);
        }
        g_hash_table_replace(refits, g_strdup(md->chosen), g_strdup(text->str));
        return g_string_free(g_steal_pointer(&text), FALSE);
}

gboolean domain_take_all(Agent *a, GPtrArray *devices, const char *uuid, const char *name,
                         gboolean reserve, GHashTable *refits, GError **error)
{
        DriverBefore *before = g_new0(DriverBefore, devices->len);
        g_autoptr(GError) local = NULL;
        g_autoptr(Pool) copy = NULL;
        g_autoptr(GString) also = g_string_new(NULL);
        const char *failed = NULL;
        gint64 now = agent_now();
        guint lease = a->config->reservation_lease_sec;
        guint n = 0;

        for (; n < devices->len; n++) {
                ManagedDevice *md = devices->pdata[n];

                if (!agent_prepare_driver_for_vm(a, md->chosen, &before[n], &local)) {
                        failed = md->label;
                        break;
                }
        }
        for (guint i = 0; refits && !failed && i < n; i++) {
                ManagedDevice *md = devices->pdata[i];
                g_autofree char *why = NULL;

                if (!before[i].rebound || !md->source_profile)
                        continue;
                why = recheck_bound(a, md, refits);
                if (why) {
                        g_set_error_literal(&local, VFMIG_ERROR, VFMIG_ERROR_NOT_COMPATIBLE, why);
                        failed = md->label;
                }
        }
        if (!failed) {
                copy = pool_copy(a->pool);
                for (guint i = 0; i < devices->len && !local; i++) {
                        ManagedDevice *md = devices->pdata[i];
                        gboolean ok = reserve
                                ? pool_reserve(copy, md->chosen, uuid, name,
                                               now + (gint64) lease * G_USEC_PER_SEC, now, &local)
                                : pool_claim(copy, md->chosen, uuid, name, now, &local);
                        if (!ok)
                                failed = md->label;
                }
                if (!local && agent_commit_pool(a, g_steal_pointer(&copy), &local)) {
                        before_array_free(before, devices->len);
                        return TRUE;
                }
                if (!failed)
                        failed = "the pool journal";
        }
        restore_drivers(a, devices, before, n, also);
        before_array_free(before, devices->len);
        g_set_error(error, VFMIG_ERROR, local->domain == VFMIG_ERROR ? local->code : VFMIG_ERROR_IO,
                    "%s: %s%s", failed, local->message, also->str);
        return FALSE;
}

/* ---- ClaimForDomain ----------------------------------------------------- */

gboolean agent_claim_for_domain(Agent *a, const char *xml, GError **error)
{
        g_autoptr(Domxml) d = domain_parse(xml, error);
        g_autoptr(GPtrArray) devices = NULL;
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(Pool) copy = NULL;
        VfmigError code = VFMIG_ERROR_FAILED;
        const char *uuid, *name;
        Migration *m;

        if (!d)
                return FALSE;
        uuid = domxml_get_uuid(d);
        name = domxml_get_name(d);
        devices = domain_managed_devices(a, d);
        if (devices->len == 0)
                return TRUE;

        copy = pool_copy(a->pool);
        for (guint i = 0; i < devices->len; i++) {
                ManagedDevice *md = devices->pdata[i];
                g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func(g_free);
                g_autoptr(GError) e = NULL;
                const Vf *vf = inventory_find_vf(a->inventory, md->named);
                VfmigError c = VFMIG_ERROR_FAILED;

                g_strlcpy(md->chosen, md->named, sizeof(md->chosen));
                if (md->hostdev_driver && strcmp(md->hostdev_driver, "vfio") != 0) {
                        g_ptr_array_add(reasons, g_strdup_printf("the domain asks for the hostdev driver '%s'; vfmig VFs need 'vfio'",
                                                                 md->hostdev_driver));
                        c = VFMIG_ERROR_UNKNOWN_DRIVER;
                }
                if (!g_hash_table_add(seen, md->named)) {
                        g_ptr_array_add(reasons, g_strdup_printf("%s is named by two devices of the domain",
                                                                 md->named));
                        c = VFMIG_ERROR_INVALID_ARGUMENT;
                }
                if (!vf) {
                        g_ptr_array_add(reasons, g_strdup_printf("%s is not a VF of a managed PF here",
                                                                 md->named));
                        c = c == VFMIG_ERROR_FAILED ? VFMIG_ERROR_NO_SUCH_DEVICE : c;
                } else {
                        if (!pool_claim(copy, md->named, uuid, name, agent_now(), &e)) {
                                g_ptr_array_add(reasons, g_strdup(e->message));
                                c = e->code;
                        }
                        if (!domain_driver_reason(a, vf, reasons) && c == VFMIG_ERROR_FAILED)
                                c = a->config->bind_on_claim ? VFMIG_ERROR_DRIVER_NOT_LOADED
                                                             : VFMIG_ERROR_INVALID_STATE;
                }
                if (reasons->len == 0)
                        continue;
                if (code == VFMIG_ERROR_FAILED)
                        code = c;
                domain_add_line(lines, md, reasons);
        }
        if (lines->len > 0) {
                domain_set_refusal(error, code, lines);
                return FALSE;
        }
        if (!domain_take_all(a, devices, uuid, name, FALSE, NULL, error))
                return FALSE;

        /* Destination: the prepare hook of an incoming migration. */
        m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_INCOMING);
        if (m && m->phase == MIGRATION_PHASE_PREPARED)
                agent_migration_advance(a, m, MIGRATION_PHASE_TRANSFERRING, NULL);
        return TRUE;
}

/* ---- ReleaseDomain -------------------------------------------------------- */

GPtrArray *domain_held_vfs(Agent *a, const char *uuid)
{
        g_autoptr(GPtrArray) entries = pool_entries(a->pool);
        GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

        for (guint i = 0; i < entries->len; i++) {
                const PoolEntry *e = entries->pdata[i];

                if (e->owner_uuid && g_ascii_strcasecmp(e->owner_uuid, uuid) == 0)
                        g_ptr_array_add(out, g_strdup(e->address));
        }
        return out;
}

#define RELEASE_REASON_MAX 64

static gboolean release_reason_is_valid(const char *reason)
{
        if (strlen(reason) > RELEASE_REASON_MAX || !g_utf8_validate(reason, -1, NULL))
                return FALSE;
        for (const char *p = reason; *p; p++)
                if ((guchar) *p < 0x20 || *p == 0x7f)
                        return FALSE;
        return TRUE;
}

gboolean agent_release_domain(Agent *a, const char *uuid, const char *reason,
                              GError **error)
{
        g_autofree char *lower = NULL;

        if (!uuid || !g_uuid_string_is_valid(uuid)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "'%s' is not a domain UUID", str_or(uuid, "(null)"));
                return FALSE;
        }
        /* A word from libvirt or VDSM ("destroyed", "migrated", ...). It
         * ends up in Migration errors, which are persisted: a huge one
         * would push the records over their size limit. */
        if (reason && !release_reason_is_valid(reason)) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                            "Release of domain %s: the reason must be at most %d bytes without control characters (got %zu bytes)",
                            uuid, RELEASE_REASON_MAX, strlen(reason));
                return FALSE;
        }
        lower = g_ascii_strdown(uuid, -1);
        return domain_release(a, lower, NULL, reason ? reason : "", error);
}

/* ---- profiles -------------------------------------------------------------- */

VfProfile *agent_get_vf_profile(Agent *a, const char *in, GError **error)
{
        char address[PCI_ADDRESS_STRLEN];
        const Pf *pf;
        Vf *vf;

        if (!agent_lookup_vf(a, in, address, &vf, error))
                return NULL;
        pf = inventory_find_pf(a->inventory, vf->pf_address);
        if (!pf) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE,
                            "%s: its PF %s is not managed", address, vf->pf_address);
                return NULL;
        }
        return profile_read(a->host, vf, pf, error);
}

/* Metadata for the VFs in addresses (profiles read now); NULL when none
 * could be read (errors in *error naming the VF). */
char *domain_metadata_for(Agent *a, GPtrArray *addresses, GError **error)
{
        g_autoptr(GPtrArray) meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);

        for (guint i = 0; i < addresses->len; i++) {
                g_autoptr(VfProfile) p = agent_get_vf_profile(a, addresses->pdata[i], error);

                if (!p)
                        return NULL;
                g_ptr_array_add(meta, domxml_meta_device_new(NULL, addresses->pdata[i], p));
        }
        return domxml_format_metadata(meta);
}

char *agent_get_domain_metadata(Agent *a, const char *domain, GError **error)
{
        g_autoptr(GPtrArray) entries = pool_entries(a->pool);
        g_autoptr(GPtrArray) vfs = g_ptr_array_new_with_free_func(g_free);

        if (!domain || !*domain) {
                g_set_error_literal(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "No domain given (a UUID or a name)");
                return NULL;
        }
        for (guint i = 0; i < entries->len; i++) {
                const PoolEntry *e = entries->pdata[i];

                if (e->state != VF_STATE_CLAIMED && e->state != VF_STATE_RESERVED &&
                    e->state != VF_STATE_ASSIGNED)
                        continue;
                if ((e->owner_uuid && g_ascii_strcasecmp(e->owner_uuid, domain) == 0) ||
                    g_strcmp0(e->owner_name, domain) == 0)
                        g_ptr_array_add(vfs, g_strdup(e->address));
        }
        if (vfs->len == 0) {
                g_set_error(error, VFMIG_ERROR, VFMIG_ERROR_NO_SUCH_DEVICE,
                            "Domain %s holds no VF here", domain);
                return NULL;
        }
        return domain_metadata_for(a, vfs, error);
}

char *agent_metadata_to_publish(Agent *a, const char *uuid)
{
        g_autoptr(GPtrArray) vfs = NULL;
        g_autoptr(GError) error = NULL;
        char *text;

        if (!uuid)
                return NULL;
        vfs = domain_held_vfs(a, uuid);
        for (guint i = vfs->len; i > 0; i--) {
                const PoolEntry *e = pool_lookup(a->pool, vfs->pdata[i - 1]);
                if (!e || e->state == VF_STATE_RELEASING || e->state == VF_STATE_QUARANTINED)
                        g_ptr_array_remove_index(vfs, i - 1);
        }
        if (vfs->len == 0)
                return NULL;
        text = domain_metadata_for(a, vfs, &error);
        if (!text)
                g_warning("Failed to build the metadata of domain %s: %s", uuid, error->message);
        return text;
}
