#!/usr/bin/env bash
# Integration suite: xdp-syncookie in the netns lab against real clients, servers and floods.
#
# Usage: tests/integration/run.sh [-l LOGDIR] [TEST...]   (root; `make` first)
# Each test runs in its own process with a fresh lab that is removed when it ends, however
# it ends. Prints `ok NAME` or `FAIL NAME: reason` per test, indented notes with what was
# measured, and ends with `N passed, N failed`; exits 1 if anything failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/../lab/lab.sh"

TESTS=(handshake_native handshake_skb iperf3 client_options server_syncookies forged_acks
	preexisting_connection reattach_inflight engage_quiet engage_flood engage_hold engage_pulse
	engage_cycles engage_never engage_set_modes engage_port_set engage_kernel_cookies cli_errors)
TESTS+=(live_numbers)
TESTS+=(service_prometheus service_reload service_stop)
TESTS+=(lists_deny_flood lists_allow_engaged lists_million fleet_keys replace_under_flood lock_race
	lock_quiet_stdout budget_prefix generic_same_verdicts)
TESTS+=(iface_deleted_flood)
TESTS+=(kernel_timestamps)
# Gateway mode, in a lab with a backend behind the server namespace (LAB_BEHIND).
GATEWAY_TESTS=(gateway_flood gateway_engage gateway_forged_acks gateway_iperf3 gateway_refusals)
TESTS+=("${GATEWAY_TESTS[@]}")
# The kernel handoff's subset (README, "Other kernels"): XSC_TEST_HANDOFF=kernel runs it
# with --handoff kernel, the server's tcp_timestamps at 2 and its tcp_syncookies at
# XSC_TEST_SYNCOOKIES (2 unless set).
KERNEL_SUBSET=(handshake_native handshake_skb iperf3 client_options forged_acks
	preexisting_connection engage_flood engage_quiet kernel_timestamps)
HANDOFF=${XSC_TEST_HANDOFF:-}
# A kernel without bpf_sk_assign_tcp_reqsk() (before 6.9) has the kernel handoff only.
if [ -z "$HANDOFF" ] && ! grep -qw bpf_sk_assign_tcp_reqsk /proc/kallsyms; then
	HANDOFF=kernel
fi
KERNEL_SYNCOOKIES=${XSC_TEST_SYNCOOKIES:-2}
# The counters a cookie ACK that became a socket moves: the last one counts the sockets.
if [ "$HANDOFF" = kernel ]; then
	COOKIE_ACK_COUNTERS=(ack_kernel_cookie)
else
	COOKIE_ACK_COUNTERS=(ack_cookie_ok handoff_ok)
fi
COOKIE_OK=${COOKIE_ACK_COUNTERS[-1]}
TEST_TIMEOUT=${XSC_TEST_TIMEOUT:-150}	# seconds per test; the slowest (syn_flood) needs about 25
PORT=8080
TT=("$LAB_PY" "$HERE/tcptool.py")
ST=("$LAB_PY" "$HERE/stats.py")

# ---- helpers for the tests (they run in the per-test process) -----------------------

note()
{
	echo "# $*" >&3
	echo "# $*" >&2
}

fail()
{
	echo "FAILREASON: $*" >&3
	echo "FAIL: $*" >&2
	exit 1
}

# expect_eq WHAT GOT WANT
expect_eq()
{
	[ "$2" = "$3" ] || fail "$1: got $2, want $3"
}

# expect_ge WHAT GOT MIN
expect_ge()
{
	[ "$2" -ge "$3" ] || fail "$1: got $2, want at least $3"
}

# Runs the CLI in the server namespace; fails the test with its output if it fails.
xsc()
{
	local out rc=0

	# Gateway mode is a handoff of its own.
	if [ "$1" = attach ] && [ -n "$HANDOFF" ] && [[ " $* " != *" --gateway "* ]]; then
		set -- "$@" --handoff "$HANDOFF"
	fi
	out=$(lab_xsc "$@" 2>&1) || rc=$?
	echo "xdp-syncookie $*: rc=$rc: $out" >&2
	[ "$rc" -eq 0 ] || fail "xdp-syncookie $* exited $rc: $out"
}

snap()
{
	lab_xsc stats --json >"$1" 2>"$1.err" || fail "xdp-syncookie stats --json failed: $(cat "$1.err")"
}

# delta BEFORE AFTER COUNTER [IFACE]
delta()
{
	"${ST[@]}" delta "$@" || fail "reading counter $3 failed"
}

mib_snap()
{
	lab_srv cat /proc/net/netstat /proc/net/snmp /proc/net/snmp6 >"$1"
}

start_server()
{
	local mode=$1 backlog=${2:-256}

	lab_bg srv "$WORK/server" "${TT[@]}" server --port "$PORT" --mode "$mode" \
		--backlog "$backlog" --seconds 300 --report "$WORK/server.json"
	SERVER_PID=$LAB_BG_PID
	lab_wait_listen "$LAB_SRV" "$PORT" 10 || fail "the test server did not start: $(cat "$WORK/server.err")"
}

stop_server()
{
	lab_stop "$SERVER_PID"
}

accepted()
{
	"${ST[@]}" json "$WORK/server.json" accepted
}

# connect_bg NAME DST COUNT [tcptool connect options...]: starts a client, waits for its
# one-line JSON result (kept in $WORK/NAME.out) and leaves it running (--hold) as CLIENT_PID.
# The client runs in the client namespace, or in CLIENT_NS (atk: the attacker's link).
connect_bg()
{
	local name=$1 dst=$2 count=$3

	shift 3
	lab_bg "${CLIENT_NS:-cli}" "$WORK/$name" "${TT[@]}" connect --dst "$dst" --port "$PORT" --count "$count" "$@"
	CLIENT_PID=$LAB_BG_PID
	lab_wait_file "$WORK/$name.out" 60 '"count"' ||
		fail "client $name gave no result: $(cat "$WORK/$name.err")"
}

result()
{
	"${ST[@]}" json "$WORK/$1.out" "$2"
}

# Established server-side sockets on the test port as `ss -tine` sees them, one line
# each: "ts sack wscale:SND,RCV mss:N". (iproute2 6.1's ss prints "ts" and "sack" only
# with -e.)
ss_profile()
{
	lab_srv ss -Htine state established "( sport = :$PORT )" >"$WORK/ss.raw"
	"${ST[@]}" ss "$WORK/ss.raw"
}

# Profile lines with the receive window scale (the server's own) replaced by $1.
set_rcv_wscale()
{
	sed "s/wscale:\([0-9]*\),[0-9]*/wscale:\1,$1/"
}

# handshakes LABEL DST N [connect options...]: N held connections with an echo each. Sets HS_OK; HS_SRV_SYNACKS
# (SYN-ACKs seen leaving the server's veth, where the kernel's own show and XDP_TX frames
# do not) and HS_CLI_SYNACKS (arriving at the client); HS_PROFILE (what the server's
# kernel negotiated for each accepted connection, from TCP_INFO, one line each: "ts sack
# wscale:SND,RCV mss:N") and HS_SS (the same for the established sockets, as ss shows them).
handshakes()
{
	local label=$1 dst=$2 n=$3 tsrv tcli skip

	shift 3
	lab_tcpdump "$LAB_SRV" "$LAB_SRV_IF_CLI" "$WORK/$label.srv.pcap" -Q out "$LAB_F_SYNACK"
	tsrv=$LAB_TCPDUMP_PID
	lab_tcpdump "$LAB_CLI" "$LAB_CLI_IF" "$WORK/$label.cli.pcap" -Q in "$LAB_F_SYNACK"
	tcli=$LAB_TCPDUMP_PID
	skip=$(accepted)
	connect_bg "$label" "$dst" "$n" --parallel 4 --timeout 3 --exchange --hold 30 "$@"
	HS_OK=$(result "$label" ok)
	HS_SS=$(ss_profile)
	HS_PROFILE=$("${ST[@]}" conns "$WORK/server.json" "$skip")
	lab_stop "$CLIENT_PID"
	sleep 0.2
	lab_stop "$tsrv" "$tcli"
	HS_SRV_SYNACKS=$(lab_count "$WORK/$label.srv.pcap" "$LAB_F_SYNACK")
	HS_CLI_SYNACKS=$(lab_count "$WORK/$label.cli.pcap" "$LAB_F_SYNACK")
}

# The client's own addresses for a family.
dst_of()
{
	if [ "$1" = 4 ]; then echo "$LAB_SRV4"; else echo "$LAB_SRV6"; fi
}

# ---- the tests ------------------------------------------------------------------------

# Cookie handshakes, proven by counters, captures on both ends and the sockets' options.
# handshake_test MODE [WSCALE]: WSCALE is passed as --wscale; without it the default is
# the window scale Linux itself offers, so the sockets must match Linux's own exactly.
handshake_test()
{
	local mode=$1 ws=${2:-} n=20 fam profile want c
	local -A base=()
	local -a opts=(-m "$mode")

	start_server echo
	# Control, without the mitigator: the kernel's SYN-ACKs are visible on the server's
	# veth (so the zero below means something) and show which options Linux negotiates.
	for fam in 4 6; do
		handshakes "base$fam" "$(dst_of $fam)" 2
		expect_eq "control IPv$fam connections" "$HS_OK" 2
		expect_ge "control IPv$fam: kernel SYN-ACKs seen on the server veth" "$HS_SRV_SYNACKS" 2
		base[$fam]=$(sort -u <<<"$HS_PROFILE")
		note "IPv$fam without xdp-syncookie: ${base[$fam]}"
		[ "$(sort -u <<<"$HS_SS")" = "${base[$fam]}" ] ||
			fail "control IPv$fam: ss shows '$HS_SS', TCP_INFO '${base[$fam]}'"
	done

	[ -z "$ws" ] || opts+=(--wscale "$ws")
	# Linux's own receive scale (the second number of wscale:SND,RCV), which the kernel
	# handoff keeps whatever --wscale says: the kernel gives the socket its own.
	if [ -z "$ws" ] || [ "$HANDOFF" = kernel ]; then
		ws=$(sed -n 's/.*wscale:[0-9]*,\([0-9]*\).*/\1/p' <<<"${base[4]}")
	fi
	xsc attach "$LAB_SRV_IF_CLI" "${opts[@]}" --engage always
	if [ "$mode" = skb ]; then
		lab_srv ip link show dev "$LAB_SRV_IF_CLI" | grep -q xdpgeneric ||
			fail "attach -m skb: no generic XDP program on $LAB_SRV_IF_CLI"
	else
		lab_srv ip link show dev "$LAB_SRV_IF_CLI" | grep -qw xdp ||
			fail "attach -m native: no native XDP program on $LAB_SRV_IF_CLI"
	fi
	snap "$WORK/before.json"
	for fam in 4 6; do
		handshakes "cookie$fam" "$(dst_of $fam)" "$n"
		expect_eq "IPv$fam connections (with an echo) through cookies" "$HS_OK" "$n"
		expect_eq "IPv$fam SYN-ACKs sent by the server's kernel" "$HS_SRV_SYNACKS" 0
		# A SYN retransmitted on a loaded machine gets a second SYN-ACK: at least n.
		expect_ge "IPv$fam SYN-ACKs received by the client" "$HS_CLI_SYNACKS" "$n"
		expect_eq "IPv$fam connections accepted by the server" "$(grep -c . <<<"$HS_PROFILE")" "$n"
		expect_eq "IPv$fam established sockets in ss" "$(grep -c . <<<"$HS_SS")" "$n"
		profile=$(sort -u <<<"$HS_PROFILE")
		# As Linux alone negotiated with the same client, but our own window scale.
		want=$(set_rcv_wscale "$ws" <<<"${base[$fam]}")
		note "IPv$fam through xdp-syncookie ($mode, wscale $ws): $profile (ss -tine agrees)"
		[ "$profile" = "$want" ] || fail "IPv$fam sockets negotiated '$profile', want '$want'"
		grep -q '^ts sack wscale:[0-9]*,[0-9]* mss:[0-9]*$' <<<"$profile" ||
			fail "IPv$fam sockets lack ts/sack/wscale: $profile"
		[ "$(sort -u <<<"$HS_SS")" = "$want" ] ||
			fail "IPv$fam: ss shows '$(sort -u <<<"$HS_SS" | tr '\n' ' ')', want '$want'"
	done
	snap "$WORK/after.json"
	# Retransmitted SYNs or ACKs may add to these, and so may a client's first data
	# segment when it reaches TC in the same receive batch as its final ACK (both carry
	# the cookie; the kernel keeps one socket): the server's accept count below is exact.
	for c in syn_cookie_sent "${COOKIE_ACK_COUNTERS[@]}"; do
		expect_ge "counter $c" "$(delta "$WORK/before.json" "$WORK/after.json" "$c")" $((2 * n))
	done
	expect_eq "connections accepted by the server" "$(accepted)" $((4 + 2 * n))
	note "$((2 * n)) handshakes: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	note "server veth: 0 kernel SYN-ACKs; client veth: $((2 * n)) SYN-ACKs"
	xsc detach "$LAB_SRV_IF_CLI"
}

t_handshake_native()
{
	handshake_test native
}

t_handshake_skb()
{
	handshake_test skb 9
}

# 50 MB each way over IPv4 and IPv6, on connections that only cookies established.
t_iperf3()
{
	local fam dir dst sent rate n=$((50 * 1024 * 1024)) tx rx rx_ns octets

	xsc attach "$LAB_SRV_IF_CLI" --engage always
	for fam in 4 6; do
		for dir in up down; do
			dst=$(dst_of $fam)
			lab_bg srv "$WORK/iperf-s" iperf3 -s -1 -p 5201 -B "$dst"
			lab_wait_listen "$LAB_SRV" 5201 10 || fail "iperf3 server did not start"
			snap "$WORK/before.json"
			local rflag=()
			rx_ns=lab_srv
			[ "$dir" = down ] && rflag=(-R) && rx_ns=lab_cli
			"$rx_ns" cat /proc/net/netstat /proc/net/snmp6 >"$WORK/rx0"
			lab_cli timeout 60 iperf3 -c "$dst" -p 5201 -n 50M "${rflag[@]}" -J \
				--connect-timeout 3000 >"$WORK/iperf.json" 2>"$WORK/iperf.err" ||
				fail "iperf3 IPv$fam $dir failed: $(head -c 300 "$WORK/iperf.json")"
			wait "$LAB_BG_PID" || true
			snap "$WORK/after.json"
			"$rx_ns" cat /proc/net/netstat /proc/net/snmp6 >"$WORK/rx1"
			read -r tx rx rate < <("${ST[@]}" iperf "$WORK/iperf.json")
			expect_ge "iperf3 IPv$fam $dir bytes sent" "$tx" "$n"
			# Proof from the receiving kernel that the bulk crossed. Not all of it: an iperf3
			# server stops reading at the sender's end-of-test message and closes, which
			# resets the connection and drops what is still in flight (its own count falls
			# further short: it also leaves the unread receive queue out).
			octets=IpExtInOctets
			[ "$fam" = 6 ] && octets=Ip6InOctets
			octets=$("${ST[@]}" mib1 "$WORK/rx0" "$WORK/rx1" "$octets")
			expect_ge "IPv$fam $dir bytes in at the receiver's IP layer (90% of 50 MiB)" \
				"$octets" $((n * 9 / 10))
			# iperf3 opens a control and a data connection: both must be cookie-made.
			sent=$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)
			expect_ge "IPv$fam $dir cookie SYN-ACKs" "$sent" 2
			expect_ge "IPv$fam $dir handoffs (at least; see handshake_test)" \
				"$(delta "$WORK/before.json" "$WORK/after.json" "$COOKIE_OK")" 2
			note "IPv$fam $dir: $tx bytes sent, $octets IP bytes in at the receiver" \
				"(iperf3 counted $rx), $rate Gbit/s," \
				"2 connections by cookie," \
				"ack_socket +$(delta "$WORK/before.json" "$WORK/after.json" ack_socket)"
		done
	done
}

