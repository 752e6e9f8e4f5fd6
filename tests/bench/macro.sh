#!/usr/bin/env bash
# Macro benchmark: the same floods against each contender in the veth lab; writes JSON lines.
#
# Tables: syn4 and syn6 (spoofed Linux-like SYNs, IPv4 from 198.19.0.0/16 and IPv6 from
# 2001:2:0:ff::/64, both inside the benchmarking ranges), ack4 (forged final ACKs with
# random acknowledgement numbers, to a listener no SYN flood ever overflowed), gw4 (the
# syn4 flood to a backend behind the server namespace, which routes: gateway mode against
# nftables synproxy alone on the router, both answering for the backend). Every run
# is one bounded flood (a packet count and seconds) with legitimate clients connecting over
# the client link throughout. Rounds are interleaved (each round runs every contender at
# every rate once), so a slow drift of this shared machine spreads over all of them; a
# last round repeats the XDP contenders with BPF run-time statistics on (they add two
# clock reads to every program run, so they stay off in the rounds that count CPU).
#
# Placement, and why (2 CPUs):
#   CPU 0  the generator (flood), the server application, the legitimate clients, and
#          this script with everything else it starts;
#   CPU 1  the defender's veth NAPI thread (SCHED_FIFO 40), the sink's NAPI as a softirq
#          in that thread, and during a run a SCHED_IDLE spinner that keeps the CPU busy.
# The sink used to be a NAPI thread sharing CPU 0 with the generator, and the top-rate
# rows lost answers (the defender's rx_queue_0_xdp_tx_errors, 0.01-0.3%): the veth ring (a
# ptr_ring of 256 frames, fixed) into the sink filled while the sink waited to be woken
# across CPUs (an IPI, a VM exit here: 6-80 us, seen with perf) and then for the
# generator to give up CPU 0 between its live-frame batches, while the defender emptied
# its own full ring of 256 into it in one burst. More veth queues do not help: a sender
# picks the peer's ring by its own CPU (smp_processor_id() % queues), so one defender CPU
# fills one ring however many there are; smaller generator batches only made losses rarer
# (16 frames: 0.05-0.09%). A sink thread of higher priority on the defender's CPU lost
# nothing at the top rate, but 0.6-17% of the kernel contenders' answers at 250k: this
# PREEMPT_NONE kernel switches threads only after a poll that used its whole budget, and
# a defender just below its capacity kept finding work in polls that did not. Not threaded, the sink's NAPI is
# scheduled on the CPU that fills its ring, the defender's, and polled in the defender's
# thread as soon as each poll ends (64 packets at most, plus a 16-frame transmit bulk):
# its ring never holds more than about 80, so no answer is lost by construction, and it is
# where a NIC reclaims its transmitted frames too, in the NAPI on the CPU that sent them.
# It also spares the defender the cross-CPU wake-ups and remote frees that inflated its
# cost with the sink on CPU 0 (bare swap + XDP_TX 150-310 ns per answer instead of
# 100-125, Linux's cookies 7.2-8.1 us instead of 3.4-3.8). What the sink does (receiving
# and freeing the answers, a NIC's transmit completion) is not counted as the defender's,
# for every contender alike.
# The defender's cost is the time its NAPI thread ran less the sink's softirqs in it, from
# a trace of CPU 1 (perf: context switches, NET_RX softirq entry and exit): a threaded NAPI
# poll runs the whole receive path in that thread (XDP, the kernel's TCP and netfilter,
# the answer's transmission). probe.py says why the scheduler's per-task runtime and a
# trace of an idling CPU would not do.
#
# Usage: tests/bench/macro.sh OUTFILE   (QUICK=1 for a short run; root; `make` first)
# Narrow a run with TABLES="syn4 ack4", SYN4_CONTENDERS=..., SYN4_RATES=..., RUNS=...,
# SECONDS_PER_RUN=..., STATS_ROUND=0 (same for SYN6_ and ACK4_).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/../lab/lab.sh"
OUT=${1:?usage: macro.sh OUTFILE}
QUICK=${QUICK:-0}
FLOOD=$LAB_BUILD/flood
SINK=$LAB_BUILD/sink.bench.bpf.o
BASELINES=$LAB_BUILD/baselines.bench.bpf.o
PROBE=("$LAB_PY" "$HERE/probe.py")
TT=("$LAB_PY" "$LAB_ROOT/tests/integration/tcptool.py")
# The reflection budgets stay in the measured path, at rates no flood here reaches: a
# benchmark flood comes from one /16 (256 /24s), which the default 10000/s per /24 caps.
BUDGETS=(--budget-prefix 100000000 --budget-global 100000000)
NET_RX_SOFTIRQ=3		# include/linux/interrupt.h
SYN_PORT=80
ACK_PORT=8080		# its own listener: a SYN flood's overflow would change how Linux checks ACKs
GEN_CPU=0
DEF_CPU=1
DEF_PRIO=40
# SINK_CPU=0 puts the sink back where it was, a NAPI thread (SCHED_FIFO 50) beside the
# generator, to compare; by default it is no thread: see the head of this file.
SINK_CPU=${SINK_CPU:-$DEF_CPU}
SINK_PRIO=50
# Programs whose run time bpf_stats can give: the XDP contenders (the kernel ones run an
# XDP_PASS program only so that veth takes the frames).
XDP_CONTENDERS=" xdp-syncookie xdp-syncookie-auto xdp-syncookie-gateway xdp-drop xdp-tx "

