// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmtest: runs inside the QEMU guest (static, started by guest-init.sh).
 *
 *   vmtest smoke  PF VF...   rig self-test, VFs bound to vfio-pci
 *   vmtest driver PF VF...   vfmig_virtio_pci cases, VFs bound to it
 *
 * Prints TAP to stdout; exit 0 when every case passed.
 */
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "tap.h"

int main(int argc, char **argv)
{
	struct vmt_env env = { 0 };
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: vmtest smoke|driver PF VF VF...\n");
		return 2;
	}
	env.pf = argv[2];
	for (i = 3; i < argc && env.nvf < VMT_MAX_VFS; i++)
		env.vf[env.nvf++] = argv[i];

	tap_init();
	if (!strcmp(argv[1], "smoke")) {
		cases_smoke(&env);
	} else if (!strcmp(argv[1], "driver")) {
		if (env.nvf < VMT_DRIVER_VFS) {
			fprintf(stderr, "vmtest: driver mode needs %d VFs\n",
				VMT_DRIVER_VFS);
			return 2;
		}
		RUN_GROUP("migration flags and state arcs", cases_state(&env));
		cases_data(&env);
		cases_bad_streams(&env);
		cases_faults(&env);
		cases_legacy(&env);
		/* Last: unbinds the VFs and unloads the modules. */
		cases_misc(&env);
	} else {
		fprintf(stderr, "vmtest: unknown mode %s\n", argv[1]);
		return 2;
	}
	return tap_finish();
}
