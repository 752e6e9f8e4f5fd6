#!/usr/bin/env bash
# `make demo`: nginx behind xdp-syncookie keeps serving a real client through a spoofed SYN flood.
#
# Builds the network-namespace lab (tests/lab/lab.sh), attaches xdp-syncookie to the server's
# two links, floods the server from the attacker namespace for a few seconds while curl
# fetches pages from the client namespace, prints the counters and removes everything.
# Exit status 0 when every fetch succeeded and the flood was answered by XDP.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/lab/lab.sh"

FLOOD_SECONDS=5
FLOOD_PACKETS=3000000		# a bound, whichever comes first
FETCHES=10
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

main()
{
	local www conf flood i ok=0 failed=0 sent kernel_cookies

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

	heading "Attaching xdp-syncookie to both server links"
	lab_xsc attach "$LAB_SRV_IF_CLI" "$LAB_SRV_IF_ATK" || die "attach failed"
	lab_xsc status

	heading "A client fetches the page"
	fetch || die "no page before the flood"

	heading "Flooding the server: spoofed SYNs for ${FLOOD_SECONDS}s from the attacker"
	lab_srv cat /proc/net/netstat >"$LAB_DIR/netstat0"
	lab_bg atk "$LAB_DIR/flood" "$LAB_SYNFLOOD" -i "$LAB_ATK_IF" -d "$LAB_SRV4_ATK" -p 80 \
		-n "$FLOOD_PACKETS" -t "$FLOOD_SECONDS"
	flood=$LAB_BG_PID
	sleep 1
	echo "while it runs, the client keeps fetching:"
	for ((i = 0; i < FETCHES; i++)); do
		if fetch; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
		kill -0 "$flood" 2>/dev/null || break
		sleep 0.3
	done
	wait "$flood" || die "synflood failed: $(cat "$LAB_DIR/flood.err")"
	cat "$LAB_DIR/flood.out"
	lab_srv cat /proc/net/netstat >"$LAB_DIR/netstat1"

	heading "xdp-syncookie stats"
	lab_xsc stats

	heading "What the server's kernel saw"
	"$LAB_PY" "$HERE/integration/stats.py" mib "$LAB_DIR/netstat0" "$LAB_DIR/netstat1" \
		TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops | tr ' ' '\n' | sed 's/^/  /'
	kernel_cookies=$("$LAB_PY" "$HERE/integration/stats.py" mib1 "$LAB_DIR/netstat0" \
		"$LAB_DIR/netstat1" TcpExtSyncookiesSent)
	if [ "$kernel_cookies" -eq 0 ]; then
		echo "  no SYN of the flood reached the kernel: XDP answered them all itself"
	else
		echo "  the kernel still had to send $kernel_cookies cookies of its own"
	fi

	heading "Result"
	sent=$(lab_xsc stats --json | "$LAB_PY" -c \
		'import json,sys; print(sum(c["counters"]["syn_cookie_sent"] for c in json.load(sys.stdin)["interfaces"].values()))')
	echo "$ok fetches succeeded, $failed failed during the flood; $sent SYNs answered by XDP"
	if [ "$ok" -eq 0 ] || [ "$failed" -ne 0 ]; then
		die "some fetches failed during the flood"
	fi
	[ "$sent" -gt 1000 ] || die "the flood was not answered by XDP"
	printf '%sdemo passed%s\n' "$G" "$N"
}

main "$@"
