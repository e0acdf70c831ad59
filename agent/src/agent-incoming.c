/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An incoming domain (the destination's migrate hook): choosing a local
 * VF for every managed device by the source's profile (agent-domain.h,
 * PrepareIncoming), and the same decision without changes (CheckIncoming).
 */
#include <string.h>

#include "agent-domain-private.h"
#include "core/domxml.h"
#include "sys/profile-read.h"

/* Metadata alone (CheckIncoming of a <vfmig:migration> element). */
static GPtrArray *meta_managed_devices(const GPtrArray *meta)
{
        GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) managed_device_free);

        for (guint i = 0; i < meta->len; i++) {
                const DomxmlMetaDevice *m = meta->pdata[i];
                ManagedDevice *md = g_new0(ManagedDevice, 1);

                md->position = i;
                md->alias = g_strdup(m->alias);
                g_strlcpy(md->named, m->address, sizeof(md->named));
                g_strlcpy(md->source, m->address, sizeof(md->source));
                md->source_profile = vf_profile_copy(m->profile);
                md->label = domain_device_label(m->alias, i, m->address);
                g_ptr_array_add(out, md);
        }
        return out;
}

/* ---- choosing VFs for an incoming domain -------------------------------- */

typedef struct {
        VfProfile *profile;   /* NULL: could not be read, see error */
        char *error;
} ReadProfile;

static void read_profile_free(ReadProfile *r)
{
        vf_profile_free(r->profile);
        g_free(r->error);
        g_free(r);
}

/* Every candidate's profile is read once per call, however many devices
 * look at it (a domain with 8 VFs on a host with 64). */
static const ReadProfile *cached_profile(Agent *a, GHashTable *cache, const Vf *vf, const Pf *pf)
{
        ReadProfile *r = g_hash_table_lookup(cache, vf->address);
        g_autoptr(GError) error = NULL;

        if (r)
                return r;
        r = g_new0(ReadProfile, 1);
        r->profile = profile_read(a->host, vf, pf, &error);
        if (!r->profile)
                r->error = g_strdup(error->message);
        g_hash_table_insert(cache, g_strdup(vf->address), r);
        return r;
}

/*
 * Why this VF cannot take the device (appended to reasons, each naming the
 * VF); TRUE when it can. *profile_out gets its profile when read.
 */
static gboolean vf_fits(Agent *a, const char *uuid, const Vf *vf, const VfProfile *src,
                        GHashTable *taken, GHashTable *cache, GHashTable *refits,
                        GPtrArray *reasons, gboolean *incompatible, VfProfile **profile_out)
{
        const PoolEntry *e = pool_lookup(a->pool, vf->address);
        const Pf *pf = inventory_find_pf(a->inventory, vf->pf_address);
        const char *refit = refits ? g_hash_table_lookup(refits, vf->address) : NULL;
        guint before = reasons->len;

        if (refit) {
                g_ptr_array_add(reasons, g_strdup(refit));
                *incompatible = TRUE;
                return FALSE;
        }

        if (g_hash_table_contains(taken, vf->address))
                g_ptr_array_add(reasons, g_strdup_printf("%s is chosen for another device of this domain",
                                                         vf->address));
        if (e && e->state == VF_STATE_QUARANTINED)
                g_ptr_array_add(reasons, g_strdup_printf("%s is quarantined (%s)", vf->address,
                                                         str_or(e->reason, "no reason recorded")));
        else if (e && e->state == VF_STATE_RELEASING)
                g_ptr_array_add(reasons, g_strdup_printf("%s is being released", vf->address));
        else if (e && g_strcmp0(e->owner_uuid, uuid) != 0)
                g_ptr_array_add(reasons, g_strdup_printf("%s is %s by %s", vf->address,
                                                         vf_state_to_string(e->state),
                                                         str_or(e->owner_name, e->owner_uuid)));
        (void) domain_driver_reason(a, vf, reasons);
        if (src && (src->migration_flags & PROFILE_MIGRATION_STOP_COPY)) {
                /* The guest's device state arrives in the variant driver's
                 * stream: a VF left on (or bound to) plain vfio-pci could
                 * not load it. */
                const char *will_run_on = vf->driver && vfmig_driver_is_allowed(vf->driver)
                        ? vf->driver : agent_policy_driver(a, vf);

                if (g_strcmp0(will_run_on, VFMIG_DRIVER_VARIANT) != 0) {
                        g_ptr_array_add(reasons, g_strdup_printf("%s would run on %s, which cannot load the device state the source sends (that needs %s)",
                                                                 vf->address, will_run_on,
                                                                 VFMIG_DRIVER_VARIANT));
                        *incompatible = TRUE;
                }
        }

        if (src && pf) {
                const ReadProfile *rp = cached_profile(a, cache, vf, pf);

                if (!rp->profile) {
                        g_ptr_array_add(reasons, g_strdup_printf("%s: cannot read its profile: %s",
                                                                 vf->address, rp->error));
                } else {
                        g_autoptr(GPtrArray) why = profile_compat_reasons(src, rp->profile);

                        for (guint i = 0; i < why->len; i++)
                                g_ptr_array_add(reasons, g_strdup_printf("%s: %s", vf->address,
                                                                         (const char *) why->pdata[i]));
                        if (why->len > 0)
                                *incompatible = TRUE;
                        if (profile_out) {
                                vf_profile_free(*profile_out);
                                *profile_out = vf_profile_copy(rp->profile);
                        }
                }
        } else if (src && !pf) {
                g_ptr_array_add(reasons, g_strdup_printf("%s has no PF here", vf->address));
        }
        return reasons->len == before;
}