# Clients without timestamps, SACK or window scaling still connect and keep the rest.
t_client_options()
{
	local knob fam profile want

	start_server echo
	xsc attach "$LAB_SRV_IF_CLI" --engage always
	for knob in tcp_timestamps tcp_sack tcp_window_scaling; do
		lab_cli sysctl -qw "net.ipv4.$knob=0"
		case $knob in
		tcp_timestamps)
			want='^no-ts sack wscale:[0-9]+,[0-9]+ '
			# The kernel's cookies carry window scale and SACK in the timestamp only.
			if [ "$HANDOFF" = kernel ]; then want='^no-ts no-sack no-wscale '; fi
			;;
		tcp_sack) want='^ts no-sack wscale:[0-9]+,[0-9]+ ' ;;
		tcp_window_scaling) want='^ts sack no-wscale ' ;;
		esac
		for fam in 4 6; do
			snap "$WORK/before.json"
			handshakes "$knob$fam" "$(dst_of $fam)" 3
			snap "$WORK/after.json"
			expect_eq "$knob=0 IPv$fam connections" "$HS_OK" 3
			expect_ge "$knob=0 IPv$fam handoffs (at least; see handshake_test)" \
				"$(delta "$WORK/before.json" "$WORK/after.json" "$COOKIE_OK")" 3
			expect_eq "$knob=0 IPv$fam kernel SYN-ACKs" "$HS_SRV_SYNACKS" 0
			profile=$(sort -u <<<"$HS_PROFILE")
			{ [ "$(grep -c . <<<"$profile")" = 1 ] && grep -Eq "$want" <<<"$profile"; } ||
				fail "$knob=0 IPv$fam: server sockets '$profile', want /$want/"
			[ "$(sort -u <<<"$HS_SS")" = "$profile" ] ||
				fail "$knob=0 IPv$fam: ss -tine shows '$HS_SS', TCP_INFO '$profile'"
			note "client $knob=0, IPv$fam: $profile"
		done
		lab_cli sysctl -qw "net.ipv4.$knob=1"
	done
}

# The kernel handoff with the server's tcp_timestamps at 1 (Linux's default): the kernel
# would shift the echoed timestamp by its secret offset, so the SYN-ACK carries none and the
# connections keep the MSS alone; at 2 they keep everything (as handshake_test checks).
t_kernel_timestamps()
{
	local fam profile want out

	start_server echo
	lab_srv sysctl -qw net.ipv4.tcp_syncookies=2 net.ipv4.tcp_timestamps=1
	out=$(lab_xsc attach "$LAB_SRV_IF_CLI" --engage always --handoff kernel 2>&1) ||
		fail "attach --handoff kernel: $out"
	grep -q "tcp_timestamps is 1.*keep only the MSS" <<<"$out" ||
		fail "attach did not say what tcp_timestamps=1 costs: $out"
	for fam in 4 6; do
		snap "$WORK/before.json"
		handshakes "ts1-$fam" "$(dst_of $fam)" 10
		snap "$WORK/after.json"
		expect_eq "IPv$fam connections" "$HS_OK" 10
		expect_eq "IPv$fam kernel SYN-ACKs" "$HS_SRV_SYNACKS" 0
		expect_ge "IPv$fam kernel cookie ACKs" \
			"$(delta "$WORK/before.json" "$WORK/after.json" ack_kernel_cookie)" 10
		want="no-ts no-sack no-wscale mss:1460"
		[ "$fam" = 4 ] || want="no-ts no-sack no-wscale mss:1440"
		profile=$(sort -u <<<"$HS_PROFILE")
		[ "$profile" = "$want" ] || fail "IPv$fam sockets '$profile', want '$want'"
		note "server tcp_timestamps=1, IPv$fam: $profile"
	done
	xsc detach "$LAB_SRV_IF_CLI"
}

# Both server settings that keep Linux's cookies on: 1 (on overflow) and 2 (always).
t_server_syncookies()
{
	local v fam

	start_server echo
	xsc attach "$LAB_SRV_IF_CLI" --engage always
	for v in 1 2; do
		lab_srv sysctl -qw "net.ipv4.tcp_syncookies=$v"
		for fam in 4 6; do
			snap "$WORK/before.json"
			handshakes "sc$v-$fam" "$(dst_of $fam)" 10
			snap "$WORK/after.json"
			expect_eq "tcp_syncookies=$v IPv$fam connections" "$HS_OK" 10
			expect_ge "tcp_syncookies=$v IPv$fam handoffs (at least; see handshake_test)" \
				"$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 10
			expect_eq "tcp_syncookies=$v IPv$fam kernel SYN-ACKs" "$HS_SRV_SYNACKS" 0
		done
		note "tcp_syncookies=$v: 10+10 connections by cookie, no kernel SYN-ACK"
	done
}

forge()
{
	local fam=$1

	shift
	if [ "$fam" = 4 ]; then
		lab_atk "$LAB_PY" "$HERE/forge.py" --iface "$LAB_ATK_IF" --dst-mac "$LAB_MAC_SRV_ATK" \
			--dst "$LAB_SRV4_ATK" --own "$LAB_ATK4" --port "$PORT" "$@"
	else
		lab_atk "$LAB_PY" "$HERE/forge.py" --iface "$LAB_ATK_IF" --dst-mac "$LAB_MAC_SRV_ATK" \
			--dst "$LAB_SRV6_ATK" --own "$LAB_ATK6" --port "$PORT" "$@"
	fi
}

# Forged ACKs (random, and real cookies bent one input at a time) are dropped silently.
t_forged_acks()
{
	local filter td rsts n=200 fam bends=5
	local -a kind=()

	if [ "$HANDOFF" = kernel ]; then
		kind=(--kernel-cookie)	# forge.py: the kernel's cookie takes one a few off
		bends=3
	fi
	start_server hold
	filter="(src host $LAB_SRV4_ATK or src host $LAB_SRV6_ATK) and $LAB_F_RST"

	# Control: without the mitigator the kernel answers forged ACKs with RSTs, and the
	# capture sees them.
	lab_tcpdump "$LAB_ATK" "$LAB_ATK_IF" "$WORK/control.pcap" -Q in "$filter"
	td=$LAB_TCPDUMP_PID
	forge 4 acks --count 20 >/dev/null
	sleep 0.3
	lab_stop "$td"
	rsts=$(lab_count "$WORK/control.pcap" "$filter")
	expect_ge "control: RSTs for 20 forged ACKs without xdp-syncookie" "$rsts" 10
	note "control without xdp-syncookie: 20 forged ACKs drew $rsts RSTs"

	xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" --engage always
	snap "$WORK/before.json"
	mib_snap "$WORK/mib0"
	lab_tcpdump "$LAB_ATK" "$LAB_ATK_IF" "$WORK/forged.pcap" -Q in "$filter"
	td=$LAB_TCPDUMP_PID
	for fam in 4 6; do
		forge $fam acks --count $n >"$WORK/acks$fam.json"
		forge $fam tuple "${kind[@]}" >"$WORK/tuple$fam.json"
		grep -q '"synack": true' "$WORK/tuple$fam.json" ||
			fail "IPv$fam: no cookie SYN-ACK for the attacker's own SYN: $(cat "$WORK/tuple$fam.json")"
	done
	sleep 0.5
	lab_stop "$td"
	snap "$WORK/after.json"
	mib_snap "$WORK/mib1"
	expect_eq "RSTs from the server" "$(lab_count "$WORK/forged.pcap" "$filter")" 0
	expect_eq "server TcpOutRsts" "$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpOutRsts)" 0
	expect_eq "established sockets on the server" \
		"$(lab_srv ss -Htan state established | grep -c . || true)" 0
	expect_eq "SYN-RECV sockets on the server" \
		"$(lab_srv ss -Htan state syn-recv | grep -c . || true)" 0
	expect_eq "connections accepted" "$(accepted)" 0
	# 2 x 200 random ACKs and 2 x 5 bent cookies; the SYNs of the tuple cases got cookies.
	expect_eq "counter ack_no_socket" \
		"$(delta "$WORK/before.json" "$WORK/after.json" ack_no_socket)" $((2 * n + 2 * bends))
	expect_eq "counter $COOKIE_OK" "$(delta "$WORK/before.json" "$WORK/after.json" "$COOKIE_OK")" 0
	note "$((2 * n)) random + $((2 * bends)) bent-cookie ACKs: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"

	# Positive control: the unbent ACK of the same kind of exchange makes a socket.
	snap "$WORK/before.json"
	forge 4 tuple --control "${kind[@]}" >"$WORK/control.json"
	lab_wait_file "$WORK/server.json" 5 '"accepted": 1' ||
		fail "the correct cookie ACK made no connection: $(cat "$WORK/control.json")"
	snap "$WORK/after.json"
	expect_eq "control: $COOKIE_OK" "$(delta "$WORK/before.json" "$WORK/after.json" "$COOKIE_OK")" 1
	note "control: the unbent cookie ACK was accepted ($COOKIE_OK +1)"

	# The same flood of random ACKs in the other modes: dropped, no RST, no socket.
	for mode in auto never; do
		xsc set "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" --engage "$mode"
		snap "$WORK/before.json"
		mib_snap "$WORK/mib0"
		lab_tcpdump "$LAB_ATK" "$LAB_ATK_IF" "$WORK/$mode.pcap" -Q in "$filter"
		td=$LAB_TCPDUMP_PID
		for fam in 4 6; do
			forge $fam acks --count $n >/dev/null
		done
		sleep 0.5
		lab_stop "$td"
		snap "$WORK/after.json"
		mib_snap "$WORK/mib1"
		expect_eq "$mode: RSTs from the server" "$(lab_count "$WORK/$mode.pcap" "$filter")" 0
		expect_eq "$mode: server TcpOutRsts" \
			"$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpOutRsts)" 0
		expect_eq "$mode: counter ack_no_socket" \
			"$(delta "$WORK/before.json" "$WORK/after.json" ack_no_socket)" $((2 * n))
		expect_eq "$mode: established sockets on the server" \
			"$(lab_srv ss -Htan state established | grep -c . || true)" 1
		note "$mode: $((2 * n)) random ACKs dropped, 0 RSTs, no new socket"
	done
}

# A handshake whose SYN-ACK went out before a re-attach completes after it, because the
# key is shared by the interfaces and another one kept it; once the last interface is
# detached the key is gone, and so is that cookie's validity.
t_reattach_inflight()
{
	start_server hold
	xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" --engage always
	forge 4 syn --state "$WORK/hs1.json" >"$WORK/syn1.out" ||
		fail "no cookie SYN-ACK: $(cat "$WORK/syn1.out")"
	xsc detach "$LAB_SRV_IF_ATK"
	xsc attach "$LAB_SRV_IF_ATK" --engage always
	snap "$WORK/before.json"
	forge 4 ack --state "$WORK/hs1.json" >/dev/null
	lab_wait_file "$WORK/server.json" 5 '"accepted": 1' ||
		fail "the ACK for a SYN-ACK sent before the re-attach made no connection"
	snap "$WORK/after.json"
	expect_eq "handoff_ok after the re-attach" \
		"$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok "$LAB_SRV_IF_ATK")" 1
	note "SYN-ACK before detach+attach of $LAB_SRV_IF_ATK ($LAB_SRV_IF_CLI kept the key): handshake completed"

	forge 4 syn --state "$WORK/hs2.json" >"$WORK/syn2.out" ||
		fail "no cookie SYN-ACK: $(cat "$WORK/syn2.out")"
	xsc detach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK"
	xsc attach "$LAB_SRV_IF_ATK" --engage always
	snap "$WORK/before.json"
	forge 4 ack --state "$WORK/hs2.json" >/dev/null
	sleep 0.5
	snap "$WORK/after.json"
	note "the old cookie's ACK after a fresh attach: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_eq "ack_no_socket for a cookie of the retired key" \
		"$(delta "$WORK/before.json" "$WORK/after.json" ack_no_socket "$LAB_SRV_IF_ATK")" 1
	expect_eq "connections accepted" "$(accepted)" 1
	note "after the last interface was detached, the old cookie was refused (new key)"
}

# A connection opened before attach keeps flowing through attach and detach.
t_preexisting_connection()
{
	local fam pids=() lines

	start_server echo
	for fam in 4 6; do
		lab_bg cli "$WORK/pinger$fam" "${TT[@]}" pinger --dst "$(dst_of $fam)" --port "$PORT" \
			--seconds 60 --interval 0.05
		pids+=("$LAB_BG_PID")
	done
	# wait_rounds N: until both pingers have done N echo rounds on their connection.
	wait_rounds()
	{
		for fam in 4 6; do
			lab_wait_file "$WORK/pinger$fam.out" 20 "^round $1 ok" ||
				fail "IPv$fam connection stalled before round $1: $(tail -2 "$WORK/pinger$fam.out")"
		done
	}
	wait_rounds 10
	xsc attach "$LAB_SRV_IF_CLI"
	snap "$WORK/before.json"
	lines=$(grep -c '^round' "$WORK/pinger4.out")
	wait_rounds $((lines + 20))
	snap "$WORK/after.json"
	expect_ge "ack_socket (the flows' ACKs seen and passed while attached)" \
		"$(delta "$WORK/before.json" "$WORK/after.json" ack_socket)" 20
	expect_eq "syn_cookie_sent while attached" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 0
	note "while attached: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	xsc detach "$LAB_SRV_IF_CLI"
	lines=$(grep -c '^round' "$WORK/pinger4.out")
	wait_rounds $((lines + 20))
	lab_stop "${pids[@]}"
	for fam in 4 6; do
		grep -q '^summary .* error=none$' "$WORK/pinger$fam.out" ||
			fail "IPv$fam connection broke: $(tail -3 "$WORK/pinger$fam.out")"
		note "IPv$fam: one connection, $(sed -n 's/^summary rounds=\([0-9]*\).*/\1/p' \
			"$WORK/pinger$fam.out") echo rounds across attach and detach, no error"
	done
}

# ---- engaging by itself ----------------------------------------------------------------

# events_bg NAME [SECONDS]: follows the server's engage events as JSON lines in $WORK/NAME.out.
events_bg()
{
	lab_bg srv "$WORK/$1" "$XSC" events --json --timeout "${2:-120}"
	EVENTS_PID=$LAB_BG_PID
}

# events_count NAME TYPE: engage or disengage events followed so far.
events_count()
{
	"${ST[@]}" events "$WORK/$1.out" "$2"
}

# wait_events NAME TYPE N [SECONDS]: until N events of TYPE have arrived.
wait_events()
{
	local name=$1 type=$2 n=$3 limit=${4:-30} i

	for ((i = 0; i < limit * 10; i++)); do
		[ "$(events_count "$name" "$type")" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "fewer than $n $type events after ${limit}s: $(cat "$WORK/$name.out")"
}

# event_field NAME TYPE N KEY: a field of the Nth event of TYPE.
event_field()
{
	"${ST[@]}" event "$WORK/$1.out" "$2" "$3" "$4"
}

# flood LABEL PACKETS SECONDS [PPS]: spoofed SYNs at the server's attacker-side address,
# in the foreground; both bounds hold.
flood()
{
	local label=$1 n=$2 secs=$3 pps=${4:-0}

	lab_atk "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_SRV4_ATK" -p "$PORT" -n "$n" -t "$secs" \
		-r "$pps" >"$WORK/$label.flood.out" 2>"$WORK/$label.flood.err" ||
		fail "synflood failed: $(cat "$WORK/$label.flood.err")"
}

# flood_bg: the same in the background, as FLOOD_PID.
flood_bg()
{
	local label=$1 n=$2 secs=$3 pps=${4:-0}

	lab_bg atk "$WORK/$label.flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_SRV4_ATK" \
		-p "$PORT" -n "$n" -t "$secs" -r "$pps"
	FLOOD_PID=$LAB_BG_PID
}

flood_sent()
{
	sed -n 's/.*sent \([0-9]*\) packets.*/\1/p' "$WORK/$1.flood.out"
}

# stream_bg NAME SECONDS: real clients connecting and echoing, one after another on two
# workers, from the attacker's own address: the link the floods come in on.
stream_bg()
{
	lab_bg atk "$WORK/$1" "${TT[@]}" connect --dst "$LAB_SRV4_ATK" --port "$PORT" \
		--count 1000000 --parallel 2 --timeout 3 --exchange --seconds "$2" --interval 0.01
	STREAM_PID=$LAB_BG_PID
}

# stream_end NAME: stops the stream and checks that no connection failed.
stream_end()
{
	lab_stop "$STREAM_PID"
	lab_wait_file "$WORK/$1.out" 10 '"count"' || fail "the client stream gave no result"
	note "client stream: $(result "$1" ok) of $(result "$1" count) connections," \
		"errors $(result "$1" errors), connect p99 $(result "$1" p99_ms) ms"
	expect_ge "client stream connections" "$(result "$1" ok)" 20
	expect_eq "failed client connections" "$(result "$1" failed)" 0
}

now_unix()
{
	date +%s.%N
}

# seconds_between A B: B - A, to the millisecond.
seconds_between()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'
}

# at_most WHAT GOT MAX / at_least WHAT GOT MIN: for decimal figures.
at_most()
{
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g <= m) }' || fail "$1: got $2, want at most $3"
}

at_least()
{
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g >= m) }' || fail "$1: got $2, want at least $3"
}

overflow_mibs()
{
	"${ST[@]}" mib "$1" "$2" TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop \
		TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent
}