if [ "$QUICK" = 1 ]; then
	: "${RUNS:=1}" "${SECONDS_PER_RUN:=2}" "${LEGIT:=40}"
	: "${SYN4_RATES:=100000 0}" "${SYN6_RATES:=0}" "${ACK4_RATES:=0}"	# pps; 0 = flat out
	: "${SYN4_CONTENDERS:=xdp-syncookie xdp-syncookie-auto nft-synproxy linux-cookies2
		xdp-drop xdp-tx}"
else
	: "${RUNS:=5}" "${SECONDS_PER_RUN:=3}" "${LEGIT:=100}"
	: "${SYN4_RATES:=50000 250000 0}" "${SYN6_RATES:=250000 0}" "${ACK4_RATES:=250000 0}"
	: "${SYN4_CONTENDERS:=xdp-syncookie xdp-syncookie-auto nft-synproxy linux-cookies2
		linux-cookies1 xdp-drop xdp-tx}"
fi
: "${SYN6_CONTENDERS:=xdp-syncookie linux-cookies2 xdp-tx}"
: "${GW4_CONTENDERS:=xdp-syncookie-gateway nft-synproxy-gateway}"
: "${GW4_RATES:=$SYN4_RATES}"
: "${ACK4_CONTENDERS:=xdp-syncookie linux-cookies1 nft-synproxy}"
: "${TABLES:=syn4 syn6 ack4 gw4}" "${STATS_ROUND:=1}"

# The backend for gw4; the server namespace forwards only while a gw4 contender is up.
LAB_BEHIND=1 lab_session bench
lab_srv sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
TRACE_PID=
SPIN_PID=
TRACEFS_MOUNTED=
# lab_session's cleanup, and what this script adds outside the lab: a perf still tracing,
# a spinner, the tracefs mount it made.
cleanup()
{
	local pid

	for pid in $TRACE_PID $SPIN_PID; do
		kill -INT "$pid" 2>/dev/null || true
	done
	lab_down
	rm -rf -- "$WORK"
	[ -z "$TRACEFS_MOUNTED" ] || umount /sys/kernel/tracing
}
trap cleanup EXIT
# Everything this script starts runs on the generator's CPU, unless pinned elsewhere.
taskset -pc "$GEN_CPU" $$ >/dev/null

srv_if=$LAB_SRV_IF_ATK
atk_if=$LAB_ATK_IF
DEF_PID=
SINK_PID=

# ---- plumbing --------------------------------------------------------------------------

# pin_napi NS DEV CPU PRIO: threaded NAPI for DEV, its kthread (napi/DEV-ID) on CPU at
# SCHED_FIFO PRIO; sets NAPI_PID. Kernel threads have no command line: the 15-character
# name is matched. DEV has one queue, so one thread: more would be another lab's device of
# the same name, and its time would be counted as ours.
pin_napi()
{
	local ns=$1 dev=$2 cpu=$3 prio=$4

	ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded"
	NAPI_PID=$(pgrep "^napi/${dev:0:9}-" || true)
	if ! [[ "$NAPI_PID" =~ ^[0-9]+$ ]]; then
		echo "macro: expected one NAPI thread for $dev, found '${NAPI_PID//$'\n'/ }'" >&2
		return 1
	fi
	taskset -pc "$cpu" "$NAPI_PID" >/dev/null
	chrt -f -p "$prio" "$NAPI_PID"
}

