#!/bin/bash
# Kernel rig: builds the kmod, the static guest programs and a busybox
# initramfs, boots Debian's 6.12 kernel in QEMU (TCG, q35, intel-iommu, igb
# PF whose VFs carry the simulated virtio devices), and judges the result.
#
#   run-vm.sh [--mode smoke|driver|bench] [--workdir DIR] [--logdir DIR]
#             [--timeout SECS] [--numvfs N] [--out FILE]
#             [--guest-args "vfmig.only=SUBSTRING vfmig.race_iter=N"]
#
# smoke:  VFs on plain vfio-pci (rig self-test, needs no kmod)
# driver: the vfmig_virtio_pci test cases (default)
# bench:  the kmod benchmark (bench/kmod/); --out receives its output
#
# Exit: 0 pass, 1 fail, 77 skip (no kernel image in the cache, no QEMU).
# The run fails when any case fails, the guest does not finish in time, or
# the guest console shows a kernel warning, BUG, oops, hung task or a
# refcount/leak report.  The console log is kept in --logdir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCROOT=$(cd "$HERE/../.." && pwd)
MODE=driver WORKDIR='' LOGDIR='' TIMEOUT=480 NUMVFS=7 OUTFILE='' EXTRA_CMDLINE=''
while [ $# -gt 0 ]; do
	case $1 in
	--mode) MODE=$2; shift 2 ;;
	--workdir) WORKDIR=$2; shift 2 ;;
	--logdir) LOGDIR=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--numvfs) NUMVFS=$2; shift 2 ;;
	--out) OUTFILE=$2; shift 2 ;;
	# e.g. --guest-args "vfmig.only=racing vfmig.race_iter=2000"
	--guest-args) EXTRA_CMDLINE=$2; shift 2 ;;
	*) echo "run-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
case $MODE in smoke|driver|bench) ;; *) echo "run-vm: bad mode $MODE" >&2; exit 2 ;; esac

log() { echo "run-vm: $*"; }
skip() { echo "run-vm: SKIP: $*"; exit 77; }

