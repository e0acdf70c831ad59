#!/bin/bash
# kmod benchmark (not a test): boots the kernel rig in bench mode, migrates
# VF A's simulated device state into VF B with device-specific state of
# 4 KiB, 64 KiB and 1 MiB, plain STOP_COPY and with a PRE_COPY phase, and
# prints the figures as Markdown (docs/performance.md keeps a copy).
#
#   bench/kmod/run.sh [--out FILE] [--workdir DIR]
#
# Needs what the VM tests need (tools/install-deps).  Under TCG the absolute
# times are those of an emulated CPU; the ratios against memcpy in the same
# guest run are the figures to compare.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=""
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/vfmig-bench.XXXXXX")
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	--workdir) WORKDIR=$2; shift 2 ;;
	*) echo "usage: $0 [--out FILE] [--workdir DIR]" >&2; exit 2 ;;
	esac
done
RAW="$WORKDIR/bench-output.txt"
"$ROOT/tests/vm/run-vm.sh" --mode bench --numvfs 2 --workdir "$WORKDIR" \
	--logdir "$WORKDIR" --timeout 540 --out "$RAW"
grep -q '^BENCH ' "$RAW" || { echo "bench: no BENCH lines in $RAW" >&2; exit 1; }

KVER=$(basename "$(readlink -f "${VFMIG_CACHE:-/var/cache/vfmig}/kernel-6.12")")
{
	cat <<HDR
# vfmig kernel driver: migration cost (benchmark figures)

Produced by \`bench/kmod/run.sh\` on $(date -u +%Y-%m-%d) ($(nproc) host CPUs,
guest kernel ${KVER#kernel-} under single-threaded QEMU TCG, \`-smp 2\`). The device is the
simulator \`vfmig_sim\` behind an igb VF, so the admin commands cost what a
function call costs; on hardware each is a round trip to the device.

Columns: *state* the device-specific part of the state (the simulator's
vendor blob); *parts* the device-parts blob the device returns (all parts);
*stream* the bytes through the VFIO data fds; *overhead* (stream - parts) /
parts; *admin cmds* executed by the device for source and destination
together, all / inside the stop window (from the request that stops the
source until the destination runs); *driver stopped* the driver's own
\`admin_cmds_stopped\` counter (commands issued while a device was in STOP,
STOP_COPY or RESUMING) against its \`admin_cmds\`; *save* / *restore*
medians of 7 runs; *ratio* (save + restore) / memcpy of the stream's bytes (median of 31)
in the same guest run.

| flow | state | parts B | stream B | overhead | admin cmds all / stop window | driver stopped / all | save µs | restore µs | memcpy µs | ratio |
|---|---|---|---|---|---|---|---|---|---|---|
HDR
	awk '/^BENCH /{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		sz = v["size"] >= 1048576 ? (v["size"] / 1048576) " MiB" : (v["size"] / 1024) " KiB"
		ov = v["parts"] > 0 ? sprintf("%.2f %%", 100 * (v["stream"] - v["parts"]) / v["parts"]) : "n/a"
		ratio = v["memcpy_us"] > 0 ? sprintf("%.0f", (v["save_us"] + v["restore_us"]) / v["memcpy_us"]) : "n/a"
		printf "| %s | %s | %d | %d | %s | %d / %d | %d / %d | %d | %d | %.1f | %s |\n",
			v["flow"] == "precopy" ? "PRE_COPY then STOP_COPY" : "STOP_COPY only", sz,
			v["parts"], v["stream"], ov, v["cmds"], v["cmds_stop"],
			v["drv_cmds_stopped"], v["drv_cmds"], v["save_us"], v["restore_us"],
			v["memcpy_us"], ratio
	}' "$RAW"
	echo
	echo "## Reading"
	echo
	awk '/^BENCH /{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		f = v["flow"]; n[f]++
		stop[f] = stop[f] (n[f] > 1 ? ", " : "") v["cmds_stop"] " of " v["cmds"]
		if (n[f] == 1) first[f] = v["cmds"]
		else if (v["cmds"] != first[f]) grows[f] = 1
		if (f == "stopcopy") ov = ov (ov == "" ? "" : ", ") sprintf("%.2f %% at %s", 100 * (v["stream"] - v["parts"]) / v["parts"], v["size"])
		r = (v["save_us"] + v["restore_us"]) / v["memcpy_us"]
		if (f == "stopcopy") rat = rat (rat == "" ? "" : ", ") sprintf("%.0fx at %s", r, v["size"])
	} END {
		printf "- Admin commands inside the stop window, per state size (4 KiB, 64 KiB,\n"
		printf "  1 MiB): STOP_COPY only %s; with PRE_COPY %s.\n", stop["stopcopy"], stop["precopy"]
		if (grows["stopcopy"] || grows["precopy"])
			printf "  The count grows with the state size.\n"
		else
			printf "  The count does not grow with the state size.\n"
		printf "  PRE_COPY moves the first device-parts read out of the window, but\n"
		printf "  the stopped device is read once more at STOP_COPY (its parts may\n"
		printf "  have changed), so the window keeps stop, read, write and resume.\n"
		printf "- Stream overhead over the device-parts bytes (state sizes in bytes):\n"
		printf "  %s: a fixed header, commit and END records, and\n", ov
		printf "  per chunk of up to 64 KiB a record header, a chunk header and a CRC.\n"
		printf "- Save + restore against one memcpy of the stream in the same guest\n"
		printf "  (STOP_COPY flow): %s. Under TCG both sides are\n", rat
		printf "  emulated; the ratio, not the microseconds, is the figure to carry\n"
		printf "  over, and on hardware the admin round trips add to it. The 1 MiB\n"
		printf "  times vary most between runs on a shared host (ratios of about\n"
		printf "  200x to 560x were seen). Save and restore each pass every byte\n"
		printf "  through a byte-wise CRC32C more than once (per record and per\n"
		printf "  snapshot) and the simulator generates and checks its blob; that\n"
		printf "  cost was not measured apart from the rest.\n"
	}' "$RAW"
	cat <<'FOOT'

Raw lines (`BENCH ...`, see `bench/kmod/vfmig-bench.c` for the fields):

```
FOOT
	grep '^BENCH ' "$RAW"
	echo '```'
} > "$WORKDIR/report.md"
if [ -n "$OUT" ]; then
	cp "$WORKDIR/report.md" "$OUT"
	echo "bench: wrote $OUT" >&2
fi
cat "$WORKDIR/report.md"
