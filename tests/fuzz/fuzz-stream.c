/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the migration stream parser (kmod/core): the input
 * is a stream as a destination would receive it through write(). The first
 * byte picks how the stream is cut into writes, so the incremental parser
 * sees every split; an accepted state is then decoded as device parts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vfmig_parts.h"
#include "vfmig_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfmig_parser p;
	struct vfmig_dev_state st;
	size_t piece, off = 0;
	u8 *blob;
	u32 len;
	int ret;

	if (!size)
		return 0;
	piece = (size_t)data[0] * 7 + 1;
	data++;
	size--;
	/* a small state limit keeps allocations cheap but is still exercised */
	if (vfmig_parser_init(&p, VFMIG_VIRTIO_ID_NET, ~0ull, 1u << 20))
		return 0;
	for (ret = 0; off < size && !ret; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		ret = vfmig_parser_feed(&p, data + off, n);
	}
	if (!ret && !vfmig_parser_take_state(&p, &blob, &len)) {
		vfmig_dev_state_init(&st, VFMIG_VIRTIO_ID_NET, 0);
		if (!vfmig_parts_decode(blob, len, &st))
			vfmig_dev_state_clear(&st);
		free(blob);
	}
	vfmig_parser_fini(&p);
	return 0;
}
