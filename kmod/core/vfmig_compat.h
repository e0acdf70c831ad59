/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lets the portable core build in the kernel and in userspace: the core only
 * uses the few types and helpers mapped here.
 */
#ifndef VFMIG_COMPAT_H
#define VFMIG_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/unaligned.h>

#define vfmig_zalloc(n)		kvzalloc((n), GFP_KERNEL)
#define vfmig_free(p)		kvfree(p)

#else /* userspace */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef EMEDIUMTYPE
#define EMEDIUMTYPE 124
#endif

#define vfmig_zalloc(n)		calloc(1, (n))
#define vfmig_free(p)		free(p)

static inline u16 get_unaligned_le16(const void *p)
{
	const u8 *b = p;

	return (u16)(b[0] | (b[1] << 8));
}

static inline u32 get_unaligned_le32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] | ((u32)b[1] << 8) | ((u32)b[2] << 16) |
	       ((u32)b[3] << 24);
}

static inline u64 get_unaligned_le64(const void *p)
{
	const u8 *b = p;

	return (u64)get_unaligned_le32(b) | ((u64)get_unaligned_le32(b + 4) << 32);
}

static inline void put_unaligned_le16(u16 v, void *p)
{
	u8 *b = p;

	b[0] = v & 0xff;
	b[1] = v >> 8;
}

static inline void put_unaligned_le32(u32 v, void *p)
{
	u8 *b = p;

	b[0] = v & 0xff;
	b[1] = (v >> 8) & 0xff;
	b[2] = (v >> 16) & 0xff;
	b[3] = v >> 24;
}

static inline void put_unaligned_le64(u64 v, void *p)
{
	put_unaligned_le32((u32)v, p);
	put_unaligned_le32((u32)(v >> 32), (u8 *)p + 4);
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif /* __KERNEL__ */

#endif /* VFMIG_COMPAT_H */
