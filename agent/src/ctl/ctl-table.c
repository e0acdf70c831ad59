/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-table.h"

#include <stdarg.h>
#include <string.h>

struct CtlTable {
        guint n_columns;
        GPtrArray *rows;  /* char** (n_columns cells), owned; header first if any */
        gboolean has_header;
        CtlAlign *align;
        char *empty_cell;
};

static const char *const align_names[_CTL_ALIGN_MAX] = {
        [CTL_ALIGN_LEFT] = "left",
        [CTL_ALIGN_RIGHT] = "right",
};

const char *ctl_align_to_string(CtlAlign a)
{
        if (a < 0 || a >= _CTL_ALIGN_MAX)
                return NULL;
        return align_names[a];
}

CtlAlign ctl_align_from_string(const char *s)
{
        for (int i = 0; s && i < _CTL_ALIGN_MAX; i++)
                if (g_str_equal(align_names[i], s))
                        return i;
        return _CTL_ALIGN_INVALID;
}

static void strv_free(gpointer p)
{
        g_strfreev(p);
}

CtlTable *ctl_table_new(guint n_columns, const char *const *headers)
{
        CtlTable *t;

        g_return_val_if_fail(n_columns > 0, NULL);
        t = g_new0(CtlTable, 1);
        t->n_columns = n_columns;
        t->rows = g_ptr_array_new_with_free_func(strv_free);
        t->align = g_new0(CtlAlign, n_columns);
        t->empty_cell = g_strdup("-");
        if (headers) {
                g_return_val_if_fail(g_strv_length((char **) headers) == n_columns, t);
                g_ptr_array_add(t->rows, g_strdupv((char **) headers));
                t->has_header = TRUE;
        }
        return t;
}

void ctl_table_free(CtlTable *t)
{
        if (!t)
                return;
        g_ptr_array_unref(t->rows);
        g_free(t->align);
        g_free(t->empty_cell);
        g_free(t);
}

void ctl_table_set_align(CtlTable *t, guint column, CtlAlign align)
{
        g_return_if_fail(column < t->n_columns);
        g_return_if_fail(align >= 0 && align < _CTL_ALIGN_MAX);
        t->align[column] = align;
}

void ctl_table_set_empty(CtlTable *t, const char *empty_cell)
{
        g_free(t->empty_cell);
        t->empty_cell = g_strdup(empty_cell ? empty_cell : "");
}

/* One line per row: control characters would break the alignment. */
static char *sanitize_cell(const char *s)
{
        char *c = g_strdup(s);

        for (char *p = c; *p; p++)
                if ((guchar) *p < 0x20 || *p == 0x7f)
                        *p = ' ';
        return c;
}

void ctl_table_add_row(CtlTable *t, const char *const *cells)
{
        char **row = g_new0(char *, t->n_columns + 1);

        for (guint i = 0; i < t->n_columns; i++)
                row[i] = sanitize_cell(cells[i] ? cells[i] : "");
        g_ptr_array_add(t->rows, row);
}

void ctl_table_add(CtlTable *t, ...)
{
        g_autofree const char **cells = g_new0(const char *, t->n_columns);
        va_list ap;

        va_start(ap, t);
        for (guint i = 0; i < t->n_columns; i++)
                cells[i] = va_arg(ap, const char *);
        va_end(ap);
        ctl_table_add_row(t, cells);
}

guint ctl_table_n_rows(const CtlTable *t)
{
        return t->rows->len - (t->has_header ? 1 : 0);
}

static gsize display_width(const char *s)
{
        if (g_utf8_validate(s, -1, NULL))
                return g_utf8_strlen(s, -1);
        return strlen(s);
}

static const char *cell_text(const CtlTable *t, char **row, guint col)
{
        /* Empty cells are stored as "" so the row stays a plain strv. */
        return *row[col] ? row[col] : t->empty_cell;
}

char *ctl_table_format(const CtlTable *t)
{
        g_autofree gsize *width = g_new0(gsize, t->n_columns);
        GString *out = g_string_new(NULL);

        for (guint r = 0; r < t->rows->len; r++) {
                char **row = t->rows->pdata[r];

                for (guint c = 0; c < t->n_columns; c++)
                        width[c] = MAX(width[c], display_width(cell_text(t, row, c)));
        }

        for (guint r = 0; r < t->rows->len; r++) {
                char **row = t->rows->pdata[r];
                gsize line_start = out->len;

                for (guint c = 0; c < t->n_columns; c++) {
                        const char *s = cell_text(t, row, c);
                        gsize pad = width[c] - display_width(s);
                        gboolean last = c + 1 == t->n_columns;

                        if (c > 0)
                                g_string_append(out, "  ");
                        if (t->align[c] == CTL_ALIGN_RIGHT)
                                for (gsize i = 0; i < pad; i++)
                                        g_string_append_c(out, ' ');
                        g_string_append(out, s);
                        if (t->align[c] == CTL_ALIGN_LEFT && !last)
                                for (gsize i = 0; i < pad; i++)
                                        g_string_append_c(out, ' ');
                }
                /* An empty last cell would leave the separator dangling. */
                while (out->len > line_start && out->str[out->len - 1] == ' ')
                        g_string_truncate(out, out->len - 1);
                g_string_append_c(out, '\n');
        }
        return g_string_free(out, FALSE);
}
