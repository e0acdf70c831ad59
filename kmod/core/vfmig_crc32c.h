/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFMIG_CRC32C_H
#define VFMIG_CRC32C_H

#include "vfmig_compat.h"

/*
 * CRC32C (Castagnoli). Own implementation so the stream check is the same
 * in the kernel, in userspace tests and in the fuzzer, whatever crypto
 * modules the running kernel has.
 *
 * @crc: value returned by a previous call, or 0 to start.
 */
u32 vfmig_crc32c(u32 crc, const void *data, size_t len);

#endif /* VFMIG_CRC32C_H */
