/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulator's debugfs "state" file: key=value lines
 * (docs/kmod-interface.md §6). In the core so the parser is unit tested.
 */
#ifndef VFMIG_STATE_TEXT_H
#define VFMIG_STATE_TEXT_H

#include "vfmig_parts.h"

/* Formats @st into @buf; returns the length (truncated to @cap - 1). */
size_t vfmig_state_format(const struct vfmig_dev_state *st, char *buf,
			  size_t cap);

/*
 * Applies the keys in @text (lines or spaces) to @st. All or nothing:
 * on error (-EINVAL, -ENOMEM) @st is unchanged.
 */
int vfmig_state_parse(struct vfmig_dev_state *st, const char *text,
		      size_t len);

#endif /* VFMIG_STATE_TEXT_H */