set_xdp()
{
	local ns=$1 dev=$2 how=$3 obj=$4

	ip -n "$ns" link set dev "$dev" xdp off 2>/dev/null || true
	case "$how" in
	obj) ip -n "$ns" link set dev "$dev" xdpdrv obj "$obj" sec xdp ;;
	pinned) ip -n "$ns" link set dev "$dev" xdpdrv pinned "$obj" ;;
	esac
}

snapshot()
{
	"${PROBE[@]}" snap --srv-ns "$LAB_SRV" --srv-if "$srv_if" \
		--sink-map "$LAB_BPFFS/sink_maps/sink_counts" --cpu "$DEF_CPU" >"$1"
}

# measure_start SECONDS: keeps the defender's CPU from idling (a SCHED_IDLE spinner, for
# at most SECONDS + 10, which anything else preempts at once) and records its context
# switches and its NET_RX softirqs, the sink's polls (perf, into $WORK/sched.data), from
# the moment perf acknowledges "enable".
# This guest traces no switch away from the idle task (see probe.py), a spinner's are.
measure_start()
{
	local ack

	# shellcheck disable=SC2016	# $SECONDS is the spinner's bash's own clock
	taskset -c "$DEF_CPU" chrt -i 0 bash -c 'while [ $SECONDS -lt '"$(($1 + 10))"' ]; do :; done' &
	SPIN_PID=$!	# taskset and chrt exec: this is the spinner itself
	rm -f "$WORK/perf.ctl" "$WORK/perf.ack"
	mkfifo "$WORK/perf.ctl" "$WORK/perf.ack"
	perf record -q -C "$DEF_CPU" -e sched:sched_switch -e irq:softirq_entry \
		--filter "vec == $NET_RX_SOFTIRQ" -e irq:softirq_exit --filter "vec == $NET_RX_SOFTIRQ" \
		-m 1024 -D -1 \
		--control "fifo:$WORK/perf.ctl,$WORK/perf.ack" -o "$WORK/sched.data" \
		2>"$WORK/perf.err" &
	TRACE_PID=$!
	echo enable >"$WORK/perf.ctl"
	if ! read -r -t 20 ack <"$WORK/perf.ack" || [ "$ack" != ack ]; then
		echo "macro: perf did not start: $(cat "$WORK/perf.err")" >&2
		return 1
	fi
}

measure_stop()
{
	kill -INT "$TRACE_PID"
	wait "$TRACE_PID" || true
	kill "$SPIN_PID"
	wait "$SPIN_PID" 2>/dev/null || true
	TRACE_PID=''
	SPIN_PID=''
}

# What a table floods with, and where: kind (syn, ack), family (4, 6), port.
table_kind() { case $1 in gw*) echo syn ;; *) echo "${1%[46]}" ;; esac; }
table_family() { echo "${1: -1}"; }
table_port() { [ "$(table_kind "$1")" = ack ] && echo "$ACK_PORT" || echo "$SYN_PORT"; }
table_list() { local v=${1^^}_$2; echo "${!v}"; }	# table_list syn4 RATES

# ---- contenders ------------------------------------------------------------------------

# nft_synproxy HOOK PORT: the usual three rules, SYNs untracked, then synproxy for what
# conntrack cannot place, then a drop, in HOOK (input: a server's; forward: a router's).
nft_synproxy()
{
	lab_srv nft -f - <<-EOF
	table inet xsc_bench {
		chain prerouting {
			type filter hook prerouting priority raw; policy accept;
			tcp dport $2 tcp flags syn notrack
		}
		chain $1 {
			type filter hook $1 priority filter; policy accept;
			tcp dport $2 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
			ct state invalid drop
		}
	}
	EOF
	lab_srv sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
}