/* 0: the domain's own VFs, 1: free on a VFIO driver, 2: other free ones. */
static int preference(Agent *a, const char *uuid, const Vf *vf)
{
        const PoolEntry *e = pool_lookup(a->pool, vf->address);

        if (e && g_strcmp0(e->owner_uuid, uuid) == 0)
                return 0;
        return vf->driver && vfmig_driver_is_allowed(vf->driver) ? 1 : 2;
}

/*
 * Picks a VF for every device (md->chosen, md->chosen_profile): the one
 * the XML names when it fits, else the first fitting one by preference.
 * Returns FALSE with one line per unplaced device in lines and the error
 * code in *code (NOT_COMPATIBLE when a compatibility rule or the lack of
 * any VF decided, BUSY when every candidate was only in use).
 */
gboolean domain_choose_vfs(Agent *a, const char *uuid, GPtrArray *devices,
                           GHashTable *refits, GPtrArray *lines, VfmigError *code)
{
        g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GHashTable) cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) read_profile_free);
        gboolean ok = TRUE;

        *code = VFMIG_ERROR_BUSY;
        for (guint i = 0; i < devices->len; i++) {
                ManagedDevice *md = devices->pdata[i];
                g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func(g_free);
                const Vf *named = inventory_find_vf(a->inventory, md->named);
                gboolean incompatible = FALSE;
                guint candidates = 0;

                /* An orchestrator (Nova) may have rewritten the XML to a VF
                 * of this host already: keep it when it fits, only check it. */
                if (named) {
                        candidates++;
                        if (vf_fits(a, uuid, named, md->source_profile, taken, cache, refits,
                                    reasons, &incompatible, &md->chosen_profile)) {
                                g_strlcpy(md->chosen, named->address, sizeof(md->chosen));
                                g_hash_table_add(taken, g_strdup(md->chosen));
                                continue;
                        }
                }
                if (!md->source_profile) {
                        /* Nothing to choose another VF by. */
                        g_ptr_array_add(reasons, g_strdup("no vfmig metadata describes this device, so no other VF can be chosen for it"));
                        *code = VFMIG_ERROR_NOT_COMPATIBLE;
                        domain_add_line(lines, md, reasons);
                        ok = FALSE;
                        continue;
                }

                for (int pref = 0; pref < 3 && !md->chosen[0]; pref++) {
                        for (guint p = 0; p < a->inventory->pfs->len && !md->chosen[0]; p++) {
                                const Pf *pf = a->inventory->pfs->pdata[p];

                                for (guint v = 0; v < pf->vfs->len; v++) {
                                        const Vf *vf = pf->vfs->pdata[v];
                                        g_autoptr(VfProfile) prof = NULL;

                                        if (vf == named || preference(a, uuid, vf) != pref)
                                                continue;
                                        candidates++;
                                        if (vf_fits(a, uuid, vf, md->source_profile, taken, cache,
                                                    refits, reasons, &incompatible, &prof)) {
                                                g_strlcpy(md->chosen, vf->address, sizeof(md->chosen));
                                                vf_profile_free(md->chosen_profile);
                                                md->chosen_profile = g_steal_pointer(&prof);
                                                g_hash_table_add(taken, g_strdup(md->chosen));
                                                break;
                                        }
                                }
                        }
                }
                if (md->chosen[0])
                        continue;
                if (candidates == 0)
                        g_ptr_array_add(reasons, g_strdup("this host has no VF of a managed PF"));
                if (incompatible || candidates == 0)
                        *code = VFMIG_ERROR_NOT_COMPATIBLE;
                domain_add_line(lines, md, reasons);
                ok = FALSE;
        }
        return ok;
}

