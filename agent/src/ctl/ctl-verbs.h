/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "ctl-args.h"

/*
 * Runs one parsed verb against the agent and appends its output to out.
 * Verbs that change state print nothing on success.
 */
gboolean ctl_verb_run(sd_bus *bus, const CtlArgs *a, GString *out, GError **error);