# contender_up CONTENDER FAMILY PORT
contender_up()
{
	local family=$2 port=$3 prog

	lab_srv sysctl -qw net.ipv4.tcp_syncookies=1
	case "$1" in
	xdp-syncookie)
		lab_xsc attach "$srv_if" "$LAB_SRV_IF_CLI" --ports "$port" --engage always \
			"${BUDGETS[@]}" >/dev/null
		;;
	xdp-syncookie-auto)
		lab_xsc attach "$srv_if" "$LAB_SRV_IF_CLI" --ports "$port" "${BUDGETS[@]}" >/dev/null
		;;
	xdp-syncookie-gateway)
		lab_srv modprobe -q nf_conntrack 2>/dev/null || true
		lab_srv sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_loose=0
		lab_xsc attach "$srv_if" "$LAB_SRV_IF_CLI" --gateway --ports "$port" --engage always \
			"${BUDGETS[@]}" >/dev/null
		;;
	nft-synproxy-gateway)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		lab_srv sysctl -qw net.ipv4.ip_forward=1
		nft_synproxy forward "$port"
		;;
	nft-synproxy)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		nft_synproxy input "$port"
		;;
	linux-cookies2)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		lab_srv sysctl -qw net.ipv4.tcp_syncookies=2
		;;
	linux-cookies1)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		;;
	xdp-drop | xdp-tx)
		prog=xdp_drop
		[ "$1" = xdp-tx ] && prog=xdp_swap_tx
		[ "$1" = xdp-tx ] && [ "$family" = 6 ] && prog=xdp_swap_tx6
		lab_srv bpftool prog loadall "$BASELINES" "$LAB_BPFFS/baselines" type xdp
		set_xdp "$LAB_SRV" "$srv_if" pinned "$LAB_BPFFS/baselines/$prog"
		;;
	*)
		echo "macro: unknown contender $1" >&2
		return 1
		;;
	esac
	# Attaching XDP to a veth makes its NAPI (and the thread) anew.
	pin_napi "$LAB_SRV" "$srv_if" "$DEF_CPU" "$DEF_PRIO"
	DEF_PID=$NAPI_PID
}

contender_down()
{
	case "$1" in
	xdp-syncookie | xdp-syncookie-auto | xdp-syncookie-gateway)
		lab_xsc detach "$srv_if" "$LAB_SRV_IF_CLI" >/dev/null ;;
	nft-synproxy | nft-synproxy-gateway) lab_srv nft delete table inet xsc_bench ;;
	xdp-drop | xdp-tx) rm -rf -- "${LAB_BPFFS:?}/baselines" ;;
	esac
	set_xdp "$LAB_SRV" "$srv_if" off ""
	lab_srv sysctl -qw net.ipv4.tcp_syncookies=1 net.ipv4.ip_forward=0
}

# ---- engaging from a quiet port (the auto contender) ----------------------------------

# A fresh attach before each run, so every flood meets a quiet port; the first event the
# follower prints is the engage.
auto_run_start()
{
	lab_xsc detach "$srv_if" >/dev/null
	lab_xsc attach "$srv_if" --ports "$1" "${BUDGETS[@]}" >/dev/null
	pin_napi "$LAB_SRV" "$srv_if" "$DEF_CPU" "$DEF_PRIO"
	DEF_PID=$NAPI_PID
	rm -f "$WORK/events.out"
	lab_bg srv "$WORK/events" taskset -c "$GEN_CPU" "$XSC" events "$srv_if" --json \
		--count 1 --timeout $((SECONDS_PER_RUN + 10))
	AUTO_EVENTS_PID=$LAB_BG_PID
}

# Writes {engage_s, kernel_answered, xdp_answered} for the run to FILE.
auto_run_end()
{
	wait "$AUTO_EVENTS_PID" || true
	lab_xsc stats "$srv_if" --json | "$LAB_PY" -c '
import json, sys
t0, path = float(sys.argv[1]), sys.argv[2]
c = json.load(sys.stdin)["interfaces"][sys.argv[3]]["counters"]
try:
    ev = json.loads(open(path).readline())
    engage = round(ev["time"] - t0, 3)
except (OSError, ValueError, KeyError):
    engage = None
print(json.dumps({"engage_s": engage, "kernel_answered": c["syn_passed"],
                  "xdp_answered": c["syn_cookie_sent"]}))' "$AUTO_T0" "$WORK/events.out" "$srv_if" \
		>"$1"
}

# ---- one measurement -------------------------------------------------------------------

