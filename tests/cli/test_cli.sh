#!/usr/bin/env bash
# Command-line behaviour of xdp-syncookie: bad values, double attach, missing things,
# stale and foreign pins. Runs in a private network namespace with its own bpffs.
# XSC=PATH runs another build of the tool (tests/cli/test_cli_asan.sh: the sanitizer one);
# with XSC_SAN_LOGS=DIR set, a sanitizer report written there fails the case it ran in.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${XSC:-$here/../../xdp-syncookie}")
san_logs=${XSC_SAN_LOGS:-}
san_seen=0
ns="xsc-cli-$$"
peer_ns="xsc-cli-peer-$$"	# the other end of p0, so a connection crosses XDP
fs="/run/xsc-cli-$$"
scratch=$(mktemp -d)
listener=""
passed=0
failed=0

cleanup() {
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	ip netns del "$peer_ns" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$scratch"
	umount "$fs" 2>/dev/null
	rmdir "$fs" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
# A bridge has no native XDP: the "mode the driver cannot do" case.
ip -n "$ns" link add d0 type bridge
ip -n "$ns" link set d0 up
mkdir -p "$fs"
mount -t bpf bpf "$fs"

# run CMD...: the tool inside the namespace; sets $out and $rc.
run() {
	out=$(ip netns exec "$ns" env LIBXDP_BPFFS="$fs" "$tool" "$@" 2>&1)
	rc=$?
}

bad() { echo "FAIL $1: $2"; printf '     %s\n' "$out" | head -5; failed=$((failed + 1)); }

# san_new: true if the sanitizers wrote a report since the last call; $out is then its
# first lines. A report read is renamed *.seen, so each one fails one case.
san_new() {
	local f new=""
	[ -n "$san_logs" ] || return 1
	for f in "$san_logs"/*; do
		[ -f "$f" ] && [ "${f%.seen}" = "$f" ] || continue
		new="$new$(basename "$f"): $(grep -m4 -E 'ERROR|runtime error|SUMMARY|#[0-3] ' "$f")"$'\n'
		mv "$f" "$f.seen"
	done
	[ -n "$new" ] || return 1
	out=$new
}

ok() {
	if san_new; then bad "$1" "sanitizer report"; else echo "ok   $1"; passed=$((passed + 1)); fi
}

# expect NAME RC PATTERN CMD...: exit code RC and output matching PATTERN.
expect() {
	local name=$1 want_rc=$2 pattern=$3
	shift 3
	run "$@"
	if [ "$rc" -ne "$want_rc" ]; then
		bad "$name" "exit $rc, want $want_rc"
	elif ! grep -qE -- "$pattern" <<<"$out"; then
		bad "$name" "output does not match /$pattern/"
	else
		ok "$name"
	fi
}

# nothing_left NAME IFACE [nopins]: no XDP program, no TC filter, no pins (unless nopins).
nothing_left() {
	local name=$1 ifc=$2 what=""
	ip -n "$ns" link show "$ifc" 2>/dev/null | grep -q "prog/xdp" && what="$what xdp"
	[ -n "$(ip netns exec "$ns" tc filter show dev "$ifc" ingress 2>/dev/null)" ] && what="$what tc-filter"
	[ "${3:-}" != nopins ] && [ -e "$fs/xdp-syncookie/$ifc" ] && what="$what pins"
	if [ -z "$what" ]; then ok "$name"; else out=""; bad "$name" "left behind:$what"; fi
}

# no_pins NAME: nothing pinned in the bpffs at all (an earlier build's libxdp dispatcher
# pins included).
no_pins() {
	out=$(find "$fs" -mindepth 1 ! -type d ! -name progs.debug ! -name maps.debug)
	if [ -z "$out" ]; then ok "$1"; else bad "$1" "pins left"; fi
}

expect "help lists the commands" 0 "attach.*detach|detach" help
expect "no command is a usage error" 2 "Usage" 
expect "unknown command" 2 "unknown command 'frobnicate'" frobnicate
expect "attach --help answers" 0 "--ports LIST" attach --help
expect "stats --help answers" 0 "--json" stats --help
expect "attach without an interface" 2 "name at least one interface" attach

for bad_ports in "80,0,443" "65536" "80x" "80,,443" "80,80" "443-80" "1-2000" ""; do
	expect "--ports '$bad_ports' refused" 2 "--ports" attach v0 --ports "$bad_ports"
done
expect "--ports error names the value" 2 "'80x'" attach v0 --ports 80x
expect "--mss4 0 refused" 2 "--mss4: 0 is out of range" attach v0 --mss4 0
expect "--mss4 70000 refused" 2 "--mss4: 70000 is out of range" attach v0 --mss4 70000
expect "--mss6 1219 refused" 2 "--mss6" attach v0 --mss6 1219
expect "--wscale 15 refused" 2 "--wscale: 15 is out of range" attach v0 --wscale 15
expect "--ttl 0 refused" 2 "--ttl" attach v0 --ttl 0
expect "--mode bogus refused" 2 "--mode" attach v0 -m bogus
expect "--engage bogus refused" 2 "--engage: 'bogus'" attach v0 --engage bogus
expect "--port-engage without a mode refused" 2 "'443' is not PORT:MODE" attach v0 --port-engage 443
expect "--port-engage with a bad mode refused" 2 "'sometimes'" attach v0 --port-engage 443:sometimes
expect "--port-engage twice for a port refused" 2 "listed twice" attach v0 --port-engage 443:auto,443:never
expect "--port-engage for an unprotected port refused" 2 "port 22 is not protected" \
	attach v0 --ports 80 --port-engage 22:always
expect "--syn-rate 0 refused" 2 "--syn-rate: 0 is out of range" attach v0 --syn-rate 0
expect "--queue-fill 101 refused" 2 "--queue-fill: 101 is out of range" attach v0 --queue-fill 101
expect "--hold 0 refused" 2 "--hold: 0 is out of range" attach v0 --hold 0
expect "--budget-prefix past its range refused" 2 "--budget-prefix: 100000001 is out of range" attach v0 --budget-prefix 100000001
expect "--budget-global not a number refused" 2 "--budget-global: .x. is not a number" attach v0 --budget-global x
expect "--hold 30s refused" 2 "--hold: '30s' is not a number" attach v0 --hold 30s
nothing_left "refused values changed nothing" v0

expect "unknown interface" 1 "attach nosuch0: interface not found" attach nosuch0
nothing_left "unknown interface left nothing" v0
expect "native mode on a driver without it: no silent fallback" 1 "no native XDP support.*-m skb" attach d0
nothing_left "failed native attach left nothing" d0
expect "generic mode on the same driver works" 0 "d0: attached \(skb" attach d0 -m skb
expect "detach generic" 0 "d0: detached" detach d0
nothing_left "detach left nothing on d0" d0
# Another XDP program on the interface: refused by its id, and left as it was.
xdp_id() { ip -n "$ns" -d link show "$1" | sed -nE 's/.*prog\/xdp id ([0-9]+).*/\1/p'; }
ip -n "$ns" link set dev v0 xdpdrv obj "$here/../../build/xdp_pass.bpf.o" sec xdp
foreign=$(xdp_id v0)
if [ -z "$foreign" ]; then
	out=""; bad "another XDP program on the interface" "build/xdp_pass.bpf.o did not attach"
else
	expect "another XDP program on the interface: refused, naming it" 1 \
		"another XDP program, id $foreign, is attached" attach v0
	[ "$(xdp_id v0)" = "$foreign" ] && ok "...which stays" ||
		{ out=$(ip -n "$ns" -d link show v0); bad "...which stays" "changed"; }
fi
ip -n "$ns" link set dev v0 xdpdrv off
rm -rf "$fs/ip" "$fs/xdp" "$fs/tc"	# iproute2's own bpffs directories
nothing_left "...and nothing of ours is left" v0

# The kernel handoff: no TC filter, status says so, an upgrade in place keeps the handoff.
expect "--handoff bogus refused" 2 "--handoff: 'bogus' is not reqsk, kernel, synproxy or auto" attach v0 --handoff bogus
expect "attach --handoff kernel says which handoff" 0 "handoff kernel: the kernel's own cookies" \
	attach v0 --handoff kernel
expect "...status names the handoff" 0 "v0: attached, native mode, handoff kernel" status v0
expect "...and needs no TC filter" 0 "tc: +none \(the kernel handoff needs none\)" status v0
if [ -z "$(ip netns exec "$ns" tc filter show dev v0 ingress 2>/dev/null)" ]; then
	ok "...none is there"
else
	out=$(ip netns exec "$ns" tc filter show dev v0 ingress); bad "...none is there" "a filter"
fi
expect "...an upgrade in place cannot change the handoff" 1 "the handoff in force is kernel" \
	attach v0 --replace --handoff reqsk
expect "...an upgrade in place keeps it" 0 "v0: upgraded in place" attach v0 --replace
expect "...and it is still the kernel's" 0 "handoff kernel" status v0
expect "detach the kernel handoff" 0 "v0: detached" detach v0
nothing_left "...left nothing" v0
no_pins "...no pins at all"
# Gateway mode: the host must forward and conntrack must not pick up mid-stream ACKs; its
# own nftables table, which status shows and detach removes.
gw_tables() { ip netns exec "$ns" nft list tables 2>/dev/null | grep -c xdp_syncookie_; }
expect "attach --gateway refuses a host that does not forward" 1 "net.ipv4.ip_forward is not 1" \
	attach v0 --gateway
expect "...and --gateway with another handoff" 2 "--gateway and --handoff do not combine" \
	attach v0 --gateway --handoff kernel
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1 2>/dev/null
expect "...and conntrack's loose pickup" 1 "nf_conntrack_tcp_loose is 1" attach v0 --gateway
[ "$(gw_tables)" = 0 ] && ok "...which leaves no table" || { out=$(ip netns exec "$ns" nft list tables); bad "...which leaves no table" "a table"; }
ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
expect "attach --gateway" 0 "v0: attached" attach v0 --gateway
expect "...status names the handoff" 0 "v0: attached, native mode, handoff synproxy" status v0
expect "...and the table" 0 "nftables: table inet xdp_syncookie_[0-9]+: invalid TCP" status v0
expect "...an upgrade in place keeps it" 0 "v0: upgraded in place" attach v0 --replace
expect "...and it is still gateway mode" 0 "handoff synproxy" status v0
ip netns exec "$ns" nft delete table inet "xdp_syncookie_$(ip netns exec "$ns" cat /sys/class/net/v0/ifindex)"
expect "...a lost table shows" 1 "v0: DEGRADED.*|nftables: table inet xdp_syncookie_[0-9]+ MISSING" status v0
expect "detach the gateway" 0 "v0: detached" detach v0
[ "$(gw_tables)" = 0 ] && ok "...and its table" || { out=$(ip netns exec "$ns" nft list tables); bad "...and its table" "a table left"; }
nothing_left "...left nothing else" v0
expect "attach --gateway again" 0 "v0: attached" attach v0 --gateway
rm -r "$fs/xdp-syncookie"
expect "...its pins lost, detach still removes it" 0 "v0: detached" detach v0
[ "$(gw_tables)" = 0 ] && ok "...and its table" || { out=$(ip netns exec "$ns" nft list tables); bad "...and its table" "a table left"; }
nothing_left "...and everything else" v0
# The record that attach made the clsact qdisc went with the pins: the qdisc stays.
ip netns exec "$ns" tc qdisc del dev v0 clsact 2>/dev/null
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
auto_handoff=reqsk	# where the kernel has bpf_sk_assign_tcp_reqsk() (6.9+)
grep -qw bpf_sk_assign_tcp_reqsk /proc/kallsyms || auto_handoff=kernel
expect "attach picks the handoff from the kernel's BTF" 0 "attach v0: handoff $auto_handoff" attach v0
expect "...detach" 0 "v0: detached" detach v0

expect "attach v0" 0 "v0: attached" attach v0 --ports 80,443
expect "status shows v0" 0 "ports: +80,443" status v0
# The current key (key[gen & 1]) must be random, never the empty slot.
keys=$(ip netns exec "$ns" bpftool map dump pinned "$fs/xdp-syncookie/xsc_host_keys" -j 2>/dev/null)
if /usr/bin/python3 -c '
import json, sys
v = [int(b, 16) for b in json.loads(sys.argv[1])[0]["value"]]
gen = int.from_bytes(bytes(v[32:36]), "little")
cur = v[16 * (gen & 1):16 * (gen & 1) + 16]
sys.exit(0 if gen == 1 and any(cur) else 1)' "$keys"; then
	ok "the current cookie key is set (generation 1, non-zero)"
else
	out=$keys; bad "the current cookie key is set (generation 1, non-zero)" "empty or wrong slot"
fi
expect "status shows the default engage policy" 0 "engage: +auto; syn-rate 20000/s" status v0

# set: checked first, whole or not at all.
expect "set --help answers" 0 "--syn-rate N" set --help
expect "set with nothing to change" 2 "name what to change" set v0
expect "set with a bad value" 2 "'80x'" set v0 --ports 80x
expect "...changed nothing" 0 "ports: +80,443" status v0
expect "set an override on an unprotected port" 2 "port 22 is not protected" set v0 --port-engage 22:never
expect "set an interface that is not attached" 1 "set d0: not attached" set v0 d0 --engage never
expect "...changed nothing on the attached one either" 0 "engage: +auto" status v0
expect "set engage, thresholds and an override" 0 "v0: policy set" \
	set v0 --engage never --syn-rate 5000 --queue-fill 40 --hold 30 --port-engage 443:always
expect "status shows the new policy" 0 "engage: +never; syn-rate 5000/s \(off below 2500/s\), queue-fill 40% \(off below 20%\), hold 30 s" status v0
expect "status shows the override" 0 "port-engage: 443:always" status v0
expect "set --ports keeps what it does not name" 0 "engage never, 3 protected" set v0 --ports 80,443,8080
expect "--ports all protects every port" 0 "65536 protected" set v0 --ports all
run set v0 --ports 80,443
run stats v0 --json
if /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1])["interfaces"]["v0"]["policy"]; assert d["engage"] == "never" and d["ports"] == [80, 443] and d["port_engage"] == {"443": "always"} and d["syn_rate"] == 5000' "$out"; then
	ok "stats --json shows the policy"
