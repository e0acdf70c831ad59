/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * The profile forms vfmigctl reads and prints, converted with the agent's
 * own pure code (core/profile.h, core/domxml.h) so that the CLI and the
 * agent can never disagree about a form. Pure: text in, text out.
 *
 * The JSON form of `vfmigctl profile --json` (stable, vfmigctl(8)):
 *   one device:  {"alias": "hostdev0" | null, "address": "0000:3b:00.2",
 *                 "profile": { ...profile_to_json()... }}
 *   a domain:    an array of such objects (empty when it holds no VF here).
 */

/* What `vfmigctl check` was given. */
typedef enum {
        CTL_INPUT_XML,    /* a domain XML or the <vfmig:migration> element */
        CTL_INPUT_JSON,   /* a device object or an array of them */
        _CTL_INPUT_MAX,
        _CTL_INPUT_INVALID = -EINVAL,
} CtlInputKind;

const char *ctl_input_kind_to_string(CtlInputKind k);   /* "xml", "json" */
CtlInputKind ctl_input_kind_from_string(const char *s);

/* By the first non-blank character: '<' XML, '{' or '[' JSON, else invalid. */
CtlInputKind ctl_input_classify(const char *text, gsize len);

/*
 * The text CheckIncoming takes for an input: XML as it is, JSON converted
 * to the metadata element. Errors (CTL_ERROR, usage) say what is wrong
 * and, for JSON, which array element.
 */
char *ctl_input_to_check_request(const char *text, gsize len, GError **error);

/*
 * Renderings of the metadata element the agent returns (GetVirtualFunction-
 * Profile, GetDomainProfile). single: the VF form (exactly one device, a
 * JSON object); else the domain form (a JSON array). Malformed metadata
 * is an error (CTL_ERROR, failure: the agent sent it).
 */
char *ctl_profile_metadata_to_json(const char *metadata, gboolean single, GError **error);
char *ctl_profile_metadata_to_table(const char *metadata, GError **error);