/* ---- PrepareIncoming ------------------------------------------------------ */

static void set_migration_devices(Migration *m, GPtrArray *devices)
{
        g_ptr_array_set_size(m->devices, 0);
        for (guint i = 0; i < devices->len; i++) {
                const ManagedDevice *md = devices->pdata[i];
                migration_add_device(m, md->alias, md->source, md->chosen);
        }
}

/* The XML as the destination will run it: local addresses, and metadata
 * that names them (with the source's profile: it is what the guest uses). */
static char *rewrite(Domxml *d, GPtrArray *devices, GError **error)
{
        g_autoptr(GPtrArray) meta = g_ptr_array_new_with_free_func((GDestroyNotify) domxml_meta_device_free);

        for (guint i = 0; i < devices->len; i++) {
                const ManagedDevice *md = devices->pdata[i];
                const VfProfile *p = md->source_profile ? md->source_profile : md->chosen_profile;

                if (strcmp(md->named, md->chosen) != 0 &&
                    !domxml_set_device_address(d, md->position, md->chosen, error))
                        return NULL;
                if (p)
                        g_ptr_array_add(meta, domxml_meta_device_new(md->alias, md->chosen, p));
        }
        domxml_set_meta_devices(d, meta);
        return domxml_format(d);
}

/*
 * Chooses, binds and reserves a VF for every device and returns the
 * rewritten XML. A VF chosen on its PCI identity alone (on another driver
 * before) that turns out unfit once bound is put back and the choice made
 * again without it: each round excludes one more VF, so this ends.
 */
static char *choose_and_take(Agent *a, Domxml *d, GPtrArray *devices, const char *uuid,
                             const char *name, GError **error)
{
        g_autoptr(GHashTable) refits = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                             g_free, g_free);

        for (;;) {
                g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
                g_autoptr(GError) local = NULL;
                guint known = g_hash_table_size(refits);
                VfmigError code;
                char *text;

                for (guint i = 0; i < devices->len; i++) {
                        ManagedDevice *md = devices->pdata[i];

                        md->chosen[0] = '\0';
                        g_clear_pointer(&md->chosen_profile, vf_profile_free);
                }
                if (!domain_choose_vfs(a, uuid, devices, refits, lines, &code)) {
                        domain_set_refusal(error, code, lines);
                        return NULL;
                }
                if (domain_take_all(a, devices, uuid, name, TRUE, refits, &local)) {
                        /* Cannot fail for addresses we chose; if it did, the
                         * reservations stay until their lease ends. */
                        text = rewrite(d, devices, &local);
                        if (!text) {
                                g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                                           "Failed to rewrite the XML of %s: ",
                                                           str_or(name, uuid));
                        }
                        return text;
                }
                if (g_hash_table_size(refits) == known) {
                        g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                                   "Incoming migration of %s not prepared: ",
                                                   str_or(name, uuid));
                        return NULL;
                }
        }
}

