// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text form of a simulated device state. Own small number parser so the
 * same code runs in the kernel and in userspace.
 */
#include "vfmig_state_text.h"
#include "vfmig_crc32c.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdio.h>
#endif

static int vfmig_parse_u64(const char *s, size_t n, u64 max, u64 *out)
{
	u64 v = 0;
	unsigned int base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= n)
		return -EINVAL;
	for (; i < n; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		if (d > max || v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int vfmig_parse_mac(const char *s, size_t n, u8 *mac)
{
	u8 out[6];
	size_t i;

	if (n != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		char tmp[4] = { '0', 'x', s[i * 3], s[i * 3 + 1] };
		u64 b;

		if (i < 5 && s[i * 3 + 2] != ':')
			return -EINVAL;
		if (vfmig_parse_u64(tmp, sizeof(tmp), 0xff, &b))
			return -EINVAL;
		out[i] = (u8)b;
	}
	memcpy(mac, out, sizeof(out));
	return 0;
}

/* qN=size,msix,enable,desc,driver,device */
static int vfmig_parse_vq(const char *s, size_t n, struct vfmig_vq_state *q)
{
	static const u64 max[6] = { 0xffff, 0xffff, 1, ~0ull, ~0ull, ~0ull };
	u64 v[6];
	size_t start = 0, i, f = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		if (f >= 6 || vfmig_parse_u64(s + start, i - start, max[f], &v[f]))
			return -EINVAL;
		f++;
		start = i + 1;
	}
	if (f != 6)
		return -EINVAL;
	q->size = (u16)v[0];
	q->msix = (u16)v[1];
	q->enable = (u16)v[2];
	q->desc = v[3];
	q->driver = v[4];
	q->device = v[5];
	return 0;
}

static bool vfmig_key_is(const char *k, size_t kn, const char *name)
{
	return strlen(name) == kn && !memcmp(k, name, kn);
}

/* Plain numeric keys: name, field, largest value, device type (0 = any) */
struct vfmig_num_key {
	const char *name;
	size_t offset;
	u8 size;
	u64 max;
	u16 only;
};

#define VFMIG_KEY(n, f, m, t) \
	{ n, offsetof(struct vfmig_dev_state, f), \
	  sizeof(((struct vfmig_dev_state *)0)->f), m, t }

static const struct vfmig_num_key vfmig_num_keys[] = {
	VFMIG_KEY("device_features", device_features, ~0ull, 0),
	VFMIG_KEY("driver_features", driver_features, ~0ull, 0),
	VFMIG_KEY("status", status, 0xff, 0),
	VFMIG_KEY("msix_config", msix_config, 0xffff, 0),
	VFMIG_KEY("net_status", net_status, 0xffff, VFMIG_VIRTIO_ID_NET),
	VFMIG_KEY("max_virtqueue_pairs", max_pairs, 0xffff, VFMIG_VIRTIO_ID_NET),
	VFMIG_KEY("mtu", mtu, 0xffff, VFMIG_VIRTIO_ID_NET),
	VFMIG_KEY("capacity", capacity, ~0ull, VFMIG_VIRTIO_ID_BLOCK),
	VFMIG_KEY("blk_size", blk_size, 0xffffffffull, VFMIG_VIRTIO_ID_BLOCK),
	VFMIG_KEY("num_queues_blk", blk_num_queues, 0xffff, VFMIG_VIRTIO_ID_BLOCK),
};

static void vfmig_store(struct vfmig_dev_state *st,
			const struct vfmig_num_key *nk, u64 x)
{
	u8 *f = (u8 *)st + nk->offset;

	switch (nk->size) {
	case 1:
		*f = (u8)x;
		break;
	case 2:
		*(u16 *)f = (u16)x;
		break;
	case 4:
		*(u32 *)f = (u32)x;
		break;
	default:
		*(u64 *)f = x;
		break;
	}
}

static int vfmig_apply(struct vfmig_dev_state *st, const char *k, size_t kn,
		       const char *v, size_t vn, bool *blob_changed)
{
	bool net = st->type == VFMIG_VIRTIO_ID_NET;
	size_t i;
	u64 x;

	if (kn == 2 && k[0] == 'q' && k[1] >= '0' && k[1] <= '9')
		return k[1] - '0' < st->num_queues ?
			vfmig_parse_vq(v, vn, &st->vq[k[1] - '0']) : -EINVAL;
	if (kn == 3 && k[0] == 'q' && k[1] == '1' && k[2] >= '0' && k[2] <= '5')
		return 10 + k[2] - '0' < st->num_queues ?
			vfmig_parse_vq(v, vn, &st->vq[10 + k[2] - '0']) : -EINVAL;
	if (net && vfmig_key_is(k, kn, "mac"))
		return vfmig_parse_mac(v, vn, st->mac);

	for (i = 0; i < ARRAY_SIZE(vfmig_num_keys); i++) {
		const struct vfmig_num_key *nk = &vfmig_num_keys[i];

		if ((nk->only && nk->only != st->type) ||
		    !vfmig_key_is(k, kn, nk->name))
			continue;
		if (vfmig_parse_u64(v, vn, nk->max, &x))
			return -EINVAL;
		vfmig_store(st, nk, x);
		return 0;
	}

	if (vfmig_key_is(k, kn, "num_queues")) {
		if (vfmig_parse_u64(v, vn, VFMIG_MAX_VQS, &x) || !x)
			return -EINVAL;
		st->num_queues = (u16)x;
		return 0;
	}
	if (vfmig_key_is(k, kn, "blob_size")) {
		if (vfmig_parse_u64(v, vn, VFMIG_MAX_BLOB, &x))
			return -EINVAL;
		*blob_changed |= st->blob_size != x;
		st->blob_size = (u32)x;
		return 0;
	}
	if (vfmig_key_is(k, kn, "blob_seed")) {
		if (vfmig_parse_u64(v, vn, 0xffffffffull, &x))
			return -EINVAL;
		*blob_changed |= st->blob_seed != x;
		st->blob_seed = (u32)x;
		return 0;
	}
	return -EINVAL;
}

int vfmig_state_parse(struct vfmig_dev_state *st, const char *text,
		      size_t len)
{
	struct vfmig_dev_state tmp = *st;
	bool blob_changed = false;
	size_t i = 0;
	int ret = 0;

	while (i < len && !ret) {
		size_t ks, ke, vs, ve;

		while (i < len && (text[i] == ' ' || text[i] == '\n' ||
				   text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i >= len || !text[i])
			break;
		ks = i;
		while (i < len && text[i] != '=' && text[i] != ' ' &&
		       text[i] != '\n' && text[i])
			i++;
		ke = i;
		if (i >= len || text[i] != '=')
			return -EINVAL;
		vs = ++i;
		while (i < len && text[i] != ' ' && text[i] != '\n' &&
		       text[i] != '\t' && text[i] != '\r' && text[i])
			i++;
		ve = i;
		ret = vfmig_apply(&tmp, text + ks, ke - ks, text + vs, ve - vs,
				  &blob_changed);
	}
	if (ret)
		return ret;
	if (blob_changed) {
		tmp.blob = NULL;
		if (tmp.blob_size) {
			tmp.blob = vfmig_zalloc(tmp.blob_size);
			if (!tmp.blob)
				return -ENOMEM;
			vfmig_blob_fill(tmp.blob, tmp.blob_size, tmp.blob_seed);
		}
		vfmig_free(st->blob);
	}
	*st = tmp;
	return 0;
}

#define VFMIG_OUT(...)							\
	do {								\
		int n_ = snprintf(buf + pos, pos < cap ? cap - pos : 0,	\
				  __VA_ARGS__);				\
		if (n_ > 0)						\
			pos += (size_t)n_;				\
	} while (0)

size_t vfmig_state_format(const struct vfmig_dev_state *st, char *buf,
			  size_t cap)
{
	size_t pos = 0;
	u16 i;

	VFMIG_OUT("device_features=0x%016llx\n",
		  (unsigned long long)st->device_features);
	VFMIG_OUT("driver_features=0x%016llx\n",
		  (unsigned long long)st->driver_features);
	VFMIG_OUT("status=0x%02x\n", st->status);
	VFMIG_OUT("msix_config=0x%04x\n", st->msix_config);
	VFMIG_OUT("num_queues=%u\n", st->num_queues);
	for (i = 0; i < st->num_queues; i++) {
		const struct vfmig_vq_state *q = &st->vq[i];

		VFMIG_OUT("q%u=%u,0x%04x,%u,0x%016llx,0x%016llx,0x%016llx\n",
			  i, q->size, q->msix, q->enable,
			  (unsigned long long)q->desc,
			  (unsigned long long)q->driver,
			  (unsigned long long)q->device);
	}
	if (st->type == VFMIG_VIRTIO_ID_NET) {
		VFMIG_OUT("mac=%02x:%02x:%02x:%02x:%02x:%02x\n",
			  st->mac[0], st->mac[1], st->mac[2],
			  st->mac[3], st->mac[4], st->mac[5]);
		VFMIG_OUT("net_status=0x%04x\n", st->net_status);
		VFMIG_OUT("max_virtqueue_pairs=%u\n", st->max_pairs);
		VFMIG_OUT("mtu=%u\n", st->mtu);
	} else {
		VFMIG_OUT("capacity=0x%016llx\n",
			  (unsigned long long)st->capacity);
		VFMIG_OUT("blk_size=%u\n", st->blk_size);
		VFMIG_OUT("num_queues_blk=%u\n", st->blk_num_queues);
	}
	VFMIG_OUT("blob_size=%u\n", st->blob_size);
	VFMIG_OUT("blob_seed=%u\n", st->blob_seed);
	VFMIG_OUT("blob_crc=0x%08x\n",
		  st->blob_size ? vfmig_crc32c(0, st->blob, st->blob_size) : 0);
	if (cap && pos >= cap)
		pos = cap - 1;
	return pos;
}