else
	bad "stats --json shows the policy" "not the policy that was set"
fi
expect "events --help answers" 0 "--count N" events --help
expect "events with nothing to report ends at its timeout" 0 "^$" events v0 --timeout 1
expect "events of an interface not attached" 1 "events d0: not attached" events d0 --timeout 1

expect "attach twice refused" 1 "already attached" attach v0
expect "still attached after the refused second attach" 0 "v0: attached" status v0
run stats v0 --json
if /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert "syn_cookie_sent" in d["interfaces"]["v0"]["counters"]' "$out"; then
	ok "stats --json parses and names the counters"
else
	bad "stats --json parses and names the counters" "not the documented JSON"
fi
expect "a two-interface attach that fails halfway undoes itself" 1 "interface not found" attach d0 nosuch0 -m skb
nothing_left "the half-done attach left nothing on d0" d0
expect "detach v0" 0 "v0: detached" detach v0
nothing_left "detach left nothing on v0" v0
[ ! -e "$fs/xdp-syncookie" ] && ok "last detach removed the key and pin root" || { out=""; bad "last detach removed the key and pin root" "$fs/xdp-syncookie remains"; }
expect "detach when not attached" 1 "not attached" detach v0
expect "status when not attached" 1 "not attached" status v0

# The key survives while another interface stays attached.
run attach v0 -m skb
run attach d0 -m skb
key1=$(ip netns exec "$ns" bpftool map dump pinned "$fs/xdp-syncookie/xsc_host_keys" 2>/dev/null | md5sum)
run detach v0
run attach v0 -m skb
key2=$(ip netns exec "$ns" bpftool map dump pinned "$fs/xdp-syncookie/xsc_host_keys" 2>/dev/null | md5sum)
if [ "$key1" = "$key2" ]; then ok "re-attach keeps the shared cookie key"; else out=""; bad "re-attach keeps the shared cookie key" "key changed"; fi
run detach v0 d0

