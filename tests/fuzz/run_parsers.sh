#!/usr/bin/env bash
# Usage: tests/fuzz/run_parsers.sh [SECONDS]
# Runs the parser fuzzers (make fuzz-parsers-build) for SECONDS each (default 10): one
# case a fuzzer, failed by a crash, a sanitizer report, a leak or a broken invariant. What
# a run learns is kept in build/fuzz-parsers/corpus-NAME for the next; a failing input is
# saved in build/fuzz-parsers/crashes/ (rerun it: build/fuzz-parsers/fuzz_NAME FILE).
set -uo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-10}
bin=build/fuzz-parsers
passed=0
failed=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# NAME MAX_LEN: the config reader must see lines past its 8192-character limit; a key file
# longer than 64 bytes is refused whatever it holds.
for spec in config:16384 prefixes:4096 keyfile:64; do
	name=${spec%%:*}
	fuzzer=$bin/fuzz_$name
	log=$bin/$name.log
	if [ ! -x "$fuzzer" ]; then
		bad "fuzz_$name: not built (make fuzz-parsers-build)"
		continue
	fi
	mkdir -p "$bin/corpus-$name" "$bin/crashes"
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	# stderr closed: the parsers' error messages would be most of the output.
	"$fuzzer" -max_total_time="$secs" -max_len="${spec##*:}" -close_fd_mask=2 \
		-artifact_prefix="$bin/crashes/$name-" "${dict[@]}" \
		"$bin/corpus-$name" "tests/fuzz/corpus-$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		ok "fuzz_$name: $runs runs in $secs s, no finding"
	else
		bad "fuzz_$name: exit $rc (log $log)"
		grep -E '^fuzz_|ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -8 |
			sed 's/^/     /'
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
