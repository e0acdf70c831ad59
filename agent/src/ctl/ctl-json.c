/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-json.h"

typedef enum {
        FRAME_OBJECT,
        FRAME_ARRAY,
} FrameKind;

typedef struct {
        FrameKind kind;
        guint n_items;
        gboolean key_pending; /* object: a key was written, its value is due */
} Frame;

struct CtlJson {
        GString *out;
        GArray *stack; /* Frame */
        gboolean pretty;
        gboolean done; /* the top-level value is complete */
};

CtlJson *ctl_json_new(gboolean pretty)
{
        CtlJson *j = g_new0(CtlJson, 1);

        j->out = g_string_new(NULL);
        j->stack = g_array_new(FALSE, FALSE, sizeof(Frame));
        j->pretty = pretty;
        return j;
}

void ctl_json_free(CtlJson *j)
{
        if (!j)
                return;
        g_string_free(j->out, TRUE);
        g_array_unref(j->stack);
        g_free(j);
}

static Frame *top(const CtlJson *j)
{
        if (j->stack->len == 0)
                return NULL;
        return &g_array_index(j->stack, Frame, j->stack->len - 1);
}

static void newline_indent(CtlJson *j, guint depth)
{
        if (!j->pretty)
                return;
        g_string_append_c(j->out, '\n');
        for (guint i = 0; i < depth; i++)
                g_string_append(j->out, "  ");
}

/* Separator and indentation before a value; FALSE if no value may go here. */
static gboolean before_value(CtlJson *j)
{
        Frame *f = top(j);

        if (!f) {
                g_return_val_if_fail(!j->done, FALSE);
                return TRUE;
        }
        if (f->kind == FRAME_OBJECT) {
                g_return_val_if_fail(f->key_pending, FALSE);
                f->key_pending = FALSE;
                f->n_items++;
                return TRUE;
        }
        if (f->n_items > 0)
                g_string_append_c(j->out, ',');
        newline_indent(j, j->stack->len);
        f->n_items++;
        return TRUE;
}

static void after_value(CtlJson *j)
{
        if (j->stack->len == 0) {
                j->done = TRUE;
                if (j->pretty)
                        g_string_append_c(j->out, '\n');
        }
}

static void begin(CtlJson *j, FrameKind kind)
{
        Frame f = { .kind = kind };

        if (!before_value(j))
                return;
        g_string_append_c(j->out, kind == FRAME_OBJECT ? '{' : '[');
        g_array_append_val(j->stack, f);
}

static void end(CtlJson *j, FrameKind kind)
{
        Frame *f = top(j);
        guint n;

        g_return_if_fail(f && f->kind == kind && !f->key_pending);
        n = f->n_items;
        g_array_set_size(j->stack, j->stack->len - 1);
        if (n > 0)
                newline_indent(j, j->stack->len);
        g_string_append_c(j->out, kind == FRAME_OBJECT ? '}' : ']');
        after_value(j);
}

void ctl_json_begin_object(CtlJson *j)
{
        begin(j, FRAME_OBJECT);
}

void ctl_json_end_object(CtlJson *j)
{
        end(j, FRAME_OBJECT);
}

void ctl_json_begin_array(CtlJson *j)
{
        begin(j, FRAME_ARRAY);
}

void ctl_json_end_array(CtlJson *j)
{
        end(j, FRAME_ARRAY);
}

void ctl_json_key(CtlJson *j, const char *key)
{
        Frame *f = top(j);

        g_return_if_fail(key);
        g_return_if_fail(f && f->kind == FRAME_OBJECT && !f->key_pending);
        if (f->n_items > 0)
                g_string_append_c(j->out, ',');
        newline_indent(j, j->stack->len);
        ctl_json_append_quoted(j->out, key);
        g_string_append(j->out, j->pretty ? ": " : ":");
        f->key_pending = TRUE;
}

void ctl_json_append_quoted(GString *out, const char *s)
{
        const char *p = s;

        g_string_append_c(out, '"');
        while (*p) {
                guchar c = (guchar) *p;
                gunichar u;

                if (c == '"' || c == '\\') {
                        g_string_append_c(out, '\\');
                        g_string_append_c(out, c);
                        p++;
                        continue;
                }
                if (c < 0x20) {
                        switch (c) {
                        case '\b': g_string_append(out, "\\b"); break;
                        case '\f': g_string_append(out, "\\f"); break;
                        case '\n': g_string_append(out, "\\n"); break;
                        case '\r': g_string_append(out, "\\r"); break;
                        case '\t': g_string_append(out, "\\t"); break;
                        default: g_string_append_printf(out, "\\u%04x", c); break;
                        }
                        p++;
                        continue;
                }
                if (c < 0x80) {
                        g_string_append_c(out, c);
                        p++;
                        continue;
                }
                /* Multi-byte: copy a valid sequence whole, replace a bad byte. */
                u = g_utf8_get_char_validated(p, -1);
                if (u == (gunichar) -1 || u == (gunichar) -2) {
                        g_string_append(out, "\\ufffd");
                        p++;
                        continue;
                }
                g_string_append_len(out, p, g_utf8_next_char(p) - p);
                p = g_utf8_next_char(p);
        }
        g_string_append_c(out, '"');
}

void ctl_json_string(CtlJson *j, const char *s)
{
        if (!s) {
                ctl_json_null(j);
                return;
        }
        if (!before_value(j))
                return;
        ctl_json_append_quoted(j->out, s);
        after_value(j);
}

void ctl_json_int(CtlJson *j, gint64 v)
{
        if (!before_value(j))
                return;
        g_string_append_printf(j->out, "%" G_GINT64_FORMAT, v);
        after_value(j);
}

void ctl_json_uint(CtlJson *j, guint64 v)
{
        if (!before_value(j))
                return;
        g_string_append_printf(j->out, "%" G_GUINT64_FORMAT, v);
        after_value(j);
}

void ctl_json_bool(CtlJson *j, gboolean v)
{
        if (!before_value(j))
                return;
        g_string_append(j->out, v ? "true" : "false");
        after_value(j);
}

void ctl_json_null(CtlJson *j)
{
        if (!before_value(j))
                return;
        g_string_append(j->out, "null");
        after_value(j);
}

void ctl_json_strv(CtlJson *j, const char *const *strv)
{
        ctl_json_begin_array(j);
        for (; strv && *strv; strv++)
                ctl_json_string(j, *strv);
        ctl_json_end_array(j);
}

gboolean ctl_json_is_complete(const CtlJson *j)
{
        return j->done && j->stack->len == 0;
}

const char *ctl_json_get(const CtlJson *j)
{
        return j->out->str;
}

char *ctl_json_steal(CtlJson *j)
{
        char *s = g_string_free(g_steal_pointer(&j->out), FALSE);

        g_array_unref(j->stack);
        g_free(j);
        return s;
}