# An interface removed while attached: status says so, detach cleans up.
ip -n "$ns" link add v2 type veth peer name v3
ip -n "$ns" link set v2 up
ip -n "$ns" link set v3 up
run attach v2
ip -n "$ns" link del v2
expect "status of a removed interface" 1 "INTERFACE GONE|not attached" status v2
expect "detach of a removed interface removes its pins" 0 "v2: detached" detach v2
[ ! -e "$fs/xdp-syncookie/v2" ] && ok "no pins left for the removed interface" || { out=""; bad "no pins left for the removed interface" "pins remain"; }

# Pins from another layout are refused, not half-loaded.
mkdir -p "$fs/xdp-syncookie/v0"
ip netns exec "$ns" bpftool map create "$fs/xdp-syncookie/v0/xsc_info" type array key 4 value 8 entries 1 name xsc_info
expect "pins of another layout are refused" 1 "another version" attach v0
nothing_left "...and nothing was attached" v0 nopins
expect "attach --replace on pins of another layout is refused, saying what to do" 1 \
	"of another layout than this build's \([0-9]+\).*'xdp-syncookie detach v0' and then 'attach'" attach --replace v0
nothing_left "...and nothing was attached" v0 nopins
[ -e "$fs/xdp-syncookie/v0/xsc_info" ] && ok "...and the foreign pins were left alone" ||
	{ out=""; bad "...and the foreign pins were left alone" "xsc_info is gone"; }
expect "detach clears foreign pins" 0 "detached" detach v0
[ ! -e "$fs/xdp-syncookie" ] && ok "foreign pins removed" || { out=""; bad "foreign pins removed" "still there"; }

# Live numbers. Bad values and combinations first: each output form is its own choice.
for bad_interval in 0.05 3601 1e3 . 0.5x -1 ""; do
	expect "--interval '$bad_interval' refused" 2 "--interval" stats --watch --interval "$bad_interval"
done
expect "--interval error names the range" 2 "0.05 is out of range \(0.1-3600\)" stats --watch -i 0.05
expect "--json and --prometheus do not combine" 2 "--json and --prometheus do not go together" \
	stats --json --prometheus
expect "--watch and --json do not combine" 2 "--json and --watch do not go together" stats --watch --json
expect "--prometheus and --watch do not combine" 2 "--prometheus and --watch" stats --prometheus -w
expect "--count needs --watch" 2 "--count needs --watch" stats --count 2
expect "--interval needs --watch" 2 "--interval needs --watch" stats -i 0.5
expect "stats --help describes --prometheus and --watch" 0 "-i, --interval SECONDS.*0.1-3600, default 1" \
	stats --help

# p0 on this side, p1 in a namespace of its own: a real handshake to a quiet port passes
# through XDP to the kernel and gives port 8080 a state with its listener's backlog (16).
ip netns add "$peer_ns"
ip -n "$ns" link add p0 type veth peer name p1 netns "$peer_ns"
ip -n "$ns" addr add 198.18.99.1/24 dev p0
ip -n "$peer_ns" addr add 198.18.99.2/24 dev p1
ip -n "$ns" link set p0 up
ip -n "$peer_ns" link set p1 up
ip netns exec "$ns" /usr/bin/python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.99.1", 8080))
s.listen(16)
time.sleep(60)' &
listener=$!
for _ in $(seq 50); do
	[ -n "$(ip netns exec "$ns" ss -Hltn "sport = :8080")" ] && break
	sleep 0.1
done
# connect N: N connections from the peer, 50 ms apart; each is closed at once.
connect() {
	ip netns exec "$peer_ns" /usr/bin/python3 -c '
import socket, sys, time
for _ in range(int(sys.argv[1])):
	socket.create_connection(("198.18.99.1", 8080), timeout=5).close()
	time.sleep(0.05)' "$1"
}
expect "attach v0 and p0" 0 "p0: attached" attach v0 p0 --ports 8080
connect 3 && ok "connections cross XDP to the quiet port" || { out=""; bad "connections cross XDP to the quiet port" "connect failed"; }

# prom [IFACE...]: the exposition alone in $prom (messages in $out), exit code in $rc.
prom() {
	prom=$(ip netns exec "$ns" env LIBXDP_BPFFS="$fs" "$tool" stats --prometheus "$@" 2>"$scratch/err")
	rc=$?
	out=$(cat "$scratch/err")
}
# has NAME SERIES...: every series line (a regex, whole line) is in $prom.
has() {
	local name=$1 missing=""
	shift
	for want in "$@"; do
		grep -qxE -- "$want" <<<"$prom" || missing="$missing $want"
	done
	if [ -z "$missing" ]; then ok "$name"; else out=$prom; bad "$name" "missing:$missing"; fi
}
prom
lint=$(promtool check metrics <<<"$prom" 2>&1)
if [ "$rc" -eq 0 ] && [ -z "$lint" ] && [ -n "$prom" ]; then
	ok "stats --prometheus passes promtool check metrics"
else
	out="$lint"; bad "stats --prometheus passes promtool check metrics" "exit $rc"
fi
dups=$(grep '^# TYPE' <<<"$prom" | sort | uniq -d)
[ -z "$dups" ] && ok "each metric family is declared once for both interfaces" ||
	{ out=$dups; bad "each metric family is declared once for both interfaces" "repeated"; }
n_reasons=$("$tool" reasons | wc -l)
for ifc in v0 p0; do
	got=$(grep -c "^xdp_syncookie_packets_total{interface=\"$ifc\",reason=\"[a-z0-9_]*\",verdict=\"\(pass\|tx\|drop\)\"} [0-9]*$" <<<"$prom")
	[ "$got" -eq "$n_reasons" ] && ok "$ifc: a packets_total series for each of the $n_reasons reasons" ||
		{ out=""; bad "$ifc: a packets_total series for each of the $n_reasons reasons" "$got series"; }
