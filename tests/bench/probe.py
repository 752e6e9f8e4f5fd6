#!/usr/bin/python3
"""The counters one macro-benchmark run is judged by: a snapshot of them, and a run's record
from two snapshots and a sched_switch trace of the defender's CPU.

  probe.py snap --srv-ns NS --srv-if IF --sink-map PIN --cpu N
  probe.py row --before FILE --after FILE --flood FILE --sched PERF.DATA --def-pid PID
               --sink-pid PID --idle-pid PID [--legit FILE] [--auto FILE] KEY=VALUE...

snap prints one JSON object; row prints the run's JSON line (KEY=VALUE pairs, parsed as
JSON where they parse, are copied into it).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def on_cpu(perf_data, pids):
    """Seconds each of the threads PIDS (name -> set of thread ids) ran, and the sink's
    NET_RX softirqs, from a trace of one CPU: the time from a context switch to the next
    belongs to the task switched in, less the softirqs that ran inside it, which are the
    sink's ("sink"); threads in no group are "rest". A threaded NAPI poll runs the whole
    receive path in its thread (XDP, the kernel's TCP and netfilter, the answer's
    transmission), so the defender's thread, less the sink, is the defender's cost.
    Two measures that looked simpler were wrong here:
    - /proc/PID/schedstat, with the sink a thread of higher priority on the defender's
      CPU, charged the sink with the defender's time (Linux's own cookies: 0.06 s to the
      defender and 0.7 s to the sink, where this trace showed 0.22 s and 0.03 s, and
      /proc/stat a CPU busy for 0.24 s). The defender woke the sink with its first answer
      of a poll; the scheduler then skips the clock update at the next switch
      (rq_clock_skip_update() in wakeup_preempt()), which this PREEMPT_NONE kernel makes
      only at the poll's end, up to 64 packets later.
    - This guest records no switch away from the idle task, so the trace alone cannot tell
      when a thread woke on an idle CPU: the CPU is kept from idling instead (the spinner
      in macro.sh, counted as idle)."""
    spent = dict.fromkeys(list(pids) + ["sink", "rest"], 0.0)
    try:
        out = run("perf", "script", "-i", perf_data, "-F", "time,event,trace")
    except subprocess.CalledProcessError as e:
        # A damaged trace costs this run its CPU figures, not the whole benchmark.
        print("probe: perf script %s: %s" % (perf_data, e.stderr.strip()), file=sys.stderr)
        return dict.fromkeys(spent, None) | {"window": None, "rest_by_comm": {}}
    rest = {}		# comm -> seconds, to say who the rest was
    first = last = current = softirq = None

    def owner(task):
        return next((k for k, v in pids.items() if task[1] in v), "rest")

    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+):\s+(\S+):\s(.*)", line)
        if not m:
            continue
        t, event, trace = float(m.group(1)), m.group(2), m.group(3)
        if event == "irq:softirq_entry":
            softirq = t
            continue
        if event == "irq:softirq_exit":
            if softirq is not None and current is not None:
                spent[owner(current)] -= t - softirq
                spent["sink"] += t - softirq
            softirq = None
            continue
        m = re.search(r"next_comm=(.*) next_pid=(\d+)", trace)
        if not m:
            continue
        if current is not None:
            spent[owner(current)] += t - last
            if owner(current) == "rest":
                rest[current[0]] = rest.get(current[0], 0.0) + t - last
        else:
            first = t
        last, current = t, (m.group(1), m.group(2))
    spent["window"] = last - first if first is not None else 0.0
    spent["rest_by_comm"] = {k: round(v, 4) for k, v in
                             sorted(rest.items(), key=lambda kv: -kv[1])[:3]}
    return spent


def cpu_steal(cpu):
    """Ticks the hypervisor gave one CPU's time to someone else."""
    with open("/proc/stat") as f:
        for line in f:
            v = line.split()
            if v[0] == "cpu%d" % cpu:
                return int(v[8])
    raise SystemExit("probe: no cpu%d in /proc/stat" % cpu)


def veth_stats(ns, dev):
    """Frames the defender's veth took in through XDP, XDP_TX frames it could not hand to
    the peer's ring, and skbs it could not (the kernel contenders' answers): every queue."""
    out = {"xdp_packets": 0, "xdp_tx_errors": 0}
    for line in run("ip", "netns", "exec", ns, "ethtool", "-S", dev).splitlines():
        m = re.match(r"\s*rx_queue_\d+_(xdp_packets|xdp_tx_errors):\s*(\d+)", line)
        if m:
            out[m.group(1)] += int(m.group(2))
    link = json.loads(run("ip", "-n", ns, "-s", "-j", "link", "show", "dev", dev))[0]
    out["tx_dropped"] = link["stats64"]["tx"]["dropped"]
    out["prog_id"] = link.get("xdp", {}).get("prog", {}).get("id")
    return out


def prog_stats(prog_id):
    """run_cnt and run_time_ns of a program: they move only while BPF stats are on."""
    if prog_id is None:
        return 0, 0
    p = json.loads(run("bpftool", "prog", "show", "id", str(prog_id), "-j"))
    return p.get("run_cnt", 0), p.get("run_time_ns", 0)


def sink_counts(pin):
    """frames, SYN-ACKs, RSTs the sink saw, summed over CPUs (enum sink_counter)."""
    counts = [0, 0, 0]
    for entry in json.loads(run("bpftool", "map", "dump", "pinned", pin, "-j")):
        key = entry["formatted"]["key"]
        if key < len(counts):
            counts[key] = sum(v["value"] for v in entry["formatted"]["values"])
    return counts


