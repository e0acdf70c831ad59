/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <glib.h>

/*
 * Aligned text tables for people. Column widths are the widest cell of
 * each column (counted in characters for valid UTF-8, bytes otherwise),
 * so long fields widen their column instead of breaking the layout.
 * Columns are separated by two spaces; the last column is never padded,
 * so lines carry no trailing blanks. Newlines and tabs inside a cell are
 * shown as spaces: one row is always one line.
 */
typedef enum {
        CTL_ALIGN_LEFT,
        CTL_ALIGN_RIGHT,
        _CTL_ALIGN_MAX,
        _CTL_ALIGN_INVALID = -EINVAL,
} CtlAlign;

const char *ctl_align_to_string(CtlAlign a);  /* "left", "right" */
CtlAlign ctl_align_from_string(const char *s);

typedef struct CtlTable CtlTable;

/* headers: NULL-terminated column titles; NULL for a table without a header line. */
CtlTable *ctl_table_new(guint n_columns, const char *const *headers);
void ctl_table_free(CtlTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlTable, ctl_table_free)

void ctl_table_set_align(CtlTable *t, guint column, CtlAlign align);
/* Exactly n_columns cells; NULL or "" cells are printed as empty_cell. */
void ctl_table_add_row(CtlTable *t, const char *const *cells);
/* Varargs form of ctl_table_add_row: n_columns const char* arguments. */
void ctl_table_add(CtlTable *t, ...);
/* Printed in place of NULL/empty cells (default "-"). */
void ctl_table_set_empty(CtlTable *t, const char *empty_cell);

guint ctl_table_n_rows(const CtlTable *t);
/* The rendered table, one line per row, each ending in '\n'. */
char *ctl_table_format(const CtlTable *t);