# Peacetime: the kernel answers every SYN with everything it offers.
t_engage_quiet()
{
	local n=200 bad want

	start_server echo
	xsc attach "$LAB_SRV_IF_CLI"
	snap "$WORK/before.json"
	# The client advertises MSS 1400: the kernel keeps it, where a cookie's table rounds it
	# down to 1380.
	handshakes quiet "$LAB_SRV4" "$n" --mss 1400
	snap "$WORK/after.json"
	expect_eq "connections in peacetime" "$HS_OK" "$n"
	expect_eq "cookie SYN-ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 0
	expect_eq "SYNs passed to the kernel" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_passed)" "$n"
	expect_ge "SYN-ACKs the server's kernel sent" "$HS_SRV_SYNACKS" "$n"
	expect_eq "port 8080 engaged" "$("${ST[@]}" port "$WORK/after.json" "$LAB_SRV_IF_CLI" "$PORT" engaged)" false
	# 1400 less 12 bytes of timestamps: the MSS the client asked for, not a table's. With
	# tcp_syncookies=2 (the kernel handoff's) the kernel answers with its own cookie,
	# whose table (msstab) rounds 1400 down to 1300.
	want=1388
	if [ "$HANDOFF" = kernel ] && [ "$KERNEL_SYNCOOKIES" = 2 ]; then want=1288; fi
	bad=$(grep -vc " mss:$want\$" <<<"$HS_PROFILE" || true)
	expect_eq "accepted sockets without the MSS $want" "$bad" 0
	note "$n handshakes, all answered by the kernel: $(sort -u <<<"$HS_PROFILE")"
	note "counters: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
}

# A flood from a quiet start: engaged within a second, the listener never overflows, real
# clients keep connecting. Defaults throughout, listen backlog 16.
t_engage_flood()
{
	local t0 t_on dt n=1000

	start_server echo 16
	xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK"
	events_bg events 60
	mib_snap "$WORK/mib0"
	snap "$WORK/before.json"
	t0=$(now_unix)
	flood_bg flood 2000000 8
	sleep 1
	connect_bg legit "$LAB_SRV4" "$n" --parallel 8 --timeout 3 --exchange
	wait "$CLIENT_PID" || true
	wait "$FLOOD_PID" || fail "synflood failed: $(cat "$WORK/flood.flood.err")"
	mib_snap "$WORK/mib1"
	snap "$WORK/after.json"
	wait_events events engage 1
	t_on=$(event_field events engage 1 time)
	dt=$(seconds_between "$t0" "$t_on")
	note "engaged $dt s after the flood was launched, by $(event_field events engage 1 signal)" \
		"($(event_field events engage 1 syn_rate) SYN/s, SYN queue" \
		"$(event_field events engage 1 syn_queue)/$(event_field events engage 1 backlog))"
	note "SYNs the kernel saw: $(delta "$WORK/before.json" "$WORK/after.json" syn_passed "$LAB_SRV_IF_ATK")" \
		"of $(flood_sent flood) flood SYNs; client link:" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_passed "$LAB_SRV_IF_CLI") of $n"
	note "listener: $(overflow_mibs "$WORK/mib0" "$WORK/mib1")"
	note "legit: $(result legit ok)/$n in $(result legit seconds) s, connect p50" \
		"$(result legit p50_ms) ms, p99 $(result legit p99_ms) ms, errors $(result legit errors)"
	at_most "seconds from launching the flood to engaging" "$dt" 1
	for m in TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop; do
		expect_eq "$m" "$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" "$m")" 0
	done
	expect_ge "legitimate connections (99.9% of $n)" "$(result legit ok)" $((n * 999 / 1000))
}

# After the flood: the port stays engaged for the hold and no longer, and a handshake whose
# SYN-ACK went out while engaged completes after it disengaged.
t_engage_hold()
{
	local hold=5 t_end t_off dt

	start_server hold
	xsc attach "$LAB_SRV_IF_ATK" --hold "$hold"
	events_bg events 60
	flood_bg flood 1000000 3 50000
	wait_events events engage 1 5
	forge 4 syn --state "$WORK/hs.json" >"$WORK/syn.out" ||
		fail "no SYN-ACK while engaged: $(cat "$WORK/syn.out")"
	wait "$FLOOD_PID" || fail "synflood failed"
	t_end=$(now_unix)
	wait_events events disengage 1 $((hold + 10))
	t_off=$(event_field events disengage 1 time)
	dt=$(seconds_between "$t_end" "$t_off")
	note "disengaged $dt s after the flood ended (hold $hold s), after" \
		"$(event_field events disengage 1 engaged_for) s engaged," \
		"$(event_field events disengage 1 cookies) SYNs answered with cookies"
	at_least "seconds from the flood's end to disengaging" "$dt" "$(awk -v h="$hold" 'BEGIN { print h - 0.2 }')"
	at_most "seconds from the flood's end to disengaging" "$dt" $((hold + 2))
	snap "$WORK/before.json"
	forge 4 ack --state "$WORK/hs.json" >/dev/null
	lab_wait_file "$WORK/server.json" 5 '"accepted": 1' ||
		fail "the ACK for a SYN-ACK sent while engaged made no connection after disengaging"
	snap "$WORK/after.json"
	expect_eq "handoff_ok after disengaging" \
		"$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 1
	note "a handshake begun while engaged completed after disengaging (handoff_ok +1)"
}

# A pulsing flood does not flap the state: 2 s on, 2 s off, for 20 s.
t_engage_pulse()
{
	local hold=5 i

	start_server accept
	xsc attach "$LAB_SRV_IF_ATK" --hold "$hold"
	events_bg events 60
	for i in 1 2 3 4 5; do
		flood "pulse$i" 1000000 2 50000
		sleep 2
	done
	wait_events events disengage 1 $((hold + 5))
	note "5 pulses of 2 s at 50000 SYN/s: $(events_count events engage) engage," \
		"$(events_count events disengage) disengage, after" \
		"$(event_field events disengage 1 engaged_for) s"
	expect_eq "engages" "$(events_count events engage)" 1
	expect_eq "disengages" "$(events_count events disengage)" 1
}

# Five engage/disengage cycles with real clients connecting all along on the same link.
# The spoofed SYNs that reach the kernel before a port engages stay in its SYN queue for
# the SYN-ACK retransmissions, and while they fill more than the low mark and SYNs keep
# arriving, the port stays engaged, as it should. With Linux's default 5 retries that is a
# minute; here the server retries once (tcp_synack_retries=1, a common setting on servers
# that expect floods), so each cycle's leftovers are gone within 3 s.
t_engage_cycles()
{
	local hold=2 i

	lab_srv sysctl -qw net.ipv4.tcp_synack_retries=1
	start_server echo
	xsc attach "$LAB_SRV_IF_ATK" --hold "$hold"
	events_bg events 90
	stream_bg stream 60
	sleep 1
	for i in 1 2 3 4 5; do
		flood "cycle$i" 1000000 1 50000
		wait_events events disengage "$i" $((hold + 10))
		sleep 0.5
	done
	stream_end stream
	expect_eq "engages" "$(events_count events engage)" 5
	expect_eq "disengages" "$(events_count events disengage)" 5
	note "5 cycles: $(events_count events engage) engages, $(events_count events disengage) disengages"
}

# Monitor only: the kernel sees and answers every SYN; the counters say what we would have.
t_engage_never()
{
	local n=10000 sent quiet mon in out

	start_server accept 1024
	xsc attach "$LAB_SRV_IF_ATK" --engage never
	mib_snap "$WORK/mib0"
	snap "$WORK/before.json"
	flood never "$n" 5 20000
	sleep 0.5
	mib_snap "$WORK/mib1"
	snap "$WORK/after.json"
	sent=$(flood_sent never)
	quiet=$(delta "$WORK/before.json" "$WORK/after.json" syn_passed)
	mon=$(delta "$WORK/before.json" "$WORK/after.json" syn_monitor)
	# Nothing else talks TCP to this server: its segment counters are the flood's.
	in=$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpInSegs)
	out=$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpOutSegs)
	note "never: $sent SYNs sent; $quiet passed quietly, $mon passed that an engaged port" \
		"would have answered; the kernel took in $in segments and sent $out" \
		"($("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpExtSyncookiesSent) of its own cookies)"
	expect_eq "cookie SYN-ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 0
	expect_eq "SYNs passed (quietly or monitored)" $((quiet + mon)) "$sent"
	expect_ge "SYNs counted as what would have been answered" "$mon" 1
	expect_eq "segments the server's kernel received" "$in" "$sent"
	expect_ge "segments the server's kernel sent (a SYN-ACK each, and retransmits)" "$out" "$sent"
}

# Mode changes under flood while clients connect: always -> never -> auto, none fails.
t_engage_set_modes()
{
	start_server echo
	xsc attach "$LAB_SRV_IF_ATK"
	snap "$WORK/before.json"
	stream_bg stream 30
	flood_bg flood 3000000 11 50000
	sleep 1
	xsc set "$LAB_SRV_IF_ATK" --engage always
	sleep 3
	xsc set "$LAB_SRV_IF_ATK" --engage never
	sleep 3
	xsc set "$LAB_SRV_IF_ATK" --engage auto
	sleep 3
	wait "$FLOOD_PID" || fail "synflood failed"
	stream_end stream
	snap "$WORK/after.json"
	note "counters: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_ge "SYNs answered with cookies" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 1000
	expect_ge "SYNs monitored under never" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_monitor)" 1000
}

# A port-set change is never half-applied: a client alternates SYNs between two ports while
# the protected set flips between them; the order the SYNs were judged in (their ISNs) and
# who answered each (our SYN-ACKs have TTL 63) must show exactly one switch per change.
t_engage_port_set()
{
	local flips=8 i out answers switches

	start_server accept
	lab_bg srv "$WORK/server2" "${TT[@]}" server --port 8081 --mode accept --seconds 120
	lab_wait_listen "$LAB_SRV" 8081 10 || fail "the second server did not start"
	xsc attach "$LAB_SRV_IF_CLI" --engage always --ttl 63 --ports "$PORT"
	lab_bg cli "$WORK/hammer" "$LAB_PY" "$HERE/forge.py" --iface "$LAB_CLI_IF" \
		--dst-mac "$LAB_MAC_SRV_CLI" --dst "$LAB_SRV4" --own "$LAB_CLI4" --port "$PORT" \
		hammer --ports "$PORT,8081" --count 6000 --rate 1000
	lab_wait_file "$WORK/hammer.out" 30 '"sending"' || fail "the SYN hammer did not start"
	sleep 0.5
	for ((i = 1; i <= flips; i++)); do
		if ((i % 2)); then xsc set "$LAB_SRV_IF_CLI" --ports 8081; else xsc set "$LAB_SRV_IF_CLI" --ports "$PORT"; fi
		sleep 0.5
	done
	wait "$LAB_BG_PID" || fail "the SYN hammer failed: $(cat "$WORK/hammer.err")"
	read -r answers switches < <("${ST[@]}" switches "$WORK/hammer.out" "$PORT" 63)
	note "$answers of 6000 SYNs answered; the protected port switched $switches times for $flips changes"
	expect_ge "SYNs answered (90%)" "$answers" 5400
	expect_eq "switches of the protected port seen by the SYNs" "$switches" "$flips"
}

# tcp_syncookies=2 without a flood: the kernel answers every SYN with its own cookie, and
# the final ACKs, which have no socket, pass on that cookie.
t_engage_kernel_cookies()
{
	local fam

	start_server echo
	xsc attach "$LAB_SRV_IF_CLI"
	lab_srv sysctl -qw net.ipv4.tcp_syncookies=2
	mib_snap "$WORK/mib0"
	snap "$WORK/before.json"
	for fam in 4 6; do
		handshakes "kc$fam" "$(dst_of $fam)" 50
		expect_eq "IPv$fam connections on the kernel's cookies" "$HS_OK" 50
	done
	mib_snap "$WORK/mib1"
	snap "$WORK/after.json"
	note "kernel: $("${ST[@]}" mib "$WORK/mib0" "$WORK/mib1" TcpExtSyncookiesSent TcpExtSyncookiesRecv TcpExtSyncookiesFailed)"
	note "counters: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_ge "ACKs passed on a kernel cookie" \
		"$(delta "$WORK/before.json" "$WORK/after.json" ack_kernel_cookie)" 100
	expect_eq "our cookie SYN-ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 0
	expect_ge "cookies the kernel accepted" "$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpExtSyncookiesRecv)" 100
}

# Leftovers of an interface: pin dir, XDP program, TC filter. Empty output = clean.
leftovers()
{
	local dev=$1

	[ -e "$LAB_BPFFS/xdp-syncookie/$dev" ] && echo "pin dir $LAB_BPFFS/xdp-syncookie/$dev"
	if lab_srv ip link show dev "$dev" 2>/dev/null | grep -Eq 'xdp|prog/xdp'; then
		echo "XDP program on $dev"
	fi
	if [ -n "$(lab_srv tc filter show dev "$dev" ingress 2>/dev/null)" ]; then
		echo "TC ingress filter on $dev"
	fi
	return 0
}

# xsc_fails WHAT ARGS...: the command must fail with a message; sets FAIL_RC and FAIL_OUT.
xsc_fails()
{
	local what=$1

	shift
	FAIL_RC=0
	FAIL_OUT=$(lab_xsc "$@" 2>&1) || FAIL_RC=$?
	echo "xdp-syncookie $*: rc=$FAIL_RC: $FAIL_OUT" >&2
	[ "$FAIL_RC" -ne 0 ] || fail "$what: exit code 0 (output: $FAIL_OUT)"
	[ -n "$FAIL_OUT" ] || fail "$what: exit code $FAIL_RC but no message"
	note "$what: rc=$FAIL_RC: $(head -1 <<<"$FAIL_OUT")"
}

# attach twice, detach when not attached, unknown interface, bad values: clear message,
# non-zero exit, nothing left behind.
t_cli_errors()
{
	local left pins

	xsc attach "$LAB_SRV_IF_CLI"
	xsc_fails "attach twice" attach "$LAB_SRV_IF_CLI"
	expect_eq "attach twice: exit code" "$FAIL_RC" 1
	grep -q "$LAB_SRV_IF_CLI" <<<"$FAIL_OUT" || fail "attach twice: message does not name the interface"
	lab_xsc status "$LAB_SRV_IF_CLI" >&2 || fail "status after attach twice failed"
	expect_eq "TC filters after attach twice" \
		"$(lab_srv tc filter show dev "$LAB_SRV_IF_CLI" ingress | grep -c 'direct-action' || true)" 1
	xsc detach "$LAB_SRV_IF_CLI"
	left=$(leftovers "$LAB_SRV_IF_CLI")
	[ -z "$left" ] || fail "after detach: $left"

	xsc_fails "detach when not attached" detach "$LAB_SRV_IF_CLI"
	expect_eq "detach when not attached: exit code" "$FAIL_RC" 1
	left=$(leftovers "$LAB_SRV_IF_CLI")
	[ -z "$left" ] || fail "after a failed detach: $left"

	xsc_fails "unknown interface" attach nosuch0
	expect_eq "unknown interface: exit code" "$FAIL_RC" 1
	grep -q nosuch0 <<<"$FAIL_OUT" || fail "unknown interface: message does not name it"
	[ ! -e "$LAB_BPFFS/xdp-syncookie/nosuch0" ] || fail "unknown interface: pin dir left"

	xsc_fails "attach without an interface" attach
	expect_eq "attach without an interface: exit code" "$FAIL_RC" 2
	xsc_fails "port 0 in --ports" attach "$LAB_SRV_IF_CLI" --ports 80,0,443
	expect_eq "port 0 in --ports: exit code" "$FAIL_RC" 2
	left=$(leftovers "$LAB_SRV_IF_CLI")
	[ -z "$left" ] || fail "after a rejected --ports: $left"

	# Several interfaces, one bad: the help promises nothing is left attached.
	xsc_fails "attach with one unknown interface" attach "$LAB_SRV_IF_CLI" nosuch0
	left=$(leftovers "$LAB_SRV_IF_CLI")
	[ -z "$left" ] || fail "attach $LAB_SRV_IF_CLI nosuch0 failed but left: $left"

	# No BPF filesystem where pins should go: refused, nothing attached.
	mkdir -p "$LAB_DIR/not-bpffs"
	FAIL_RC=0
	FAIL_OUT=$(ip netns exec "$LAB_SRV" env LIBXDP_BPFFS="$LAB_DIR/not-bpffs" "$XSC" \
		attach "$LAB_SRV_IF_CLI" 2>&1) || FAIL_RC=$?
	if [ "$FAIL_RC" -eq 0 ] || [ -z "$FAIL_OUT" ]; then
		fail "attach without a bpffs: rc=$FAIL_RC, output '$FAIL_OUT'"
	fi
	note "attach without a bpffs: rc=$FAIL_RC: $(head -1 <<<"$FAIL_OUT")"
	left=$(leftovers "$LAB_SRV_IF_CLI")
	[ -z "$left" ] || fail "attach without a bpffs failed but left: $left"
	[ -z "$(ls -A "$LAB_DIR/not-bpffs")" ] || fail "attach without a bpffs wrote into it"

	# An interface that disappears while attached can still be detached, leaving nothing.
	xsc attach "$LAB_SRV_IF_ATK"
	lab_srv ip link del dev "$LAB_SRV_IF_ATK"
	local rc=0 out
	out=$(lab_xsc detach "$LAB_SRV_IF_ATK" 2>&1) || rc=$?
	note "detach of a removed interface: rc=$rc: $(head -1 <<<"$out")"
	[ ! -e "$LAB_BPFFS/xdp-syncookie/$LAB_SRV_IF_ATK" ] ||
		fail "detach of a removed interface left its pin dir (rc=$rc: $out)"

	# Nothing attached any more: no pinned object may remain in the lab's bpffs (the
	# kernel's own progs.debug and maps.debug are in every bpffs mount).
	pins=$(find "$LAB_BPFFS" -mindepth 1 ! -type d ! -path "$LAB_BPFFS/progs.debug" \
		! -path "$LAB_BPFFS/maps.debug")
	[ -z "$pins" ] || fail "pins left after every detach: $(tr '\n' ' ' <<<"$pins")"
}

