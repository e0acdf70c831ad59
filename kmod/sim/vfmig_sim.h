/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFMIG_SIM_H
#define VFMIG_SIM_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "../include/vfmig_provider.h"
#include "../vfmig_kcompat.h"
#include "../core/vfmig_parts.h"

/* Opcodes of the virtio admin commands the simulator implements. */
enum vfmig_sim_opcode {
	VFMIG_SIM_OP_LEGACY_COMMON_WRITE	= 0x2,
	VFMIG_SIM_OP_LEGACY_COMMON_READ		= 0x3,
	VFMIG_SIM_OP_LEGACY_DEV_WRITE		= 0x4,
	VFMIG_SIM_OP_LEGACY_DEV_READ		= 0x5,
	VFMIG_SIM_OP_NOTIFY_INFO		= 0x6,
	VFMIG_SIM_OP_OBJ_CREATE			= 0xa,
	VFMIG_SIM_OP_OBJ_DESTROY		= 0xd,
	VFMIG_SIM_OP_PARTS_METADATA_GET		= 0xe,
	VFMIG_SIM_OP_PARTS_GET			= 0xf,
	VFMIG_SIM_OP_PARTS_SET			= 0x10,
	VFMIG_SIM_OP_MODE_SET			= 0x11,
};

enum vfmig_sim_fault_kind {
	VFMIG_SIM_FAULT_NONE,
	VFMIG_SIM_FAULT_STATUS,
	VFMIG_SIM_FAULT_EAGAIN,
	VFMIG_SIM_FAULT_SHORT,
	VFMIG_SIM_FAULT_SLOW,
	VFMIG_SIM_FAULT_GROW,
	VFMIG_SIM_FAULT_MAX,
	VFMIG_SIM_FAULT_INVALID = -EINVAL,
};

struct vfmig_sim_fault {
	enum vfmig_sim_fault_kind kind;
	int opcode;		/* -1: any */
	int count;		/* -1: forever */
	u32 skip;
	u16 status;
	u16 qualifier;
	u32 delay_ms;
	u32 bytes;		/* grow: vendor blob growth */
	u32 hits;
};

#define VFMIG_SIM_MAX_OBJS	8
/* largest vendor blob a "grow" fault makes (the 4 MiB state limit) */
#define VFMIG_SIM_GROW_MAX	(4u << 20)

struct vfmig_sim_obj {
	u32 id;
	u8 op_type;
	bool used;
};

struct vfmig_sim_stats {
	u64 cmds;
	u64 cmds_stopped;
	u64 parts_get_bytes;
	u64 parts_set_bytes;
	u64 faults_hit;
};

struct vfmig_sim_pf;

struct vfmig_sim_vf {
	struct vfmig_sim_pf *pf;
	u32 index;
	char addr[16];
	struct dentry *dir;
	/* lock protects everything below: the device's state */
	struct mutex lock;
	bool legacy_io;
	bool dev_parts;
	bool stopped;
	struct vfmig_dev_state st;
	struct vfmig_sim_obj objs[VFMIG_SIM_MAX_OBJS];
	u32 next_obj_id;
	u16 legacy_qsel;
	struct vfmig_sim_fault fault;
	struct vfmig_sim_stats stats;
	u16 last_opcode;
	u16 last_status;
	u16 last_qualifier;
	u64 notifies;
	u16 last_notify;
};

struct vfmig_sim_pf {
	struct list_head node;
	struct pci_dev *pdev;
	char addr[16];
	struct dentry *dir;
	u32 nvfs;
	struct vfmig_sim_vf *vfs;
};

extern unsigned int vfmig_sim_obj_limit;
extern unsigned int vfmig_sim_cmd_timeout_ms;
extern const struct vfmig_admin_ops vfmig_sim_ops;

/* vfmig_sim_cmd.c */
int vfmig_sim_vf_init(struct vfmig_sim_vf *v, u16 type);
void vfmig_sim_vf_fini(struct vfmig_sim_vf *v);
bool vfmig_sim_vf_bound(struct vfmig_sim_vf *v);
int vfmig_sim_vf_bus(struct pci_dev *pf, u32 id);
const char *vfmig_sim_opcode_name(int op);
int vfmig_sim_opcode_from_name(const char *s);
const char *vfmig_sim_fault_kind_to_string(int k);
int vfmig_sim_fault_kind_from_string(const char *s);

/* vfmig_sim_debugfs.c */
int vfmig_sim_debugfs_init(void);
void vfmig_sim_debugfs_exit(void);
void vfmig_sim_debugfs_add_pf(struct vfmig_sim_pf *pf);
void vfmig_sim_debugfs_del_pf(struct vfmig_sim_pf *pf);

/* vfmig_sim_main.c */
int vfmig_sim_attach(const char *addr);
int vfmig_sim_detach(const char *addr);

#endif /* VFMIG_SIM_H */
