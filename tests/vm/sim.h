/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access to the simulator's debugfs (/sys/kernel/debug/vfmig_sim/<VF>/)
 * and the driver's per-VF sysfs folder (/sys/bus/pci/devices/<VF>/vfmig/),
 * as docs/kmod-interface.md §3 and §6 define them.
 */
#ifndef VFMIG_VM_SIM_H
#define VFMIG_VM_SIM_H

#include <stddef.h>
#include <stdint.h>

#define SIM_STATE_MAX 8192

int sim_state_get(const char *vf, char *buf, size_t len);
int sim_state_set(const char *vf, const char *text);
/* One key of the state text ("mac", "q0", ...). */
int sim_state_key(const char *vf, const char *key, char *out, size_t len);
int sim_fault(const char *vf, const char *text);
int sim_fault_clear(const char *vf);
/* A "key=value" number from one of the VF's debugfs files. */
int sim_key_u64(const char *vf, const char *file, const char *key,
		uint64_t *val);
/* One counter of the stats file ("cmds", "objs", ...). */
int sim_stat(const char *vf, const char *key, uint64_t *val);
int sim_stats_reset(const char *vf);
/* 1 running, 0 stopped, or -errno. */
int sim_running(const char *vf);

int drv_attr(const char *vf, const char *name, char *buf, size_t len);
int drv_attr_s64(const char *vf, const char *name, int64_t *val);

#endif
