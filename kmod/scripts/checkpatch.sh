#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the kernel's checkpatch.pl (--no-tree) on every kmod source file.
# checkpatch.pl and its data files come from the kernel source package
# (/usr/src/linux-source-*.tar.xz), extracted once into a cache.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VFMIG_CACHE:-/var/cache/vfmig}/checkpatch
SRC=${VFMIG_KERNEL_SOURCE:-$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)}

if [ ! -x "$CACHE/checkpatch.pl" ]; then
	[ -n "$SRC" ] && [ -f "$SRC" ] || {
		echo "checkpatch: no /usr/src/linux-source-*.tar.xz (install linux-source-7.2)" >&2
		exit 77
	}
	top=$(tar -tJf "$SRC" | head -n 1 | cut -d/ -f1)
	mkdir -p "$CACHE"
	tar -xJf "$SRC" -C "$CACHE" --strip-components=2 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi

cd "$HERE"
files=$(find . -path ./generated -prune -o \( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' -print | sort)
# shellcheck disable=SC2086
"$CACHE/checkpatch.pl" --no-tree --quiet --show-types --max-line-length=100 -f $files
echo "checkpatch: clean ($(echo $files | wc -w) files)"
