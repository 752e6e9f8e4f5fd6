#!/usr/bin/env bash
# Macro benchmark: the same SYN floods against each contender in the veth lab; writes JSON lines.
#
# The generator (flood, live frames) and the sink that counts SYN-ACKs on the attacker's
# link run on CPU 0, which the generator keeps busy even when pacing; the server's
# attacker-facing veth runs threaded NAPI pinned to CPU 1, with the server application
# and the legitimate clients (a few hundred connections, next to nothing), so CPU 1's
# busy time (softirq included, where part of the kernel contenders' work is accounted)
# is the defender's work. Legitimate clients connect over the other link during every flood.
#
# Usage: tests/bench/macro.sh OUTFILE   (QUICK=1 for a short run; root; `make` first)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/../lab/lab.sh"
OUT=${1:?usage: macro.sh OUTFILE}
QUICK=${QUICK:-0}
FLOOD=$LAB_BUILD/flood
SINK=$LAB_BUILD/sink.bench.bpf.o
# The reflection budgets stay in the measured path, at rates no flood here reaches: a
# benchmark flood comes from one /16 (256 /24s), which the default 10000/s per /24 caps.
BUDGETS=(--budget-prefix 100000000 --budget-global 100000000)
BASELINES=$LAB_BUILD/baselines.bench.bpf.o
TT=("$LAB_PY" "$LAB_ROOT/tests/integration/tcptool.py")
PORT=80
GEN_CPU=0
DEF_CPU=1

if [ "$QUICK" = 1 ]; then
	RATES=(100000 0)		# pps; 0 = as fast as the generator goes
	RUNS=1
	SECONDS_PER_RUN=2
	CONTENDERS=(xdp-syncookie xdp-syncookie-auto nft-synproxy linux-cookies2 xdp-drop xdp-tx)
	LEGIT=40
else
	RATES=(50000 100000 250000 0)
	RUNS=3
	SECONDS_PER_RUN=5
	CONTENDERS=(xdp-syncookie xdp-syncookie-auto nft-synproxy linux-cookies2 linux-cookies1
		xdp-drop xdp-tx)
	LEGIT=100
fi

lab_session bench

srv_if=$LAB_SRV_IF_ATK
atk_if=$LAB_ATK_IF

# ---- plumbing --------------------------------------------------------------------------

# pin_napi NS DEV CPU [fifo]: threaded NAPI for DEV, its kthreads (napi/DEV-ID) on CPU;
# "fifo" gives them real-time priority so they preempt a busy generator on that CPU.
pin_napi()
{
	local ns=$1 dev=$2 cpu=$3 prio=${4:-} pid found=0

	ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded"
	# Kernel threads have no command line: match the (15-character) name.
	for pid in $(pgrep "^napi/${dev:0:9}-" || true); do
		taskset -pc "$cpu" "$pid" >/dev/null
		[ "$prio" = fifo ] && chrt -f -p 50 "$pid"
		found=1
	done
	[ "$found" = 1 ] || { echo "macro: no NAPI thread for $dev" >&2; return 1; }
}

