// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bitwise CRC32C of our own (not the driver's table code), so crafted
 * streams check the driver against an independent implementation.
 */
#include "crc32c.h"

uint32_t vmt_crc32c(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = ~0u;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}
