#!/bin/bash
# Proves judge.sh can fail: a clean run passes, and each kind of bad run
# (kernel warning, BUG, oops, hung task, refcount report, failed case,
# missing plan, timeout, unfinished init) fails.  Runs without QEMU.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/vfmig-judge.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0 bad=0

good_out() {
	printf '%s\n' '# vmtest: guest up' 'ok 1 a' 'ok 2 b' '1..2' \
		'# summary: 2 cases, 2 passed, 0 failed, 0 skipped' 'VMTEST-EXIT 0'
}
good_console() {
	printf '%s\n' '[    1.0] vfmig_virtio_pci 0000:01:10.0: resume: stream truncated (-61)' \
		'[    2.0] vmtest-rig: done rc=0' '[    2.1] reboot: Power down'
}
# expect WANT(0|1) NAME QEMU_RC: judges $T/out and $T/console
expect() {
	local want=$1 name=$2 qrc=${3:-0} got=0
	n=$((n + 1))
	"$HERE/judge.sh" driver "$T/out" "$T/console" "$qrc" 60 > "$T/log" 2>&1 || got=1
	if [ "$got" = "$want" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name (judge exit $got, want $want)"; cat "$T/log"; bad=1
	fi
}
with_console_line() {
	good_out > "$T/out"
	{ good_console; echo "$1"; } > "$T/console"
}

good_out > "$T/out"; good_console > "$T/console"
expect 0 "clean run passes"
for line in \
	'[    1.5] WARNING: CPU: 1 PID: 95 at drivers/vfio/vfio_main.c:1 x+0x1/0x2' \
	'[    1.5] BUG: kernel NULL pointer dereference, address: 0000000000000008' \
	'[    1.5] Oops: 0000 [#1] PREEMPT SMP NOPTI' \
	'[   30.0] INFO: task vmtest:95 blocked for more than 20 seconds.' \
	'[    1.5] refcount_t: underflow; use-after-free.' \
	'[    1.5] Call Trace:' \
	'[    1.5] UBSAN: array-index-out-of-bounds in x.c:1:2'; do
	with_console_line "$line"
	expect 1 "console: ${line#*] }"
done
good_console > "$T/console"
{ good_out; echo 'not ok 3 c'; } > "$T/out"
expect 1 "a failed case fails the run"
good_out | grep -v '^1\.\.' > "$T/out"
expect 1 "no TAP plan (program died) fails the run"
good_out | sed 's/VMTEST-EXIT 0/VMTEST-EXIT 1/' > "$T/out"
expect 1 "nonzero program exit fails the run"
good_out > "$T/out"
expect 1 "timeout fails the run" 124
good_console | grep -v 'vmtest-rig: done' > "$T/console"
expect 1 "unfinished init fails the run"
echo "1..$n"
exit $bad
