#!/usr/bin/env bash
# Network-namespace lab: server, client and attacker namespaces on veth pairs (source it, or run it).
#
#   client  cli0 ---- srv-cli  server  srv-atk ---- atk0  attacker
#           198.18.1.2  198.18.1.1     198.18.2.1  198.18.2.2
#           2001:2:0:1::2  ::1         2001:2:0:2::1  ::2
#
# Sourced: lab_up [ID] builds it and exports LAB_* variables; lab_down removes everything
# (idempotent, safe from an EXIT trap); lab_srv/lab_cli/lab_atk CMD... run a command in a
# namespace (the server's with LIBXDP_BPFFS pointing at the lab's private bpffs); lab_xsc
# runs the xdp-syncookie CLI in the server namespace.
# Run: [LAB_BEHIND=1] lab.sh up [ID] | down ID | exec ID srv|cli|atk|bhd CMD... | list
#
# LAB_BEHIND=1 adds a backend server behind the server namespace, which then routes
# between its two sides and the backend (gateway mode):
#
#   server srv-bhd ---- bhd0  backend
#          198.18.3.1       198.18.3.2
#          2001:2:0:3::1    2001:2:0:3::2
#
# No traffic leaves the lab: the namespaces have only their link routes (plus the server's
# route for the spoofed 198.19.0.0/16 and 2001:2:0:ff::/64 towards the attacker), and every
# address is in the benchmarking ranges 198.18.0.0/15 and 2001:2::/48.

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_BUILD=${LAB_BUILD:-$LAB_ROOT/build}
LAB_PY=/usr/bin/python3			# Debian's, with scapy (not the pyenv one on PATH)
XSC=${XSC:-$LAB_ROOT/xdp-syncookie}
LAB_XDP_PASS=${LAB_XDP_PASS:-$LAB_BUILD/xdp_pass.bpf.o}
LAB_SYNFLOOD=${LAB_SYNFLOOD:-$LAB_BUILD/synflood}
LAB_RUN_DIR=/run

# Fixed addresses; the namespaces make them private to each lab instance.
LAB_SRV_IF_CLI=srv-cli
LAB_SRV_IF_ATK=srv-atk
LAB_CLI_IF=cli0
LAB_ATK_IF=atk0
LAB_SRV4=198.18.1.1
LAB_CLI4=198.18.1.2
LAB_SRV4_ATK=198.18.2.1
LAB_ATK4=198.18.2.2
LAB_SRV6=2001:2:0:1::1
LAB_CLI6=2001:2:0:1::2
LAB_SRV6_ATK=2001:2:0:2::1
LAB_ATK6=2001:2:0:2::2
LAB_SRV_IF_BHD=srv-bhd
LAB_BHD_IF=bhd0
LAB_SRV4_BHD=198.18.3.1
LAB_BHD4=198.18.3.2
LAB_SRV6_BHD=2001:2:0:3::1
LAB_BHD6=2001:2:0:3::2
LAB_MAC_SRV_BHD=02:00:c6:12:03:01
LAB_MAC_BHD=02:00:c6:12:03:02
LAB_SPOOF4=198.19.0.0/16
LAB_SPOOF6=2001:2:0:ff::/64
LAB_MAC_SRV_CLI=02:00:c6:12:01:01
LAB_MAC_CLI=02:00:c6:12:01:02
LAB_MAC_SRV_ATK=02:00:c6:12:02:01
LAB_MAC_ATK=02:00:c6:12:02:02
export LAB_ROOT LAB_BUILD LAB_PY XSC LAB_XDP_PASS LAB_SYNFLOOD
export LAB_SRV_IF_CLI LAB_SRV_IF_ATK LAB_CLI_IF LAB_ATK_IF LAB_SRV4 LAB_CLI4 LAB_SRV4_ATK LAB_ATK4
export LAB_SRV6 LAB_CLI6 LAB_SRV6_ATK LAB_ATK6 LAB_SPOOF4 LAB_SPOOF6
export LAB_MAC_SRV_CLI LAB_MAC_CLI LAB_MAC_SRV_ATK LAB_MAC_ATK
export LAB_SRV_IF_BHD LAB_BHD_IF LAB_SRV4_BHD LAB_BHD4 LAB_SRV6_BHD LAB_BHD6 LAB_MAC_SRV_BHD LAB_MAC_BHD