# Live numbers while a flood engages the port: the Prometheus exposition shows it engaged
# with its cookies, and stats --watch the cookies going out per second.
t_live_numbers()
{
	local ifc=$LAB_SRV_IF_ATK engaged cookies sent moving

	command -v promtool >/dev/null || fail "promtool is not installed (make deps)"
	start_server echo 16
	xsc attach "$ifc"
	events_bg events 30
	flood_bg flood 200000 4 50000
	wait_events events engage 1 5
	lab_bg srv "$WORK/watch" "$XSC" stats --watch --count 3 -i 0.5 "$ifc"
	WATCH_PID=$LAB_BG_PID
	lab_xsc stats --prometheus "$ifc" >"$WORK/prom" 2>"$WORK/prom.err" ||
		fail "stats --prometheus failed: $(cat "$WORK/prom.err")"
	wait "$WATCH_PID" || fail "stats --watch failed: $(cat "$WORK/watch.err")"
	wait "$FLOOD_PID" || fail "synflood failed: $(cat "$WORK/flood.flood.err")"
	promtool check metrics <"$WORK/prom" >"$WORK/lint" 2>&1 ||
		fail "promtool check metrics: $(cat "$WORK/lint")"
	series() { sed -n "s/^xdp_syncookie_$1{interface=\"$ifc\"$2} //p" "$WORK/prom"; }
	engaged=$(series port_engaged ",port=\"$PORT\"")
	cookies=$(series port_cookies_total ",port=\"$PORT\"")
	sent=$(series packets_total ',reason="syn_cookie_sent",verdict="tx"')
	# Refreshes in which the port was engaged and sent cookies, by the plain line's fields:
	# DATE TIME IFACE port PORT engaged RATE SYN/s COOKIES cookies/s.
	moving=$(awk -v p="$PORT" '$4 == "port" && $5 == p && $6 == "engaged" && $9 > 0' \
		"$WORK/watch.out" | wc -l)
	note "exposition: port $PORT engaged $engaged, $cookies cookies; syn_cookie_sent $sent"
	note "watch: $(grep -c " total " "$WORK/watch.out") refreshes, last:" \
		"$(grep " port $PORT " "$WORK/watch.out" | tail -1 | cut -d' ' -f4- | tr -s ' ')"
	expect_eq "port $PORT engaged in the exposition" "$engaged" 1
	expect_ge "cookies of port $PORT in the exposition" "${cookies:-0}" 1
	expect_ge "syn_cookie_sent in the exposition" "${sent:-0}" 1
	expect_eq "refreshes of stats --watch" "$(grep -c " $ifc total " "$WORK/watch.out")" 3
	expect_ge "refreshes showing port $PORT engaged and sending cookies" "$moving" 2
}

# ---- the service (xdp-syncookie run) ------------------------------------------------

# Every process a service test starts, ended by PID when the test ends, however it ends
# (run_single's EXIT trap), before the lab goes.
TRACKED_PIDS=()
track()
{
	TRACKED_PIDS+=("$1")
}

stop_tracked()
{
	[ ${#TRACKED_PIDS[@]} -eq 0 ] || lab_stop "${TRACKED_PIDS[@]}"
}

# svc_conf FILE LINE...: a config file, one argument a line.
svc_conf()
{
	local f=$1

	shift
	printf '%s\n' "$@" >"$f"
}

# svc_start NAME CONF: the service in the server namespace, in the background as SVC_PID,
# its log in $WORK/NAME.err; returns once it says it started (it tells systemd READY=1
# at the same point).
svc_start()
{
	lab_bg srv "$WORK/$1" "$XSC" run --config "$2"
	SVC_PID=$LAB_BG_PID
	track "$SVC_PID"
	lab_wait_file "$WORK/$1.err" 30 "run: started" ||
		fail "the service did not start: $(cat "$WORK/$1.err")"
}

# svc_stop NAME: SIGTERM, then its exit code must be 0 and its log must say it stopped.
svc_stop()
{
	local rc=0

	kill -TERM "$SVC_PID"
	wait "$SVC_PID" || rc=$?
	expect_eq "exit code of the service after SIGTERM" "$rc" 0
	grep -q "run: Terminated: stopping" "$WORK/$1.err" || fail "no stop in the log: $(cat "$WORK/$1.err")"
}

# svc_reload NAME WANT: SIGHUP, then waits for the log line matching WANT.
svc_reload()
{
	local n i

	n=$(grep -c "SIGHUP: reloading" "$WORK/$1.err" || true)
	kill -HUP "$SVC_PID"
	for ((i = 0; i < 200; i++)); do
		# Only what the log says after this reload began.
		awk -v n="$n" '/SIGHUP: reloading/ { k++ } k > n' "$WORK/$1.err" | grep -q -- "$2" &&
			return 0
		sleep 0.05
	done
	fail "no '$2' after SIGHUP: $(tail -5 "$WORK/$1.err")"
}

policy_of()
{
	snap "$WORK/pol.json"
	"${ST[@]}" policy "$WORK/pol.json" "$1" "$2"
}

# promq QUERY: an instant query to the test's Prometheus; prints the value (-1: no sample).
promq()
{
	lab_srv curl -s -m 5 http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1" \
		>"$WORK/promq.json" || fail "querying Prometheus failed"
	"${ST[@]}" promq "$WORK/promq.json"
}

# The metrics a real Prometheus scrapes from the service: the cookie counter rises while a
# bounded flood engages the port.
t_service_prometheus()
{
	local q before=-1 now i code

	q='xdp_syncookie_packets_total{interface="srv-atk",reason="syn_cookie_sent"}'
	start_server echo 16
	track "$SERVER_PID"
	svc_conf "$WORK/xsc.conf" "[service]" "metrics = 127.0.0.1:9432" \
		"[interface $LAB_SRV_IF_ATK]" "ports = $PORT" "syn_rate = 1000"
	svc_start svc "$WORK/xsc.conf"
	code=$(lab_srv curl -s -o "$WORK/m.txt" -w '%{http_code} %{content_type}' http://127.0.0.1:9432/metrics)
	expect_eq "GET /metrics" "$code" "200 text/plain; version=0.0.4; charset=utf-8"
	grep -q "^xdp_syncookie_packets_total{interface=\"$LAB_SRV_IF_ATK\",reason=\"syn_cookie_sent\"" \
		"$WORK/m.txt" || fail "no cookie counter in /metrics: $(head -5 "$WORK/m.txt")"
	expect_eq "GET /other" "$(lab_srv curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9432/other)" 404
	expect_eq "POST /metrics" "$(lab_srv curl -s -o /dev/null -w '%{http_code}' -d x=1 \
		http://127.0.0.1:9432/metrics)" 405

	cat >"$WORK/prom.yml" <<-PROM
	global:
	  scrape_interval: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: xdp-syncookie
	    static_configs:
	      - targets: ['127.0.0.1:9432']
	PROM
	lab_bg srv "$WORK/prom" /usr/bin/prometheus --config.file="$WORK/prom.yml" \
		--storage.tsdb.path="$WORK/tsdb" --web.listen-address=127.0.0.1:9090 --log.level=warn
	track "$LAB_BG_PID"
	for ((i = 0; i < 300 && before < 0; i++)); do
		sleep 0.1
		lab_srv curl -s -m 2 -o /dev/null http://127.0.0.1:9090/-/ready 2>/dev/null || continue
		before=$(promq "$q")
	done
	[ "$before" -ge 0 ] || fail "Prometheus scraped nothing in 30 s: $(tail -3 "$WORK/prom.err")"
	note "Prometheus before the flood: $q = $before"

	flood_bg flood 100000 10 20000
	track "$FLOOD_PID"
	now=$before
	for ((i = 0; i < 150 && now < before + 1000; i++)); do
		sleep 0.1
		now=$(promq "$q")
	done
	note "Prometheus during the flood: $(cat "$WORK/promq.json")"
	expect_ge "cookies Prometheus saw during the flood" "$now" $((before + 1000))
	wait "$FLOOD_PID" || fail "synflood failed: $(cat "$WORK/flood.flood.err")"
	sleep 2
	now=$(promq "$q")
	note "Prometheus after $(flood_sent flood) flood SYNs: $q = $now"
	expect_ge "cookies Prometheus saw after the flood" "$now" $((before + 1000))
	grep -q "engaged by" "$WORK/svc.err" || fail "no engage event in the service log: $(cat "$WORK/svc.err")"
	note "service log: $(grep -m1 "engaged by" "$WORK/svc.err")"
	# The port stays engaged for its hold: a summary comes within one 10 s period.
	lab_wait_file "$WORK/svc.err" 12 "under attack" ||
		fail "no attack summary in the service log: $(cat "$WORK/svc.err")"
	note "service log: $(grep -m1 "under attack" "$WORK/svc.err")"
	svc_stop svc
}

# SIGHUP: a bad file changes nothing and the log names its line; a good one swaps the
# policy under client load with no connection lost.
t_service_reload()
{
	local conf=$WORK/xsc.conf left

	start_server echo
	track "$SERVER_PID"
	svc_conf "$conf" "[service]" "metrics = off" "[interface $LAB_SRV_IF_ATK]" "ports = $PORT" \
		"engage = auto"
	svc_start svc "$conf"
	expect_eq "engage at start" "$(policy_of "$LAB_SRV_IF_ATK" engage)" auto
	stream_bg stream 30
	track "$STREAM_PID"
	sleep 1

	svc_conf "$conf" "[service]" "metrics = off" "[interface $LAB_SRV_IF_ATK]" "ports = $PORT" \
		"engage = sometimes"
	svc_reload svc "reload refused"
	grep -q "run: $conf:5: --engage: 'sometimes' is not auto, always or never" "$WORK/svc.err" ||
		fail "the refusal does not name FILE:LINE and the reason: $(tail -3 "$WORK/svc.err")"
	note "bad file: $(grep "$conf:5" "$WORK/svc.err" | tail -1)"
	expect_eq "engage after the refused reload" "$(policy_of "$LAB_SRV_IF_ATK" engage)" auto

	snap "$WORK/before.json"
	svc_conf "$conf" "[service]" "metrics = off" "[interface $LAB_SRV_IF_ATK]" \
		"ports = $PORT,8081" "engage = always" "[interface $LAB_SRV_IF_CLI]"
	svc_reload svc "run: reloaded"
	expect_eq "engage after the reload" "$(policy_of "$LAB_SRV_IF_ATK" engage)" always
	lab_srv ip link show dev "$LAB_SRV_IF_CLI" | grep -qw xdp || fail "the reload did not attach $LAB_SRV_IF_CLI"
	expect_eq "ports after the reload" "$(policy_of "$LAB_SRV_IF_ATK" ports)" "$PORT,8081"
	note "good file: $(grep "run: reloaded $conf" "$WORK/svc.err" | tail -1)"
	sleep 2
	snap "$WORK/after.json"
	expect_ge "cookie SYN-ACKs for the clients after engage = always" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 5
	svc_conf "$conf" "[service]" "metrics = off" "[interface $LAB_SRV_IF_ATK]" "ports = $PORT" \
		"engage = auto"
	svc_reload svc "run: reloaded"
	expect_eq "engage after the second reload" "$(policy_of "$LAB_SRV_IF_ATK" engage)" auto
	left=$(leftovers "$LAB_SRV_IF_CLI")
	[ -z "$left" ] || fail "$LAB_SRV_IF_CLI left the file but not the host: $left"
	note "reloads added and removed $LAB_SRV_IF_CLI: $(grep -c "run: reloaded $conf" "$WORK/svc.err") good, $(grep -c "reload refused" "$WORK/svc.err") refused"
	sleep 1
	stream_end stream
	svc_stop svc
}

# SIGTERM detaches by default; with on_stop = keep the programs stay protecting, and the
# next run adopts them with their key, counters and a handshake in flight.
t_service_stop()
{
	local conf=$WORK/xsc.conf left key1 key2 sent1 sent2 dev

	svc_conf "$conf" "[service]" "metrics = off" "[interface $LAB_SRV_IF_CLI]" \
		"[interface $LAB_SRV_IF_ATK]" "engage = always"
	svc_start svc1 "$conf"
	lab_srv ip link show dev "$LAB_SRV_IF_ATK" | grep -qw xdp || fail "no XDP program while running"
	svc_stop svc1
	for dev in "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK"; do
		left=$(leftovers "$dev")
		[ -z "$left" ] || fail "after SIGTERM (on_stop detach): $left"
	done
	# Ours only: iproute2 loading another lab's XDP object may leave its ip/xdp links to tc
	# in whichever bpffs it finds first, this one included.
	[ ! -e "$LAB_BPFFS/xdp-syncookie" ] ||
		fail "pins left after SIGTERM: $(find "$LAB_BPFFS/xdp-syncookie" | tr '\n' ' ')"
	note "on_stop = detach: $(grep -c 'detached' "$WORK/svc1.err") interfaces detached, no XDP, TC or pins left"

	start_server hold
	track "$SERVER_PID"
	svc_conf "$conf" "[service]" "metrics = off" "on_stop = keep" "[interface $LAB_SRV_IF_CLI]" \
		"[interface $LAB_SRV_IF_ATK]" "engage = always"
	svc_start svc2 "$conf"
	svc_stop svc2
	grep -q "left attached and protecting" "$WORK/svc2.err" || fail "keep: $(cat "$WORK/svc2.err")"
	lab_srv ip link show dev "$LAB_SRV_IF_ATK" | grep -qw xdp || fail "keep: no XDP program after the stop"
	[ -n "$(lab_srv tc filter show dev "$LAB_SRV_IF_ATK" ingress)" ] || fail "keep: no TC filter after the stop"
	key1=$(lab_srv bpftool map dump pinned "$LAB_BPFFS/xdp-syncookie/xsc_host_keys" | md5sum)
	# Still protecting with no service: a cookie SYN-ACK, whose ACK comes after the next start.
	forge 4 syn --state "$WORK/hs.json" >"$WORK/syn.out" ||
		fail "no cookie SYN-ACK with the programs kept: $(cat "$WORK/syn.out")"
	sent1=$(lab_xsc stats "$LAB_SRV_IF_ATK" --json | /usr/bin/python3 -c \
		'import json,sys; print(json.load(sys.stdin)["interfaces"]["'"$LAB_SRV_IF_ATK"'"]["counters"]["syn_cookie_sent"])')
	note "on_stop = keep: programs, TC filter and pins stayed; $sent1 cookies sent with no service running"

	svc_conf "$conf" "[service]" "metrics = off" "[interface $LAB_SRV_IF_CLI]" \
		"[interface $LAB_SRV_IF_ATK]" "engage = always"
	svc_start svc3 "$conf"
	grep -q "$LAB_SRV_IF_ATK: adopted" "$WORK/svc3.err" || fail "not adopted: $(cat "$WORK/svc3.err")"
	key2=$(lab_srv bpftool map dump pinned "$LAB_BPFFS/xdp-syncookie/xsc_host_keys" | md5sum)
	expect_eq "cookie key after adoption is the kept one" "$key2" "$key1"
	sent2=$(lab_xsc stats "$LAB_SRV_IF_ATK" --json | /usr/bin/python3 -c \
		'import json,sys; print(json.load(sys.stdin)["interfaces"]["'"$LAB_SRV_IF_ATK"'"]["counters"]["syn_cookie_sent"])')
	expect_ge "syn_cookie_sent after adoption (counters kept)" "$sent2" "$sent1"
	forge 4 ack --state "$WORK/hs.json" >/dev/null
	lab_wait_file "$WORK/server.json" 5 '"accepted": 1' ||
		fail "the handshake begun before the second run did not complete after its adoption"
	note "second run adopted both interfaces: same key, counters kept ($sent1 -> $sent2), the handshake in flight completed"
	svc_stop svc3
	left=$(leftovers "$LAB_SRV_IF_ATK")
	[ -z "$left" ] || fail "after the adopting run's SIGTERM: $left"
}

# ---- allow and deny lists, the key schedule, upgrades, the lock ------------------------

# A lock of this lab's own: the commands of one lab never wait for another engineer's lab.
own_lock()
{
	export XSC_LOCK_FILE=$LAB_DIR/xsc.lock
}

# flood_to_bg LABEL DST PACKETS SECONDS PPS: flood_bg towards any of the server's attacker-side
# addresses (IPv6 spoofs 2001:2:0:ff::/64), as FLOOD_PID.
flood_to_bg()
{
	local label=$1 dst=$2 n=$3 secs=$4 pps=$5

	lab_bg atk "$WORK/$label.flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$dst" -p "$PORT" \
		-n "$n" -t "$secs" -r "$pps"
	FLOOD_PID=$LAB_BG_PID
}

# synrecv_while PID: the most SYN-RECV sockets seen on the server while PID runs.
synrecv_while()
{
	local max=0 n

	while kill -0 "$1" 2>/dev/null; do
		n=$(lab_srv ss -Htan state syn-recv | grep -c . || true)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.1
	done
	echo "$max"
}

# client_addr ADDR4 ADDR6: a second address on the client's link (the server knows its MAC).
client_addr()
{
	lab_cli ip addr add "$1/24" dev "$LAB_CLI_IF"
	lab_cli ip addr add "$2/64" dev "$LAB_CLI_IF" nodad
	lab_neigh "$LAB_SRV" "$LAB_SRV_IF_CLI" "$1" "$2" "$LAB_MAC_CLI"
}

# probe DST SRC [TIMEOUT]: one connection with an echo from SRC; prints 1 if it worked, else 0.
probe()
{
	lab_cli "${TT[@]}" connect --dst "$1" --port "$PORT" --src "$2" --count 1 \
		--timeout "${3:-2}" --exchange >"$WORK/probe.out" 2>"$WORK/probe.err" ||
		fail "the probe client failed: $(cat "$WORK/probe.err")"
	result probe ok
}

# stream_cli_bg NAME DST SECONDS: stream_bg from the client namespace, towards DST.
stream_cli_bg()
{
	lab_bg cli "$WORK/$1" "${TT[@]}" connect --dst "$2" --port "$PORT" --count 1000000 \
		--parallel 2 --timeout 3 --exchange --seconds "$3" --interval 0.02
	STREAM_PID=$LAB_BG_PID
}

# A SYN flood from a denied prefix is dropped in XDP, counted 'denied', and none of it reaches
# the kernel, with the port quiet (auto) or engaged (always); clients of other prefixes on the
# same link keep connecting.
t_lists_deny_flood()
{
	local n=20000 sent4 sent6 denied in out maxrecv ifc=$LAB_SRV_IF_ATK m stream_n cookies

	own_lock
	start_server echo 16
	xsc attach "$ifc"
	xsc deny add "$ifc" "$LAB_SPOOF4" "$LAB_SPOOF6"
	expect_eq "deny list" "$(lab_xsc deny list "$ifc" | sort | tr '\n' ' ')" \
		"198.19.0.0/16 2001:2:0:ff::/64 "

	# Quiet port (auto): nothing else talks TCP to the server, so its TCP counters are the
	# flood's, and they must stay still.
	mib_snap "$WORK/mib0"
	snap "$WORK/before.json"
	flood_to_bg f4 "$LAB_SRV4_ATK" "$n" 10 20000
	maxrecv=$(synrecv_while "$FLOOD_PID")
	wait "$FLOOD_PID" || fail "synflood IPv4 failed: $(cat "$WORK/f4.flood.err")"
	flood_to_bg f6 "$LAB_SRV6_ATK" "$n" 10 20000
	m=$(synrecv_while "$FLOOD_PID")
	[ "$m" -gt "$maxrecv" ] && maxrecv=$m
	wait "$FLOOD_PID" || fail "synflood IPv6 failed: $(cat "$WORK/f6.flood.err")"
	sleep 0.5
	mib_snap "$WORK/mib1"
	snap "$WORK/after.json"
	sent4=$(flood_sent f4)
	sent6=$(flood_sent f6)
	denied=$(delta "$WORK/before.json" "$WORK/after.json" denied)
	in=$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpInSegs)
	out=$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" TcpOutSegs)
	note "quiet port: $sent4 IPv4 + $sent6 IPv6 SYNs from the denied prefixes; denied +$denied;" \
		"kernel TcpInSegs +$in, TcpOutSegs +$out, at most $maxrecv SYN-RECV sockets;" \
		"$("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_eq "IPv4 flood SYNs sent" "$sent4" "$n"
	expect_eq "IPv6 flood SYNs sent" "$sent6" "$n"
	# veth may drop a frame when its ring is full on a busy machine: 99%, and no more.
	expect_ge "denied (99% of the flood)" "$denied" $(((sent4 + sent6) * 99 / 100))
	[ "$denied" -le $((sent4 + sent6)) ] || fail "denied $denied, more than the $((sent4 + sent6)) SYNs sent"
	expect_eq "segments the server's kernel received" "$in" 0
	expect_eq "segments the server's kernel sent" "$out" 0
	expect_eq "SYN-RECV sockets on the server during the flood" "$maxrecv" 0
	for m in syn_passed syn_cookie_sent syn_monitor; do
		expect_eq "counter $m" "$(delta "$WORK/before.json" "$WORK/after.json" "$m")" 0
	done

	# Engaged port: clients from the attacker's own address (not denied) get cookies and
	# connect all along; the flood gets nothing.
	xsc set "$ifc" --engage always
	mib_snap "$WORK/mib0"
	snap "$WORK/before.json"
	stream_bg stream 30
	sleep 1
	flood_to_bg f4e "$LAB_SRV4_ATK" 100000 10 20000
	maxrecv=$(synrecv_while "$FLOOD_PID")
	wait "$FLOOD_PID" || fail "synflood failed: $(cat "$WORK/f4e.flood.err")"
	sleep 1
	stream_end stream
	snap "$WORK/after.json"
	mib_snap "$WORK/mib1"
	sent4=$(flood_sent f4e)
	stream_n=$(result stream count)
	denied=$(delta "$WORK/before.json" "$WORK/after.json" denied)
	cookies=$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)
	note "engaged port: $sent4 flood SYNs, denied +$denied; $(result stream ok) client" \
		"connections got $cookies cookies; at most $maxrecv SYN-RECV sockets; listener:" \
		"$(overflow_mibs "$WORK/mib0" "$WORK/mib1")"
	expect_ge "denied (99% of the flood)" "$denied" $((sent4 * 99 / 100))
	[ "$denied" -le "$sent4" ] || fail "denied $denied, more than the $sent4 SYNs sent"
	expect_ge "cookies (one per client connection)" "$cookies" "$(result stream ok)"
	# A SYN retransmitted on a loaded machine gets another cookie; a leak of the flood
	# would be thousands.
	[ "$cookies" -le $((2 * stream_n + 10)) ] ||
		fail "$cookies cookies for $stream_n client connections: the flood got cookies"
	for m in TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop; do
		expect_eq "$m" "$("${ST[@]}" mib1 "$WORK/mib0" "$WORK/mib1" "$m")" 0
	done
}

# With --engage always, a client on the allow list gets the kernel's own handshake (the MSS
# it asked for, kept exactly, where a cookie rounds it to its table) and is counted
# 'allowed'; a client of the same link not on the list gets a cookie.
t_lists_allow_engaged()
{
	local fam dst allowed n=10 profile c4=198.18.1.3 c6=2001:2:0:1::3 label
	local -A allow_src=([4]=$LAB_CLI4 [6]=$LAB_CLI6) other_src=([4]=$c4 [6]=$c6)

	own_lock
	client_addr "$c4" "$c6"
	start_server echo
	xsc attach "$LAB_SRV_IF_CLI" --engage always
	xsc allow add "$LAB_SRV_IF_CLI" "$LAB_CLI4" "$LAB_CLI6/128"
	expect_eq "allow list" "$(lab_xsc allow list "$LAB_SRV_IF_CLI" | tr '\n' ' ')" \
		"$LAB_CLI4/32 $LAB_CLI6/128 "
	for fam in 4 6; do
		dst=$(dst_of $fam)
		snap "$WORK/before.json"
		label=allowed$fam
		handshakes "$label" "$dst" "$n" --mss 1400 --src "${allow_src[$fam]}"
		snap "$WORK/after.json"
		allowed=$(delta "$WORK/before.json" "$WORK/after.json" allowed "$LAB_SRV_IF_CLI")
		profile=$(sort -u <<<"$HS_PROFILE" | tr '\n' ' ')
		note "IPv$fam from ${allow_src[$fam]} (allowed): $HS_OK/$n connections, $HS_SRV_SYNACKS" \
			"kernel SYN-ACKs on the server veth, allowed +$allowed, sockets: $profile"
		expect_eq "IPv$fam allowed connections" "$HS_OK" "$n"
		expect_ge "IPv$fam allowed: SYN-ACKs from the server's kernel" "$HS_SRV_SYNACKS" "$n"
		expect_eq "IPv$fam allowed: cookie SYN-ACKs" \
			"$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 0
		# The allow list is read for SYNs only: one per connection (more if one was resent).
		expect_ge "IPv$fam allowed: counter allowed" "$allowed" "$n"
		expect_eq "IPv$fam allowed: sockets without the kernel's own MSS (1388)" \
			"$(grep -vc ' mss:1388$' <<<"$HS_PROFILE" || true)" 0

		snap "$WORK/before.json"
		label=other$fam
		handshakes "$label" "$dst" "$n" --mss 1400 --src "${other_src[$fam]}"
		snap "$WORK/after.json"
		profile=$(sort -u <<<"$HS_PROFILE" | tr '\n' ' ')
		note "IPv$fam from ${other_src[$fam]} (not listed): $HS_OK/$n connections," \
			"$HS_SRV_SYNACKS kernel SYN-ACKs, $("${ST[@]}" changed "$WORK/before.json" \
			"$WORK/after.json"), sockets: $profile"
		expect_eq "IPv$fam unlisted connections" "$HS_OK" "$n"
		expect_eq "IPv$fam unlisted: SYN-ACKs from the server's kernel" "$HS_SRV_SYNACKS" 0
		expect_ge "IPv$fam unlisted: cookie SYN-ACKs" \
			"$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" "$n"
		expect_eq "IPv$fam unlisted: counter allowed" \
			"$(delta "$WORK/before.json" "$WORK/after.json" allowed)" 0
		expect_eq "IPv$fam unlisted: sockets with the kernel's own MSS (1388)" \
			"$(grep -c ' mss:1388$' <<<"$HS_PROFILE" || true)" 0
	done
}

# prefix_file FILE FIRST COUNT [EXTRA...]: COUNT distinct /32s from the IPv4 address FIRST
# (a bare address each, after a comment line), then the EXTRA lines.
prefix_file()
{
	"$LAB_PY" - "$@" <<'PY'
import ipaddress, sys
path, first, count, extra = sys.argv[1], int(ipaddress.ip_address(sys.argv[2])), int(sys.argv[3]), sys.argv[4:]
with open(path, "w") as f:
    f.write("# %d generated /32s from %s\n" % (count, sys.argv[2]))
    f.writelines("%d.%d.%d.%d\n" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)
                 for a in range(first, first + count))
    f.writelines(x + "\n" for x in extra)
PY
}

