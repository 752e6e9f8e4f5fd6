#!/usr/bin/env bash
# Does this kernel take the project's BPF objects? One case per object, loaded with the
# tool's own libbpf (build/load_object); a refusal is reported with libbpf's reason and the
# verifier's last words, the whole log kept in $XSC_OUT (the kernel bench's results
# directory in its guest) or a temporary directory. Runs on the host as well as in the
# bench's guests; ends with `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

OUT=${XSC_OUT:-$(mktemp -d /tmp/xsc-objects.XXXXXX)}
LOADER=build/load_object
passed=0
failed=0
# OBJECT WHAT-IT-IS
CASES=(
	"build/xdp_syncookie.bpf.o the XDP program"
	"build/tc_handoff.bpf.o the TC handoff (bpf_sk_assign_tcp_reqsk, Linux 6.9+)"
	"build/weak_kfunc.kernels.bpf.o a __weak kfunc guarded as bpf_ksym_exists() does (tests/kernels/weak_kfunc.bpf.c)"
)

# The verifier's or libbpf's reason: the last log line before the end of the verifier log
# that is not a statistics line, else libbpf's own message.
reason()
{
	local log=$1 why

	why=$(awk '/-- END PROG LOAD LOG --/ { print last; exit }
		!/^(processed|verification time|stack depth|libbpf: -- BEGIN)/ && NF { last = $0 }' "$log")
	[ -n "$why" ] || why=$(grep -m 1 -E 'libbpf: .*(not found|failed|incompatible|unsupported|invalid)' "$log")
	[ -n "$why" ] || why=$(tail -n 1 "$log")
	echo "$why"
}

echo "objects on $(uname -r), libbpf from $(ldd "$LOADER" 2>/dev/null | awk '/libbpf/ {print $3}')"
for c in "${CASES[@]}"; do
	obj=${c%% *}
	what=${c#* }
	name=$(basename "$obj" .o)
	log=$OUT/load-$name.log
	if [ ! -x "$LOADER" ] || [ ! -f "$obj" ]; then
		echo "FAIL $name: $LOADER or $obj missing (make $LOADER $obj)"
		failed=$((failed + 1))
		continue
	fi
	if "$LOADER" "$obj" >"$log" 2>&1; then
		echo "ok   $name: $what loads"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $what: $(reason "$log")"
		grep -E '^libbpf: (prog|extern|failed)' "$log" | sort -u | head -n 5 | sed 's/^/    # /'
		echo "    # full log: $log ($(wc -l <"$log") lines)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
