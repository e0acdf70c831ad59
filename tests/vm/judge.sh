#!/bin/bash
# Judges one rig run from its artefacts; prints every reason it fails.
#
#   judge.sh MODE GUEST_OUTPUT CONSOLE_LOG QEMU_EXIT TIMEOUT
#
# GUEST_OUTPUT is the second serial port (TAP, CRs already removed),
# CONSOLE_LOG the kernel console.  Exit 0 pass, 1 fail.  Kept apart from
# run-vm.sh so judge-selftest.sh can prove it fails on bad logs.
set -uo pipefail
MODE=$1 OUT=$2 CONSOLE=$3 QRC=$4 TIMEOUT=$5
fail=0
say() { echo "judge: FAIL: $*"; fail=1; }

if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	say "the guest did not finish within $TIMEOUT s"
elif [ "$QRC" != 0 ]; then
	say "qemu exited with $QRC"
fi
grep -q '^VMTEST-EXIT 0$' "$OUT" || say "the guest program did not report success"
nfail=$(grep -c '^not ok' "$OUT")
[ "$nfail" = 0 ] || say "$nfail case(s) failed"
if [ "$MODE" != bench ]; then
	# The plan comes last, so a program that died midway has none.
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$OUT" | tail -n 1)
	ran=$(grep -cE '^(not )?ok [0-9]+' "$OUT")
	if [ -z "$plan" ] || [ "$plan" = 0 ] || [ "$plan" != "$ran" ]; then
		say "TAP plan '${plan:-none}' does not match $ran results"
	fi
fi
# Kernel reports that fail the run whatever the cases said.
BAD='WARNING:|BUG:|Oops|general protection fault|blocked for more than|hung_task|refcount_t|kmemleak|memory leak|leaked|Call Trace:|Kernel panic|UBSAN|list_del corruption|list_add corruption|use-after-free'
if grep -aEn "$BAD" "$CONSOLE" > /dev/null; then
	say "the guest kernel log shows problems:"
	grep -aEn "$BAD" "$CONSOLE" | head -n 40 | tr -d '\r'
fi
grep -aq 'vmtest-rig: done' "$CONSOLE" || say "the guest did not reach the end of its init"
exit $fail