# trie_memlock IFACE KIND: what bpftool says the trie in force for a list (0 allow, 1 deny)
# takes, in bytes.
trie_memlock()
{
	local id

	id=$(lab_srv bpftool -j map lookup pinned "$LAB_BPFFS/xdp-syncookie/$1/xsc_lists4" \
		key "$2" 0 0 0 | "$LAB_PY" -c 'import json, sys
print(int.from_bytes(bytes(int(b, 16) for b in json.load(sys.stdin)["value"]), "little"))')
	lab_srv bpftool -j map show id "$id" | "$LAB_PY" -c 'import json, sys; print(json.load(sys.stdin)["bytes_memlock"])'
}

slab_kb()
{
	sed -n 's/^Slab: *\([0-9]*\) kB/\1/p' /proc/meminfo
}

# A million prefixes: loaded from a file and listed back whole; reloaded with another million
# while a client connects in a loop (none fails, the new list is in force at once); a file
# with a bad last line is refused by line number and the list in force stays.
t_lists_million()
{
	local n=1000000 ifc=$LAB_SRV_IF_CLI t0 t1 secs slab0 slab1 mem lines badline
	local p3=198.18.1.3 p4=198.18.1.4

	own_lock
	client_addr "$p3" 2001:2:0:1::3
	client_addr "$p4" 2001:2:0:1::4
	start_server echo
	xsc attach "$ifc"
	expect_eq "probe from $p3 before any list" "$(probe "$LAB_SRV4" "$p3")" 1
	# List A denies the probe address $p3, list B denies $p4 instead.
	prefix_file "$WORK/a.list" 10.0.0.0 "$n" "$p3/32"
	prefix_file "$WORK/b.list" 10.64.0.0 "$n" "# the probe" "$p4"
	{ cat "$WORK/b.list"; echo 10.200.0.0/33; } >"$WORK/bad.list"
	badline=$(wc -l <"$WORK/bad.list")

	slab0=$(slab_kb)
	t0=$(now_unix)
	xsc set "$ifc" --deny-file "$WORK/a.list"
	t1=$(now_unix)
	slab1=$(slab_kb)
	secs=$(seconds_between "$t0" "$t1")
	mem=$(trie_memlock "$ifc" 1)
	lines=$(lab_xsc deny list "$ifc" | grep -c .)
	note "set --deny-file with $((n + 1)) prefixes: $secs s; the trie: memlock $mem bytes" \
		"(bpftool), Slab +$(((slab1 - slab0) / 1024)) MiB (host-wide, other work included)"
	expect_eq "deny list entries" "$lines" $((n + 1))
	expect_eq "deny list holds the probe" "$(lab_xsc deny list "$ifc" | grep -cx "$p3/32")" 1
	expect_eq "probe from $p3 (denied by A)" "$(probe "$LAB_SRV4" "$p3")" 0
	expect_eq "probe from $p4 (not in A)" "$(probe "$LAB_SRV4" "$p4")" 1

	snap "$WORK/before.json"
	stream_cli_bg stream "$LAB_SRV4" 60
	sleep 2
	t0=$(now_unix)
	xsc set "$ifc" --deny-file "$WORK/b.list"
	t1=$(now_unix)
	sleep 2
	stream_end stream
	snap "$WORK/after.json"
	note "reload with another $((n + 1)) prefixes: $(seconds_between "$t0" "$t1") s, clients" \
		"connecting all along; the new trie: memlock $(trie_memlock "$ifc" 1) bytes"
	expect_eq "deny list entries after the reload" "$(lab_xsc deny list "$ifc" | grep -c .)" $((n + 1))
	expect_eq "probe from $p3 (not in B)" "$(probe "$LAB_SRV4" "$p3")" 1
	expect_eq "probe from $p4 (denied by B)" "$(probe "$LAB_SRV4" "$p4")" 0

	xsc_fails "a list with a bad last line" set "$ifc" --deny-file "$WORK/bad.list"
	expect_eq "a list with a bad last line: exit code" "$FAIL_RC" 2
	grep -qF "$WORK/bad.list:$badline:" <<<"$FAIL_OUT" ||
		fail "the refusal does not name $WORK/bad.list:$badline: $FAIL_OUT"
	expect_eq "deny list entries after the refused file" "$(lab_xsc deny list "$ifc" | grep -c .)" $((n + 1))
	expect_eq "probe from $p3 after the refused file" "$(probe "$LAB_SRV4" "$p3")" 1
	expect_eq "probe from $p4 after the refused file (B still in force)" "$(probe "$LAB_SRV4" "$p4")" 0
	note "a file with a bad line $badline was refused (${FAIL_OUT##*: }); list B stayed in force"
}

# ---- a second server for fleet_keys: namespace, link to the client, bpffs -------------

FLEET_MAC_B=02:00:c6:12:03:01		# server B's veth
FLEET_MAC_CLI=02:00:c6:12:03:02		# the client's veth towards B
FLEET_SRC=198.18.1.77			# the handshakes' client address: not configured
					# anywhere, so no kernel resets what it did not send

# fleet_up: server B, "xsc-srv2-ID", holding the same address as A ($LAB_SRV4) on its veth
# b0, whose peer cli-b is in the client namespace; its own bpffs, so its own keyring.
fleet_up()
{
	FLEET_NS=xsc-srv2-$LAB_ID
	FLEET_BPFFS=$LAB_DIR/bpffs2
	trap 'stop_tracked; fleet_down; lab_down' EXIT
	ip netns add "$FLEET_NS"
	ip -n "$FLEET_NS" link set dev lo up
	lab_veth "$FLEET_NS" b0 "$FLEET_MAC_B" "$LAB_CLI" cli-b "$FLEET_MAC_CLI"
	ip -n "$FLEET_NS" addr add "$LAB_SRV4/24" dev b0
	ip -n "$FLEET_NS" link set dev b0 up
	ip -n "$LAB_CLI" link set dev cli-b up
	ip netns exec "$FLEET_NS" ethtool -K b0 tx off >/dev/null
	ip netns exec "$LAB_CLI" ethtool -K cli-b tx off >/dev/null
	# B's answers to the handshakes' address reach the client, whose kernel ignores them.
	ip -n "$FLEET_NS" neigh replace "$FLEET_SRC" lladdr "$FLEET_MAC_CLI" dev b0 nud permanent
	# veth drops XDP_TX frames unless the peer runs an XDP program, as in lab_build.
	ip -n "$LAB_CLI" link set dev cli-b xdpdrv obj "$LAB_XDP_PASS" sec xdp
	ip netns exec "$FLEET_NS" sysctl -qw net.ipv4.tcp_syncookies=1
	mkdir -p "$FLEET_BPFFS"
	mount -t bpf bpf "$FLEET_BPFFS"
}

fleet_down()
{
	if [ -n "${FLEET_NS:-}" ] && [ -e "/run/netns/$FLEET_NS" ]; then
		lab_kill_ns "$FLEET_NS"
		ip netns del "$FLEET_NS" 2>/dev/null || true
	fi
	while [ -n "${FLEET_BPFFS:-}" ] && mountpoint -q "$FLEET_BPFFS" 2>/dev/null; do
		umount "$FLEET_BPFFS" 2>/dev/null || { umount -l "$FLEET_BPFFS"; break; }
	done
}

b_run()
{
	ip netns exec "$FLEET_NS" env LIBXDP_BPFFS="$FLEET_BPFFS" "$@"
}

# xsc_b ARGS...: the CLI on server B; fails the test if it fails.
xsc_b()
{
	local out rc=0

	out=$(b_run "$XSC" "$@" 2>&1) || rc=$?
	echo "B: xdp-syncookie $*: rc=$rc: $out" >&2
	[ "$rc" -eq 0 ] || fail "B: xdp-syncookie $* exited $rc: $out"
}

snap_b()
{
	b_run "$XSC" stats --json >"$1" 2>"$1.err" || fail "B: stats --json failed: $(cat "$1.err")"
}

# fleet_syn STATE: a SYN from $FLEET_SRC to server A over the client's link; A's cookie
# SYN-ACK's numbers go to STATE.
fleet_syn()
{
	lab_cli "$LAB_PY" "$HERE/forge.py" --iface "$LAB_CLI_IF" --dst-mac "$LAB_MAC_SRV_CLI" \
		--dst "$LAB_SRV4" --own "$FLEET_SRC" --port "$PORT" syn --state "$1" >"$1.out" ||
		fail "no cookie SYN-ACK from server A: $(cat "$1.out")"
}

# fleet_ack STATE a|b: the final ACK and 5 bytes of data, to server A or server B.
fleet_ack()
{
	local dev=$LAB_CLI_IF mac=$LAB_MAC_SRV_CLI

	[ "$2" = b ] && dev=cli-b && mac=$FLEET_MAC_B
	lab_cli "$LAB_PY" "$HERE/forge.py" --iface "$dev" --dst-mac "$mac" --dst "$LAB_SRV4" \
		--own "$FLEET_SRC" --port "$PORT" ack --state "$1" --data hello >/dev/null ||
		fail "sending the ACK to server $2 failed"
}

# b_conns_with_data: B's established connections from $FLEET_SRC holding the 5 bytes unread.
b_conns_with_data()
{
	b_run ss -Htn state established "( dst $FLEET_SRC )" | awk '$1 == 5' | grep -c . || true
}

# Two servers given the same key file accept each other's cookies: a SYN answered by A, its
# final ACK sent to B (the same address, another link), makes a connection on B. With
# another key, B refuses it. A cookie issued before 'key rotate' still validates after it.
# Both hosts re-keyed live with one new file accept each other's cookies again.
t_fleet_keys()
{
	local kf=$LAB_DIR/fleet.key kg=$LAB_DIR/other.key kh=$LAB_DIR/fleet2.key

	own_lock
	fleet_up
	start_server hold
	ip netns exec "$FLEET_NS" "${TT[@]}" server --port "$PORT" --mode hold --seconds 300 \
		--report "$WORK/serverb.json" >"$WORK/serverb.out" 2>"$WORK/serverb.err" &
	lab_wait_listen "$FLEET_NS" "$PORT" 10 || fail "server B did not start: $(cat "$WORK/serverb.err")"
	lab_xsc key generate "$kf" >&2 || fail "key generate failed"
	expect_eq "mode of the generated key file" "$(stat -c %a "$kf")" 600
	xsc attach "$LAB_SRV_IF_CLI" --engage always --key-file "$kf"
	xsc_b attach b0 --engage always --key-file "$kf"

	fleet_syn "$WORK/hs1.json"
	snap_b "$WORK/b0.json"
	fleet_ack "$WORK/hs1.json" b
	lab_wait_file "$WORK/serverb.json" 5 '"accepted": 1' ||
		fail "server B did not accept the ACK of server A's cookie (same key file)"
	sleep 0.3
	snap_b "$WORK/b1.json"
	note "same key file: A's cookie completed on B: $("${ST[@]}" changed "$WORK/b0.json" "$WORK/b1.json")"
	expect_eq "B: handoff_ok for A's cookie" "$(delta "$WORK/b0.json" "$WORK/b1.json" handoff_ok)" 1
	expect_eq "B: established connections holding the 5 bytes" "$(b_conns_with_data)" 1

	# Another key on B (detaching its last interface drops its keyring).
	xsc_b detach b0
	lab_xsc key generate "$kg" >&2 || fail "key generate failed"
	xsc_b attach b0 --engage always --key-file "$kg"
	fleet_syn "$WORK/hs2.json"
	snap_b "$WORK/b0.json"
	fleet_ack "$WORK/hs2.json" b
	sleep 1
	snap_b "$WORK/b1.json"
	note "different key files: $("${ST[@]}" changed "$WORK/b0.json" "$WORK/b1.json")"
	expect_eq "B (other key): ack_no_socket for A's cookie and its data" \
		"$(delta "$WORK/b0.json" "$WORK/b1.json" ack_no_socket)" 2
	expect_eq "B (other key): handoff_ok" "$(delta "$WORK/b0.json" "$WORK/b1.json" handoff_ok)" 0
	expect_eq "B (other key): connections accepted" "$("${ST[@]}" json "$WORK/serverb.json" accepted)" 1

	# On A: a SYN-ACK before 'key rotate', its ACK after, completes.
	fleet_syn "$WORK/hs3.json"
	xsc key rotate
	lab_xsc key status >"$WORK/keystatus" 2>&1 || fail "key status failed"
	grep -q '^generation 2, previous key valid for [0-9]* s more' "$WORK/keystatus" ||
		fail "key status after the rotation: $(cat "$WORK/keystatus")"
	snap "$WORK/before.json"
	fleet_ack "$WORK/hs3.json" a
	lab_wait_file "$WORK/server.json" 5 '"accepted": 1' ||
		fail "A did not accept the ACK of a cookie it sent before 'key rotate'"
	sleep 0.3
	snap "$WORK/after.json"
	expect_eq "A: handoff_ok for a cookie of the previous key" \
		"$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 1
	note "A: a cookie sent before 'key rotate' completed after it ($(cat "$WORK/keystatus"))"

	# The fleet re-keyed live, as the help says: every host 'key rotate --key-file' with one
	# new file. A has rotated twice now, B once: the same master, other histories.
	lab_xsc key generate "$kh" >&2 || fail "key generate failed"
	xsc key rotate --key-file "$kh"
	xsc_b key rotate --key-file "$kh"
	fleet_syn "$WORK/hs4.json"
	snap_b "$WORK/b0.json"
	fleet_ack "$WORK/hs4.json" b
	lab_wait_file "$WORK/serverb.json" 5 '"accepted": 2' ||
		fail "after both hosts ran 'key rotate --key-file' with the same new file, B did not" \
			"accept A's cookie (A: $(lab_xsc key status 2>&1), B: $(b_run "$XSC" key status 2>&1);" \
			"B: $(snap_b "$WORK/b1.json"; "${ST[@]}" changed "$WORK/b0.json" "$WORK/b1.json"))"
	sleep 0.3
	snap_b "$WORK/b1.json"
	expect_eq "B (re-keyed with the fleet): handoff_ok" "$(delta "$WORK/b0.json" "$WORK/b1.json" handoff_ok)" 1
	note "both re-keyed with one new file (A: $(lab_xsc key status), B: $(b_run "$XSC" key status)):" \
		"A's cookie accepted on B"
}

# prog_ids IFACE: "XDP-ID TC-ID" as the kernel shows them (ip link, tc), not as we record them.
prog_ids()
{
	local xdp tc

	xdp=$(lab_srv ip -d link show dev "$1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1)
	tc=$(lab_srv tc filter show dev "$1" ingress | sed -n 's/.* id \([0-9]*\) .*/\1/p' | head -1)
	echo "${xdp:-none} ${tc:-none}"
}

# programs IFACE: how many XDP programs and TC ingress filters the interface has, "X T".
programs()
{
	local x t

	x=$(lab_srv bpftool -j net show dev "$1" | "$LAB_PY" -c 'import json, sys
print(sum(len(d.get("xdp", [])) for d in json.load(sys.stdin)))')
	t=$(lab_srv tc filter show dev "$1" ingress | grep -c 'direct-action' || true)
	echo "$x $t"
}

# What an in-place upgrade must keep: policy, lists, key generation; one text to compare.
kept_state()
{
	local ifc

	lab_xsc stats --json | "$LAB_PY" -c 'import json, sys
d = json.load(sys.stdin)["interfaces"]
print(json.dumps({i: v["policy"] for i, v in sorted(d.items())}, sort_keys=True))'
	for ifc in "$@"; do
		echo "$ifc allow: $(lab_xsc allow list "$ifc" | tr '\n' ' ')"
		echo "$ifc deny: $(lab_xsc deny list "$ifc" | tr '\n' ' ')"
	done
	lab_xsc key status
}

# Three in-place upgrades under a SYN flood with clients connecting over IPv4 and IPv6: no
# connection fails, the programs are new each time, the counters carry on, and policy,
# lists and key stay. A handshake whose SYN-ACK the old program sent completes through
# the new one.
t_replace_under_flood()
{
	local a=$LAB_SRV_IF_CLI b=$LAB_SRV_IF_ATK i ifc ids0 ids1 shrunk c0 c1 fam
	local -a streams=() names=()
	local -A was=()

	own_lock
	start_server echo 64
	lab_bg srv "$WORK/server2" "${TT[@]}" server --port 8081 --mode hold --seconds 300 \
		--report "$WORK/server2.json"
	lab_wait_listen "$LAB_SRV" 8081 10 || fail "the second server did not start"
	xsc attach "$a" "$b" --engage always --ports "$PORT,8081" --syn-rate 5000 --hold 30 \
		--port-engage 8081:always
	xsc allow add "$a" 198.18.1.200 2001:2:0:1::200
	xsc deny add "$b" 198.19.255.0/24 2001:2:0:ff:ffff::/80
	kept_state "$a" "$b" >"$WORK/kept0"

	for fam in 4 6; do
		stream_cli_bg "cli$fam" "$(dst_of $fam)" 120
		streams+=("$STREAM_PID")
		names+=("cli$fam")
	done
	stream_bg atk 120
	streams+=("$STREAM_PID")
	names+=(atk)
	flood_bg flood 600000 30 20000
	sleep 2
	for i in 1 2 3; do
		for ifc in "$a" "$b"; do
			was[$i$ifc]=$(prog_ids "$ifc")
		done
		snap "$WORK/r$i.before.json"
		xsc attach --replace "$a" "$b"
		sleep 2
		snap "$WORK/r$i.after.json"
		for ifc in "$a" "$b"; do
			ids1=$(prog_ids "$ifc")
			note "replace $i on $ifc: XDP and TC program ids ${was[$i$ifc]} -> $ids1"
			[ "${was[$i$ifc]% *}" != "${ids1% *}" ] || fail "replace $i: $ifc's XDP program is still ${ids1% *}"
			[ "${was[$i$ifc]#* }" != "${ids1#* }" ] || fail "replace $i: $ifc's TC program is still ${ids1#* }"
			expect_eq "replace $i: XDP programs and TC filters on $ifc" "$(programs "$ifc")" "1 1"
			c0=$("${ST[@]}" delta "$WORK/r1.before.json" "$WORK/r$i.before.json" syn_cookie_sent "$ifc")
			c1=$("${ST[@]}" delta "$WORK/r1.before.json" "$WORK/r$i.after.json" syn_cookie_sent "$ifc")
			[ "$c1" -gt "$c0" ] || fail "replace $i: $ifc's syn_cookie_sent did not grow ($c0 -> $c1)"
		done
		shrunk=$("${ST[@]}" shrunk "$WORK/r$i.before.json" "$WORK/r$i.after.json")
		[ -z "$shrunk" ] || fail "replace $i: counters went down: $shrunk"
		note "replace $i: counters $("${ST[@]}" total "$WORK/r$i.before.json") ->" \
			"$("${ST[@]}" total "$WORK/r$i.after.json") packets in all, none went down"
	done

	# A handshake across the fourth upgrade: SYN-ACK from the old program, ACK to the new.
	lab_atk "$LAB_PY" "$HERE/forge.py" --iface "$LAB_ATK_IF" --dst-mac "$LAB_MAC_SRV_ATK" \
		--dst "$LAB_SRV4_ATK" --own "$LAB_ATK4" --port 8081 syn --state "$WORK/hs.json" \
		>"$WORK/syn.out" || fail "no cookie SYN-ACK on port 8081: $(cat "$WORK/syn.out")"
	ids0=$(prog_ids "$b")
	xsc attach --replace "$a" "$b"
	ids1=$(prog_ids "$b")
	[ "$ids0" != "$ids1" ] || fail "replace 4: programs unchanged ($ids1)"
	snap "$WORK/before.json"
	lab_atk "$LAB_PY" "$HERE/forge.py" --iface "$LAB_ATK_IF" --dst-mac "$LAB_MAC_SRV_ATK" \
		--dst "$LAB_SRV4_ATK" --own "$LAB_ATK4" --port 8081 ack --state "$WORK/hs.json" >/dev/null
	lab_wait_file "$WORK/server2.json" 5 '"accepted": 1' ||
		fail "the ACK of a SYN-ACK the old program sent made no connection through the new one"
	note "a SYN-ACK sent by programs $ids0 was completed through $ids1 (port 8081 accepted it)"

	lab_stop "$FLOOD_PID"
	for i in 0 1 2; do
		STREAM_PID=${streams[$i]}
		note "stream ${names[$i]} (cli4, cli6: the client's link; atk: the flood's link):"
		stream_end "${names[$i]}"
	done
	snap "$WORK/end.json"
	note "flood: $(delta "$WORK/r1.before.json" "$WORK/end.json" syn_cookie_sent "$b") cookies" \
		"and $(delta "$WORK/r1.before.json" "$WORK/end.json" denied "$b") denied on $b from the first" \
		"replace to the end"
	kept_state "$a" "$b" >"$WORK/kept1"
	diff "$WORK/kept0" "$WORK/kept1" >&2 || fail "policy, lists or key changed across the upgrades: $(diff "$WORK/kept0" "$WORK/kept1" | tr '\n' ' ')"
	expect_ge "denied on $b (the /24 of the flood's range still denied)" \
		"$(delta "$WORK/r1.before.json" "$WORK/end.json" denied "$b")" 1
	note "policy, both lists and the key generation are the same after 4 upgrades"
}

# iface_state IFACE WHOLE: "attached" (status exits 0, one XDP program, one TC filter, the
# pins WHOLE names), "detached" (none of them), or "half: what is wrong".
iface_state()
{
	local ifc=$1 whole=$2 st=0 progs pins

	lab_xsc status "$ifc" >/dev/null 2>&1 || st=$?
	progs=$(programs "$ifc")
	pins=$(pin_names)
	if [ "$st" = 0 ] && [ "$progs" = "1 1" ] && [ "$pins" = "$whole" ]; then
		echo attached
	elif [ "$st" != 0 ] && [ "$progs" = "0 0" ] && [ -z "$pins" ]; then
		echo detached
	else
		echo "half: status rc $st, XDP programs and TC filters '$progs', pins '$pins'"
	fi
}

# The pins under the lab's xdp-syncookie directory, relative, one line.
pin_names()
{
	[ -d "$LAB_BPFFS/xdp-syncookie" ] || return 0
	(cd "$LAB_BPFFS/xdp-syncookie" && find . -mindepth 1 ! -type d | sort | tr '\n' ' ')
}

# hold_lock NAME SECONDS: another process holds the tool's lock that long (in the
# background: $LAB_BG_PID), returning once it is held.
hold_lock()
{
	lab_bg srv "$WORK/$1" "$LAB_PY" -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))' "$XSC_LOCK_FILE" "$2"
	lab_wait_file "$WORK/$1.out" 10 held || fail "could not take the lock"
}

# Racing attach, attach, detach and set on one interface, 20 rounds: each round ends either
# cleanly attached or cleanly detached, never half. A command that finds the lock taken
# says so and waits its turn; after 30 s it gives up.
t_lock_race()
{
	local ifc=$LAB_SRV_IF_CLI whole r state att=0 det=0 waits=0 rcs="" pids p rc t0 t1 secs

	own_lock
	xsc attach "$ifc"
	whole=$(pin_names)
	[ -n "$whole" ] || fail "no pins after attach"
	xsc detach "$ifc"
	for ((r = 1; r <= 20; r++)); do
		pids=()
		lab_bg srv "$WORK/r$r.att1" "$XSC" attach "$ifc" --engage always
		pids+=("$LAB_BG_PID")
		lab_bg srv "$WORK/r$r.det" "$XSC" detach "$ifc"
		pids+=("$LAB_BG_PID")
		lab_bg srv "$WORK/r$r.att2" "$XSC" attach "$ifc"
		pids+=("$LAB_BG_PID")
		lab_bg srv "$WORK/r$r.set" "$XSC" set "$ifc" --engage never
		pids+=("$LAB_BG_PID")
		for p in "${pids[@]}"; do
			rc=0
			wait "$p" || rc=$?
			[ "$rc" -le 1 ] || fail "round $r: a command exited $rc: $(cat "$WORK"/r$r.*.err)"
			rcs+=$rc
		done
		state=$(iface_state "$ifc" "$whole")
		case $state in
		attached) att=$((att + 1)) ;;
		detached) det=$((det + 1)) ;;
		*) fail "round $r: $state; $(head -v -n 3 "$WORK"/r$r.*.err | tr '\n' ' ')" ;;
		esac
		# The notice goes to standard output or error: count both.
		waits=$((waits + $(cat "$WORK"/r$r.* | grep -c 'waiting for another xdp-syncookie command to finish' || true)))
	done
	note "20 rounds of attach+attach+detach+set at once: $att ended attached, $det detached," \
		"never half; $waits commands waited for the lock; exit codes: 0 x$(tr -cd 0 <<<"$rcs" | wc -c)," \
		"1 x$(tr -cd 1 <<<"$rcs" | wc -c)"
	[ "$(iface_state "$ifc" "$whole")" = attached ] || xsc attach "$ifc"

	# The lock held by someone else: the command says it waits, then does its work.
	hold_lock holder 3
	p=$LAB_BG_PID
	t0=$(now_unix)
	rc=0
	lab_xsc set "$ifc" --engage always >"$WORK/waiter.out" 2>&1 || rc=$?
	t1=$(now_unix)
	lab_stop "$p"
	secs=$(seconds_between "$t0" "$t1")
	expect_eq "set while the lock is held 3 s: exit code" "$rc" 0
	grep -q "waiting for another xdp-syncookie command to finish" "$WORK/waiter.out" ||
		fail "set while the lock is held did not say it waits: $(cat "$WORK/waiter.out")"
	at_least "seconds set waited for a lock held 3 s" "$secs" 2
	note "set behind a lock held 3 s: waited $secs s, then: $(tail -1 "$WORK/waiter.out")"

	hold_lock holder2 45
	p=$LAB_BG_PID
	t0=$(now_unix)
	rc=0
	lab_xsc detach "$ifc" >"$WORK/giveup.out" 2>&1 || rc=$?
	t1=$(now_unix)
	lab_stop "$p"
	secs=$(seconds_between "$t0" "$t1")
	note "detach behind a lock held 45 s: rc=$rc after $secs s: $(grep 'giving up' "$WORK/giveup.out")"
	expect_eq "detach behind a lock held too long: exit code" "$rc" 1
	grep -q "giving up" "$WORK/giveup.out" || fail "no 'giving up' message: $(cat "$WORK/giveup.out")"
	at_least "seconds before giving up" "$secs" 29
	at_most "seconds before giving up" "$secs" 40
	expect_eq "state after the refused detach" "$(iface_state "$ifc" "$whole")" attached
}
# Output that scripts read stays clean while another command holds the lock: reading a
# list takes no lock, and any notice would go to standard error.
t_lock_quiet_stdout()
{
	local ifc=$LAB_SRV_IF_CLI p rc=0

	own_lock
	xsc attach "$ifc"
	xsc deny add "$ifc" 198.19.0.0/16
	hold_lock holder 2
	p=$LAB_BG_PID
	lab_xsc deny list "$ifc" >"$WORK/list.out" 2>"$WORK/list.err" || rc=$?
	lab_stop "$p"
	note "deny list behind a held lock: rc=$rc, stdout: '$(tr '\n' '|' <"$WORK/list.out")'," \
		"stderr: '$(tr '\n' '|' <"$WORK/list.err")'"
	expect_eq "deny list behind a held lock: exit code" "$rc" 0
	expect_eq "deny list behind a held lock: standard output" "$(tr "\n" " " <"$WORK/list.out")" "198.19.0.0/16 "
}

