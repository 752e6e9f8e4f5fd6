#!/usr/bin/env bash
# Runs every test suite (even after a failure) and ends with their summed "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

suites=(./build/test_unit ./tests/cli/test_cli.sh ./tests/integration/run.sh)
# The integration subset again under the kernel handoff (--handoff kernel), with
# tcp_syncookies=2, then the flood and the quiet port with tcp_syncookies=1.
suites+=("env XSC_TEST_HANDOFF=kernel ./tests/integration/run.sh")
suites+=("env XSC_TEST_HANDOFF=kernel XSC_TEST_SYNCOOKIES=1 ./tests/integration/run.sh engage_flood engage_quiet")
suites+=(./tests/fuzz/run.sh)
# make check fuzzes for 30 s; make fuzz for FUZZ_SECONDS (60 by default).
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# The CLI suite again with the tool under ASan and UBSan (make asan).
suites+=(./tests/cli/test_cli_asan.sh)
# The config, list-file and key-file parsers under libFuzzer, 10 s each (make fuzz-parsers-build).
suites+=(./tests/fuzz/run_parsers.sh)
# Debian 12's own kernel (6.1) in an emulated guest, the part that takes about a minute:
# the guest itself, the objects' load and the BPF unit suite. make check-kernels runs the
# rest (CLI, parsers, the kernel handoff's integration subset: 7 to 10 minutes more).
suites+=("./tests/kernels/run.sh -k debian12 guest objects unit")
total_passed=0
total_failed=0
rc=0

for suite in "${suites[@]}"; do
	echo "== $suite"
	log=$(mktemp)
	# shellcheck disable=SC2086 # a suite is a command line, split on spaces
	$suite 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$summary" ]; then
		echo "$suite: no summary line (exit $status); counted as one failure"
		total_failed=$((total_failed + 1))
		rc=1
		continue
	fi
	total_passed=$((total_passed + $(awk '{print $1}' <<<"$summary")))
	total_failed=$((total_failed + $(awk '{print $3}' <<<"$summary")))
	[ "$status" -eq 0 ] || rc=1
done

echo "== all suites"
echo "$total_passed passed, $total_failed failed"
exit $rc