def snap(a):
    veth = veth_stats(a.srv_ns, a.srv_if)
    run_cnt, run_ns = prog_stats(veth["prog_id"])
    frames, synacks, rsts = sink_counts(a.sink_map)
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        stats_on = f.read().strip() == "1"
    print(json.dumps({
        "t": time.monotonic(), "cpu_steal": cpu_steal(a.cpu), "veth": veth,
        "run_cnt": run_cnt, "run_time_ns": run_ns,
        "sink": {"frames": frames, "synacks": synacks, "rsts": rsts},
        "bpf_stats_on": stats_on,
    }))


def ratio(a, b):
    return a / b if a is not None and b else None


def row(a):
    with open(a.before) as f:
        b = json.load(f)
    with open(a.after) as f:
        e = json.load(f)
    with open(a.flood) as f:
        m = re.search(r"(\d+) (SYN|ACK)s handed to \S+ in ([\d.]+) s: (\d+) pps", f.read())
    if not m:
        raise SystemExit("probe: no result line from flood in %s" % a.flood)
    sent, kind, elapsed = int(m.group(1)), m.group(2).lower(), float(m.group(3))
    legit = {}
    if a.legit and os.path.getsize(a.legit):
        with open(a.legit) as f:
            legit = json.loads(f.read() or "{}")
    rec = {}
    for kv in a.fields:
        k, v = kv.split("=", 1)
        try:
            rec[k] = json.loads(v)
        except ValueError:
            rec[k] = v
    d = {k: e["sink"][k] - b["sink"][k] for k in e["sink"]}
    received = e["veth"]["xdp_packets"] - b["veth"]["xdp_packets"]
    # The sink is the defender CPU's NET_RX softirq, or a NAPI thread of its own (SINK_CPU).
    cpu = on_cpu(a.sched, {"defender": {a.def_pid}, "sink_thread": {a.sink_pid},
                           "idle": {a.idle_pid, "0"}})
    if cpu["sink"] is not None:
        cpu["sink"] += cpu["sink_thread"]
    defender_ns = cpu["defender"] * 1e9 if cpu["defender"] is not None else None
    # What answers the flood: SYN-ACKs to SYNs (the bare XDP_TX program sends every frame
    # back, so frames), RSTs to forged ACKs.
    if kind == "ack":
        answered = d["rsts"]
    elif rec.get("contender") in ("xdp-tx", "xdp-drop"):
        answered = d["frames"]
    else:
        answered = d["synacks"]
    run_cnt = e["run_cnt"] - b["run_cnt"]
    rec.update({
        "kind": kind, "sent": sent, "elapsed_s": elapsed, "offered_pps": sent / elapsed,
        "received": received, "received_pps": received / elapsed,
        "answered": answered, "answered_pps": answered / elapsed,
        "synacks": d["synacks"], "rsts": d["rsts"], "sink_frames": d["frames"],
        "defender_s": cpu["defender"],
        "ns_per_answer": ratio(defender_ns, answered),
        "ns_per_received": ratio(defender_ns, received),
        "answers_per_core_s": ratio(answered, cpu["defender"]),
        "sink_s": cpu["sink"],
        # The rest of the defender's CPU in the traced window: idle, and what anyone else
        # ran there (others' work on this shared machine).
        "cpu_idle_frac": ratio(cpu["idle"], cpu["window"]),
        "cpu_rest_frac": ratio(cpu["rest"], cpu["window"]),
        "cpu_rest_s_by_comm": cpu["rest_by_comm"],
        "cpu_steal_ticks": e["cpu_steal"] - b["cpu_steal"],
        "xdp_tx_errors": e["veth"]["xdp_tx_errors"] - b["veth"]["xdp_tx_errors"],
        "tx_dropped": e["veth"]["tx_dropped"] - b["veth"]["tx_dropped"],
        # Statistics on outside flood -S (someone else's sysctl): CPU rows pay for them.
        "bpf_stats_left_on": b["bpf_stats_on"] or e["bpf_stats_on"],
        "prog_run_cnt": run_cnt,
        "prog_ns_per_run": ratio(e["run_time_ns"] - b["run_time_ns"], run_cnt),
        "legit_ok": legit.get("ok"), "legit_count": legit.get("count"),
        "legit_p50_ms": legit.get("p50_ms"), "legit_p99_ms": legit.get("p99_ms"),
    })
    if a.auto:
        with open(a.auto) as f:
            rec.update(json.load(f))
    print(json.dumps(rec))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snap")
    s.add_argument("--srv-ns", required=True)
    s.add_argument("--srv-if", required=True)
    s.add_argument("--sink-map", required=True)
    s.add_argument("--cpu", type=int, required=True)
    r = sub.add_parser("row")
    r.add_argument("--before", required=True)
    r.add_argument("--after", required=True)
    r.add_argument("--flood", required=True)
    r.add_argument("--def-pid", required=True)
    r.add_argument("--sink-pid", required=True, help="its NAPI thread, or none")
    r.add_argument("--idle-pid", required=True, help="the spinner, counted as idle")
    r.add_argument("--sched", required=True)
    r.add_argument("--legit")
    r.add_argument("--auto")
    r.add_argument("fields", nargs="*")
    a = p.parse_args()
    {"snap": snap, "row": row}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