# The reflection budget: a flood spoofing one /24 at five times its SYN-ACK budget gets
# its SYN-ACKs capped within 10% of the budget, while clients from other prefixes connect
# as before.
t_budget_prefix()
{
	local ifc=$LAB_SRV_IF_ATK budget=2000 pps=10000 secs=5 t0 t1 took sent cookies over want

	start_server echo 256
	xsc attach "$ifc" --ports "$PORT" --engage always --budget-prefix "$budget"
	stream_bg stream $((secs + 6))
	sleep 1
	snap "$WORK/before.json"
	t0=$(now_unix)
	lab_atk "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_SRV4_ATK" -p "$PORT" -s 198.19.7.0/24 \
		-n $((pps * secs)) -t $((secs + 5)) -r "$pps" >"$WORK/f.flood.out" 2>"$WORK/f.flood.err" ||
		fail "synflood failed: $(cat "$WORK/f.flood.err")"
	t1=$(now_unix)
	sleep 0.5
	snap "$WORK/after.json"
	stream_end stream
	sent=$(flood_sent f)
	took=$(seconds_between "$t0" "$t1")
	over=$(delta "$WORK/before.json" "$WORK/after.json" syn_over_prefix_budget)
	cookies=$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)
	# The stream's own cookies come from the attacker's address, another /24: take them out.
	cookies=$((cookies - $(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)))
	# The budget over the flood's time, plus the bucket's burst of 1/8 s.
	want=$(awk -v b="$budget" -v t="$took" 'BEGIN { printf "%d", b * t + b / 8 }')
	note "one /24 flooded at $pps SYN/s for $took s ($sent SYNs), budget $budget SYN-ACK/s:" \
		"$cookies SYN-ACKs to it, $over over the budget; the budget allows $want"
	expect_eq "flood SYNs sent" "$sent" $((pps * secs))
	[ "$cookies" -le $((want * 110 / 100)) ] && [ "$cookies" -ge $((want * 90 / 100)) ] ||
		fail "SYN-ACKs to the flooded /24: $cookies, not within 10% of $want"
	expect_ge "SYNs over the budget" "$over" $((sent - want * 110 / 100 - sent / 100))
}

