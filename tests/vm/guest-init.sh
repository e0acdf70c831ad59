#!/bin/sh
# shellcheck shell=sh disable=SC3043,SC2086,SC2046,SC2013,SC1091
# (busybox ash has "local"; the words split here are PCI addresses and
# module names, never user input.)
# /init of the kernel rig's initramfs (busybox).  Kernel messages go to the
# first serial port (the console log); test output goes to the second one,
# which the host reads as TAP.  The kernel command line chooses the mode:
#   vfmig.mode=smoke   VFs on plain vfio-pci, rig self-test
#   vfmig.mode=driver  VFs on vfmig_virtio_pci with the simulator
#   vfmig.mode=bench   the same setup, then the kmod benchmark
# and vfmig.numvfs=N the number of igb VFs to create.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

OUT=/dev/ttyS1
say() { echo "$*" > $OUT; }
finish() {
	say "VMTEST-EXIT $1"
	sync
	poweroff -f
	sleep 5
	echo o > /proc/sysrq-trigger
}
fail() {
	say "not ok 0 rig: $*"
	echo "vmtest-rig: $*" > /dev/kmsg
	finish 1
}

MODE=smoke NUMVFS=4 LIMIT=400
for arg in $(cat /proc/cmdline); do
	case $arg in
	vfmig.mode=*) MODE=${arg#vfmig.mode=} ;;
	vfmig.numvfs=*) NUMVFS=${arg#vfmig.numvfs=} ;;
	vfmig.limit=*) LIMIT=${arg#vfmig.limit=} ;;
	vfmig.only=*) export VMTEST_ONLY="${arg#vfmig.only=}" ;;
	vfmig.race_iter=*) export VMTEST_RACE_ITER=${arg#vfmig.race_iter=} ;;
	esac
done

# run PROGRAM ARGS...: runs a guest program with its output on $OUT.  If it
# is still running after $LIMIT s, the kernel's view of every task (sysrq
# w and t: blocked tasks and all stacks) goes to the console log before it
# is killed, so a hang fails with evidence instead of a host timeout.
run() {
	"$@" > $OUT 2>&1 &
	local pid=$! wd
	# Pinned to CPU 0: a hang seen under TCG left CPU 1 without timer
	# interrupts, and a sleep there would never end.
	taskset 1 sh -c "
		sleep $LIMIT
		echo 'vmtest-rig: $1 still running after $LIMIT s, dumping tasks' > /dev/kmsg
		echo 1 > /proc/sys/kernel/sysrq
		echo w > /proc/sysrq-trigger
		echo t > /proc/sysrq-trigger
		kill -9 $pid" &
	wd=$!
	wait $pid
	local prc=$?
	kill $wd 2> /dev/null
	return $prc
}
say "# vmtest: guest up, mode $MODE, kernel $(uname -r), $(nproc) cpus"
# A hung task is reported after 20 s instead of 120 s, inside the run.
echo 20 > /proc/sys/kernel/hung_task_timeout_secs

for m in vfio vfio_iommu_type1 vfio_pci_core igb; do
	modprobe $m || fail "modprobe $m"
done

PF=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor)" = 0x8086 ] && [ "$(cat $d/device)" = 0x10c9 ]; then
		PF=$(basename $d)
		break
	fi
done
[ -n "$PF" ] || fail "no igb PF found"
PFD=/sys/bus/pci/devices/$PF
echo 0 > $PFD/sriov_drivers_autoprobe || fail "sriov_drivers_autoprobe"
echo $NUMVFS > $PFD/sriov_numvfs || fail "sriov_numvfs=$NUMVFS"
VFS=
i=0
while [ $i -lt $NUMVFS ]; do
	VFS="$VFS $(basename $(readlink $PFD/virtfn$i))"
	i=$((i + 1))
done
say "# vmtest: PF $PF VFs$VFS"

# bind VF DRIVER: driver_override + drivers_probe, then check the link.
bind() {
	echo $2 > /sys/bus/pci/devices/$1/driver_override
	echo $1 > /sys/bus/pci/drivers_probe
	[ "$(basename $(readlink /sys/bus/pci/devices/$1/driver) 2>/dev/null)" = $2 ] ||
		fail "$1 did not bind to $2"
}

case $MODE in
smoke)
	modprobe vfio_pci || fail "modprobe vfio_pci"
	for vf in $VFS; do bind $vf vfio-pci; done
	run /bin/vmtest smoke $PF $VFS
	rc=$?
	;;
driver|bench)
	. /bin/guest-driver-setup.sh
	driver_setup
	if [ $MODE = driver ]; then
		run /bin/vmtest driver $PF $VFS
	else
		run /bin/vfmig-bench $PF $VFS
	fi
	rc=$?
	driver_teardown || rc=1
	;;
*)
	fail "unknown mode $MODE"
	;;
esac

# Let late kernel reports (hung tasks, refcount warnings from deferred
# work) reach the console before the host judges the log.
sleep 1
echo "vmtest-rig: done rc=$rc" > /dev/kmsg
finish $rc
