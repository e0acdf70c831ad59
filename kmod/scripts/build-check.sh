#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds a copy of kmod/ with W=1 against a kernel tree and fails on any
# compiler warning.  usage: build-check.sh <KDIR> [--require-dev-parts]
# (a copy, so the objects of other builds in kmod/ are left alone)
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
KDIR=${1:-}
if [ -z "$KDIR" ]; then
	KDIR=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -n 1)
fi
[ -n "$KDIR" ] && [ -d "$KDIR" ] || { echo "build-check: SKIP: no kernel tree"; exit 77; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfmig-kmod-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
(cd "$HERE" && tar --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod*' --exclude=generated --exclude=Module.symvers \
	--exclude=modules.order -cf - .) | tar -C "$WORK" -xf -
t0=$(date +%s)
# A tree from modules_prepare has no Module.symvers: unresolved symbols at
# modpost time are expected there and only reported.
make -C "$WORK" KDIR="$KDIR" W=1 KBUILD_MODPOST_WARN=1 > "$WORK/build.log" 2>&1 || {
	cat "$WORK/build.log"; echo "build-check: FAIL ($KDIR)"; exit 1; }
grep HAVE "$WORK/generated/vfmig_conftest.h"
if grep -E "(warning|error):" "$WORK/build.log"; then
	echo "build-check: FAIL: compiler warnings ($KDIR)"
	exit 1
fi
if [ "${2:-}" = --require-dev-parts ] &&
   ! grep -q "VFMIG_HAVE_ADMIN_DEV_PARTS 1" "$WORK/generated/vfmig_conftest.h"; then
	echo "build-check: FAIL: device-parts helpers not detected in $KDIR"
	exit 1
fi
for ko in vfmig_virtio_pci vfmig_sim; do
	[ -f "$WORK/$ko.ko" ] || { echo "build-check: FAIL: no $ko.ko"; exit 1; }
done
echo "build-check: PASS, W=1 clean against $KDIR ($(( $(date +%s) - t0 )) s)"
