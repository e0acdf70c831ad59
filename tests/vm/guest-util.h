/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small guest-side helpers: sysfs/debugfs files and the kernel log. */
#ifndef VFMIG_VM_GUEST_UTIL_H
#define VFMIG_VM_GUEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole small file, NUL-terminated, trailing newline removed. */
int vmt_file_read(const char *path, char *buf, size_t len);
int vmt_file_write(const char *path, const char *text);
int vmt_file_read_u64(const char *path, uint64_t *val);

/*
 * A cursor into /dev/kmsg: vmt_kmsg_open() starts at the end of the log;
 * vmt_kmsg_find() reads the records logged since and reports whether one
 * contains every given substring (NULL-terminated list).  Matched records
 * are echoed as diagnostics.
 */
int vmt_kmsg_open(void);
int vmt_kmsg_find(int fd, const char *const *needles);
void vmt_kmsg_close(int fd);

#endif
