/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* Writes all of buf, retrying short writes and EINTR: 0 or -errno. */
int io_write_all(int fd, const void *buf, size_t len);
