#!/bin/bash
# Inside the kernel bench's guest (tests/kernels/init.sh chroots into the host's root overlay
# and runs this): mounts what the suites need, loads their modules, runs the plan's suites
# and writes one line per suite to /xsc-out/results for tests/kernels/run.sh to count.
set -u
# shellcheck source=/dev/null
. /xsc-out/plan

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
export XSC_TEST_TIMEOUT XSC_KVER XSC_KERNEL_NAME XSC_ROOT
export XSC_OUT=/xsc-out
OUT=/xsc-out
# Loaded up front so a missing one is named here rather than as a suite's odd failure; the
# kernel asks for others itself (tests/kernels/init.sh hands those requests to kmod).
MODULES=(veth bridge sch_ingress cls_bpf inet_diag tcp_diag udp_diag)

say()
{
	echo "xsc-kernels: $*"
}

fsmount()
{
	local type=$1 dir=$2 opts=${3:-}

	mkdir -p "$dir"
	mountpoint -q "$dir" && return 0
	mount -t "$type" ${opts:+-o "$opts"} "$type" "$dir" || say "mounting $type on $dir failed"
}

setup()
{
	local m kver c

	fsmount proc /proc
	fsmount sysfs /sys
	fsmount devtmpfs /dev
	fsmount devpts /dev/pts gid=5,mode=620,ptmxmode=666
	fsmount tmpfs /dev/shm mode=1777
	# What udev or systemd would make: bash's process substitution reads /dev/fd/N.
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	# The host's /run (its netns mounts, its lock file) must not show through the overlay;
	# /tmp may (a checkout can live there), and the overlay keeps the guest's writes.
	fsmount tmpfs /run mode=0755
	fsmount bpf /sys/fs/bpf mode=0700
	fsmount debugfs /sys/kernel/debug
	[ ! -d /sys/kernel/tracing ] || fsmount tracefs /sys/kernel/tracing
	fsmount cgroup2 /sys/fs/cgroup nsdelegate
	# What systemd does at boot, so a suite can make a memory-limited child cgroup.
	for c in $(</sys/fs/cgroup/cgroup.controllers); do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
	done
	hostname xsc-guest
	ip link set lo up
	kver=$(uname -r)
	if [ -n "$XSC_MODDIR" ]; then
		mkdir -p "/lib/modules/$kver"
		mount --bind "$XSC_MODDIR" "/lib/modules/$kver" || say "binding $XSC_MODDIR failed"
	fi
	# As on an installed system: libbpf reads __kconfig externs (CONFIG_HZ) from here.
	if [ -n "$XSC_KCONFIG" ] && [ ! -e "/boot/config-$kver" ]; then
		mkdir -p /boot
		cp "$XSC_KCONFIG" "/boot/config-$kver" || say "copying $XSC_KCONFIG failed"
	fi
	for m in "${MODULES[@]}"; do
		modprobe "$m" 2>/dev/null || grep -qw "$m" /proc/modules ||
			[ -d "/sys/module/$m" ] || say "module $m: not loaded (neither a module nor built in?)"
	done
	ulimit -l unlimited
	say "kernel $kver ($(uname -v)), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)"
}

# Runs one suite of the plan; appends NAME<TAB>STATUS<TAB>SUMMARY<TAB>REASON<TAB>SECONDS to
# results, REASON being why it could not start or its first failure.
run_suite()
{
	local name=$1 file rc summary reason="" start=$SECONDS
	local -a cmd tests

	file=$OUT/${name%%:*}.log
	case "$name" in
	guest) cmd=(tests/kernels/selftest.sh) ;;
	objects) cmd=(tests/kernels/objects.sh) ;;
	unit) cmd=(build/test_unit) ;;
	cli) cmd=(tests/cli/test_cli.sh) ;;
	parsers) cmd=(tests/fuzz/run_parsers.sh "$XSC_PARSER_SECONDS") ;;
	integration) cmd=(tests/integration/run.sh -l "$OUT/integration") ;;
	integration:*)
		IFS=, read -r -a tests <<<"${name#integration:}"
		cmd=(tests/integration/run.sh -l "$OUT/integration" "${tests[@]}")
		;;
	*) cmd=() ;;
	esac
	say "suite $name: ${cmd[*]}"
	if [ ${#cmd[@]} -eq 0 ]; then
		rc=2 summary="" reason="unknown suite"
	elif [ ! -x "${cmd[0]}" ]; then
		rc=2 summary="" reason="${cmd[0]} missing (make all fuzz-parsers-build on the host)"
	else
		timeout -k 10 "$XSC_SUITE_TIMEOUT" "${cmd[@]}" </dev/null 2>&1 | tee "$file"
		rc=${PIPESTATUS[0]}
		summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$file" | tail -n 1)
		if [ "$rc" -eq 124 ]; then
			reason="timed out after ${XSC_SUITE_TIMEOUT}s"
		elif [ "$rc" -ne 0 ]; then
			# The first case that failed; else what the suite said last before giving up.
			reason=$(grep -m 1 -E '^FAIL' "$file")
			[ -n "$reason" ] || reason=$(grep -v -E '^\s*$|^[0-9]+ passed, [0-9]+ failed' "$file" | tail -n 1)
		fi
		reason=$(tr '\t' ' ' <<<"$reason" | cut -c 1-400)
	fi
	say "suite $name: status $rc in $((SECONDS - start)) s${summary:+, $summary}${reason:+; $reason}"
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$summary" "$reason" "$((SECONDS - start))" >>"$OUT/results"
	sync
}

setup
cd "$XSC_ROOT" || { say "no $XSC_ROOT in the guest"; exit 1; }
for suite in "${XSC_SUITES[@]}"; do
	run_suite "$suite"
done
: >"$OUT/done"
sync