done
has "the reason and verdict labels, zeros included" \
	'xdp_syncookie_packets_total\{interface="v0",reason="syn_cookie_sent",verdict="tx"\} 0' \
	'xdp_syncookie_packets_total\{interface="p0",reason="syn_passed",verdict="pass"\} [1-9][0-9]*' \
	'xdp_syncookie_packets_total\{interface="p0",reason="ack_no_socket",verdict="drop"\} [0-9]+'
has "port 8080's engage state, rate, counters and listener queues" \
	'xdp_syncookie_port_engaged\{interface="p0",port="8080"\} 0' \
	'xdp_syncookie_port_syn_rate\{interface="p0",port="8080"\} [0-9]+' \
	'xdp_syncookie_port_engages_total\{interface="p0",port="8080"\} 0' \
	'xdp_syncookie_port_cookies_total\{interface="p0",port="8080"\} 0' \
	'xdp_syncookie_port_syn_queue\{interface="p0",port="8080"\} [0-9]+' \
	'xdp_syncookie_port_accept_queue\{interface="p0",port="8080"\} [0-9]+' \
	'xdp_syncookie_port_backlog\{interface="p0",port="8080"\} 16'
has "the policy and the attach time" \
	'xdp_syncookie_interface_up\{interface="v0"\} 1' \
	'xdp_syncookie_attached_since_seconds\{interface="p0"\} [0-9]{10}' \
	'xdp_syncookie_policy_syn_rate_high\{interface="p0"\} 20000' \
	'xdp_syncookie_policy_queue_fill_high_ratio\{interface="p0"\} 0.5' \
	'xdp_syncookie_policy_protected_ports\{interface="v0"\} 1' \
	'xdp_syncookie_policy_engage_mode\{interface="p0",mode="auto"\} 1' \
	'xdp_syncookie_policy_engage_mode\{interface="p0",mode="never"\} 0'
grep -q 'port="' <<<"$(grep 'interface="v0"' <<<"$prom")" &&
	{ out=""; bad "a port without activity has no series" "v0 has port series"; } ||
	ok "a port without activity has no series"
prom p0 d0
if [ "$rc" -eq 1 ] && grep -q "metrics d0: not attached" <<<"$out" &&
	[ -z "$(promtool check metrics <<<"$prom" 2>&1)" ]; then
	ok "an interface not attached: exit 1, named, and the rest still well formed"
else
	bad "an interface not attached: exit 1, named, and the rest still well formed" "exit $rc"
fi
has "...and it is reported down" 'xdp_syncookie_interface_up\{interface="d0"\} 0' \
	'xdp_syncookie_interface_up\{interface="p0"\} 1'

# --watch piped: plain lines, each stamped with the time and the interface.
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '
run stats --watch --count 2 -i 0.2 p0
totals=$(grep -E "${stamp}p0 total [0-9.]+/s \(pass " <<<"$out")
if [ "$rc" -eq 0 ] && [ "$(wc -l <<<"$totals")" -eq 2 ] &&
	[ "$(cut -d' ' -f2 <<<"$totals" | sort -u | wc -l)" -eq 2 ] && ! grep -q $'\e' <<<"$out"; then
	ok "stats --watch --count 2 -i 0.2 piped: two stamped refreshes, no escapes"
else
	bad "stats --watch --count 2 -i 0.2 piped: two stamped refreshes, no escapes" "exit $rc"
fi
ip netns exec "$ns" env LIBXDP_BPFFS="$fs" "$tool" stats --watch --count 3 -i 0.5 p0 \
	>"$scratch/watch" 2>&1 &
watcher=$!
connect 30 >/dev/null 2>&1
wait "$watcher"
rc=$?
out=$(cat "$scratch/watch")
if [ "$rc" -eq 0 ] && grep -qE "${stamp}p0 reason syn_passed +pass +[0-9.]*[1-9][0-9.]*/s" <<<"$out"; then
	ok "stats --watch shows the SYN rate of connections made while it runs"
else
	bad "stats --watch shows the SYN rate of connections made while it runs" "exit $rc"
fi
ip netns exec "$ns" env LIBXDP_BPFFS="$fs" "$tool" stats --watch -i 0.2 >"$scratch/watch" 2>&1 &
watcher=$!
sleep 1
kill -INT "$watcher"
wait "$watcher"
rc=$?
out=$(cat "$scratch/watch")
[ "$rc" -eq 0 ] && grep -qE "${stamp}v0 total" <<<"$out" && ok "stats --watch ends with 0 on SIGINT" ||
	bad "stats --watch ends with 0 on SIGINT" "exit $rc"
expect "stats --watch of an interface not attached" 1 "stats d0: not attached" stats --watch -n 1 d0
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
listener=""
expect "detach v0 and p0" 0 "p0: detached" detach v0 p0
nothing_left "detach left nothing on p0" p0

# The service's config file: each error refused with FILE:LINE and exit code 2, before
# anything is attached.
conf="$scratch/xsc.conf"
printf '[service]\nmetrics = off\n[interface v0]\nportz = 80\n' >"$conf"
expect "run: an unknown key names FILE:LINE" 2 "^run: $conf:4: unknown key 'portz' in \\[interface v0\\]" run --config "$conf"
printf '[service]\nmetrics = off\n\n[interface v0]\nports = 80\nsyn_rate = 0\n' >"$conf"
expect "run: a bad value names FILE:LINE and the reason" 2 "^run: $conf:6: --syn-rate: 0 is out of range" run --config "$conf"
printf '[service]\nmetrics = off\n[interfaces v0]\n' >"$conf"
expect "run: an unknown section names FILE:LINE" 2 "^run: $conf:3: unknown section \\[interfaces v0\\]" run --config "$conf"
printf '[interface v0]\nports = 80\nports = 443\n' >"$conf"
expect "run: a key given twice names both lines" 2 "^run: $conf:3: 'ports' given twice \\(first on line 2\\)" run --config "$conf"
printf '[interface v0]\nports = 80\nport_engage = 22:always\n' >"$conf"
expect "run: a policy error names the port_engage line" 2 "^run: $conf:3: --port-engage 22: port 22 is not protected" run --config "$conf"
printf '[service]\nmetrics = localhost:9432\n' >"$conf"
expect "run: a metrics address must be numeric" 2 "^run: $conf:2: metrics: 'localhost'" run --config "$conf"
printf '[interface nosuch0]\n' >"$conf"
expect "run: an interface that is not there" 2 "^run: $conf:1: interface nosuch0 not found" run --config "$conf"
printf '[interface v0]\nallow_file = %s/none.txt\n' "$scratch" >"$conf"
expect "run: a list file that cannot be read" 2 "^run: $conf:1: \\[interface v0\\] allow_file: $scratch/none.txt" run --config "$conf"
# The reader saw a section header only after spaces and tabs; libinih after any white space
# and a byte order mark, so the keys below such a header went to the section before it.
printf '[interface v0]\nports = 80\n\f[service]\nmetrics = off\n' >"$conf"
expect "run: a section header after a form feed is a section" 0 "configuration good \\(1 interfaces\\)" run --config "$conf" --check
printf '\xef\xbb\xbf[interface v0]\nports = 80\n' >"$conf"
expect "run: a byte order mark before the first section" 0 "configuration good \\(1 interfaces\\)" run --config "$conf" --check
printf '[interface v0]\nports = 80\0,443\n' >"$conf"
expect "run: a NUL byte is refused, not the end of the line" 2 "^run: $conf:2: a NUL byte" run --config "$conf"
expect "run without --config" 2 "name the configuration file" run
nothing_left "refused configurations attached nothing" v0
sed 's/^\[interface eth0\]/[interface v0]/' "$here/../../dist/xdp-syncookie.conf" >"$conf"
expect "run --check takes the shipped example config" 0 "configuration good \\(1 interfaces\\)" run --config "$conf" --check
nothing_left "run --check attached nothing" v0