# run_once TABLE CONTENDER RATE RUN STATS(0|1)
run_once()
{
	local table=$1 contender=$2 rate=$3 run=$4 stats=$5
	local kind family port dst legit_dst count interval client_pid spin auto=()
	local stats_opt=()

	kind=$(table_kind "$table")
	family=$(table_family "$table")
	port=$(table_port "$table")
	dst=$LAB_SRV4_ATK legit_dst=$LAB_SRV4
	[ "$family" = 6 ] && dst=$LAB_SRV6_ATK legit_dst=$LAB_SRV6
	[[ "$table" = gw* ]] && dst=$LAB_BHD4 legit_dst=$LAB_BHD4
	count=$((rate > 0 ? rate * SECONDS_PER_RUN : 50000000))
	[ "$stats" = 1 ] && stats_opt=(-S)
	if [ "$contender" = xdp-syncookie-auto ]; then
		auto_run_start "$port"
		auto=(--auto "$WORK/auto.json")
	fi
	measure_start "$SECONDS_PER_RUN"
	snapshot "$WORK/before.json"
	# Legitimate clients spread over the flood: two workers, LEGIT connections in all.
	interval=$(awk -v s="$SECONDS_PER_RUN" -v n="$LEGIT" 'BEGIN { printf "%.3f", 2 * s / n }')
	lab_bg cli "$WORK/legit" taskset -c "$GEN_CPU" "${TT[@]}" connect --dst "$legit_dst" \
		--port "$port" --count "$LEGIT" --parallel 2 --timeout 2 \
		--seconds "$SECONDS_PER_RUN" --interval "$interval"
	client_pid=$LAB_BG_PID
	AUTO_T0=$(date +%s.%N)	# the engage time counts from here
	lab_atk taskset -c "$GEN_CPU" "$FLOOD" -i "$atk_if" -m "$LAB_MAC_SRV_ATK" -d "$dst" \
		-p "$port" -n "$count" -t "$SECONDS_PER_RUN" -r "$rate" -k "$kind" \
		"${stats_opt[@]}" >"$WORK/flood.out"
	sleep 0.2	# the last answers in flight
	snapshot "$WORK/after.json"
	spin=$SPIN_PID
	measure_stop
	wait "$client_pid" || true
	[ "$contender" = xdp-syncookie-auto ] && auto_run_end "$WORK/auto.json"
	"${PROBE[@]}" row --before "$WORK/before.json" --after "$WORK/after.json" \
		--flood "$WORK/flood.out" --sched "$WORK/sched.data" --def-pid "$DEF_PID" \
		--sink-pid "${SINK_PID:-none}" --idle-pid "$spin" --legit "$WORK/legit.out" "${auto[@]}" \
		table="$table" family="$family" contender="$contender" target_pps="$rate" \
		run="$run" stats_run="$([ "$stats" = 1 ] && echo true || echo false)" >>"$OUT"
	tail -n 1 "$OUT" >&2
}

# ---- main ------------------------------------------------------------------------------

: >"$OUT"
# perf reads tracepoint formats from tracefs.
if ! mountpoint -q /sys/kernel/tracing; then
	mount -t tracefs nodev /sys/kernel/tracing
	TRACEFS_MOUNTED=1
fi
lab_srv bpftool prog load "$SINK" "$LAB_BPFFS/sink" type xdp pinmaps "$LAB_BPFFS/sink_maps"
set_xdp "$LAB_ATK" "$atk_if" pinned "$LAB_BPFFS/sink"
if [ "$SINK_CPU" != "$DEF_CPU" ]; then
	pin_napi "$LAB_ATK" "$atk_if" "$SINK_CPU" "$SINK_PRIO"
	SINK_PID=$NAPI_PID
fi
for port in "$SYN_PORT" "$ACK_PORT"; do
	lab_bg srv "$WORK/server$port" taskset -c "$GEN_CPU" "${TT[@]}" server --port "$port" \
		--mode accept --backlog 128 --seconds 3000
	lab_wait_listen "$LAB_SRV" "$port"
done
lab_bg bhd "$WORK/backend" taskset -c "$GEN_CPU" "${TT[@]}" server --port "$SYN_PORT" \
	--mode accept --backlog 128 --seconds 3000
lab_wait_listen "$LAB_BHD" "$SYN_PORT"

last=$RUNS
[ "$STATS_ROUND" = 1 ] && last=$((RUNS + 1))
for ((round = 1; round <= last; round++)); do
	stats=$((round > RUNS ? 1 : 0))
	for table in $TABLES; do
		for contender in $(table_list "$table" CONTENDERS); do
			[ "$stats" = 1 ] && [[ "$XDP_CONTENDERS" != *" $contender "* ]] && continue
			echo "macro: round $round/$last $table $contender" >&2
			contender_up "$contender" "$(table_family "$table")" "$(table_port "$table")"
			for rate in $(table_list "$table" RATES); do
				run_once "$table" "$contender" "$rate" "$round" "$stats"
			done
			contender_down "$contender"
		done
	done
done
