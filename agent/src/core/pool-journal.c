/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "pool-private.h"

/*
 * The journal's text form (docs/journal.md):
 *
 *   vfmig-pool-journal 1
 *   vf 0000:3b:00.2 state=claimed since=1700000000000000 owner-uuid=... owner-name=vm%20one sum=0123456789abcdef
 *   end 1
 *
 * Each record carries its own checksum so that damage is found per record
 * and the rest of the file stays usable; the end line carries the count so
 * that a file cut at a line boundary is noticed.
 */

#define JOURNAL_MAGIC "vfmig-pool-journal"
#define JOURNAL_VERSION 1
#define SUM_HEX_LEN 16
/* Enough detail for a log line; the damaged file itself is kept. */
#define MAX_REASONS 8

/* Percent-escapes what would break the line or field syntax. */
static void append_escaped(GString *s, const char *v)
{
        for (const guchar *p = (const guchar *) v; *p; p++) {
                if (*p <= 0x20 || *p == 0x7f || *p == '%' || *p == '=')
                        g_string_append_printf(s, "%%%02X", *p);
                else
                        g_string_append_c(s, (char) *p);
        }
}

static char *unescape(const char *v)
{
        GString *s = g_string_new(NULL);

        for (const char *p = v; *p; p++) {
                if (*p == '%') {
                        int hi = g_ascii_xdigit_value(p[1]);
                        int lo = hi >= 0 ? g_ascii_xdigit_value(p[2]) : -1;
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                g_string_free(s, TRUE);
                                return NULL;
                        }
                        g_string_append_c(s, (char) (hi * 16 + lo));
                        p += 2;
                } else {
                        g_string_append_c(s, *p);
                }
        }
        if (!g_utf8_validate(s->str, (gssize) s->len, NULL)) {
                g_string_free(s, TRUE);
                return NULL;
        }
        return g_string_free(s, FALSE);
}

static char *record_sum(const char *body, gsize len)
{
        g_autofree char *full = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                            (const guchar *) body, len);

        return g_strndup(full, SUM_HEX_LEN);
}

static void append_record(GString *out, const PoolEntry *e)
{
        g_autoptr(GString) body = g_string_new(NULL);
        g_autofree char *sum = NULL;

        g_string_append_printf(body, "vf %s state=%s since=%" G_GINT64_FORMAT,
                               e->address, vf_state_to_string(e->state),
                               e->since_usec);
        if (e->state == VF_STATE_RESERVED)
                g_string_append_printf(body, " lease-until=%" G_GINT64_FORMAT,
                                       e->lease_until_usec);
        if (e->owner_uuid) {
                g_string_append(body, " owner-uuid=");
                append_escaped(body, e->owner_uuid);
        }
        if (e->owner_name) {
                g_string_append(body, " owner-name=");
                append_escaped(body, e->owner_name);
        }
        if (e->reason) {
                g_string_append(body, " reason=");
                append_escaped(body, e->reason);
        }
        sum = record_sum(body->str, body->len);
        g_string_append_printf(out, "%s sum=%s\n", body->str, sum);
}

char *pool_serialize(const Pool *pool)
{
        g_autoptr(GPtrArray) entries = pool_entries(pool);
        GString *out = g_string_new(NULL);

        g_string_append_printf(out, "%s %d\n", JOURNAL_MAGIC, JOURNAL_VERSION);
        for (guint i = 0; i < entries->len; i++)
                append_record(out, g_ptr_array_index(entries, i));
        g_string_append_printf(out, "end %u\n", entries->len);
        return g_string_free(out, FALSE);
}

/* --- parsing --- */

typedef struct {
        Pool *pool;
        GHashTable *untrusted;   /* canonical address set */
        GHashTable *seen;        /* canonical address -> record count */
        GPtrArray *reasons;      /* char*, first MAX_REASONS only */
        guint n_reasons;
} ParseState;

static void add_reason(ParseState *st, char *reason)
{
        if (st->reasons->len < MAX_REASONS)
                g_ptr_array_add(st->reasons, reason);
        else
                g_free(reason);
        st->n_reasons++;
}

static gboolean is_hex(char c)
{
        return g_ascii_isxdigit(c);
}

/*
 * Anything in s that reads as a full "dddd:bb:ss.f" address, standing
 * alone (not inside a longer run of hex), goes to untrusted. Used on
 * text we cannot parse: better to quarantine a VF too many than to hand
 * out one whose owner we lost.
 */
static void scan_addresses(ParseState *st, const char *s, gsize len)
{
        for (gsize i = 0; i + 12 <= len; i++) {
                char cand[13], canon[PCI_ADDRESS_STRLEN];

                if (i > 0 && (is_hex(s[i - 1]) || s[i - 1] == ':'))
                        continue;
                if (i + 12 < len && g_ascii_isalnum(s[i + 12]))
                        continue;
                memcpy(cand, s + i, 12);
                cand[12] = '\0';
                if (pci_address_normalize(cand, canon, NULL))
                        g_hash_table_add(st->untrusted, g_strdup(canon));
        }
}

