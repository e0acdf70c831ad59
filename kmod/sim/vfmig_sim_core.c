// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The portable core, built a second time into the simulator: an object
 * file can belong to one module only, and the simulator must not depend
 * on the driver for anything but the provider API.
 */
#include "../core/vfmig_crc32c.c"
#include "../core/vfmig_parts.c"
#include "../core/vfmig_state_text.c"