# --- what the rig needs ----------------------------------------------------
CACHE=${VFMIG_CACHE:-/var/cache/vfmig}
KLINK="$CACHE/kernel-6.12"
[ -e "$KLINK" ] || skip "no kernel image in $KLINK (run tools/install-deps)"
KVER=$(basename "$(readlink -f "$KLINK")"); KVER=${KVER#kernel-}
KROOT="$KLINK/root"
VMLINUZ="$KROOT/boot/vmlinuz-$KVER"
[ -f "$VMLINUZ" ] || skip "no $VMLINUZ (run tools/install-deps)"
QEMU=${QEMU:-$(command -v qemu-system-x86_64 || true)}
[ -n "$QEMU" ] || skip "qemu-system-x86_64 not installed (run tools/install-deps)"
KHDR=${VFMIG_KERNEL_BUILD_DIR:-/usr/src/linux-headers-$KVER}

WORKDIR=${WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/vfmig-vm.XXXXXX")}
LOGDIR=${LOGDIR:-$WORKDIR}
mkdir -p "$WORKDIR" "$LOGDIR"
CC=${VMTEST_CC:-gcc}
CFLAGS=(-static -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE)
t0=$(date +%s.%N)

# --- build -----------------------------------------------------------------
BINS=()
# Every C file in tests/vm belongs to the test program.
"$CC" "${CFLAGS[@]}" -I"$HERE" -o "$WORKDIR/vmtest" "$HERE"/*.c
BINS+=("$WORKDIR/vmtest")
EXTRA=()
if [ "$MODE" != smoke ]; then
	[ -d "$KHDR" ] || { echo "run-vm: FAIL: no kernel headers in $KHDR (run tools/install-deps)"; exit 1; }
	[ -f "$SRCROOT/kmod/Kbuild" ] || [ -f "$SRCROOT/kmod/Makefile" ] || {
		echo "run-vm: kmod/ has no Kbuild or Makefile"; exit 1; }
	# Build a copy, so the rig neither races with nor litters the source
	# tree.
	rm -rf "$WORKDIR/kmod"
	mkdir -p "$WORKDIR/kmod"
	(cd "$SRCROOT/kmod" && tar --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude='*.mod*' --exclude=generated \
		--exclude='Module.symvers' --exclude='modules.order' -cf - .) |
		tar -C "$WORKDIR/kmod" -xf -
	log "building kmod against $KHDR"
	if ! make -s -C "$WORKDIR/kmod" KDIR="$KHDR" > "$WORKDIR/kmod-build.log" 2>&1; then
		cat "$WORKDIR/kmod-build.log"
		echo "run-vm: kmod build failed"
		exit 1
	fi
	for ko in vfmig_virtio_pci vfmig_sim; do
		f=$(find "$WORKDIR/kmod" -name "$ko.ko" | head -n 1)
		[ -n "$f" ] || { echo "run-vm: $ko.ko was not built"; exit 1; }
		EXTRA+=(-x "$f")
	done
	if [ "$MODE" = bench ]; then
		"$CC" "${CFLAGS[@]}" -I"$HERE" -o "$WORKDIR/vfmig-bench" \
			"$SRCROOT/bench/kmod/vfmig-bench.c" "$HERE/vfio-util.c" \
			"$HERE/guest-util.c" "$HERE/tap.c" "$HERE/sim.c" "$HERE/mig.c"
		BINS+=("$WORKDIR/vfmig-bench")
	fi
fi
BINS+=("$HERE/guest-driver-setup.sh")
MODARGS=()
for m in vfio vfio_iommu_type1 vfio_pci_core vfio_pci igb; do MODARGS+=(-m "$m"); done
bargs=()
for b in "${BINS[@]}"; do bargs+=(-b "$b"); done
"$HERE/mkinitramfs.sh" -k "$KROOT" -v "$KVER" -i "$HERE/guest-init.sh" \
	-o "$WORKDIR/initramfs.cpio.gz" "${MODARGS[@]}" "${EXTRA[@]}" "${bargs[@]}"
t1=$(date +%s.%N)
log "built in $(echo "$t1 - $t0" | bc) s (kernel $KVER)"

# --- boot --------------------------------------------------------------------
# Two guest CPUs on single-threaded TCG.  With thread=multi (MTTCG) and two
# vCPUs, QEMU 10.0 was seen to stop delivering one vCPU's timer interrupts
# under the race case's FLR load: an RCU stall "timer wakeup didn't happen
# ... Possible timer handling issue on cpu=N" and a task stuck in msleep()
# in pcie_flr() forever (3 of 3 runs with 3000 racer iterations, 1 of ~8
# with 150).  thread=single or -smp 1 passed the same load.  VMTEST_SMP and
# VMTEST_TCG_THREAD override this.
# The guest's own limit for its program leaves time to dump task stacks.
LIMIT=$((TIMEOUT > 120 ? TIMEOUT - 60 : TIMEOUT * 3 / 4))
CONSOLE="$LOGDIR/vm-$MODE-console.log"
TAP="$WORKDIR/vm-$MODE-output.log"
rm -f "$CONSOLE" "$TAP"
log "booting; guest console log: $CONSOLE"
set +e
timeout -k 10 "$TIMEOUT" "$QEMU" \
	-accel "tcg,thread=${VMTEST_TCG_THREAD:-single}" -cpu max -M q35 \
	-smp "${VMTEST_SMP:-2}" -m 1024 \
	-device intel-iommu,intremap=on,caching-mode=on \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-device igb,bus=rp1 \
	-kernel "$VMLINUZ" -initrd "$WORKDIR/initramfs.cpio.gz" \
	-append "console=ttyS0 intel_iommu=on panic=-1 loglevel=7 vfmig.mode=$MODE vfmig.numvfs=$NUMVFS vfmig.limit=$LIMIT $EXTRA_CMDLINE" \
	-nographic -nodefaults -no-reboot -monitor none \
	-serial "file:$CONSOLE" -serial "file:$TAP" \
	> "$WORKDIR/qemu.log" 2>&1
qrc=$?
set -e
t2=$(date +%s.%N)
log "guest ran $(echo "$t2 - $t1" | bc) s (qemu exit $qrc)"

# --- judge -------------------------------------------------------------------
fail=0
touch "$TAP" "$CONSOLE"
# Guest output, without the serial line's carriage returns.
tr -d '\r' < "$TAP" > "$TAP.clean"
if [ "$MODE" = bench ] && [ -n "$OUTFILE" ]; then
	cp "$TAP.clean" "$OUTFILE"
fi
cat "$TAP.clean"
[ $qrc = 0 ] || [ $qrc = 124 ] || [ $qrc = 137 ] || cat "$WORKDIR/qemu.log"
"$HERE/judge.sh" "$MODE" "$TAP.clean" "$CONSOLE" "$qrc" "$TIMEOUT" || fail=1
log "guest console log: $CONSOLE"
if [ $fail != 0 ]; then
	echo "----- tail of the guest console log -----"
	tail -n 80 "$CONSOLE" | tr -d '\r'
	echo "-----------------------------------------"
	exit 1
fi
log "PASS ($(grep -c '^ok' "$TAP.clean") cases ok, $(echo "$t2 - $t0" | bc) s in all)"