lab_log()
{
	[ -n "${LAB_QUIET:-}" ] || echo "lab: $*" >&2
}

# Sets the per-instance names from an ID: namespaces, private dir and bpffs mount.
lab_names()
{
	LAB_ID=$1
	LAB_SRV=xsc-srv-$LAB_ID
	LAB_CLI=xsc-cli-$LAB_ID
	LAB_ATK=xsc-atk-$LAB_ID
	LAB_BHD=xsc-bhd-$LAB_ID
	LAB_DIR=$LAB_RUN_DIR/xsc-lab-$LAB_ID
	LAB_BPFFS=$LAB_DIR/bpffs
	export LAB_ID LAB_SRV LAB_CLI LAB_ATK LAB_BHD LAB_DIR LAB_BPFFS
}

# Both ends of a veth pair, created straight inside their namespaces (never in the host's).
lab_veth()
{
	local ns_a=$1 if_a=$2 mac_a=$3 ns_b=$4 if_b=$5 mac_b=$6

	ip -n "$ns_a" link add "$if_a" address "$mac_a" type veth \
		peer name "$if_b" address "$mac_b" netns "$ns_b"
}

lab_addr()
{
	local ns=$1 dev=$2 a4=$3 a6=$4

	ip -n "$ns" addr add "$a4/24" dev "$dev"
	ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
	ip -n "$ns" link set dev "$dev" up
	# Partial checksums would reach the XDP program, which verifies SYN checksums.
	ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null
}

# Permanent neighbour entries: no ARP/ND under flood, and synflood reads them.
lab_neigh()
{
	local ns=$1 dev=$2 a4=$3 a6=$4 mac=$5

	ip -n "$ns" neigh replace "$a4" lladdr "$mac" dev "$dev" nud permanent
	ip -n "$ns" neigh replace "$a6" lladdr "$mac" dev "$dev" nud permanent
}

lab_check_tools()
{
	local t

	if [ "$(id -u)" -ne 0 ]; then
		echo "lab: must run as root" >&2
		return 1
	fi
	for t in ip ethtool tc tcpdump ss; do
		if ! command -v "$t" >/dev/null; then
			echo "lab: $t not found" >&2
			return 1
		fi
	done
	if [ ! -f "$LAB_XDP_PASS" ]; then
		echo "lab: $LAB_XDP_PASS missing: run make in $LAB_ROOT" >&2
		return 1
	fi
}

# lab_up [ID]: builds the lab. On any failure it removes what it made and returns 1.
lab_up()
{
	lab_check_tools || return 1
	lab_names "${1:-$$-$RANDOM}"
	if [ -e "$LAB_DIR" ] || [ -e "/run/netns/$LAB_SRV" ]; then
		echo "lab: lab $LAB_ID already exists" >&2
		return 1
	fi
	lab_log "up $LAB_ID"
	# In the background so its `set -e` holds: errexit is ignored in a tested command.
	lab_build &
	if ! wait $!; then
		echo "lab: building lab $LAB_ID failed" >&2
		lab_down
		return 1
	fi
}