static gboolean parse_i64(const char *v, gint64 *out)
{
        return g_ascii_string_to_signed(v, 10, 0, G_MAXINT64, out, NULL);
}

/* A record whose checksum held; returns NULL and sets *why when its
 * content still makes no sense (which only a buggy writer could cause). */
static PoolEntry *parse_fields(char **tok, const char **why)
{
        g_autoptr(GHashTable) keys = g_hash_table_new(g_str_hash, g_str_equal);
        PoolEntry *e = g_new0(PoolEntry, 1);
        gboolean has_state = FALSE, has_since = FALSE, has_lease = FALSE;

        e->state = _VF_STATE_INVALID;
        if (!pci_address_normalize(tok[1], e->address, NULL) ||
            strcmp(tok[1], e->address) != 0) {
                *why = "address is not canonical";
                goto fail;
        }
        for (int i = 2; tok[i]; i++) {
                char *eq = strchr(tok[i], '=');
                const char *k, *v;

                if (!eq) {
                        *why = "field without '='";
                        goto fail;
                }
                *eq = '\0';
                k = tok[i];
                v = eq + 1;
                if (!g_hash_table_add(keys, (gpointer) k)) {
                        *why = "repeated field";
                        goto fail;
                }
                if (g_str_equal(k, "state")) {
                        e->state = vf_state_from_string(v);
                        has_state = TRUE;
                } else if (g_str_equal(k, "since")) {
                        has_since = parse_i64(v, &e->since_usec);
                } else if (g_str_equal(k, "lease-until")) {
                        has_lease = parse_i64(v, &e->lease_until_usec);
                } else if (g_str_equal(k, "owner-uuid")) {
                        e->owner_uuid = unescape(v);
                        if (!e->owner_uuid || !g_uuid_string_is_valid(e->owner_uuid)) {
                                *why = "bad owner-uuid";
                                goto fail;
                        }
                } else if (g_str_equal(k, "owner-name")) {
                        if (!(e->owner_name = unescape(v))) {
                                *why = "bad owner-name";
                                goto fail;
                        }
                } else if (g_str_equal(k, "reason")) {
                        if (!(e->reason = unescape(v))) {
                                *why = "bad reason";
                                goto fail;
                        }
                } else {
                        *why = "unknown field";
                        goto fail;
                }
        }
        if (!has_state || e->state < 0 || e->state == VF_STATE_FREE) {
                *why = "missing or bad state";
                goto fail;
        }
        if (!has_since) {
                *why = "missing or bad since";
                goto fail;
        }
        if (e->state == VF_STATE_QUARANTINED) {
                if (e->owner_uuid || !e->reason) {
                        *why = "quarantined record with an owner or without a reason";
                        goto fail;
                }
        } else if (!e->owner_uuid || e->reason) {
                *why = "owned record without an owner or with a reason";
                goto fail;
        }
        if ((e->state == VF_STATE_RESERVED) != has_lease) {
                *why = "lease-until present on a state that has none, or missing";
                goto fail;
        }
        return e;
fail:
        pool_entry_free(e);
        return NULL;
}

static void parse_record(ParseState *st, guint lineno, char *line, gsize len)
{
        g_auto(GStrv) tok = NULL;
        const char *sum_at, *why = NULL;
        g_autofree char *sum = NULL;
        PoolEntry *e;
        guint count;

        sum_at = g_strrstr(line, " sum=");
        if (!sum_at || strlen(sum_at + 5) != SUM_HEX_LEN) {
                add_reason(st, g_strdup_printf("line %u: record without a checksum", lineno));
                scan_addresses(st, line, len);
                return;
        }
        sum = record_sum(line, (gsize) (sum_at - line));
        if (strcmp(sum, sum_at + 5) != 0) {
                add_reason(st, g_strdup_printf("line %u: checksum mismatch", lineno));
                scan_addresses(st, line, len);
                return;
        }
        line[sum_at - line] = '\0';
        tok = g_strsplit(line, " ", -1);
        if (g_strv_length(tok) < 2 || !(e = parse_fields(tok, &why))) {
                add_reason(st, g_strdup_printf("line %u: %s", lineno,
                                               why ? why : "record too short"));
                scan_addresses(st, line, strlen(line));
                return;
        }
        count = GPOINTER_TO_UINT(g_hash_table_lookup(st->seen, e->address)) + 1;
        g_hash_table_replace(st->seen, g_strdup(e->address), GUINT_TO_POINTER(count));
        if (count > 1) {
                /* Two records for one VF: neither can be believed. The
                 * first is dropped at the end, when untrusted wins. */
                add_reason(st, g_strdup_printf("line %u: second record for %s",
                                               lineno, e->address));
                g_hash_table_add(st->untrusted, g_strdup(e->address));
                pool_entry_free(e);
                return;
        }
        pool_put_entry(st->pool, e);
}