# Busy jiffies of one CPU (user, nice, system, irq, softirq; not idle, iowait, steal).
cpu_busy()
{
	awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

cpu_steal()
{
	awk -v c="cpu$1" '$1 == c { print $9 }' /proc/stat
}

# Sum over CPUs of the sink's counter N (0 frames, 1 SYN-ACKs); the newest sink map.
sink_count()
{
	local id

	id=$(bpftool map show -j | "$LAB_PY" -c '
import json, sys
print(max(m["id"] for m in json.load(sys.stdin) if m.get("name") == "sink_counts"))')
	bpftool map lookup id "$id" key "$1" 0 0 0 -j | "$LAB_PY" -c '
import json, sys
print(sum(v["value"] for v in json.load(sys.stdin)["formatted"]["values"]))'
}

ethtool_stat()
{
	ip netns exec "$1" ethtool -S "$2" | awk -v k="$3" '$1 == k":" { print $2 }'
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

# ---- contenders ------------------------------------------------------------------------

contender_up()
{
	lab_srv sysctl -qw net.ipv4.tcp_syncookies=1
	case "$1" in
	xdp-syncookie)
		lab_xsc attach "$srv_if" "$LAB_SRV_IF_CLI" --ports "$PORT" --engage always \
			"${BUDGETS[@]}" >/dev/null
		;;
	xdp-syncookie-auto)
		lab_xsc attach "$srv_if" "$LAB_SRV_IF_CLI" --ports "$PORT" "${BUDGETS[@]}" >/dev/null
		;;
	nft-synproxy)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		lab_srv nft -f - <<-EOF
		table inet xsc_bench {
			chain prerouting {
				type filter hook prerouting priority raw; policy accept;
				tcp dport $PORT tcp flags syn notrack
			}
			chain input {
				type filter hook input priority filter; policy accept;
				tcp dport $PORT ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
				ct state invalid drop
			}
		}
		EOF
		lab_srv sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
		;;
	linux-cookies2)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		lab_srv sysctl -qw net.ipv4.tcp_syncookies=2
		;;
	linux-cookies1)
		set_xdp "$LAB_SRV" "$srv_if" obj "$LAB_XDP_PASS"
		;;
	xdp-drop | xdp-tx)
		local prog=xdp_drop

		[ "$1" = xdp-tx ] && prog=xdp_swap_tx
		lab_srv bpftool prog loadall "$BASELINES" "$LAB_BPFFS/baselines" type xdp
		set_xdp "$LAB_SRV" "$srv_if" pinned "$LAB_BPFFS/baselines/$prog"
		;;
	esac
	pin_napi "$LAB_SRV" "$srv_if" "$DEF_CPU"
}

contender_down()
{
	case "$1" in
	xdp-syncookie | xdp-syncookie-auto) lab_xsc detach "$srv_if" "$LAB_SRV_IF_CLI" >/dev/null ;;
	nft-synproxy) lab_srv nft delete table inet xsc_bench ;;
	xdp-drop | xdp-tx) rm -rf -- "${LAB_BPFFS:?}/baselines" ;;
	esac
	set_xdp "$LAB_SRV" "$srv_if" off ""
	lab_srv sysctl -qw net.ipv4.tcp_syncookies=1
}

# ---- engaging from a quiet port (the auto contender) ----------------------------------

# A fresh attach before each run, so every flood meets a quiet port; the first event the
# follower prints is the engage.
auto_run_start()
{
	lab_xsc detach "$srv_if" >/dev/null
	lab_xsc attach "$srv_if" --ports "$PORT" "${BUDGETS[@]}" >/dev/null
	rm -f "$WORK/events.out"
	lab_bg srv "$WORK/events" "$XSC" events "$srv_if" --json --count 1 \
		--timeout $((SECONDS_PER_RUN + 10))
	AUTO_EVENTS_PID=$LAB_BG_PID
	AUTO_T0=$(date +%s.%N)
}

# Prints "seconds-to-engage kernel-answered xdp-answered" for the run.
auto_run_end()
{
	wait "$AUTO_EVENTS_PID" || true
	lab_xsc stats "$srv_if" --json | "$LAB_PY" -c '
import json, sys
t0, path = float(sys.argv[1]), sys.argv[2]
c = json.load(sys.stdin)["interfaces"][sys.argv[3]]["counters"]
try:
    ev = json.loads(open(path).readline())
    engage = "%.3f" % (ev["time"] - t0)
except (OSError, ValueError, KeyError):
    engage = "null"
print(engage, c["syn_passed"], c["syn_cookie_sent"])' "$AUTO_T0" "$WORK/events.out" "$srv_if"
}

# ---- one measurement -------------------------------------------------------------------