# The man page covers every command the tool lists.
missing=""
for c in $("$tool" help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	grep -q "^\*\*xdp-syncookie\*\* .*\*\*$c\*\*" "$here/../../docs/xdp-syncookie.8.md" || missing="$missing $c"
done
if [ -z "$missing" ]; then ok "the man page's synopsis names every command"; else out=""; bad "the man page's synopsis names every command" "missing:$missing"; fi

# The shipped unit, as systemd reads it. verify also checks that ExecStart's program and
# the man page in Documentation= exist: the copy names the tool just built, and MANPATH
# the man page just built.
unit="$scratch/xdp-syncookie.service"
sed "s|/usr/local/sbin/xdp-syncookie|$tool|" \
	"$here/../../dist/xdp-syncookie.service" >"$unit"
out=$(MANPATH="$here/../../build/man" systemd-analyze verify "$unit" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify accepts dist/xdp-syncookie.service"
else
	bad "systemd-analyze verify accepts dist/xdp-syncookie.service" "exit $rc"
fi

# Allow and deny lists from the command line: bad prefixes, absent interfaces and failed
# removals change nothing; a bad list file is named by line.
# lines NAME KIND WANT: `KIND list v0` prints exactly WANT (sorted, one line, space-separated).
lines() {
	run "$2" list v0
	local got
	got=$(grep . <<<"$out" | sort | tr "\n" " ")
	if [ "$rc" -eq 0 ] && [ "$got" = "$3" ]; then ok "$1"; else bad "$1" "exit $rc, list '$got', want '$3'"; fi
}
expect "attach v0 for the lists" 0 "v0: attached" attach v0
for kind in allow deny; do
	expect "$kind --help answers" 0 "add\|del IFACE PREFIX" "$kind" --help
	expect "$kind without a subcommand" 2 "name at least one interface" "$kind"
	expect "$kind with an unknown subcommand" 2 "'frob' is not add, del, list or flush" "$kind" frob v0
	expect "$kind add without an interface" 2 "$kind add: name the interface" "$kind" add
	expect "$kind add without a prefix" 2 "name at least one prefix" "$kind" add v0
	expect "$kind list with a prefix" 2 "takes no prefixes" "$kind" list v0 198.18.0.0/15
	expect "$kind add of an interface not attached" 1 "$kind add d0: not attached" "$kind" add d0 198.18.0.0/15
	expect "$kind add of an unknown interface" 1 "not attached" "$kind" add nosuch0 198.18.0.0/15
	expect "$kind add of a bad prefix" 2 "'300.1.2.3' is not an IPv4 or IPv6 prefix" "$kind" add v0 300.1.2.3
	expect "$kind add with host bits set" 2 "'198.18.1.1/24' has bits set past its /24" \
		"$kind" add v0 198.18.1.1/24
	expect "$kind add with IPv6 host bits set" 2 "'2001:2::1/64' has bits set past its /64" \
		"$kind" add v0 2001:2::1/64
	expect "$kind add of a /33" 2 "prefix length must be 0 to 32" "$kind" add v0 198.18.0.0/33
	expect "$kind add of a /129" 2 "prefix length must be 0 to 128" "$kind" add v0 2001:2::/129
	lines "...nothing was added" "$kind" ""
	expect "$kind add of two prefixes" 0 "^$" "$kind" add v0 198.18.0.0/15 2001:2::/48
	expect "$kind add of a prefix already there" 0 "^$" "$kind" add v0 198.18.0.0/15
	lines "$kind list shows them" "$kind" "198.18.0.0/15 2001:2::/48 "
	expect "$kind add with one bad prefix of two" 2 "'bogus' is not" "$kind" add v0 198.19.0.0/16 bogus
	lines "...added neither" "$kind" "198.18.0.0/15 2001:2::/48 "
	expect "$kind del of an absent prefix" 1 "removing 198.20.0.0/16: not on the list; nothing changed" \
		"$kind" del v0 198.18.0.0/15 198.20.0.0/16
	lines "...removed neither" "$kind" "198.18.0.0/15 2001:2::/48 "
	printf '# partners\n198.19.0.0/16\n\n  2001:2:0:ff::/64   # lab\n198.19.5.1/24\n' >"$scratch/$kind.bad"
	expect "set --$kind-file with a bad line names FILE:LINE" 2 \
		"set --$kind-file: $scratch/$kind.bad:5: '198.19.5.1/24' has bits set past its /24" \
		set v0 "--$kind-file" "$scratch/$kind.bad"
	lines "...and changed nothing" "$kind" "198.18.0.0/15 2001:2::/48 "
	printf '198.19.0.0/16 198.20.0.0/16\n' >"$scratch/$kind.two"
	expect "set --$kind-file with two prefixes on a line" 2 "$scratch/$kind.two:1: one prefix per line" \
		set v0 "--$kind-file" "$scratch/$kind.two"
	expect "set --$kind-file of a missing file" 2 "$scratch/nosuch: No such file" \
		set v0 "--$kind-file" "$scratch/nosuch"
	printf '198.19.0.0/16\0junk\n' >"$scratch/$kind.nul"
	expect "set --$kind-file with a NUL byte refused, not cut there" 2 "$scratch/$kind.nul:1: a NUL byte" \
		set v0 "--$kind-file" "$scratch/$kind.nul"
	head -4 "$scratch/$kind.bad" >"$scratch/$kind.good"
	expect "set --$kind-file replaces the list" 0 "policy set" set v0 "--$kind-file" "$scratch/$kind.good"
	lines "...with the file's prefixes" "$kind" "198.19.0.0/16 2001:2:0:ff::/64 "
	expect "$kind flush" 0 "v0: $kind list emptied" "$kind" flush v0
	lines "...empties it" "$kind" ""
	expect "attach --$kind-file with a bad line names FILE:LINE" 2 "$scratch/$kind.bad:5:" \
		attach v1 "--$kind-file" "$scratch/$kind.bad"
	nothing_left "...and attached nothing" v1
done

# Key files: generated private and never overwritten; loose modes and wrong lengths refused.
expect "key --help answers" 0 "rotate \[--key-file FILE\] \| generate FILE \| status" key --help
expect "key without a subcommand" 2 "." key
expect "key with an unknown subcommand" 2 "'frob' is not rotate, generate or status" key frob
expect "key generate without a file" 2 "name the one file to create" key generate
expect "key generate" 0 "^$" key generate "$scratch/k1"
if [ "$(stat -c '%a %s' "$scratch/k1")" = "600 33" ] && grep -qxE '[0-9a-f]{32}' "$scratch/k1"; then
	ok "key generate makes a 0600 file of 32 hex digits"
else
	out=$(stat -c '%a %s' "$scratch/k1"); bad "key generate makes a 0600 file of 32 hex digits" "mode and size $out"
fi
sum=$(md5sum <"$scratch/k1")
expect "key generate refuses to overwrite" 1 "k1: File exists" key generate "$scratch/k1"
[ "$(md5sum <"$scratch/k1")" = "$sum" ] && ok "...and left the file as it was" ||
	{ out=""; bad "...and left the file as it was" "contents changed"; }
expect "key status" 0 "^generation 1$" key status
cp "$scratch/k1" "$scratch/k644"
chmod 644 "$scratch/k644"
expect "a key file of mode 0644 refused (attach)" 2 "mode 0644.*chmod 600" attach v1 --key-file "$scratch/k644"
nothing_left "...and attached nothing" v1
expect "a key file of mode 0644 refused (key rotate)" 2 "mode 0644" key rotate --key-file "$scratch/k644"
chmod 640 "$scratch/k644"
expect "a key file readable by the group refused" 2 "mode 0640" key rotate --key-file "$scratch/k644"
for len in 31 33; do
	head -c "$len" /dev/zero | tr '\0' 'a' >"$scratch/k$len"
	chmod 600 "$scratch/k$len"
	expect "a key file of $len hex digits refused" 2 "want exactly 32 hex digits" key rotate --key-file "$scratch/k$len"
done
# Only the first bytes of a key file were read: what came after four blank lines was never seen.
{ cat "$scratch/k1"; printf '\n\n\n\njunk\n'; } >"$scratch/ktail"
chmod 600 "$scratch/ktail"
expect "a key file with more after the key refused" 2 "want exactly 32 hex digits" key rotate --key-file "$scratch/ktail"
printf '0123456789abcdef0123456789abcdef\r\n' >"$scratch/kcrlf"
chmod 600 "$scratch/kcrlf"
expect "a key file ending in CRLF is read (and refused only as another key)" 1 "already uses another cookie key" \
	attach v1 --key-file "$scratch/kcrlf"
printf 'g123456789abcdef0123456789abcdef\n' >"$scratch/khex"
chmod 600 "$scratch/khex"
expect "a key file with a non-hex digit refused" 2 "want exactly 32 hex digits" key rotate --key-file "$scratch/khex"
printf '%032d\n' 0 >"$scratch/kzero"
chmod 600 "$scratch/kzero"
expect "an all-zero key refused" 2 "all-zero" key rotate --key-file "$scratch/kzero"
expect "a missing key file refused" 2 "No such file" attach v1 --key-file "$scratch/nosuch"
nothing_left "...and attached nothing" v1
expect "...and the key did not change" 0 "^generation 1$" key status
expect "attach v1 with a key other than the host's refused" 1 "already uses another cookie key" \
	attach v1 --key-file "$scratch/k1"
nothing_left "...and attached nothing" v1
expect "key rotate --key-file" 0 "key rotated" key rotate --key-file "$scratch/k1"
expect "key status after the rotation" 0 "^generation 2, previous key valid for 13[0-9] s more$" key status
expect "key rotate to the key in force" 0 "already the current one" key rotate --key-file "$scratch/k1"
expect "...changed nothing" 0 "^generation 2," key status
expect "attach v1 with the host's key" 0 "v1: attached" attach v1 --key-file "$scratch/k1"

# attach --replace: only on an attachment, and it keeps what is in force.
expect "attach --replace with --ports refused" 2 "--replace keeps the mode, policy, lists, key and pins" \
	attach --replace v0 --ports 80
expect "attach --replace with --key-file refused" 2 "--replace keeps" attach --replace v0 --key-file "$scratch/k1"
expect "attach --replace with --deny-file refused" 2 "--replace keeps" attach --replace v0 --deny-file "$scratch/deny.good"
expect "attach --replace with -m skb refused" 2 "--replace keeps" attach --replace v0 -m skb
expect "attach --replace of an interface not attached" 1 "attach --replace d0: not attached \(attach it without --replace\)" \
	attach --replace d0
nothing_left "...and attached nothing" d0
expect "attach --replace of an unknown interface" 1 "interface not found" attach --replace nosuch0
expect "attach --replace v0 v1" 0 "v1: upgraded in place" attach --replace v0 v1
expect "...the key generation stays" 0 "^generation 2," key status
expect "detach v0 and v1" 0 "v1: detached" detach v0 v1
expect "key status with nothing attached" 1 "nothing is attached" key status
expect "key rotate with nothing attached" 1 "nothing is attached" key rotate
expect "deny list with nothing attached" 1 "not attached" deny list v0

# Privileges. A non-root user is told what is needed; with attach --group, the group's
# members read stats and status with CAP_BPF alone, and never the key.
reader_bin="/run/xsc-cli-$$.bin"
cp "$tool" "$reader_bin" && chmod 755 "$reader_bin"
# as_nobody [CAPS] CMD...: the tool as nobody (group nogroup), with CAP_BPF if CAPS is bpf.
as_nobody() {
	local caps=()

	[ "$1" = bpf ] && caps=(--inh-caps=+bpf --ambient-caps=+bpf)
	shift
	out=$(ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups "${caps[@]}" \
		env LIBXDP_BPFFS="$fs" "$reader_bin" "$@" 2>&1)
	rc=$?
}
as_nobody none stats v0
if [ "$rc" -eq 1 ] && grep -q "needs root" <<<"$out"; then ok "non-root: says root is needed"
else bad "non-root: says root is needed" "exit $rc"; fi
as_nobody none --help
if [ "$rc" -eq 0 ]; then ok "non-root: help needs nothing"; else bad "non-root: help needs nothing" "exit $rc"; fi
expect "attach --group nogroup" 0 "attached" attach v0 --group nogroup
as_nobody bpf stats v0
if [ "$rc" -eq 0 ] && grep -q "^v0" <<<"$out"; then ok "group reader with CAP_BPF: stats"
else bad "group reader with CAP_BPF: stats" "exit $rc"; fi
as_nobody bpf status v0
if [ "$rc" -eq 0 ] && grep -q "v0: attached" <<<"$out" && grep -q "cookie key: readable by root only" <<<"$out"
then ok "group reader with CAP_BPF: status, without the key"
else bad "group reader with CAP_BPF: status, without the key" "exit $rc"; fi
modes=$(stat -c '%a %G %n' "$fs"/xdp-syncookie/xsc_host_keys "$fs"/xdp-syncookie/xsc_host_kcache \
	"$fs"/xdp-syncookie/v0/xsc_stats "$fs"/xdp-syncookie/v0 | tr '\n' ' ')
out=$modes
if grep -q "^600 root .*xsc_host_keys 600 root .*xsc_host_kcache 640 nogroup .*xsc_stats 750 nogroup" <<<"$modes"
then ok "--group: the key stays 0600 root, the rest 0640 for the group"
else bad "--group: the key stays 0600 root, the rest 0640 for the group" "$modes"; fi
out=$(ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf \
	--ambient-caps=+bpf bpftool map dump pinned "$fs"/xdp-syncookie/xsc_host_keys 2>&1); rc=$?
if [ "$rc" -ne 0 ] && grep -qi "permission denied" <<<"$out"; then ok "group reader: the key map is refused"
else bad "group reader: the key map is refused" "exit $rc"; fi
expect "detach after --group" 0 "detached" detach v0
rm -f "$reader_bin"
expect "attach --group of an unknown group" 2 "no group named nosuchgroup" attach v0 --group nosuchgroup
nothing_left "attach --group of an unknown group: nothing attached" v0
expect "attach without --group: pins 0600" 0 "attached" attach v0
modes=$(stat -c '%a' "$fs"/xdp-syncookie/v0/xsc_stats "$fs"/xdp-syncookie/v0 | tr '\n' ' ')
out=$modes
if [ "$modes" = "600 700 " ]; then ok "without --group: pins 0600, directories 0700"
else bad "without --group: pins 0600, directories 0700" "$modes"; fi
expect "detach" 0 "detached" detach v0

# No BPF filesystem where we are told to pin.
out=$(ip netns exec "$ns" env LIBXDP_BPFFS=/tmp "$tool" attach v0 2>&1); rc=$?
if [ "$rc" -eq 1 ] && grep -q "no BPF filesystem at /tmp" <<<"$out"; then ok "no bpffs: clear error"; else bad "no bpffs: clear error" "exit $rc"; fi
nothing_left "no bpffs: nothing attached" v0

# ---- Faults (issue 9): every step of attach, replace and set fails cleanly ----------------

# run_fp FAILPOINTS CMD...: run with XSC_FAILPOINT set; sets $out and $rc.
run_fp() {
	local fp=$1
	shift
	out=$(ip netns exec "$ns" env LIBXDP_BPFFS="$fs" XSC_FAILPOINT="$fp" "$tool" "$@" 2>&1)
	rc=$?
}

# expect_fp NAME FAILPOINT CMD...: exit 1 naming the failpoint.
expect_fp() {
	local name=$1 fp=$2
	shift 2
	run_fp "$fp" "$@"
	if [ "$rc" -ne 1 ]; then bad "$name" "exit $rc, want 1"
	elif ! grep -q "failpoint ${fp%:*}" <<<"$out"; then bad "$name" "no 'failpoint ${fp%:*}' message"
	else ok "$name"; fi
}

# no_clsact NAME IFACE: no clsact qdisc on IFACE (the tests' interfaces have none of their own).
no_clsact() {
	if ip netns exec "$ns" tc qdisc show dev "$2" | grep -q clsact; then
		out=$(ip netns exec "$ns" tc qdisc show dev "$2"); bad "$1" "a clsact qdisc is left"
	else ok "$1"; fi
}

# no_pins NAME: nothing pinned under the test's bpffs but the kernel's own debug files.

# prog_ids IFACE: "XDP-ID TC-ID" as status shows them.
prog_ids() {
	run status "$1"
	sed -nE 's/^  (xdp|tc): .*, id ([0-9]+).*/\2/p' <<<"$out" | tr '\n' ' '
}

attach_fps="attach.maps_created attach.maps_filled attach.programs_loaded attach.tc_attached
	attach.xdp_attached attach.record_written attach.pinned"
no_clsact "faults: no clsact qdisc on v0 to start with" v0
for other in "" v1; do
	alone=${other:+ (v1 attached)}
	[ -n "$other" ] && expect "faults: attach v1 next to the failing one" 0 "v1: attached" attach v1
	for fp in $attach_fps; do
		expect_fp "failpoint $fp$alone: attach fails" "$fp" attach v0 --ports 80
		expect "...status says v0 is not attached" 1 "^v0: not attached" status v0
		nothing_left "...nothing left on v0" v0
		no_clsact "...no clsact qdisc left" v0
		[ -n "$other" ] && expect "...v1 still attached and whole" 0 "^v1: attached" status v1
	done
	expect "...attach still works afterwards$alone" 0 "v0: attached" attach v0
	expect "...and detach" 0 "v0: detached" detach v0
	[ -n "$other" ] && expect "faults: detach v1" 0 "v1: detached" detach v1
	nothing_left "...nothing left$alone" v0
	no_pins "...no pins at all$alone"
done

expect "faults: attach v0 for the replace failpoints" 0 "v0: attached" attach v0 --ports 80,443
for fp in replace.maps_reused replace.programs_loaded replace.tc_replaced replace.xdp_replaced \
	replace.record_written; do
	before=$(prog_ids v0)
	expect_fp "failpoint $fp: attach --replace fails" "$fp" attach --replace v0
	case $fp in
	replace.xdp_replaced | replace.record_written)
		grep -q "the new programs are in force" <<<"$out" && ok "...and says the new programs act" ||
			bad "...and says the new programs act" "no such message"
		after=$(prog_ids v0)
		[ "$after" != "$before" ] && [ -n "${after// /}" ] && ok "...new programs in force" ||
			{ out="$before -> $after"; bad "...new programs in force" "ids"; } ;;
	*)
		after=$(prog_ids v0)
		[ "$after" = "$before" ] && ok "...the old programs stay in force ($after)" ||
			{ out="$before -> $after"; bad "...the old programs stay in force" "ids changed"; } ;;
	esac
	expect "...status: attached and whole" 0 "^v0: attached" status v0
	expect "...policy kept" 0 "ports: +80,443" status v0
	[ "$(ip -n "$ns" -d link show v0 | grep -c 'prog/xdp')" -ge 1 ] && ok "...XDP on the link" ||
		{ out=""; bad "...XDP on the link" "none"; }
