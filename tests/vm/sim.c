// SPDX-License-Identifier: GPL-2.0-or-later
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-util.h"

#define SIM_DIR "/sys/kernel/debug/vfmig_sim"

static void sim_path(char *path, size_t len, const char *vf, const char *file)
{
	snprintf(path, len, SIM_DIR "/%s/%s", vf, file);
}

int sim_state_get(const char *vf, char *buf, size_t len)
{
	char path[256];

	sim_path(path, sizeof(path), vf, "state");
	return vmt_file_read(path, buf, len);
}

int sim_state_set(const char *vf, const char *text)
{
	char path[256];

	sim_path(path, sizeof(path), vf, "state");
	return vmt_file_write(path, text);
}

/* Finds "key=value" as a whole line (or space separated) in text. */
static int kv_find(const char *text, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (*p) {
		p += strspn(p, " \n");
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = strcspn(p + kl + 1, " \n");

			if (vl >= len)
				return -ENOSPC;
			memcpy(out, p + kl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		p += strcspn(p, " \n");
	}
	return -ENOENT;
}

int sim_state_key(const char *vf, const char *key, char *out, size_t len)
{
	char buf[SIM_STATE_MAX];
	int ret = sim_state_get(vf, buf, sizeof(buf));

	return ret ? ret : kv_find(buf, key, out, len);
}

int sim_fault(const char *vf, const char *text)
{
	char path[256];

	sim_path(path, sizeof(path), vf, "fault");
	return vmt_file_write(path, text);
}

int sim_fault_clear(const char *vf)
{
	return sim_fault(vf, "clear");
}

int sim_key_u64(const char *vf, const char *file, const char *key,
		uint64_t *val)
{
	char path[256], buf[1024], v[32];
	int ret;

	sim_path(path, sizeof(path), vf, file);
	ret = vmt_file_read(path, buf, sizeof(buf));
	if (!ret)
		ret = kv_find(buf, key, v, sizeof(v));
	if (ret)
		return ret;
	*val = strtoull(v, NULL, 0);
	return 0;
}

int sim_stat(const char *vf, const char *key, uint64_t *val)
{
	return sim_key_u64(vf, "stats", key, val);
}

int sim_stats_reset(const char *vf)
{
	char path[256];

	sim_path(path, sizeof(path), vf, "stats");
	return vmt_file_write(path, "0");
}

int sim_running(const char *vf)
{
	char path[256], buf[32];
	int ret;

	sim_path(path, sizeof(path), vf, "mode");
	ret = vmt_file_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!strcmp(buf, "running"))
		return 1;
	if (!strcmp(buf, "stopped"))
		return 0;
	return -EINVAL;
}

int drv_attr(const char *vf, const char *name, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfmig/%s", vf,
		 name);
	return vmt_file_read(path, buf, len);
}

int drv_attr_s64(const char *vf, const char *name, int64_t *val)
{
	char buf[64], *end;
	int ret = drv_attr(vf, name, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoll(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}
