#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Compile test of the kmod against a 7.2 kernel tree, where the kernel's
# virtio admin device-parts helpers exist (so the real transport compiles)
# and vfio device ops need .get_region_info_caps.
#
# Prepares /var/cache/vfmig/linux-7.2 once from /usr/src/linux-source-7.2.tar.xz
# (defconfig + PCI_IOV, VFIO_PCI_CORE, VIRTIO_PCI, VIRTIO_PCI_ADMIN_LEGACY,
# then modules_prepare), then builds a copy of kmod/ with W=1 against it.
# Exit 77 (skip) when the source tarball is not installed.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VFMIG_CACHE:-/var/cache/vfmig}
TARBALL=${VFMIG_KERNEL_SOURCE:-/usr/src/linux-source-7.2.tar.xz}
TREE=$CACHE/linux-7.2
JOBS=$(nproc 2>/dev/null || echo 2)

[ -f "$TARBALL" ] || { echo "build-7.2: SKIP: no $TARBALL"; exit 77; }
mkdir -p "$CACHE"
exec 9> "$CACHE/.linux-7.2.lock"
flock 9

if [ ! -f "$TREE/.vfmig-prepared" ]; then
	t0=$(date +%s)
	if [ ! -f "$TREE/Makefile" ]; then
		rm -rf "$TREE" "$TREE.tmp"
		mkdir -p "$TREE.tmp"
		tar -xJf "$TARBALL" -C "$TREE.tmp" --strip-components=1
		mv "$TREE.tmp" "$TREE"
	fi
	cd "$TREE"
	make -s defconfig
	./scripts/config -e MODULES -e PCI -e PCI_IOV -e VFIO -e VFIO_PCI_CORE \
		-m VFIO_PCI -e VIRTIO_MENU -e VIRTIO -e VIRTIO_PCI \
		-e VIRTIO_PCI_ADMIN_LEGACY -e IOMMUFD -e DEBUG_FS \
		-d MODULE_SIG -d WERROR
	make -s olddefconfig
	for opt in VFIO_PCI_CORE VIRTIO_PCI VIRTIO_PCI_ADMIN_LEGACY PCI_IOV; do
		grep -q "^CONFIG_$opt=[ym]" .config ||
			{ echo "build-7.2: CONFIG_$opt did not stick"; exit 1; }
	done
	make -s -j"$JOBS" modules_prepare
	touch .vfmig-prepared
	echo "build-7.2: tree prepared in $(( $(date +%s) - t0 )) s"
fi

exec "$HERE/scripts/build-check.sh" "$TREE" --require-dev-parts