done
# An attachment of layout 4 carries the pin of the dispatcher's upgrade gate: it goes.
ip netns exec "$ns" bpftool map create "$fs/xdp-syncookie/v0/xsc_active" type array key 4 \
	value 1 entries 1 name xsc_active
expect "...a clean attach --replace afterwards" 0 "v0: upgraded in place" attach --replace v0
[ ! -e "$fs/xdp-syncookie/v0/xsc_active" ] && ok "...which removes an earlier build's xsc_active pin" ||
	{ out=""; bad "...which removes an earlier build's xsc_active pin" "still there"; }
expect "...status: whole" 0 "^v0: attached" status v0
expect "...detach" 0 "v0: detached" detach v0
nothing_left "...nothing left after the replace failpoints" v0
no_clsact "...no clsact qdisc left" v0
no_pins "...no pins left"

printf '198.51.100.0/24\n' >"$scratch/fp.deny1"
printf '203.0.113.0/24\n2001:db8::/32\n' >"$scratch/fp.deny2"
expect "faults: attach v0 for the set failpoints" 0 "v0: attached" \
	attach v0 --ports 80,443 --engage auto --deny-file "$scratch/fp.deny1"
run status v0; status0=$out
run deny list v0; deny0=$out
for fp in set.policy_read set.lists_swapped set.policy_installed; do
	expect_fp "failpoint $fp: set fails" "$fp" set v0 --engage never --ports 8080 \
		--deny-file "$scratch/fp.deny2"
	run status v0
	[ "$rc" -eq 0 ] && [ "$out" = "$status0" ] && ok "...status: attached, the old policy in force" ||
		bad "...status: attached, the old policy in force" "rc $rc or status changed"
	run deny list v0
	[ "$out" = "$deny0" ] && ok "...the old deny list in force" || bad "...the old deny list in force" "changed"
