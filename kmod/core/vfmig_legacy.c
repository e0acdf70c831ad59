// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The legacy header is 20 bytes, 24 with MSI-X enabled (two vector
 * registers); the device config follows it. The admin legacy commands take
 * the offset relative to the common header or to the device config.
 */
#include "vfmig_legacy.h"

int vfmig_legacy_decode(u32 off, u32 size, bool write, bool msix_enabled,
			struct vfmig_legacy_access *out)
{
	u32 hdr = msix_enabled ? VFMIG_LEGACY_HDR_LEN_MSIX : VFMIG_LEGACY_HDR_LEN;

	/*
	 * The admin commands take any length, so a 6-byte MAC read is one
	 * command; an access must only stay inside one area.
	 */
	if (!size || off >= VFMIG_LEGACY_BAR_SIZE ||
	    size > VFMIG_LEGACY_BAR_SIZE - off)
		return -EINVAL;
	if (off < hdr) {
		if (off + size > hdr)
			return -EINVAL;
		if (write && off == VFMIG_LEGACY_QUEUE_NOTIFY && size == 2) {
			out->area = VFMIG_LEGACY_NOTIFY;
			out->offset = 0;
			return 0;
		}
		out->area = VFMIG_LEGACY_COMMON;
		out->offset = (u8)off;
		return 0;
	}
	out->area = VFMIG_LEGACY_DEVICE;
	out->offset = (u8)(off - hdr);
	return 0;
}

static const char * const vfmig_legacy_area_names[VFMIG_LEGACY_AREA_MAX] = {
	[VFMIG_LEGACY_COMMON] = "common",
	[VFMIG_LEGACY_DEVICE] = "device",
	[VFMIG_LEGACY_NOTIFY] = "notify",
};

const char *vfmig_legacy_area_to_string(int a)
{
	if (a < 0 || a >= VFMIG_LEGACY_AREA_MAX)
		return NULL;
	return vfmig_legacy_area_names[a];
}

int vfmig_legacy_area_from_string(const char *s)
{
	int i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < VFMIG_LEGACY_AREA_MAX; i++)
		if (!strcmp(vfmig_legacy_area_names[i], s))
			return i;
	return -EINVAL;
}
