#!/usr/bin/env bash
# `make demo`: nginx behind xdp-syncookie in engage auto, through a quiet phase, a spoofed SYN
# flood and its end.
#
# Builds the network-namespace lab (tests/lab/lab.sh) and attaches xdp-syncookie to the
# server's two links. While it is quiet, the kernel answers every SYN; a flood from the
# attacker namespace engages cookies in XDP (the event is printed) while curl keeps fetching
# pages from the client namespace; after the flood the port steps back by itself. Prints the
# counters and removes everything. Exit status 0 when every fetch succeeded, the flood was
# answered by XDP and the port disengaged.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/lab/lab.sh"

FLOOD_SECONDS=5
FLOOD_PACKETS=3000000		# a bound, whichever comes first
FETCHES=10
HOLD=5				# shortened for the demo: the default is 60 s
LAB_QUIET=1

if [ -t 1 ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
	B='' G='' R='' N=''
fi

heading()
{
	printf '\n%s== %s%s\n' "$B" "$*" "$N"
}

die()
{
	printf '%sdemo failed: %s%s\n' "$R" "$*" "$N" >&2
	exit 1
}

cleanup()
{
	local rc=$?

	heading "Tearing the lab down"
	lab_down
	echo "namespaces, veths, programs, pins and the lab's bpffs are gone"
	exit "$rc"
}

# One page fetch from the client; prints a line and returns curl's status.
fetch()
{
	local out rc=0

	out=$(lab_cli curl -s -o /dev/null -m 3 \
		-w '%{http_code} in %{time_total}s (connect %{time_connect}s)' \
		"http://$LAB_SRV4/") || rc=$?
	if [ "$rc" -eq 0 ] && [ "${out%% *}" = 200 ]; then
		printf '  curl http://%s/  %s%s%s\n' "$LAB_SRV4" "$G" "$out" "$N"
		return 0
	fi
	printf '  curl http://%s/  %sfailed (curl exit %s, %s)%s\n' "$LAB_SRV4" "$R" "$rc" "$out" "$N"
	return 1
}

# A counter summed over both links.
counter()
{
	lab_xsc stats --json | "$LAB_PY" -c 'import json, sys
print(sum(i["counters"][sys.argv[1]] for i in json.load(sys.stdin)["interfaces"].values()))' "$1"
}

main()
{
	local www conf flood events i ok=0 failed=0 sent kernel_cookies before

	for f in "$XSC" "$LAB_SYNFLOOD" "$LAB_XDP_PASS"; do
		[ -e "$f" ] || die "$f missing: run make first"
	done
	command -v nginx >/dev/null || die "nginx is not installed (make deps)"

	heading "Building the lab: client, server and attacker namespaces on veth pairs"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	lab_up || die "could not build the lab"
	echo "client   $LAB_CLI ($LAB_CLI4)"
	echo "server   $LAB_SRV ($LAB_SRV4 towards the client, $LAB_SRV4_ATK towards the attacker)"
	echo "attacker $LAB_ATK ($LAB_ATK4, spoofing sources from $LAB_SPOOF4)"

	heading "Starting nginx on the server, port 80"
	www=$LAB_DIR/www
	mkdir -p "$www" "$LAB_DIR/nginx/logs"
	echo "<h1>served through xdp-syncookie</h1>" >"$www/index.html"
	conf=$LAB_DIR/nginx/nginx.conf
	cat >"$conf" <<-EOF
		worker_processes 1;
		pid $LAB_DIR/nginx/nginx.pid;
		error_log stderr;
		events { worker_connections 1024; }
		http {
			access_log off;
			client_body_temp_path $LAB_DIR/nginx/body;
			proxy_temp_path $LAB_DIR/nginx/proxy;
			fastcgi_temp_path $LAB_DIR/nginx/fastcgi;
			uwsgi_temp_path $LAB_DIR/nginx/uwsgi;
			scgi_temp_path $LAB_DIR/nginx/scgi;
			server {
				listen 80 backlog=64;
				listen [::]:80 backlog=64;
				root $www;
			}
		}
	EOF
	lab_bg srv "$LAB_DIR/nginx/run" nginx -e stderr -p "$LAB_DIR/nginx" -c "$conf" \
		-g 'daemon off;'
	lab_wait_listen "$LAB_SRV" 80 10 || die "nginx did not start: $(cat "$LAB_DIR/nginx/run.err")"
	echo "nginx is listening (backlog 64)"

	heading "Attaching xdp-syncookie to both server links (engage auto)"
	lab_xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" --hold "$HOLD" || die "attach failed"
	echo "the hold is shortened to $HOLD s for this demo (the default is 60 s): a port steps"
	echo "back that long after the last sign of pressure"
	lab_bg srv "$LAB_DIR/events" "$XSC" events --timeout 120
	events=$LAB_BG_PID

	heading "Quiet: the kernel answers every SYN itself"
	for ((i = 0; i < 3; i++)); do
		fetch || die "no page before the flood"
	done
	echo "  SYNs passed to the kernel: $(counter syn_passed), cookie SYN-ACKs: $(counter syn_cookie_sent)"

	heading "Flooding the server: spoofed SYNs for ${FLOOD_SECONDS}s from the attacker"
	lab_srv cat /proc/net/netstat >"$LAB_DIR/netstat0"
	lab_bg atk "$LAB_DIR/flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_SRV4_ATK" -p 80 \
		-n "$FLOOD_PACKETS" -t "$FLOOD_SECONDS"
	flood=$LAB_BG_PID
	lab_wait_file "$LAB_DIR/events.out" 5 "engaged" || die "the flood did not engage cookies"
	echo "xdp-syncookie events:"
	sed 's/^/  /' "$LAB_DIR/events.out"
	echo "while it runs, the client keeps fetching:"
	for ((i = 0; i < FETCHES; i++)); do
		if fetch; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
		kill -0 "$flood" 2>/dev/null || break
		sleep 0.3
	done
	wait "$flood" || die "synflood failed: $(cat "$LAB_DIR/flood.err")"
	cat "$LAB_DIR/flood.out"
	lab_srv cat /proc/net/netstat >"$LAB_DIR/netstat1"

	heading "What the server's kernel saw"
	"$LAB_PY" "$HERE/integration/stats.py" mib "$LAB_DIR/netstat0" "$LAB_DIR/netstat1" \
		TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops | tr ' ' '\n' | sed 's/^/  /'
	kernel_cookies=$("$LAB_PY" "$HERE/integration/stats.py" mib1 "$LAB_DIR/netstat0" \
		"$LAB_DIR/netstat1" TcpExtSyncookiesSent)
	if [ "$kernel_cookies" -eq 0 ]; then
		echo "  the kernel sent no cookie of its own: XDP answered the flood"
	else
		echo "  the kernel still had to send $kernel_cookies cookies of its own"
	fi

	heading "The flood is over: the port steps back after the hold"
	lab_wait_file "$LAB_DIR/events.out" $((HOLD + 10)) "disengaged" || die "the port did not disengage"
	grep disengaged "$LAB_DIR/events.out" | sed 's/^/  /'
	before=$(counter syn_passed)
	fetch || die "no page after the flood"
	echo "  the kernel answers again: SYNs passed to it went from $before to $(counter syn_passed)"
	lab_stop "$events"

	heading "xdp-syncookie status and stats"
	lab_xsc status
	lab_xsc stats

	heading "Result"
	sent=$(counter syn_cookie_sent)
	echo "$ok fetches succeeded, $failed failed during the flood; $sent SYNs answered by XDP"
	if [ "$ok" -eq 0 ] || [ "$failed" -ne 0 ]; then
		die "some fetches failed during the flood"
	fi
	[ "$sent" -gt 1000 ] || die "the flood was not answered by XDP"
	printf '%sdemo passed%s\n' "$G" "$N"
}

main "$@"
