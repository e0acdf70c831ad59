/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

/*
 * A small streaming JSON writer (no json-glib: one more dependency for
 * a few dozen lines). The writer tracks nesting so callers never place
 * commas or colons themselves; misuse (a value where a key is due,
 * unbalanced ends) is a programming error caught by g_return_if_fail.
 *
 * Strings are written as UTF-8: '"', '\\' and control characters are
 * escaped, other characters (non-ASCII too) pass through; bytes that are
 * not valid UTF-8 become U+FFFD so the output is always valid JSON.
 */
typedef struct CtlJson CtlJson;

/* pretty: newlines and two-space indentation; else compact. */
CtlJson *ctl_json_new(gboolean pretty);
void ctl_json_free(CtlJson *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlJson, ctl_json_free)

void ctl_json_begin_object(CtlJson *j);
void ctl_json_end_object(CtlJson *j);
void ctl_json_begin_array(CtlJson *j);
void ctl_json_end_array(CtlJson *j);
/* Inside an object: the key of the next value. */
void ctl_json_key(CtlJson *j, const char *key);
/* NULL writes null. */
void ctl_json_string(CtlJson *j, const char *s);
void ctl_json_int(CtlJson *j, gint64 v);
void ctl_json_uint(CtlJson *j, guint64 v);
void ctl_json_bool(CtlJson *j, gboolean v);
void ctl_json_null(CtlJson *j);
/* Strings, NULL-terminated (NULL writes an empty array). */
void ctl_json_strv(CtlJson *j, const char *const *strv);

/* TRUE once every opened container is closed and one value was written. */
gboolean ctl_json_is_complete(const CtlJson *j);
/* The text so far (a trailing newline is added when pretty and complete). */
const char *ctl_json_get(const CtlJson *j);
/* Takes the text; the writer is freed. */
char *ctl_json_steal(CtlJson *j);

/* Escapes s into out, with the surrounding quotes. */
void ctl_json_append_quoted(GString *out, const char *s);
