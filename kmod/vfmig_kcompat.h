/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Newer kernel helpers the code uses, for the older kernels it builds on. */
#ifndef VFMIG_KCOMPAT_H
#define VFMIG_KCOMPAT_H

#include <linux/slab.h>

#ifndef kzalloc_obj
/* 7.0 added typed allocation helpers; the same shape for 6.12 */
#define kzalloc_obj(P, GFP)	kzalloc(sizeof(P), (GFP))
#endif

#endif /* VFMIG_KCOMPAT_H */
