#!/usr/bin/env bash
# The kernel bench's own suite, run inside its guest (tests/kernels/guest.sh): the kernel is
# the one asked for, the root is the host's read-only under a writable overlay, the guest has
# no network but its own, and the lab the other suites stand on works on this kernel (netns,
# veth, an XDP program loaded and attached, ping (busybox's, which the bench installs) and
# TCP over both families). It also records what this kernel's BPF offers (bpftool feature
# probe) for docs/kernels.md.
# Prints `ok NAME` or `FAIL NAME: reason` per check and ends with `N passed, N failed`.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/../lab/lab.sh"
OUT=${XSC_OUT:-/xsc-out}
PORT=8080
passed=0
failed=0
LAB_UP=""

cleanup()
{
	[ -z "$LAB_UP" ] || LAB_QUIET=1 lab_down
}
trap cleanup EXIT

ok()
{
	echo "ok   $1"
	passed=$((passed + 1))
}

bad()
{
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

note()
{
	echo "    # $*"
}

# check NAME REASON-IF-NOT CMD...: one case, passed when CMD succeeds.
check()
{
	local name=$1 why=$2

	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$why"; fi
}

# /proc/1 is the initramfs's init, which sees the 9p lower layer the chroot hides.
lower_is_readonly_9p()
{
	grep -q '^xsc-root /lower 9p ro[ ,]' /proc/1/mounts &&
		! touch /proc/1/root/lower/.xsc-selftest 2>/dev/null
}

overlay_is_writable()
{
	grep -q '^overlay /newroot overlay rw[ ,]' /proc/1/mounts &&
		echo x >/var/tmp/.xsc-selftest && rm /var/tmp/.xsc-selftest
}

only_loopback()
{
	local links

	links=$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
	note "network devices in the guest's own namespace: $links"
	[ "$links" = "lo " ]
}

tcp_exchange()
{
	local dst=$1 got pid

	lab_srv timeout 30 socat -T 10 "TCP6-LISTEN:$PORT,ipv6only=0,reuseaddr" SYSTEM:'echo xsc-selftest' &
	pid=$!
	for _ in $(seq 50); do
		lab_srv ss -Hltn "sport = :$PORT" | grep -q . && break
		sleep 0.2
	done
	got=$(lab_cli timeout 20 socat -T 10 - "TCP:$dst:$PORT" </dev/null 2>&1)
	wait "$pid"
	[ "$got" = xsc-selftest ] || { note "TCP to $dst: got '$got'"; return 1; }
}

bpffs_pin()
{
	local pin=/sys/fs/bpf/xsc-selftest

	bpftool prog load "$LAB_XDP_PASS" "$pin" type xdp && [ -e "$pin" ] && rm "$pin"
}

# What the probe says about the helpers and maps docs/kernels.md discusses, one note each.
feature_notes()
{
	local probe=$OUT/feature-probe.txt type h line=""
	local -a wanted=(
		xdp:bpf_tcp_gen_syncookie xdp:bpf_tcp_raw_gen_syncookie_ipv4
		xdp:bpf_tcp_raw_gen_syncookie_ipv6 xdp:bpf_tcp_raw_check_syncookie_ipv4
		xdp:bpf_tcp_raw_check_syncookie_ipv6 xdp:bpf_tcp_check_syncookie xdp:bpf_skc_lookup_tcp
		xdp:bpf_sk_lookup_tcp xdp:bpf_skc_to_tcp_sock xdp:bpf_sk_release xdp:bpf_ktime_get_tai_ns
		xdp:bpf_ktime_get_ns xdp:bpf_map_lookup_percpu_elem xdp:bpf_loop xdp:bpf_timer_init
		xdp:bpf_ringbuf_output xdp:bpf_ringbuf_reserve xdp:bpf_xdp_adjust_tail xdp:bpf_get_smp_processor_id
		sched_cls:bpf_sk_assign sched_cls:bpf_skc_lookup_tcp sched_cls:bpf_skc_to_tcp_sock
		sched_cls:bpf_tcp_check_syncookie sched_cls:bpf_ktime_get_tai_ns
	)

	bpftool feature probe kernel >"$probe" 2>&1 || return 1
	for h in "${wanted[@]}"; do
		type=${h%%:*} h=${h#*:}
		if awk -v t="eBPF helpers supported for program type $type:" -v h="- $h" '
			$0 == t { in_t = 1; next } /^eBPF helpers supported/ { in_t = 0 }
			in_t && $1 " " $2 == h { found = 1 } END { exit !found }' "$probe"; then
			line="$line $type:$h=yes"
		else
			line="$line $type:$h=NO"
		fi
	done
	note "helpers:$line"
	note "maps: $(grep -E 'eBPF map_type (ringbuf|lpm_trie|percpu_array|percpu_hash|array_of_maps|hash_of_maps) is' "$probe" |
		sed 's/eBPF map_type //; s/ is available/=yes/; s/ is NOT available/=NO/' | tr '\n' ' ')"
	if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_sk_assign_tcp_reqsk'"; then
		note "kfunc bpf_sk_assign_tcp_reqsk: in this kernel's BTF"
	else
		note "kfunc bpf_sk_assign_tcp_reqsk: not in this kernel's BTF (Linux 6.9 added it)"
	fi
	note "full probe: $probe (on the host: the kernel's run directory, out/feature-probe.txt)"
}

if [ -n "${XSC_KVER:-}" ]; then
	check kernel_is_the_one_booted "running $(uname -r), asked for $XSC_KVER" \
		test "$(uname -r)" = "$XSC_KVER"
fi
note "kernel $(uname -r), $(uname -v)"
check host_root_readonly_9p "the host's root is not a read-only 9p mount (see /proc/1/mounts)" \
	lower_is_readonly_9p
check overlay_writable "no writable overlay over the host's root" overlay_is_writable
check no_host_network "the guest has a network device besides lo" only_loopback
if lab_up selftest >/dev/null; then
	LAB_UP=1
	ok lab_up_with_xdp_pass
	check lab_ping_ipv4 "client cannot ping the server over IPv4" \
		lab_cli busybox ping -q -c 1 -W 10 "$LAB_SRV4" >/dev/null
	check lab_ping_ipv6 "client cannot ping the server over IPv6" \
		lab_cli busybox ping -q -c 1 -W 10 "$LAB_SRV6" >/dev/null
	check lab_tcp_ipv4 "no TCP exchange over IPv4" tcp_exchange "$LAB_SRV4"
	check lab_tcp_ipv6 "no TCP exchange over IPv6" tcp_exchange "[$LAB_SRV6]"
else
	bad lab_up_with_xdp_pass "the lab did not come up (tests/lab/lab.sh; XDP on veth?)"
fi
check bpffs_pin "bpftool could not load and pin $LAB_XDP_PASS" bpffs_pin
check bpf_feature_probe "bpftool feature probe kernel failed" feature_notes

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
