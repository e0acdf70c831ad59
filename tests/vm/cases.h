/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM test program's case groups and what they are given. */
#ifndef VFMIG_VM_CASES_H
#define VFMIG_VM_CASES_H

#define VMT_MAX_VFS 8

struct vmt_env {
	/* PCI addresses of the VFs bound to the driver under test. */
	const char *vf[VMT_MAX_VFS];
	int nvf;
	/* PCI address of their PF (the one the simulator serves). */
	const char *pf;
};

/*
 * VF roles in driver mode (guest-driver-setup.sh): vf[0] A, vf[1] B and
 * vf[2] C are virtio-net, vf[3] D and vf[4] E virtio-blk, the last one F
 * (net) is unbound by the teardown case.  Needs 6 VFs; a 7th one (G, net
 * with legacy I/O) adds the legacy BAR0 case.
 */
#define VMT_DRIVER_VFS 6

void cases_smoke(const struct vmt_env *env);
void cases_state(const struct vmt_env *env);
void cases_data(const struct vmt_env *env);
void cases_bad_streams(const struct vmt_env *env);
void cases_faults(const struct vmt_env *env);
void cases_legacy(const struct vmt_env *env);
void cases_misc(const struct vmt_env *env);

#endif