gboolean agent_prepare_incoming(Agent *a, const char *xml, char **out_xml,
                                guint64 *migration_id, GError **error)
{
        g_autoptr(Domxml) d = domain_parse(xml, error);
        g_autoptr(GPtrArray) devices = NULL;
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) local = NULL;
        g_autofree char *text = NULL;
        const char *uuid, *name;
        Migration *m;
        gboolean retry;

        if (migration_id)
                *migration_id = 0;
        if (!d)
                return FALSE;
        uuid = domxml_get_uuid(d);
        name = domxml_get_name(d);
        devices = domain_managed_devices(a, d);
        if (devices->len == 0) {
                /* Not ours: libvirt gets its XML back untouched. */
                *out_xml = g_strdup(xml);
                return TRUE;
        }
        /* Bad input is refused before anything is recorded: a name the
         * pool would refuse must not leave a (persisted) Migration. */
        if (!pool_check_owner(((ManagedDevice *) devices->pdata[0])->label, uuid, name, error))
                return FALSE;
        /* A hook run again for the same migration continues its record. */
        m = agent_migration_find_unfinished(a, uuid, MIGRATION_ROLE_INCOMING);
        retry = m && m->phase == MIGRATION_PHASE_PREPARED;
        if (!retry) {
                Migration *old = m;

                m = agent_migration_new(a, MIGRATION_ROLE_INCOMING, uuid, name);
                /* An earlier attempt still under way was lost (its end
                 * never reached us): this one replaces it. */
                if (old) {
                        g_autofree char *why = g_strdup_printf("replaced by migration %" G_GUINT64_FORMAT,
                                                               m->id);
                        agent_migration_advance(a, old, MIGRATION_PHASE_FAILED, why);
                }
                set_migration_devices(m, devices);
                agent_migration_announce(a, m);
        }

        for (guint i = 0; i < devices->len; i++) {
                ManagedDevice *md = devices->pdata[i];

                if (md->hostdev_driver && strcmp(md->hostdev_driver, "vfio") != 0) {
                        g_autoptr(GPtrArray) r = g_ptr_array_new_with_free_func(g_free);

                        g_ptr_array_add(r, g_strdup_printf("the domain asks for the hostdev driver '%s'; vfmig VFs need 'vfio'",
                                                           md->hostdev_driver));
                        domain_add_line(lines, md, r);
                }
        }

        if (lines->len > 0)
                domain_set_refusal(&local, VFMIG_ERROR_UNKNOWN_DRIVER, lines);
        else
                text = choose_and_take(a, d, devices, uuid, name, &local);

        if (!text) {
                if (!retry)
                        agent_migration_advance(a, m, MIGRATION_PHASE_REFUSED, local->message);
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        set_migration_devices(m, devices);
        if (retry)
                agent_migration_changed(a, m);
        else
                agent_migration_advance(a, m, MIGRATION_PHASE_PREPARED, NULL);
        if (migration_id)
                *migration_id = m->id;
        *out_xml = g_steal_pointer(&text);
        return TRUE;
}

/* ---- CheckIncoming ------------------------------------------------------- */

/* The first element's name: "domain" or our "migration" decides the form. */
static gboolean looks_like_domain(const char *text)
{
        const char *p = text;

        while ((p = strchr(p, '<'))) {
                if (p[1] != '?' && p[1] != '!')
                        return g_str_has_prefix(p + 1, "domain") &&
                               (p[7] == '>' || g_ascii_isspace(p[7]) || p[7] == '/');
                p++;
        }
        return FALSE;
}

/* A VF not on the variant driver shows only its PCI identity: the rest
 * of its profile is checked when PrepareIncoming binds it. */
static const char *partial_note(const ManagedDevice *md)
{
        if (md->source_profile && md->chosen_profile &&
            md->chosen_profile->source == PROFILE_SOURCE_PCI)
                return " (on its PCI identity: its features are checked once it is bound to "
                       VFMIG_DRIVER_VARIANT ")";
        return "";
}

gboolean agent_check_incoming(Agent *a, const char *text, gboolean *compatible,
                              GPtrArray **lines_out, GError **error)
{
        g_autoptr(GPtrArray) devices = NULL;
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(Domxml) d = NULL;
        const char *uuid = "";
        VfmigError code;
        gboolean ok;

        if (!text) {
                g_set_error_literal(error, VFMIG_ERROR, VFMIG_ERROR_INVALID_ARGUMENT,
                                    "Nothing to check");
                return FALSE;
        }
        if (looks_like_domain(text)) {
                d = domain_parse(text, error);
                if (!d)
                        return FALSE;
                uuid = domxml_get_uuid(d);
                devices = domain_managed_devices(a, d);
        } else {
                g_autoptr(GPtrArray) meta = domxml_parse_metadata(text, strlen(text), error);

                if (!meta)
                        return FALSE;
                devices = meta_managed_devices(meta);
        }

        ok = domain_choose_vfs(a, uuid, devices, NULL, refusals, &code);
        /* One line per device: where it would go, or why nowhere. */
        for (guint i = 0, r = 0; i < devices->len; i++) {
                const ManagedDevice *md = devices->pdata[i];

                if (md->chosen[0])
                        g_ptr_array_add(lines, g_strdup_printf("%s: fits %s%s%s", md->label,
                                                               md->chosen,
                                                               strcmp(md->chosen, md->named) == 0
                                                                       ? " (kept)" : "",
                                                               partial_note(md)));
                else if (r < refusals->len)
                        g_ptr_array_add(lines, g_strdup(refusals->pdata[r++]));
        }
        if (devices->len == 0)
                g_ptr_array_add(lines, g_strdup("no managed device: nothing to check"));
        *compatible = ok;
        if (lines_out)
                *lines_out = g_steal_pointer(&lines);
        return TRUE;
}
