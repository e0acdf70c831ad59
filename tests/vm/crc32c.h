/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFMIG_VM_CRC32C_H
#define VFMIG_VM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC32C (Castagnoli, reflected 0x82F63B78, init and final xor ~0). */
uint32_t vmt_crc32c(const void *buf, size_t len);

#endif