done
expect "...a clean set afterwards" 0 "v0: policy set" set v0 --engage never --deny-file "$scratch/fp.deny2"
expect "...takes effect" 0 "engage: +never" status v0
expect "...detach" 0 "v0: detached" detach v0
nothing_left "...nothing left after the set failpoints" v0
no_pins "...no pins left"

# SIGKILL in the middle of attach: the next attach cleans up or refuses, detach leaves nothing.
# The kernel handoff has no TC filter: a kill before XDP leaves nothing at all.
tc_left=present
[ "$auto_handoff" = kernel ] && tc_left=missing
for fp in attach.tc_attached attach.xdp_attached; do
	ip netns exec "$ns" env LIBXDP_BPFFS="$fs" XSC_FAILPOINT="$fp:hang" "$tool" attach v0 \
		>"$scratch/hang.out" 2>&1 &
	hang=$!
	for _ in $(seq 100); do grep -q hanging "$scratch/hang.out" && break; sleep 0.1; done
	grep -q "failpoint $fp: hanging" "$scratch/hang.out" && ok "kill -9 at $fp: attach reached it" ||
		{ out=$(cat "$scratch/hang.out"); bad "kill -9 at $fp: attach reached it" "no hang"; }
	kill -9 "$hang"
	wait "$hang" 2>/dev/null
	if [ "$fp" = attach.tc_attached ] && [ "$auto_handoff" = kernel ]; then
		expect "...status: not attached (the kernel handoff has no TC step)" 1 "^v0: not attached" status v0
		expect "...a new attach attaches" 0 "v0: attached" attach v0
		expect "...status: whole" 0 "^v0: attached" status v0
	elif [ "$fp" = attach.tc_attached ]; then
		expect "...status tells the half attachment" 1 "^v0: HALF ATTACHED: xdp missing, tc present" status v0
		expect "...a new attach removes the stale TC filter and attaches" 0 \
			"removing the TC filter of an interrupted attach" attach v0
		expect "...status: whole" 0 "^v0: attached" status v0
	else
		expect "...status tells the half attachment" 1 "^v0: HALF ATTACHED: xdp present, tc $tc_left" status v0
		expect "...a new attach refuses, pointing at detach" 1 "already attached.*detach first" attach v0
	fi
	expect "...detach" 0 "v0: detached" detach v0
	nothing_left "...nothing left (XDP, TC filter, pins)" v0
	no_pins "...no pins left"
	# Whether the killed attach made the clsact qdisc died with it: it stays (documented).
	if ip netns exec "$ns" tc qdisc show dev v0 | grep -q clsact; then
		echo "note ...a clsact qdisc made by the killed attach stays; removing it"
		ip netns exec "$ns" tc qdisc del dev v0 clsact
	fi