lab_build()
(
	set -e
	mkdir -p "$LAB_DIR/bpffs"
	# Remember the owner so `lab.sh list` can tell live labs from leftovers.
	echo "$$" >"$LAB_DIR/owner"
	ip netns add "$LAB_SRV"
	ip netns add "$LAB_CLI"
	ip netns add "$LAB_ATK"
	for ns in "$LAB_SRV" "$LAB_CLI" "$LAB_ATK"; do
		ip -n "$ns" link set dev lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0
	done
	lab_veth "$LAB_SRV" "$LAB_SRV_IF_CLI" "$LAB_MAC_SRV_CLI" "$LAB_CLI" "$LAB_CLI_IF" "$LAB_MAC_CLI"
	lab_veth "$LAB_SRV" "$LAB_SRV_IF_ATK" "$LAB_MAC_SRV_ATK" "$LAB_ATK" "$LAB_ATK_IF" "$LAB_MAC_ATK"
	lab_addr "$LAB_SRV" "$LAB_SRV_IF_CLI" "$LAB_SRV4" "$LAB_SRV6"
	lab_addr "$LAB_SRV" "$LAB_SRV_IF_ATK" "$LAB_SRV4_ATK" "$LAB_SRV6_ATK"
	lab_addr "$LAB_CLI" "$LAB_CLI_IF" "$LAB_CLI4" "$LAB_CLI6"
	lab_addr "$LAB_ATK" "$LAB_ATK_IF" "$LAB_ATK4" "$LAB_ATK6"
	lab_neigh "$LAB_SRV" "$LAB_SRV_IF_CLI" "$LAB_CLI4" "$LAB_CLI6" "$LAB_MAC_CLI"
	lab_neigh "$LAB_SRV" "$LAB_SRV_IF_ATK" "$LAB_ATK4" "$LAB_ATK6" "$LAB_MAC_ATK"
	lab_neigh "$LAB_CLI" "$LAB_CLI_IF" "$LAB_SRV4" "$LAB_SRV6" "$LAB_MAC_SRV_CLI"
	lab_neigh "$LAB_ATK" "$LAB_ATK_IF" "$LAB_SRV4_ATK" "$LAB_SRV6_ATK" "$LAB_MAC_SRV_ATK"
	# The kernel's own SYN-ACKs to spoofed sources (runs without the mitigator) leave
	# towards the attacker, whose kernel discards them: nothing goes anywhere else.
	ip -n "$LAB_SRV" route add "$LAB_SPOOF4" via "$LAB_ATK4" dev "$LAB_SRV_IF_ATK"
	ip -n "$LAB_SRV" route add "$LAB_SPOOF6" via "$LAB_ATK6" dev "$LAB_SRV_IF_ATK"
	# veth drops XDP_TX frames unless the peer runs an XDP program: give it a pass one.
	ip -n "$LAB_CLI" link set dev "$LAB_CLI_IF" xdpdrv obj "$LAB_XDP_PASS" sec xdp
	ip -n "$LAB_ATK" link set dev "$LAB_ATK_IF" xdpdrv obj "$LAB_XDP_PASS" sec xdp
	# `ip netns exec` remounts /sys and hides /sys/fs/bpf: the lab has its own bpffs.
	mount -t bpf bpf "$LAB_BPFFS"
	[ "$(ip netns exec "$LAB_SRV" sysctl -n net.ipv4.tcp_syncookies)" != 0 ] ||
		ip netns exec "$LAB_SRV" sysctl -qw net.ipv4.tcp_syncookies=1
	[ -z "${LAB_BEHIND:-}" ] || lab_build_behind
	printf 'LAB_ID=%s\n' "$LAB_ID" >"$LAB_DIR/env"
)

# The backend behind the server namespace, which becomes its router. Each side routes
# only the lab's own prefixes through it; the backend's replies to spoofed sources go back
# the same way, to the attacker, whose kernel discards them.
lab_build_behind()
{
	ip netns add "$LAB_BHD"
	ip -n "$LAB_BHD" link set dev lo up
	ip netns exec "$LAB_BHD" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0
	lab_veth "$LAB_SRV" "$LAB_SRV_IF_BHD" "$LAB_MAC_SRV_BHD" "$LAB_BHD" "$LAB_BHD_IF" "$LAB_MAC_BHD"
	lab_addr "$LAB_SRV" "$LAB_SRV_IF_BHD" "$LAB_SRV4_BHD" "$LAB_SRV6_BHD"
	lab_addr "$LAB_BHD" "$LAB_BHD_IF" "$LAB_BHD4" "$LAB_BHD6"
	lab_neigh "$LAB_SRV" "$LAB_SRV_IF_BHD" "$LAB_BHD4" "$LAB_BHD6" "$LAB_MAC_BHD"
	lab_neigh "$LAB_BHD" "$LAB_BHD_IF" "$LAB_SRV4_BHD" "$LAB_SRV6_BHD" "$LAB_MAC_SRV_BHD"
	ip -n "$LAB_BHD" route add 198.18.0.0/15 via "$LAB_SRV4_BHD" dev "$LAB_BHD_IF"
	ip -n "$LAB_BHD" route add 2001:2::/48 via "$LAB_SRV6_BHD" dev "$LAB_BHD_IF"
	ip -n "$LAB_CLI" route add 198.18.3.0/24 via "$LAB_SRV4" dev "$LAB_CLI_IF"
	ip -n "$LAB_CLI" route add 2001:2:0:3::/64 via "$LAB_SRV6" dev "$LAB_CLI_IF"
	ip -n "$LAB_ATK" route add 198.18.3.0/24 via "$LAB_SRV4_ATK" dev "$LAB_ATK_IF"
	ip -n "$LAB_ATK" route add 2001:2:0:3::/64 via "$LAB_SRV6_ATK" dev "$LAB_ATK_IF"
	ip netns exec "$LAB_SRV" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# Ends every process still running in NS (by PID, from `ip netns pids`): TERM, then KILL.
lab_kill_ns()
{
	local ns=$1 pids i

	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -n "${pids// /}" ] || return 0
		if [ "$i" -lt 10 ]; then
			# shellcheck disable=SC2086
			kill -TERM $pids 2>/dev/null || true
		else
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null || true
		fi
		sleep 0.2
	done
}

