# shellcheck shell=sh disable=SC3043,SC2086,SC2046
# (busybox ash has "local"; PCI addresses need no quoting.)
# Sourced by guest-init.sh: the vfmig_virtio_pci + vfmig_sim setup, as
# docs/kmod-interface.md describes it.  Uses PF, VFS, fail(), bind().
SIM=/sys/kernel/debug/vfmig_sim

driver_setup() {
	# A short command timeout keeps the injected "slow" fault quick.
	modprobe vfmig_virtio_pci || fail "modprobe vfmig_virtio_pci"
	modprobe vfmig_sim pf=$PF cmd_timeout_ms=300 || fail "modprobe vfmig_sim pf=$PF"
	[ -d $SIM/$(echo $VFS | cut -d' ' -f1) ] || fail "simulator has no folder for the VFs"
	# VFs 4 and 5 (if present) are virtio-blk, the others virtio-net; the
	# type is set before binding because it is fixed while bound.
	local n=0
	for vf in $VFS; do
		if [ $n -ge 3 ] && [ $n -le 4 ]; then
			echo blk > $SIM/$vf/type || fail "set $vf type blk"
		fi
		# VF 7 (G): a transitional net VF with legacy I/O.
		if [ $n = 6 ]; then
			echo 1 > $SIM/$vf/legacy_io || fail "set $vf legacy_io"
		fi
		bind $vf vfmig_virtio_pci
		n=$((n + 1))
	done
}

driver_teardown() {
	local trc=0
	for vf in $VFS; do
		d=/sys/bus/pci/devices/$vf/driver
		[ -e $d ] && { echo $vf > $d/unbind || trc=1; }
	done
	if grep -q '^vfmig_sim ' /proc/modules; then
		rmmod vfmig_sim || { echo "vmtest-rig: rmmod vfmig_sim failed" > /dev/kmsg; trc=1; }
	fi
	if grep -q '^vfmig_virtio_pci ' /proc/modules; then
		rmmod vfmig_virtio_pci || { echo "vmtest-rig: rmmod vfmig_virtio_pci failed" > /dev/kmsg; trc=1; }
	fi
	return $trc
}
