#!/usr/bin/env bash
# Runs the packet fuzzer for FUZZ_SECONDS (default 60) from the committed corpus and prints
# the executions, the invariants checked and a "N passed, N failed" line: one passed per
# invariant family checked when the run ends clean, one failed (and the reproducer) if not.
set -uo pipefail
cd "$(dirname "$0")/../.."

secs=${FUZZ_SECONDS:-60}
bin=./build/fuzz_packets
work=build/fuzz
mkdir -p "$work/corpus" "$work/crashes"
log="$work/last.log"

if [ ! -x "$bin" ]; then
	echo "fuzz: $bin is not built (make build/fuzz_packets)"
	echo "0 passed, 1 failed"
	exit 1
fi
# New finds go to build/fuzz/corpus; the committed corpus (tests/fuzz/corpus) is only read.
"$bin" -max_total_time="$secs" -max_len=2048 -detect_leaks=0 -print_final_stats=1 \
	-artifact_prefix="$work/crashes/" "$work/corpus" tests/fuzz/corpus >"$log" 2>&1
status=$?

grep -E '^(fuzz_packets:|INVARIANT)' "$log"
runs=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
[ -n "$runs" ] || runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1)
echo "fuzz: ${runs:-no run count} (limit ${secs} s), log $log"
if [ "$status" -eq 0 ]; then
	families=$(grep -oE '^fuzz_packets: [0-9]+ invariant families checked' "$log" | awk '{print $2}')
	echo "${families:-1} passed, 0 failed"
	exit 0
fi
repro=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | awk '{print $5}')
grep -A8 -E '^INVARIANT' "$log" | head -n 12
echo "fuzz: failed (exit $status); reproducer: ${repro:-none written}; rerun: $bin ${repro:-}"
echo "0 passed, 1 failed"
exit 1
