#!/usr/bin/env bash
# Established-flow overhead: iperf3 throughput and wrk request latency with a bare XDP_PASS
# program (the control: on veth any XDP program changes the receive path, frames one by
# one instead of GSO packets), with no program (for reference), with xdp-syncookie
# attached but not protecting the port, protecting it in peacetime (engage auto, not
# engaged) and answering every SYN itself (engage always). The configurations take turns
# run by run, so a drift of this shared machine does not land on one of them. JSON lines.
#
# Usage: tests/bench/overhead.sh OUTFILE   (QUICK=1 for a short run; root; `make` first)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$HERE/../lab/lab.sh"
OUT=${1:?usage: overhead.sh OUTFILE}
QUICK=${QUICK:-0}
IPERF_PORT=5201
HTTP_PORT=80
if [ "$QUICK" = 1 ]; then
	RUNS=${RUNS:-1}
	SECS=${SECS:-2}
else
	RUNS=${RUNS:-5}
	SECS=${SECS:-3}
fi
CONFIGS=(xdp-pass none attached-idle quiet engaged)

lab_session ovh

# nginx serving a small page from a private prefix inside the server namespace.
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx;
	proxy_temp_path $WORK/nginx;
	fastcgi_temp_path $WORK/nginx;
	uwsgi_temp_path $WORK/nginx;
	scgi_temp_path $WORK/nginx;
	server {
		listen $LAB_SRV4:$HTTP_PORT;
		location / { return 200 "xdp-syncookie overhead test\n"; }
	}
}
EOF
lab_bg srv "$WORK/nginx/run" nginx -c "$WORK/nginx/nginx.conf"
lab_bg srv "$WORK/iperf" iperf3 -s -B "$LAB_SRV4" -p "$IPERF_PORT"
lab_wait_listen "$LAB_SRV" "$HTTP_PORT"
lab_wait_listen "$LAB_SRV" "$IPERF_PORT"

: >"$OUT"
config_up()
{
	case "$1" in
	xdp-pass) lab_srv ip link set dev "$LAB_SRV_IF_CLI" xdpdrv obj "$LAB_XDP_PASS" sec xdp ;;
	attached-idle) lab_xsc attach "$LAB_SRV_IF_CLI" --ports 9 >/dev/null ;;
	quiet) lab_xsc attach "$LAB_SRV_IF_CLI" --ports "$IPERF_PORT,$HTTP_PORT" >/dev/null ;;
	engaged)
		lab_xsc attach "$LAB_SRV_IF_CLI" --ports "$IPERF_PORT,$HTTP_PORT" --engage always \
			>/dev/null
		;;
	esac
}

config_down()
{
	case "$1" in
	xdp-pass) lab_srv ip link set dev "$LAB_SRV_IF_CLI" xdp off ;;
	attached-idle | quiet | engaged) lab_xsc detach "$LAB_SRV_IF_CLI" >/dev/null ;;
	esac
}

for ((run = 1; run <= RUNS; run++)); do
	for config in "${CONFIGS[@]}"; do
		config_up "$config"
		iperf=$(lab_cli iperf3 -c "$LAB_SRV4" -p "$IPERF_PORT" -t "$SECS" -J)
		wrk=$(lab_cli wrk -t1 -c8 -d"${SECS}s" --latency "http://$LAB_SRV4:$HTTP_PORT/")
		config_down "$config"
		"$LAB_PY" - "$config" "$run" "$iperf" "$wrk" <<-'EOF' >>"$OUT"
		import json, re, sys
		config, run, iperf, wrk = sys.argv[1:]
		bps = json.loads(iperf)["end"]["sum_received"]["bits_per_second"]
		def ms(label):
		    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, wrk, re.M)
		    if not m:
		        return None
		    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
		rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
		print(json.dumps({"config": config, "run": int(run), "iperf_gbps": bps / 1e9,
		                  "wrk_rps": rps, "wrk_p50_ms": ms("50"), "wrk_p99_ms": ms("99")}))
		EOF
		tail -n 1 "$OUT" >&2
	done
done
