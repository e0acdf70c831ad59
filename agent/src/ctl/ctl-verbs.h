/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "ctl-args.h"
#include "ctl-exit.h"

/*
 * Runs one parsed verb (not hook: see ctl-hook-run.h) and appends its
 * output to out. Connects to the bus only once local checks passed, so a
 * malformed input never needs an agent. Returns CTL_EXIT_SUCCESS, or the
 * exit code with *error set, or CTL_EXIT_NOT_COMPATIBLE from check with
 * out holding the per-device lines and no error. Verbs that change state
 * print nothing on success.
 */
CtlExit ctl_verb_run(const CtlArgs *a, GString *out, GError **error);
