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
	preexisting_connection reattach_inflight syn_flood cli_errors)
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
connect_bg()
{
	local name=$1 dst=$2 count=$3

	shift 3
	lab_bg cli "$WORK/$name" "${TT[@]}" connect --dst "$dst" --port "$PORT" --count "$count" "$@"
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

# handshakes LABEL DST N: N held connections with an echo each. Sets HS_OK; HS_SRV_SYNACKS
# (SYN-ACKs seen leaving the server's veth, where the kernel's own show and XDP_TX frames
# do not) and HS_CLI_SYNACKS (arriving at the client); HS_PROFILE (what the server's
# kernel negotiated for each accepted connection, from TCP_INFO, one line each: "ts sack
# wscale:SND,RCV mss:N") and HS_SS (the same for the established sockets, as ss shows them).
handshakes()
{
	local label=$1 dst=$2 n=$3 tsrv tcli skip

	lab_tcpdump "$LAB_SRV" "$LAB_SRV_IF_CLI" "$WORK/$label.srv.pcap" -Q out "$LAB_F_SYNACK"
	tsrv=$LAB_TCPDUMP_PID
	lab_tcpdump "$LAB_CLI" "$LAB_CLI_IF" "$WORK/$label.cli.pcap" -Q in "$LAB_F_SYNACK"
	tcli=$LAB_TCPDUMP_PID
	skip=$(accepted)
	connect_bg "$label" "$dst" "$n" --parallel 4 --timeout 3 --exchange --hold 30
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

	if [ -n "$ws" ]; then
		opts+=(--wscale "$ws")
	else
		# Linux's own receive scale: the second number of wscale:SND,RCV.
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
	for c in syn_cookie_sent ack_cookie_ok handoff_ok; do
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
				"$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 2
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
		tcp_timestamps) want='^no-ts sack wscale:[0-9]+,[0-9]+ ' ;;
		tcp_sack) want='^ts no-sack wscale:[0-9]+,[0-9]+ ' ;;
		tcp_window_scaling) want='^ts sack no-wscale ' ;;
		esac
		for fam in 4 6; do
			snap "$WORK/before.json"
			handshakes "$knob$fam" "$(dst_of $fam)" 3
			snap "$WORK/after.json"
			expect_eq "$knob=0 IPv$fam connections" "$HS_OK" 3
			expect_ge "$knob=0 IPv$fam handoffs (at least; see handshake_test)" \
				"$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 3
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
	local filter td rsts n=200 fam

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
		forge $fam tuple >"$WORK/tuple$fam.json"
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
		"$(delta "$WORK/before.json" "$WORK/after.json" ack_no_socket)" $((2 * n + 10))
	expect_eq "counter handoff_ok" "$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 0
	note "$((2 * n)) random + 10 bent-cookie ACKs: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"

	# Positive control: the unbent ACK of the same kind of exchange makes a socket.
	snap "$WORK/before.json"
	forge 4 tuple --control >"$WORK/control.json"
	lab_wait_file "$WORK/server.json" 5 '"accepted": 1' ||
		fail "the correct cookie ACK made no connection: $(cat "$WORK/control.json")"
	snap "$WORK/after.json"
	expect_eq "control: handoff_ok" "$(delta "$WORK/before.json" "$WORK/after.json" handoff_ok)" 1
	note "control: the unbent cookie ACK was accepted (handoff_ok +1)"
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

# flood_round LABEL: a bounded spoofed SYN flood against the attacker-side address while
# 200 real clients connect (and echo) on the client side.
flood_round()
{
	local label=$1 flood

	start_server echo 16
	mib_snap "$WORK/$label.mib0"
	lab_bg atk "$WORK/$label.flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_SRV4_ATK" \
		-p "$PORT" -n 2000000 -t 8
	flood=$LAB_BG_PID
	sleep 1
	connect_bg "$label" "$LAB_SRV4" 200 --parallel 4 --timeout 3 --exchange
	wait "$CLIENT_PID" || true
	local still=no
	kill -0 "$flood" 2>/dev/null && still=yes
	wait "$flood" || fail "synflood failed: $(cat "$WORK/$label.flood.err")"
	mib_snap "$WORK/$label.mib1"
	stop_server
	FLOOD_OK=$(result "$label" ok)
	note "$label: $FLOOD_OK/200 connected in $(result "$label" seconds) s" \
		"(flood still running at the end: $still), connect p50 $(result "$label" p50_ms) ms," \
		"p99 $(result "$label" p99_ms) ms, errors $(result "$label" errors)"
	note "$label: $(cat "$WORK/$label.flood.out")"
	note "$label: server $("${ST[@]}" mib "$WORK/$label.mib0" "$WORK/$label.mib1" \
		TcpExtListenOverflows TcpExtListenDrops TcpExtSyncookiesSent TcpExtSyncookiesRecv \
		TcpExtSyncookiesFailed TcpExtTCPReqQFullDoCookies TcpExtTCPReqQFullDrop)"
}

t_syn_flood()
{
	# For comparison only: Linux alone (tcp_syncookies=1, listen backlog 16).
	flood_round "without-xdp-syncookie"
	xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK"
	snap "$WORK/before.json"
	flood_round "with-xdp-syncookie"
	snap "$WORK/after.json"
	note "with-xdp-syncookie counters: $("${ST[@]}" changed "$WORK/before.json" "$WORK/after.json")"
	expect_ge "connections that succeeded during the flood (99% of 200)" "$FLOOD_OK" 198
	expect_ge "cookie SYN-ACKs" "$(delta "$WORK/before.json" "$WORK/after.json" syn_cookie_sent)" 1000000
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

# ---- runner ---------------------------------------------------------------------------

run_single()
{
	local name=$1 id=$2

	set -eE
	trap 'echo "FAILREASON: line $LINENO: command failed: $BASH_COMMAND" >&3' ERR
	trap 'exit 143' TERM INT
	trap 'lab_down' EXIT
	LAB_QUIET=1
	lab_up "$id" || fail "could not build the lab"
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
	[ ${#run[@]} -gt 0 ] || run=("${TESTS[@]}")
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
