#!/usr/bin/env bash
# The CLI suite with the tool built under ASan, LeakSanitizer and UBSan (make asan): every
# case runs the sanitized binary, and a report from any of them fails the case it came in.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${XSC:-$root/build/asan/xdp-syncookie}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

if [ ! -x "$tool" ]; then
	echo "$tool: not built (make asan)"
	echo "0 passed, 1 failed"
	exit 1
fi

# Reports go to files, not into the output the cases match, and a sanitizer's exit code
# (86) is one no case expects. LeakSanitizer reads the suppressions of library-internal
# allocations we cannot free (tests/sanitizers/lsan.supp says why for each).
common="log_path=$logs/san:exitcode=86:print_suppressions=0"
export ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export LSAN_OPTIONS="$common:suppressions=$root/tests/sanitizers/lsan.supp"
export UBSAN_OPTIONS="$common:print_stacktrace=1:halt_on_error=1"
XSC=$tool XSC_SAN_LOGS=$logs "$here/test_cli.sh"