static gboolean parse_header(const char *line, int *version)
{
        const char *p;
        gint64 v;

        if (!g_str_has_prefix(line, JOURNAL_MAGIC " "))
                return FALSE;
        p = line + strlen(JOURNAL_MAGIC " ");
        if (!g_ascii_string_to_signed(p, 10, 0, G_MAXINT, &v, NULL))
                return FALSE;
        *version = (int) v;
        return TRUE;
}

static gint str_ptr_cmp(gconstpointer a, gconstpointer b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

Pool *pool_parse(const char *text, gsize len, GPtrArray **untrusted,
                 gboolean *damaged, char **damage_reason)
{
        ParseState st = {
                .pool = pool_new(),
                .untrusted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                .seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                .reasons = g_ptr_array_new_with_free_func(g_free),
        };
        g_autofree char *copy = g_strndup(text ? text : "", text ? len : 0);
        gsize clen = text ? len : 0;
        gboolean header_ok = FALSE, end_seen = FALSE;
        guint n_records = 0, lineno = 0;
        gsize pos = 0;
        GHashTableIter it;
        gpointer key;
        GPtrArray *unt;

        /* g_strndup stops at a NUL: a NUL inside the text is damage. */
        if (strlen(copy) != clen) {
                add_reason(&st, g_strdup("file contains NUL bytes"));
                clen = strlen(copy);
                scan_addresses(&st, text, len);
        }

        if (clen == 0)
                add_reason(&st, g_strdup("file is empty"));

        while (pos < clen) {
                char *line = copy + pos;
                char *nl = memchr(line, '\n', clen - pos);
                gsize llen;
                int version;

                if (!nl) {
                        add_reason(&st, g_strdup_printf("line %u: cut off (no newline)",
                                                        lineno + 1));
                        llen = clen - pos;
                        pos = clen;
                } else {
                        *nl = '\0';
                        llen = (gsize) (nl - line);
                        pos += llen + 1;
                }
                lineno++;

                if (lineno == 1) {
                        if (!parse_header(line, &version)) {
                                add_reason(&st, g_strdup("no journal header: not a vfmig journal"));
                        } else if (version != JOURNAL_VERSION) {
                                add_reason(&st, g_strdup_printf(
                                        "journal version %d, this agent reads version %d",
                                        version, JOURNAL_VERSION));
                        } else {
                                header_ok = TRUE;
                                continue;
                        }
                        /* Nothing in it can be trusted: everything that looks
                         * like an address is quarantined. */
                        scan_addresses(&st, text, len);
                        break;
                }

                if (end_seen) {
                        add_reason(&st, g_strdup_printf("line %u: text after the end line",
                                                        lineno));
                        scan_addresses(&st, line, llen);
                        continue;
                }
                if (!nl) {
                        /* The checksum may even hold on a cut line if the cut
                         * fell at a field boundary; it is still incomplete. */
                        scan_addresses(&st, line, llen);
                        continue;
                }
                if (g_str_has_prefix(line, "vf ")) {
                        n_records++;
                        parse_record(&st, lineno, line, llen);
                } else if (g_str_has_prefix(line, "end ")) {
                        guint64 n;
                        end_seen = TRUE;
                        if (!g_ascii_string_to_unsigned(line + 4, 10, 0, G_MAXUINT, &n, NULL))
                                add_reason(&st, g_strdup_printf("line %u: bad end line", lineno));
                        else if (n != n_records)
                                add_reason(&st, g_strdup_printf(
                                        "end line counts %" G_GUINT64_FORMAT
                                        " records, found %u: records are missing or extra",
                                        n, n_records));
                } else {
                        add_reason(&st, g_strdup_printf("line %u: not a record", lineno));
                        scan_addresses(&st, line, llen);
                }
        }
        if (header_ok && !end_seen)
                add_reason(&st, g_strdup("no end line: the file is truncated"));

        /* Untrusted wins: a VF that also has a good record elsewhere in the
         * file is not handed to that record's owner. */
        g_hash_table_iter_init(&it, st.untrusted);
        while (g_hash_table_iter_next(&it, &key, NULL))
                pool_forget(st.pool, key);

        unt = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_iter_init(&it, st.untrusted);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(unt, g_strdup(key));
        g_ptr_array_sort(unt, str_ptr_cmp);

        if (damaged)
                *damaged = st.n_reasons > 0;
        if (damage_reason) {
                g_autoptr(GString) r = g_string_new(NULL);
                for (guint i = 0; i < st.reasons->len; i++) {
                        if (i)
                                g_string_append(r, "; ");
                        g_string_append(r, g_ptr_array_index(st.reasons, i));
                }
                if (st.n_reasons > st.reasons->len)
                        g_string_append_printf(r, "; and %u more problems",
                                               st.n_reasons - st.reasons->len);
                *damage_reason = st.n_reasons ? g_strdup(r->str) : NULL;
        }
        if (untrusted)
                *untrusted = unt;
        else
                g_ptr_array_unref(unt);

        g_hash_table_unref(st.untrusted);
        g_hash_table_unref(st.seen);
        g_ptr_array_unref(st.reasons);
        return st.pool;
}