# lab_down [ID]: removes processes, namespaces (with their veths, XDP and TC programs),
# the bpffs mount (with every pin under it) and the private dir. Safe to call twice.
lab_down()
{
	local ns

	[ -n "${1:-}" ] && lab_names "$1"
	[ -n "${LAB_ID:-}" ] || return 0
	lab_log "down $LAB_ID"
	for ns in "$LAB_SRV" "$LAB_CLI" "$LAB_ATK" "$LAB_BHD"; do
		[ -e "/run/netns/$ns" ] || continue
		lab_kill_ns "$ns"
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -d "$LAB_DIR" ]; then
		while mountpoint -q "$LAB_BPFFS" 2>/dev/null; do
			umount "$LAB_BPFFS" 2>/dev/null || { umount -l "$LAB_BPFFS"; break; }
		done
		rm -rf -- "$LAB_DIR"
	fi
	return 0
}

# lab_session NAME: for a script that needs one lab for its whole life: a scratch dir in
# $WORK, a quiet lab, and an EXIT trap that removes both however the script ends.
lab_session()
{
	WORK=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "lab_down; rm -rf -- '$WORK'" EXIT
	LAB_QUIET=1 lab_up "$1$$" >/dev/null
}

# Run a command in a namespace. The server gets the lab's bpffs as LIBXDP_BPFFS.
lab_srv()
{
	ip netns exec "$LAB_SRV" env LIBXDP_BPFFS="$LAB_BPFFS" "$@"
}

lab_cli()
{
	ip netns exec "$LAB_CLI" "$@"
}

lab_atk()
{
	ip netns exec "$LAB_ATK" "$@"
}

lab_bhd()
{
	ip netns exec "$LAB_BHD" "$@"
}

lab_xsc()
{
	lab_srv "$XSC" "$@"
}

# lab_bg srv|cli|atk LOG CMD...: starts CMD in a namespace in the background, stdout to
# LOG.out and stderr to LOG.err, and sets LAB_BG_PID. `ip netns exec` and `env` exec into
# CMD, so that is CMD's own PID: lab_stop ends it, not a wrapper.
lab_bg()
{
	local where=$1 log=$2 ns

	shift 2
	case "$where" in
	srv) ns=$LAB_SRV ;;
	cli) ns=$LAB_CLI ;;
	atk) ns=$LAB_ATK ;;
	bhd) ns=$LAB_BHD ;;
	*) echo "lab: no namespace '$where'" >&2; return 2 ;;
	esac
	ip netns exec "$ns" env LIBXDP_BPFFS="$LAB_BPFFS" "$@" >"$log.out" 2>"$log.err" &
	LAB_BG_PID=$!
}

