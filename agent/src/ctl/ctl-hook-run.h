/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "ctl-args.h"

/*
 * `vfmigctl hook qemu|vdsm ...`: the libvirt qemu hook and the VDSM hooks.
 * Returns the process exit status in the caller's convention (libvirt:
 * 0 or 1; VDSM: 0, 1 or 2, see ctl-hook.h), having written stdout (the
 * rewritten XML for libvirt's "migrate begin") and stderr ("vfmig: ..."
 * lines) itself. vfmigctl(8), HOOKS, documents the behaviour.
 */
int ctl_hook_run(const CtlArgs *a);