done

# The bpffs unmounted under the tool: clear errors, protection continues, detach without pins.
expect "bpffs gone: attach v0" 0 "v0: attached" attach v0
umount "$fs"
expect "bpffs gone: status names the BPF filesystem" 1 "no BPF filesystem at $fs" status v0
expect "bpffs gone: stats names the BPF filesystem" 1 "no BPF filesystem at $fs" stats v0
expect "bpffs gone: set names the BPF filesystem" 1 "no BPF filesystem at $fs" set v0 --engage never
ip -n "$ns" -d link show v0 | grep -q "prog/xdp" && ok "bpffs gone: XDP stays on the link" ||
	{ out=""; bad "bpffs gone: XDP stays on the link" "none"; }
mount -t bpf bpf "$fs"
expect "bpffs empty: status tells the half attachment" 1 "HALF ATTACHED: xdp present, tc $tc_left, no pins" status v0
expect "bpffs empty: detach removes the programs without pins" 0 "v0: detached" detach v0
nothing_left "...nothing left (XDP, TC filter, pins)" v0
if ip netns exec "$ns" tc qdisc show dev v0 | grep -q clsact; then
	echo "note ...the clsact qdisc attach made stays: the record saying so was on the lost bpffs"
	ip netns exec "$ns" tc qdisc del dev v0 clsact
fi

# Tampered pins: a map of another type or size in place of ours is refused, by name.
for m in v0/xsc_policy v0/xsc_stats xsc_host_keys; do
	expect "tampered $m: attach v0" 0 "v0: attached" attach v0
	rm "$fs/xdp-syncookie/$m"
	ip netns exec "$ns" bpftool map create "$fs/xdp-syncookie/$m" type array key 4 value 8 \
		entries 1 name "${m#*/}"
	for c in "attach --replace v0" "stats v0" "status v0" "set v0 --engage never"; do
		# shellcheck disable=SC2086
		expect "tampered $m: $c refuses, naming the map" 1 \
			"$fs/xdp-syncookie/$m is not a map of this version.*detach" $c
	done
	expect "tampered $m: detach" 0 "v0: detached" detach v0
	nothing_left "...nothing left" v0
	no_pins "...no pins left"
done

# Memory runs out: attach in a memory-limited cgroup fails cleanly. cgroup v2 where it has
# the memory controller, else v1's (here: v2 carries only hugetlb, memory is bound to v1).
fp_cg=""
cg_rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
# Under the sanitizers the tool's own memory (ASan's shadow) meets a limit this small before
# any map does: the case is the plain build's.
[ -n "${XSC_SAN_LOGS:-}" ] && cg_rel=NONE
cg2=$(findmnt -nt cgroup2 -o TARGET | head -1)
cg1=$(findmnt -nt cgroup -O memory -o TARGET | head -1)
if [ -n "$cg2" ] && grep -qw memory "$cg2$cg_rel/cgroup.controllers" 2>/dev/null &&
	grep -qw memory "$cg2$cg_rel/cgroup.subtree_control" 2>/dev/null; then
	fp_cg=$cg2$cg_rel/xsc-cli-$$; limit_file=memory.max
elif [ -n "$cg1" ]; then
	fp_cg=$cg1$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)/xsc-cli-$$
	limit_file=memory.limit_in_bytes
fi
if [ "$cg_rel" = NONE ]; then
	echo "note sanitizer build: the memory-limit case runs in the plain CLI suite"
elif [ -n "$fp_cg" ] && mkdir "$fp_cg"; then
	trap 'rmdir "$fp_cg" 2>/dev/null; cleanup' EXIT
	echo "note memory limit through $fp_cg/$limit_file"
	hit=""
	for mib in 12 16 20 24; do
		echo $((mib << 20)) >"$fp_cg/$limit_file"
		out=$(sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$fp_cg" \
			ip netns exec "$ns" env LIBXDP_BPFFS="$fs" "$tool" attach v0 2>&1)
		rc=$?
		nothing_left "memory.max $mib MiB: attach left nothing (exit $rc)" v0
		[ "$rc" -eq 0 ] && { run detach v0; break; }
		if [ "$rc" -eq 1 ] && grep -q "attach v0: .*Cannot allocate memory" <<<"$out"; then
			hit=$mib; ok "memory.max $mib MiB: attach exits 1: $(tail -1 <<<"$out")"; break
		fi
	done
	[ -n "$hit" ] || bad "attach under a memory limit fails with 'Cannot allocate memory'" "never did"
	no_pins "...no pins left"
	rmdir "$fp_cg" || bad "memory cgroup removed" "rmdir failed"
else
	echo "note no cgroup memory controller to limit: memory test skipped"
fi
san_new && bad "no sanitizer report after the last case" "sanitizer report"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