# Generic (skb) mode gives the same verdicts as native mode: the unit suite's packet table,
# replayed frame by frame over the client's veth, moves the same counters both ways.
t_generic_same_verdicts()
{
	local ifc=$LAB_SRV_IF_CLI mode frames=$WORK/frames native skb

	mkdir -p "$frames"
	"$LAB_BUILD/test_unit" --dump-frames "$frames" >"$WORK/dump.out" 2>&1 ||
		fail "dumping the unit suite's frames failed: $(tail -3 "$WORK/dump.out")"
	# The unit cases' ports, with listeners as in the unit suite.
	lab_bg srv "$WORK/listeners" "$LAB_PY" -c 'import socket, time
ss = []
for port in (80, 443):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(4096)
    ss.append(s)
print("listening", flush=True)
time.sleep(600)'
	lab_wait_file "$WORK/listeners.out" 10 listening || fail "the listeners did not start"
	for mode in native skb; do
		xsc attach "$ifc" -m "$mode" --engage always --budget-prefix 0
		snap "$WORK/$mode.before.json"
		lab_cli "$LAB_PY" "$HERE/replay.py" "$LAB_CLI_IF" "$frames" >"$WORK/$mode.replay" ||
			fail "replaying the frames failed"
		sleep 1
		snap "$WORK/$mode.after.json"
		xsc detach "$ifc"
		# not_ip and not_tcp also count the namespaces' own ARP, ND and MLD frames.
		"${ST[@]}" changed "$WORK/$mode.before.json" "$WORK/$mode.after.json" | tr ' ' '\n' |
			grep -v '^not_ip=\|^not_tcp=' >"$WORK/$mode.verdicts"
		note "$mode: $(cat "$WORK/$mode.replay"): $(tr '\n' ' ' <"$WORK/$mode.verdicts")"
	done
	native=$(cat "$WORK/native.verdicts")
	skb=$(cat "$WORK/skb.verdicts")
	[ -n "$native" ] || fail "the replay moved no counter"
	[ "$native" = "$skb" ] || fail "skb mode's verdicts differ from native mode's: " \
		"$(diff "$WORK/native.verdicts" "$WORK/skb.verdicts" | tr '\n' ' ')"
}

# The interface deleted in the middle of a flood: nothing crashes, status says it is gone,
# detach removes its pins, and nothing is left.
t_iface_deleted_flood()
{
	local ifc=$LAB_SRV_IF_ATK rc=0 out pins

	xsc attach "$ifc" --engage always
	flood_bg del 2000000 8 50000
	sleep 2
	lab_srv ip link del dev "$ifc"
	out=$(lab_xsc status "$ifc" 2>&1) || rc=$?
	note "status after the link was deleted mid-flood: rc=$rc: $(head -1 <<<"$out")"
	expect_eq "status of a deleted interface: exit code" "$rc" 1
	grep -q "INTERFACE GONE" <<<"$out" || fail "status does not say the interface is gone: $out"
	rc=0
	out=$(lab_xsc stats "$ifc" 2>&1) || rc=$?
	[ "$rc" -le 1 ] || fail "stats of a deleted interface exited $rc: $out"
	lab_stop "$FLOOD_PID" || true
	rc=0
	out=$(lab_xsc detach "$ifc" 2>&1) || rc=$?
	note "detach of the deleted interface: rc=$rc: $(head -1 <<<"$out")"
	expect_eq "detach of a deleted interface: exit code" "$rc" 0
	pins=$(pin_names)
	[ -z "$pins" ] || fail "pins left after detach: $pins"
	[ -z "$(leftovers "$LAB_SRV_IF_CLI")" ] || fail "left on $LAB_SRV_IF_CLI: $(leftovers "$LAB_SRV_IF_CLI")"
	rc=0
	lab_xsc status "$ifc" >/dev/null 2>&1 || rc=$?
	expect_eq "status after detach: exit code" "$rc" 1
}

# ---- gateway mode: the server namespace routes to a backend behind it (LAB_BEHIND) ----

# gw_loose 0|1: nf_conntrack_tcp_loose in the router namespace; the sysctl is there only
# once nf_conntrack is (a module on Debian's kernels).
gw_loose()
{
	lab_srv modprobe -q nf_conntrack 2>/dev/null || true
	lab_srv sysctl -qw "net.netfilter.nf_conntrack_tcp_loose=$1"
}

# The backend's test server, on the backend's own address; the router set up for gateway
# mode (conntrack must not pick up mid-stream ACKs, or no cookie ACK is ever invalid).
gw_start()
{
	gw_loose 0
	lab_bg bhd "$WORK/backend" "${TT[@]}" server --port "$PORT" --mode "${1:-echo}" \
		--backlog 256 --seconds 300 --report "$WORK/server.json"
	SERVER_PID=$LAB_BG_PID
	lab_wait_listen "$LAB_BHD" "$PORT" 10 || fail "the backend server did not start: $(cat "$WORK/backend.err")"
}

# Our nftables tables in the router namespace, one name a line.
gw_tables()
{
	lab_srv nft list tables 2>/dev/null | awk '$3 ~ /^xdp_syncookie_/ { print $3 }'
}

# The packets an nftables rule of the table has counted: gw_rule_count TABLE PATTERN.
gw_rule_count()
{
	lab_srv nft list table inet "$1" | grep -- "$2" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

gw_conntrack()
{
	lab_srv cat /proc/sys/net/netfilter/nf_conntrack_count
}

# Under a spoofed SYN flood through the router, the backend's kernel sees no flood SYN and
# legitimate clients connect through SYNPROXY; detach removes the nftables tables.
t_gateway_flood()
{
	local n=200000 clients=2000 flood="src net $LAB_SPOOF4 and tcp[13] & 0x12 == 0x02" td seen ok sent

	gw_start
	# A client port is free again once its own TIME_WAIT (60 s) is over, and an emulated
	# run's 2000 clients take longer than that: conntrack's TIME_WAIT (120 s) must end
	# first, or the reused port's SYN joins the old flow (gw_flow), no cookie asked.
	lab_srv sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=30
	# Control: without the mitigator, flood SYNs reach the backend (the zero below means something).
	lab_tcpdump "$LAB_BHD" "$LAB_BHD_IF" "$WORK/control.pcap" -Q in "$flood"
	td=$LAB_TCPDUMP_PID
	lab_atk "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_BHD4" -m "$LAB_MAC_SRV_ATK" -p "$PORT" \
		-n 2000 -t 10 -r 20000 >/dev/null
	sleep 0.5
	lab_stop "$td"
	seen=$(lab_count "$WORK/control.pcap" "$flood")
	expect_ge "control: flood SYNs at the backend without xdp-syncookie" "$seen" 1000
	note "control without xdp-syncookie: $seen of 2000 flood SYNs reached the backend"

	xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" --gateway --engage always
	expect_eq "nftables tables after attach" "$(gw_tables | grep -c . || true)" 2
	lab_xsc status "$LAB_SRV_IF_CLI" >"$WORK/status" 2>&1 || fail "status: $(cat "$WORK/status")"
	grep -q "handoff synproxy" "$WORK/status" || fail "status does not say synproxy: $(head -3 "$WORK/status")"
	snap "$WORK/before.json"
	lab_tcpdump "$LAB_BHD" "$LAB_BHD_IF" "$WORK/flood.pcap" -Q in "$flood"
	td=$LAB_TCPDUMP_PID
	lab_bg atk "$WORK/gw.flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_BHD4" \
		-m "$LAB_MAC_SRV_ATK" -p "$PORT" -n "$n" -t 30
	FLOOD_PID=$LAB_BG_PID
	sleep 1
	connect_bg clients "$LAB_BHD4" "$clients" --parallel 4 --timeout 3 --exchange
	ok=$(result clients ok)
	wait "$FLOOD_PID" || fail "the flood failed: $(cat "$WORK/gw.flood.err")"
	sent=$(flood_sent gw)
	sleep 0.5
	lab_stop "$td"
	snap "$WORK/after.json"
	seen=$(lab_count "$WORK/flood.pcap" "$flood")
	note "flood: $sent spoofed SYNs; $ok of $clients clients connected (with an echo) through the router"
	note "$("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_ge "flood SYNs sent" "$sent" $((n / 2))
	expect_eq "flood SYNs at the backend" "$seen" 0
	# 99.9%: at most 2 of 2000 may fail.
	expect_ge "clients connected through the router" "$ok" $((clients - clients / 1000))
	expect_ge "gateway cookie ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" gw_ack_cookie)" "$ok"
	expect_ge "cookie SYN-ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" $((sent / 2))

	xsc detach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK"
	[ -z "$(gw_tables)" ] || fail "nftables tables left after detach: $(gw_tables | tr '\n' ' ')"
	[ -z "$(leftovers "$LAB_SRV_IF_CLI")" ] || fail "left on $LAB_SRV_IF_CLI: $(leftovers "$LAB_SRV_IF_CLI")"
	note "detach removed both nftables tables"
}

