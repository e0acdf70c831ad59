/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure part of libvirt-monitor.h: which libvirt lifecycle events vfmig
 * acts on, and their names. Only libvirt's header constants are used, so
 * the unit tests link this file without libvirt's library.
 */
#include <string.h>
#include <libvirt/libvirt.h>

#include "libvirt-monitor.h"

static const char *const event_names[_LIBVIRT_EVENT_MAX] = {
        [LIBVIRT_EVENT_STARTED_BOOTED] = "started-booted",
        [LIBVIRT_EVENT_STARTED_MIGRATED] = "started-migrated",
        [LIBVIRT_EVENT_RESUMED_MIGRATED] = "resumed-migrated",
        [LIBVIRT_EVENT_RESUMED_OTHER] = "resumed-other",
        [LIBVIRT_EVENT_SUSPENDED_MIGRATED] = "suspended-migrated",
        [LIBVIRT_EVENT_MIGRATION_ITERATION] = "migration-iteration",
        [LIBVIRT_EVENT_STOPPED_MIGRATED] = "stopped-migrated",
        [LIBVIRT_EVENT_STOPPED_FAILED] = "stopped-failed",
        [LIBVIRT_EVENT_STOPPED_OTHER] = "stopped-other",
        [LIBVIRT_EVENT_MIGRATION_ABORTED] = "migration-aborted",
};

const char *libvirt_event_to_string(LibvirtEvent e)
{
        if (e < 0 || e >= _LIBVIRT_EVENT_MAX)
                return NULL;
        return event_names[e];
}

LibvirtEvent libvirt_event_from_string(const char *s)
{
        if (!s)
                return _LIBVIRT_EVENT_INVALID;
        for (int i = 0; i < _LIBVIRT_EVENT_MAX; i++)
                if (event_names[i] && strcmp(event_names[i], s) == 0)
                        return i;
        return _LIBVIRT_EVENT_INVALID;
}

static const char *const domain_state_names[_LIBVIRT_DOMAIN_STATE_MAX] = {
        [LIBVIRT_DOMAIN_STATE_RUNNING] = "running",
        [LIBVIRT_DOMAIN_STATE_INCOMING] = "incoming",
};

const char *libvirt_domain_state_to_string(LibvirtDomainState s)
{
        if (s < 0 || s >= _LIBVIRT_DOMAIN_STATE_MAX)
                return NULL;
        return domain_state_names[s];
}

LibvirtDomainState libvirt_domain_state_from_string(const char *s)
{
        if (!s)
                return _LIBVIRT_DOMAIN_STATE_INVALID;
        for (int i = 0; i < _LIBVIRT_DOMAIN_STATE_MAX; i++)
                if (strcmp(domain_state_names[i], s) == 0)
                        return i;
        return _LIBVIRT_DOMAIN_STATE_INVALID;
}

LibvirtDomainState libvirt_domain_state_from_libvirt(int state, int reason)
{
        switch (state) {
        case VIR_DOMAIN_PAUSED:
                switch (reason) {
                /* The destination's QEMU waits for the incoming state
                 * (libvirt starts it paused, "starting up" until it runs,
                 * then "migration"); a failed post-copy may still be
                 * recovered. A source paused for its own migration away
                 * says "migration" too: it has no incoming record. */
                case VIR_DOMAIN_PAUSED_STARTING_UP:
                case VIR_DOMAIN_PAUSED_MIGRATION:
                case VIR_DOMAIN_PAUSED_POSTCOPY:
                case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED:
                        return LIBVIRT_DOMAIN_STATE_INCOMING;
                default:        /* user, I/O error, ...: after any migration */
                        return LIBVIRT_DOMAIN_STATE_RUNNING;
                }
        case VIR_DOMAIN_RUNNING:
                switch (reason) {
                /* Post-copy: the guest runs on the destination, but the
                 * migration can still fail. */
                case VIR_DOMAIN_RUNNING_POSTCOPY:
                case VIR_DOMAIN_RUNNING_POSTCOPY_FAILED:
                        return LIBVIRT_DOMAIN_STATE_INCOMING;
                default:
                        return LIBVIRT_DOMAIN_STATE_RUNNING;
                }
        default:
                /* Blocked, shutting down, crashed, PM-suspended: whatever
                 * brought it here is over. */
                return LIBVIRT_DOMAIN_STATE_RUNNING;
        }
}

LibvirtEvent libvirt_event_from_lifecycle(int event, int detail)
{
        switch (event) {
        case VIR_DOMAIN_EVENT_STARTED:
                switch (detail) {
                case VIR_DOMAIN_EVENT_STARTED_BOOTED:
                /* A domain restored from a save file or a snapshot went
                 * through the prepare hook like a boot: it needs its
                 * profile published the same way. */
                case VIR_DOMAIN_EVENT_STARTED_RESTORED:
                case VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT:
                        return LIBVIRT_EVENT_STARTED_BOOTED;
                case VIR_DOMAIN_EVENT_STARTED_MIGRATED:
                        return LIBVIRT_EVENT_STARTED_MIGRATED;
                default:        /* WAKEUP: it was running already */
                        return _LIBVIRT_EVENT_INVALID;
                }
        case VIR_DOMAIN_EVENT_RESUMED:
                switch (detail) {
                /* The destination when the migration is done; also the
                 * source when it resumes after a migration that failed
                 * once it had paused. The agent tells them apart by the
                 * role of the migration it knows. */
                case VIR_DOMAIN_EVENT_RESUMED_MIGRATED:
                        return LIBVIRT_EVENT_RESUMED_MIGRATED;
                /* Post-copy: the guest runs on the destination but the
                 * migration can still fail; its end comes as STOPPED. */
                case VIR_DOMAIN_EVENT_RESUMED_POSTCOPY:
                case VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED:
                        return _LIBVIRT_EVENT_INVALID;
                default:
                        return LIBVIRT_EVENT_RESUMED_OTHER;
                }
        case VIR_DOMAIN_EVENT_SUSPENDED:
                if (detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED ||
                    detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY)
                        return LIBVIRT_EVENT_SUSPENDED_MIGRATED;
                return _LIBVIRT_EVENT_INVALID;
        case VIR_DOMAIN_EVENT_STOPPED:
                if (detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED)
                        return LIBVIRT_EVENT_STOPPED_MIGRATED;
                if (detail == VIR_DOMAIN_EVENT_STOPPED_FAILED)
                        return LIBVIRT_EVENT_STOPPED_FAILED;
                /* Shut down, destroyed, crashed, saved, snapshot loaded,
                 * and details newer than this code: the domain is gone. */
                return LIBVIRT_EVENT_STOPPED_OTHER;
        default:
                /* DEFINED, UNDEFINED, SHUTDOWN (the STOPPED follows),
                 * CRASHED (STOPPED follows unless it is kept paused),
                 * PMSUSPENDED: nothing for vfmig to do. */
                return _LIBVIRT_EVENT_INVALID;
        }
}
