/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed corpus (tests/fuzz/corpus/stream/): valid streams and
 * one of each refused kind. Run by hand when the format changes:
 *   ninja -C <build> tests/fuzz/gen-corpus && <build>/tests/fuzz/gen-corpus tests/fuzz/corpus/stream
 * Each file starts with the split byte the fuzz target reads first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfmig_crc32c.h"
#include "vfmig_parts.h"
#include "vfmig_stream.h"

static size_t make(u8 *buf, u16 type, u32 blob, int gens)
{
	struct vfmig_dev_state st;
	struct vfmig_stream_info info = { .version_major = 1 };
	u8 parts[70000];
	size_t pos = 0;
	u32 records = 1;
	int n, g;

	vfmig_dev_state_init(&st, type, 1);
	if (blob) {
		st.blob_size = blob;
		st.blob = calloc(1, blob);
		vfmig_blob_fill(st.blob, blob, 5);
	}
	info.device_type = type;
	info.device_features = st.device_features;
	pos += vfmig_stream_put_header(buf, &info);
	pos += vfmig_stream_put_record(buf + pos, VFMIG_REC_INFO, VFMIG_REC_F_OPTIONAL,
				       NULL, 0, "seed", 4);
	for (g = 1; g <= gens; g++) {
		st.status = (u8)g;
		n = vfmig_parts_encode(&st, parts, sizeof(parts));
		pos += vfmig_stream_put_snapshot(buf + pos, g, parts, n);
		records += vfmig_stream_snapshot_records(n);
	}
	pos += vfmig_stream_put_trailer(buf + pos, gens, parts, n, records);
	vfmig_dev_state_clear(&st);
	return pos;
}

static void out(const char *dir, const char *name, u8 split, const u8 *b, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputc(split, f);
	fwrite(b, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	static u8 buf[400000];
	size_t n;

	if (argc != 2)
		return 2;
	n = make(buf, VFMIG_VIRTIO_ID_NET, 0, 1);
	out(argv[1], "net-valid", 255, buf, n);
	out(argv[1], "net-valid-split", 0, buf, n);
	n = make(buf, VFMIG_VIRTIO_ID_NET, 100, 2);
	out(argv[1], "net-two-generations", 3, buf, n);
	n = make(buf, VFMIG_VIRTIO_ID_NET, 66000, 1);
	out(argv[1], "net-two-chunks", 200, buf, n);
	n = make(buf, VFMIG_VIRTIO_ID_BLOCK, 0, 1);
	out(argv[1], "blk-wrong-type", 255, buf, n);
	n = make(buf, VFMIG_VIRTIO_ID_NET, 0, 1);
	out(argv[1], "net-truncated", 255, buf, n - 5);
	buf[60] ^= 4;
	out(argv[1], "net-bitflip", 255, buf, n);
	return 0;
}