# Gateway mode's default, auto: while quiet, clients' SYNs go through to the backend, which
# answers them itself; a flood through the router engages the port on its SYN rate alone
# (no listener here to read a queue from), after which the backend sees no more of it.
# Each interface engages on its own rate: the flooded link's clients connect by cookies,
# and the other link stays quiet, its clients answered by the backend.
t_gateway_engage()
{
	local n=200000 clients=1000 quiet=50 rate=5000 flood="src net $LAB_SPOOF4 and tcp[13] & 0x12 == 0x02"
	local td t0 t_on dt seen sent ok

	gw_start
	lab_srv sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=30
	# A threshold an emulated flood also crosses; the quiet clients stay far below it.
	xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" --gateway --syn-rate "$rate"
	snap "$WORK/before.json"
	connect_bg quiet "$LAB_BHD4" "$quiet" --parallel 2 --timeout 3 --exchange
	wait "$CLIENT_PID" || true
	snap "$WORK/after.json"
	note "quiet: $(result quiet ok) of $quiet clients: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_eq "quiet: clients connected" "$(result quiet ok)" "$quiet"
	expect_ge "quiet: SYNs passed to the backend" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_passed "$LAB_SRV_IF_CLI")" "$quiet"
	expect_eq "quiet: cookie SYN-ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 0

	events_bg events 60
	snap "$WORK/before.json"
	lab_tcpdump "$LAB_BHD" "$LAB_BHD_IF" "$WORK/flood.pcap" -Q in "$flood"
	td=$LAB_TCPDUMP_PID
	t0=$(now_unix)
	lab_bg atk "$WORK/gw.flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_BHD4" \
		-m "$LAB_MAC_SRV_ATK" -p "$PORT" -n "$n" -t 30
	FLOOD_PID=$LAB_BG_PID
	sleep 1
	# The clients come once the link is engaged (how soon is asserted below): each of them
	# must then connect by a cookie.
	wait_events events engage 1 10
	CLIENT_NS=atk connect_bg legit "$LAB_BHD4" "$clients" --parallel 4 --timeout 3 --exchange
	ok=$(result legit ok)
	connect_bg other "$LAB_BHD4" "$quiet" --parallel 2 --timeout 3 --exchange
	wait "$FLOOD_PID" || fail "the flood failed: $(cat "$WORK/gw.flood.err")"
	sent=$(flood_sent gw)
	sleep 0.5
	lab_stop "$td"
	snap "$WORK/after.json"
	wait_events events engage 1
	t_on=$(event_field events engage 1 time)
	dt=$(seconds_between "$t0" "$t_on")
	seen=$(lab_count "$WORK/flood.pcap" "$flood")
	note "engaged $dt s after the flood was launched, by $(event_field events engage 1 signal)" \
		"($(event_field events engage 1 syn_rate) SYN/s)"
	note "flood: $sent spoofed SYNs, $seen of them at the backend (before the port engaged);" \
		"$ok of $clients clients on the flooded link connected through the router," \
		"$(result other ok) of $quiet on the other"
	note "flooded link: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json" "$LAB_SRV_IF_ATK")"
	note "other link: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json" "$LAB_SRV_IF_CLI")"
	expect_eq "engage signal" "$(event_field events engage 1 signal)" syn-rate
	expect_eq "engage events (the flooded link only)" "$(events_count events engage)" 1
	at_most "seconds from launching the flood to engaging" "$dt" 1
	expect_ge "flood SYNs sent" "$sent" $((n / 2))
	# Before it engages, at most a rate window or two of the flood goes through.
	at_most "flood SYNs at the backend" "$seen" $((sent / 20))
	expect_ge "flooded link: clients connected (99.9%)" "$ok" $((clients - clients / 1000))
	expect_ge "flooded link: gateway cookie ACKs" \
		"$(delta "$WORK/before.json" "$WORK/after.json" gw_ack_cookie "$LAB_SRV_IF_ATK")" "$ok"
	expect_eq "other link: clients connected" "$(result other ok)" "$quiet"
	expect_eq "other link: cookie SYN-ACKs" \
		"$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent "$LAB_SRV_IF_CLI")" 0
}

# forge_gw FAM ARGS...: forge.py from the attacker towards the backend, through the router.
forge_gw()
{
	local fam=$1 dst=$LAB_BHD4 own=$LAB_ATK4

	shift
	[ "$fam" = 6 ] && dst=$LAB_BHD6 && own=$LAB_ATK6
	lab_atk "$LAB_PY" "$HERE/forge.py" --iface "$LAB_ATK_IF" --dst-mac "$LAB_MAC_SRV_ATK" \
		--dst "$dst" --own "$own" --port "$PORT" "$@"
}

# Random and bent-cookie ACKs through the router reach neither the backend nor conntrack
# (nor the nftables rules behind it); the unbent cookie ACK opens a connection.
t_gateway_forged_acks()
{
	local n=200 fam table ct0 ct1 td filter="tcp and src net 198.18.0.0/15 or src net 2001:2::/48"

	gw_start hold
	# The attacker's kernel would reset what reaches it for forge.py's sockets that it does
	# not know (the SYN-ACKs, SYNPROXY's window update): those resets stay in its namespace.
	lab_atk nft 'add table inet forge; add chain inet forge out { type filter hook output priority 0; }; add rule inet forge out tcp flags & rst != 0 drop'
	xsc attach "$LAB_SRV_IF_ATK" --gateway --engage always
	table=$(gw_tables)
	snap "$WORK/before.json"
	ct0=$(gw_conntrack)
	lab_tcpdump "$LAB_BHD" "$LAB_BHD_IF" "$WORK/forged.pcap" -Q in "$filter"
	td=$LAB_TCPDUMP_PID
	for fam in 4 6; do
		forge_gw $fam acks --count $n >/dev/null
		forge_gw $fam tuple --kernel-cookie >"$WORK/tuple$fam.json"
		grep -q '"synack": true' "$WORK/tuple$fam.json" ||
			fail "IPv$fam: no cookie SYN-ACK for the attacker's own SYN: $(cat "$WORK/tuple$fam.json")"
	done
	sleep 0.5
	ct1=$(gw_conntrack)
	lab_stop "$td"
	snap "$WORK/after.json"
	note "$((2 * n)) random + 6 bent-cookie ACKs: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	note "conntrack entries on the router: $ct0 before, $ct1 after"
	expect_eq "segments from the attacker at the backend" "$(lab_count "$WORK/forged.pcap" "$filter")" 0
	expect_eq "conntrack entries made by forged ACKs" "$ct1" "$ct0"
	expect_eq "invalid TCP that reached the nftables rules" "$(gw_rule_count "$table" "ct state invalid")" 0
	expect_eq "counter gw_no_flow" "$(delta "$WORK/before.json" "$WORK/after.json" gw_no_flow)" $((2 * n + 6))
	expect_eq "counter gw_ack_cookie" "$(delta "$WORK/before.json" "$WORK/after.json" gw_ack_cookie)" 0
	expect_eq "connections accepted by the backend" "$(accepted)" 0

	# Positive control: the unbent cookie ACK goes to SYNPROXY, which connects to the backend.
	for fam in 4 6; do
		forge_gw $fam tuple --control --kernel-cookie >"$WORK/control$fam.json"
	done
	lab_wait_file "$WORK/server.json" 5 '"accepted": 2' ||
		fail "the correct cookie ACKs made no connection: $(cat "$WORK/control4.json" "$WORK/control6.json")"
	note "control: the unbent cookie ACKs (IPv4, IPv6) reached the backend through SYNPROXY"
}

# 50 MB each way over IPv4 and IPv6 between a client and the backend, on connections
# that XDP's cookies and SYNPROXY made.
t_gateway_iperf3()
{
	local fam dir dst tx rx rate n=$((50 * 1024 * 1024)) before=$WORK/before.json after=$WORK/after.json

	gw_loose 0
	xsc attach "$LAB_SRV_IF_CLI" --gateway --engage always
	for fam in 4 6; do
		for dir in up down; do
			dst=$LAB_BHD4
			[ "$fam" = 6 ] && dst=$LAB_BHD6
			lab_bg bhd "$WORK/iperf-s" iperf3 -s -1 -p 5201 -B "$dst"
			lab_wait_listen "$LAB_BHD" 5201 10 || fail "iperf3 server did not start"
			snap "$before"
			local rflag=()
			[ "$dir" = down ] && rflag=(-R)
			lab_cli timeout 60 iperf3 -c "$dst" -p 5201 -n 50M "${rflag[@]}" -J \
				--connect-timeout 3000 >"$WORK/iperf.json" 2>"$WORK/iperf.err" ||
				fail "iperf3 IPv$fam $dir failed: $(head -c 300 "$WORK/iperf.json")"
			wait "$LAB_BG_PID" || true
			snap "$after"
			read -r tx rx rate < <("${ST[@]}" iperf "$WORK/iperf.json")
			expect_ge "iperf3 IPv$fam $dir bytes sent" "$tx" "$n"
			expect_ge "IPv$fam $dir cookie SYN-ACKs" "$(delta "$before" "$after" syn_cookie_sent)" 2
			expect_ge "IPv$fam $dir cookie ACKs to SYNPROXY" "$(delta "$before" "$after" gw_ack_cookie)" 2
			# The client's segments of 50 MB (up) or its ACKs of them (down), each let
			# through by conntrack's lookup in XDP.
			expect_ge "IPv$fam $dir packets of known flows" "$(delta "$before" "$after" gw_flow)" 100
			note "IPv$fam $dir: $tx bytes sent, $rate Gbit/s, 2 connections by cookie and SYNPROXY," \
				"gw_flow +$(delta "$before" "$after" gw_flow)"
		done
	done
}

# What attach --gateway refuses, each with a message and nothing left behind.
t_gateway_refusals()
{
	xsc_fails "--gateway with --handoff" attach "$LAB_SRV_IF_CLI" --gateway --handoff kernel
	expect_eq "--gateway with --handoff: exit code" "$FAIL_RC" 2
	gw_loose 1
	xsc_fails "--gateway with nf_conntrack_tcp_loose=1" attach "$LAB_SRV_IF_CLI" --gateway
	grep -q nf_conntrack_tcp_loose <<<"$FAIL_OUT" || fail "the message does not name the sysctl: $FAIL_OUT"
	[ -z "$(gw_tables)" ] || fail "a refused attach left a table: $(gw_tables)"
	[ -z "$(leftovers "$LAB_SRV_IF_CLI")" ] || fail "left on $LAB_SRV_IF_CLI: $(leftovers "$LAB_SRV_IF_CLI")"
	gw_loose 0
	lab_srv sysctl -qw net.ipv4.ip_forward=0
	xsc_fails "--gateway with ip_forward=0" attach "$LAB_SRV_IF_CLI" --gateway
	grep -q ip_forward <<<"$FAIL_OUT" || fail "the message does not name the sysctl: $FAIL_OUT"
	[ -z "$(gw_tables)" ] || fail "a refused attach left a table: $(gw_tables)"
	lab_srv sysctl -qw net.ipv4.ip_forward=1
	# A failure after the table is in (injected) takes the table out again.
	FAIL_RC=0
	FAIL_OUT=$(lab_srv env XSC_FAILPOINT=attach.xdp_attached "$XSC" attach "$LAB_SRV_IF_CLI" --gateway 2>&1) || FAIL_RC=$?
	[ "$FAIL_RC" -ne 0 ] || fail "the failpoint did not fail the attach: $FAIL_OUT"
	[ -z "$(gw_tables)" ] || fail "a failed attach left a table: $(gw_tables)"
	[ -z "$(leftovers "$LAB_SRV_IF_CLI")" ] || fail "left on $LAB_SRV_IF_CLI: $(leftovers "$LAB_SRV_IF_CLI")"
	note "a failure after the XDP step left no table, program or pin"
}

# ---- runner ---------------------------------------------------------------------------

run_single()
{
	local name=$1 id=$2

	set -eE
	trap 'echo "FAILREASON: line $LINENO: command failed: $BASH_COMMAND" >&3' ERR
	trap 'exit 143' TERM INT
	trap 'stop_tracked; lab_down' EXIT
	LAB_QUIET=1
	[[ "$name" != gateway_* ]] || LAB_BEHIND=1
	lab_up "$id" || fail "could not build the lab"
	if [ "$HANDOFF" = kernel ]; then
		lab_srv sysctl -qw net.ipv4.tcp_timestamps=2 \
			"net.ipv4.tcp_syncookies=$KERNEL_SYNCOOKIES"
	fi
	WORK=$LAB_DIR/work
	mkdir -p "$WORK"
	"t_$name"
}

preflight()
{
	local f

	for f in "$XSC" "$LAB_SYNFLOOD" "$LAB_XDP_PASS"; do
		[ -e "$f" ] || { echo "$f missing: run make in $LAB_ROOT"; return 1; }
	done
	for f in iperf3 tcpdump bpftool timeout; do
		command -v "$f" >/dev/null || { echo "$f not installed"; return 1; }
	done
	"$LAB_PY" -c 'import scapy.all' 2>/dev/null || { echo "$LAB_PY has no scapy"; return 1; }
	[ "$(id -u)" -eq 0 ] || { echo "must run as root"; return 1; }
}

main()
{
	local logdir="" passed=0 failed=0 name i=0 rc reason id why left
	local -a run=()

	while [ $# -gt 0 ]; do
		case "$1" in
		--single)
			run_single "$2" "$3"
			return
			;;
		-l)
			logdir=$2
			shift 2
			;;
		-h | --help)
			echo "usage: $0 [-l LOGDIR] [TEST...]; tests: ${TESTS[*]}"
			return 0
			;;
		*)
			run+=("$1")
			shift
			;;
		esac
	done
	if [ ${#run[@]} -eq 0 ] && [ "$HANDOFF" = kernel ]; then
		run=("${KERNEL_SUBSET[@]}")
		# Gateway mode does not use the host's handoff: on a kernel that has only the
		# kernel handoff its tests join the subset. XSC_TEST_HANDOFF=kernel on a newer
		# kernel leaves them out: the plain full run there has them already.
		[ -z "${XSC_TEST_HANDOFF:-}" ] && run+=("${GATEWAY_TESTS[@]}")
	elif [ ${#run[@]} -eq 0 ]; then
		run=("${TESTS[@]}")
	fi
	for name in "${run[@]}"; do
		declare -F "t_$name" >/dev/null || { echo "unknown test $name (have: ${TESTS[*]})" >&2; return 2; }
	done
	if ! why=$(preflight); then
		echo "FAIL preflight: $why"
		echo "0 passed, 1 failed"
		return 1
	fi
	[ -n "$logdir" ] || logdir=$(mktemp -d /tmp/xsc-integration.XXXXXX)
	mkdir -p "$logdir"
	echo "integration: ${#run[@]} tests, logs in $logdir"

	for name in "${run[@]}"; do
		i=$((i + 1))
		id=it$$-$i
		rc=0
		timeout -k 10 "$TEST_TIMEOUT" "$BASH" "$0" --single "$name" "$id" \
			>"$logdir/$name.log" 2>&1 3>"$logdir/$name.notes" || rc=$?
		LAB_QUIET=1 lab_down "$id"	# in case the test's own cleanup was cut short
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			echo "ok $name"
		else
			failed=$((failed + 1))
			reason=$(sed -n 's/^FAILREASON: //p' "$logdir/$name.notes" | head -1)
			[ "$rc" -eq 124 ] && reason="timed out after ${TEST_TIMEOUT}s${reason:+ ($reason)}"
			echo "FAIL $name: ${reason:-exited with status $rc} (log: $logdir/$name.log)"
		fi
		grep -v '^FAILREASON: ' "$logdir/$name.notes" | sed 's/^/    /' || true
	done

	left=$(find /run/netns "$LAB_RUN_DIR" -maxdepth 1 -name "*-it$$-*" 2>/dev/null || true)
	if [ -n "$left" ]; then
		failed=$((failed + 1))
		echo "FAIL cleanup: left behind: $(tr '\n' ' ' <<<"$left")"
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