run_once()
{
	local contender=$1 rate=$2 run=$3 hz syn0 fr0 busy0 steal0 txerr0 busy1 steal1 txerr1
	local rx0 rx1 auto="null null null"
	local synacks frames flood_out legit_out client_pid count

	hz=$(getconf CLK_TCK)
	count=$(( rate > 0 ? rate * SECONDS_PER_RUN : 50000000 ))
	syn0=$(sink_count 1)
	fr0=$(sink_count 0)
	txerr0=$(ethtool_stat "$LAB_SRV" "$srv_if" rx_queue_0_xdp_tx_errors)
	rx0=$(ethtool_stat "$LAB_SRV" "$srv_if" rx_queue_0_xdp_packets)
	[ "$contender" = xdp-syncookie-auto ] && auto_run_start
	busy0=$(cpu_busy "$DEF_CPU")
	steal0=$(cpu_steal "$DEF_CPU")
	lab_bg cli "$WORK/legit" taskset -c "$DEF_CPU" "${TT[@]}" connect --dst "$LAB_SRV4" \
		--port "$PORT" --count "$LEGIT" --parallel 2 --timeout 2
	client_pid=$LAB_BG_PID
	flood_out=$(lab_atk taskset -c "$GEN_CPU" "$FLOOD" -i "$atk_if" -m "$LAB_MAC_SRV_ATK" \
		-d "$LAB_SRV4_ATK" -p "$PORT" -n "$count" -t "$SECONDS_PER_RUN" -r "$rate")
	busy1=$(cpu_busy "$DEF_CPU")
	steal1=$(cpu_steal "$DEF_CPU")
	sleep 0.2	# the last SYN-ACKs in flight
	synacks=$(( $(sink_count 1) - syn0 ))
	frames=$(( $(sink_count 0) - fr0 ))
	txerr1=$(ethtool_stat "$LAB_SRV" "$srv_if" rx_queue_0_xdp_tx_errors)
	rx1=$(ethtool_stat "$LAB_SRV" "$srv_if" rx_queue_0_xdp_packets)
	wait "$client_pid" || true
	legit_out=$(cat "$WORK/legit.out")
	[ "$contender" = xdp-syncookie-auto ] && auto=$(auto_run_end)
	"$LAB_PY" - "$contender" "$rate" "$run" "$flood_out" "$synacks" "$frames" \
		"$(( busy1 - busy0 ))" "$hz" "$(( steal1 - steal0 ))" "$(( ${txerr1:-0} - ${txerr0:-0} ))" \
		"$legit_out" "$SECONDS_PER_RUN" "$(( rx1 - rx0 ))" $auto <<-'EOF' >>"$OUT"
	import json, re, sys
	(contender, rate, run, flood, synacks, frames, busy, hz, steal, txerr, legit, secs,
	 received, engage_s, kernel_answered, xdp_answered) = sys.argv[1:]
	m = re.search(r"(\d+) SYNs .* in ([\d.]+) s: (\d+) pps", flood)
	sent, elapsed, offered = int(m.group(1)), float(m.group(2)), int(m.group(3))
	busy_ns = int(busy) * 1e9 / int(hz)
	legit = json.loads(legit or "{}")
	answered = int(frames) if contender == "xdp-tx" else int(synacks)
	print(json.dumps({
	    "contender": contender, "target_pps": int(rate), "run": int(run),
	    "offered_pps": offered, "sent": sent, "elapsed_s": elapsed,
	    "received_pps": int(received) / elapsed,
	    "answered": answered, "answered_pps": answered / elapsed,
	    "defender_busy_s": busy_ns / 1e9, "defender_steal_ticks": int(steal),
	    "ns_per_answer": busy_ns / answered if answered else None,
	    "ns_per_syn": busy_ns / sent if sent else None,
	    "answers_per_core_s": answered / (busy_ns / 1e9) if busy_ns else None,
	    "xdp_tx_errors": int(txerr),
	    "legit_ok": legit.get("ok"), "legit_count": legit.get("count"),
	    "legit_p50_ms": legit.get("p50_ms"), "legit_p99_ms": legit.get("p99_ms"),
	    "engage_s": json.loads(engage_s), "kernel_answered": json.loads(kernel_answered),
	    "xdp_answered": json.loads(xdp_answered),
	}))
	EOF
}

# ---- main ------------------------------------------------------------------------------

: >"$OUT"
set_xdp "$LAB_ATK" "$atk_if" obj "$SINK"
# The sink shares the generator's CPU; at real-time priority it preempts the generator
# between its 64-frame batches and drains its 256-frame veth ring, so SYN-ACKs are not
# lost at the sink and XDP_TX errors mean the defender's trouble.
pin_napi "$LAB_ATK" "$atk_if" "$GEN_CPU" fifo
lab_bg srv "$WORK/server" taskset -c "$DEF_CPU" "${TT[@]}" server --port "$PORT" --mode accept \
	--backlog 128 --seconds 3000
lab_wait_listen "$LAB_SRV" "$PORT"

for contender in "${CONTENDERS[@]}"; do
	echo "macro: $contender" >&2
	contender_up "$contender"
	for rate in "${RATES[@]}"; do
		for ((run = 1; run <= RUNS; run++)); do
			run_once "$contender" "$rate" "$run"
			tail -n 1 "$OUT" >&2
		done
	done
	contender_down "$contender"
done