# lab_wait_listen NS PORT [SECONDS]: until a TCP socket listens on PORT in NS (default 10 s).
lab_wait_listen()
{
	local ns=$1 port=$2 limit=${3:-10} i

	for ((i = 0; i < limit * 20; i++)); do
		if [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.05
	done
	echo "lab: nothing listens on port $port in $ns after ${limit}s" >&2
	return 1
}

# lab_wait_file FILE [SECONDS] [PATTERN]: until FILE exists (and holds PATTERN).
lab_wait_file()
{
	local file=$1 limit=${2:-10} pattern=${3:-} i

	for ((i = 0; i < limit * 20; i++)); do
		if [ -e "$file" ] && { [ -z "$pattern" ] || grep -q -- "$pattern" "$file"; }; then
			return 0
		fi
		sleep 0.05
	done
	echo "lab: $file${pattern:+ with \"$pattern\"} not there after ${limit}s" >&2
	return 1
}

# lab_tcpdump NS IFACE FILE [tcpdump args...]: starts a capture into FILE (pcap), waits
# until it listens and sets LAB_TCPDUMP_PID. Stop it with lab_stop PID.
lab_tcpdump()
{
	local ns=$1 dev=$2 file=$3

	shift 3
	ip netns exec "$ns" tcpdump -i "$dev" -n -U --immediate-mode -w - "$@" >"$file" 2>"$file.err" &
	LAB_TCPDUMP_PID=$!
	if ! lab_wait_file "$file.err" 10 "listening on"; then
		cat "$file.err" >&2
		return 1
	fi
}

# lab_stop PID...: ends processes this shell started (SIGTERM), by PID, and reaps them.
lab_stop()
{
	local pid

	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "$@"; do
		wait "$pid" 2>/dev/null || true
	done
}

# lab_count FILE FILTER: number of packets in a pcap that match a tcpdump filter.
lab_count()
{
	tcpdump -r "$1" -n "$2" 2>/dev/null | wc -l
}

# tcpdump filters for TCP flags, IPv4 and IPv6 (no extension headers in the lab).
LAB_F_SYNACK='((ip and tcp[13] & 0x12 == 0x12) or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x12))'
LAB_F_RST='((ip and tcp[13] & 0x04 != 0) or (ip6 and ip6[6] == 6 and ip6[53] & 0x04 != 0))'
export LAB_F_SYNACK LAB_F_RST
# Set by lab_bg and lab_tcpdump for the caller.
LAB_BG_PID=
LAB_TCPDUMP_PID=
export LAB_BG_PID LAB_TCPDUMP_PID

lab_main()
{
	local cmd=${1:-}

	set -euo pipefail
	case "$cmd" in
	up)
		lab_up "${2:-}"
		echo manual >"$LAB_DIR/owner"
		echo "$LAB_ID"
		;;
	down)
		[ -n "${2:-}" ] || { echo "usage: lab.sh down ID" >&2; return 2; }
		lab_down "$2"
		;;
	exec)
		[ $# -ge 4 ] || { echo "usage: lab.sh exec ID srv|cli|atk|bhd CMD..." >&2; return 2; }
		lab_names "$2"
		[ -d "$LAB_DIR" ] || { echo "lab: no lab $2" >&2; return 1; }
		case "$3" in
		srv | cli | atk | bhd) ;;
		*) echo "lab: no namespace '$3' (srv, cli, atk or bhd)" >&2; return 2 ;;
		esac
		local fn=lab_$3
		shift 3
		"$fn" "$@"
		;;
	list)
		local d
		for d in "$LAB_RUN_DIR"/xsc-lab-*; do
			[ -d "$d" ] || continue
			local owner
			owner=$(cat "$d/owner" 2>/dev/null || echo "?")
			if [ "$owner" = manual ]; then
				echo "${d##*/xsc-lab-} (made by lab.sh up)"
			elif kill -0 "$owner" 2>/dev/null; then
				echo "${d##*/xsc-lab-} (owner $owner running)"
			else
				echo "${d##*/xsc-lab-} (owner $owner gone: lab.sh down ${d##*/xsc-lab-})"
			fi
		done
		;;
	*)
		echo "usage: [LAB_BEHIND=1] lab.sh up [ID] | down ID | exec ID srv|cli|atk|bhd CMD... | list" >&2
		return 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lab_main "$@"
fi
