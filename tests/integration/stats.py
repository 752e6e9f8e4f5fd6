#!/usr/bin/python3
"""Reads what the integration tests measure: xdp-syncookie counters, kernel MIBs, ss, results."""
import json
import re
import sys


def load_xsc(path):
    """{IFACE: {counter: value}} from `xdp-syncookie stats --json`."""
    with open(path) as f:
        return {i: v["counters"] for i, v in json.load(f)["interfaces"].items()}


def load_ports(path):
    """{IFACE: {port: state}} from `xdp-syncookie stats --json`."""
    with open(path) as f:
        return {i: v.get("ports", {}) for i, v in json.load(f)["interfaces"].items()}


def xsc_value(ifaces, name, iface):
    names = [iface] if iface else list(ifaces)
    total = 0
    for i in names:
        counters = ifaces.get(i)
        if counters is None:
            sys.exit("stats: no interface %s in the stats" % i)
        if name not in counters:
            sys.exit("stats: no counter %s (have: %s)" % (name, ", ".join(sorted(counters))))
        total += counters[name]
    return total


def cmd_delta(args):
    """delta BEFORE AFTER NAME [IFACE]: a counter's growth, summed over interfaces."""
    before, after, name = load_xsc(args[0]), load_xsc(args[1]), args[2]
    iface = args[3] if len(args) > 3 else None
    print(xsc_value(after, name, iface) - xsc_value(before, name, iface))


def cmd_changed(args):
    """changed BEFORE AFTER [IFACE]: every counter that moved, as name=delta (summed over
    the interfaces, or IFACE's alone)."""
    before, after = load_xsc(args[0]), load_xsc(args[1])
    moved = {}
    for i, counters in after.items():
        if len(args) > 2 and i != args[2]:
            continue
        for name, v in counters.items():
            d = v - before.get(i, {}).get(name, 0)
            if d:
                moved[name] = moved.get(name, 0) + d
    print(" ".join("%s=%d" % kv for kv in sorted(moved.items())) or "(none)")


def cmd_shrunk(args):
    """shrunk BEFORE AFTER: counters that went down (or vanished), as IFACE:name=before->after;
    nothing printed when every counter kept or grew its value."""
    before, after = load_xsc(args[0]), load_xsc(args[1])
    for i, counters in before.items():
        for name, v in counters.items():
            w = after.get(i, {}).get(name)
            if w is None or w < v:
                print("%s:%s=%d->%s" % (i, name, v, w))


def cmd_total(args):
    """total STATS: the sum of every counter of every interface."""
    print(sum(sum(c.values()) for c in load_xsc(args[0]).values()))


def load_mib(path):
    """Flattens /proc/net/netstat and /proc/net/snmp (header line, value line pairs, as
    "TcpExt: ListenDrops ..." then "TcpExt: 0 ...") and /proc/net/snmp6 ("Ip6InOctets 0")."""
    values = {}
    with open(path) as f:
        lines = [ln.split() for ln in f.read().splitlines() if ln.strip()]
    i = 0
    while i < len(lines):
        h = lines[i]
        if h[0].endswith(":") and i + 1 < len(lines) and lines[i + 1][0] == h[0]:
            prefix = h[0].rstrip(":")
            for k, x in zip(h[1:], lines[i + 1][1:]):
                values[prefix + k] = int(x)
            i += 2
            continue
        if len(h) == 2 and h[1].lstrip("-").isdigit():
            values[h[0]] = int(h[1])
        i += 1
    return values


def cmd_mib(args):
    """mib BEFORE AFTER NAME...: kernel counter deltas (TcpExtListenDrops, TcpOutRsts...)."""
    before, after = load_mib(args[0]), load_mib(args[1])
    print(" ".join("%s=%d" % (n, after.get(n, 0) - before.get(n, 0)) for n in args[2:]))


def cmd_mib1(args):
    """mib1 BEFORE AFTER NAME: one kernel counter delta, the bare number."""
    before, after = load_mib(args[0]), load_mib(args[1])
    print(after.get(args[2], 0) - before.get(args[2], 0))


def cmd_ss(args):
    """ss FILE: `ss -tineH` output -> one normalized line per connection. (iproute2 6.1's
    ss prints the "ts" and "sack" words only with -e.)"""
    with open(args[0]) as f:
        text = f.read()
    # Each connection is a socket line followed by an indented info line.
    blocks = re.split(r"\n(?=\S)", text.strip()) if text.strip() else []
    for b in blocks:
        info = " ".join(b.split())
        ts = "ts" if re.search(r"(^| )ts( |$)", info) else "no-ts"
        sack = "sack" if re.search(r"(^| )sack( |$)", info) else "no-sack"
        ws = re.search(r"wscale:(\d+),(\d+)", info)
        mss = re.search(r"(^| )mss:(\d+)", info)
        print("%s %s %s mss:%s" % (ts, sack, "wscale:%s,%s" % ws.groups() if ws else "no-wscale",
                                   mss.group(2) if mss else "?"))


def cmd_conns(args):
    """conns REPORT [SKIP]: the server's accepted connections after the first SKIP, one
    normalized line each (same format as `ss` below)."""
    with open(args[0]) as f:
        conns = json.load(f)["conns"]
    for c in conns[int(args[1]) if len(args) > 1 else 0:]:
        print("%s %s %s mss:%d" % ("ts" if c["ts"] else "no-ts", "sack" if c["sack"] else "no-sack",
                                   "wscale:%d,%d" % tuple(c["wscale"]) if c["wscale"] else "no-wscale",
                                   c["mss"]))


def cmd_json(args):
    """json FILE KEY: one field of a one-line JSON result."""
    with open(args[0]) as f:
        v = json.loads(f.readline())
    for k in args[1].split("."):
        v = v[k]
    print(v)


def cmd_iperf(args):
    """iperf FILE: bytes sent, bytes received and Gbit/s of an `iperf3 -J` run. (The
    receiver stops counting when the sender says the test is over, so it may report a
    little less than was sent.)"""
    with open(args[0]) as f:
        r = json.load(f)
    if "error" in r:
        sys.exit("iperf3: " + r["error"])
    sent, got = r["end"]["sum_sent"], r["end"]["sum_received"]
    print("%d %d %.2f" % (sent["bytes"], got["bytes"], got["bits_per_second"] / 1e9))


def load_events(path):
    """The JSON lines `xdp-syncookie events --json` printed."""
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip().startswith("{")]


def cmd_events(args):
    """events FILE TYPE [PORT]: how many engage|disengage events (for PORT)."""
    evs = [e for e in load_events(args[0]) if e["event"] == args[1] and
           (len(args) < 3 or e["port"] == int(args[2]))]
    print(len(evs))


def cmd_event(args):
    """event FILE TYPE N KEY: a field of the Nth (1-based) engage|disengage event."""
    evs = [e for e in load_events(args[0]) if e["event"] == args[1]]
    n = int(args[2])
    if len(evs) < n:
        sys.exit("stats: only %d %s events in %s" % (len(evs), args[1], args[0]))
    print(evs[n - 1][args[3]])


def cmd_port(args):
    """port STATS IFACE PORT KEY: a field of a port's engage state (stats --json)."""
    ports = load_ports(args[0]).get(args[1], {})
    if args[2] not in ports:
        sys.exit("stats: no state for port %s on %s" % (args[2], args[1]))
    v = ports[args[2]][args[3]]
    print(str(v).lower() if isinstance(v, bool) else v)


def cmd_policy(args):
    """policy STATS IFACE KEY: a field of an interface's policy (stats --json), lists as
    comma-separated values."""
    with open(args[0]) as f:
        pol = json.load(f)["interfaces"][args[1]]["policy"]
    v = pol[args[2]]
    print(",".join(str(x) for x in v) if isinstance(v, list) else v)


def cmd_promq(args):
    """promq FILE: the value of a one-sample Prometheus instant query result
    (/api/v1/query), or -1 when it has no sample yet."""
    with open(args[0]) as f:
        d = json.load(f)
    if d.get("status") != "success":
        sys.exit("stats: the query failed: %s" % d)
    res = d["data"]["result"]
    print(int(float(res[0]["value"][1])) if res else -1)


def cmd_switches(args):
    """switches HAMMER A OURS_TTL: from `forge.py hammer` answers in the order the SYNs
    were judged, which port set each answer implies (port A answered by us, or the other
    port by the kernel: only A protected; else only B), and how often that changes. An
    atomic change of the port set shows one switch per change; a half-applied one shows
    answers that imply both sets in turn, or two ports answered alike. Prints
    "answers switches"."""
    answers = [json.loads(ln) for ln in open(args[0]) if '"answers"' in ln][-1]["answers"]
    a, ours = int(args[1]), int(args[2])
    implied = [(port == a) == (ttl == ours) for _, port, ttl in answers]
    switches = sum(1 for x, y in zip(implied, implied[1:]) if x != y)
    print(len(answers), switches)


COMMANDS = {
    "delta": cmd_delta,
    "changed": cmd_changed,
    "shrunk": cmd_shrunk,
    "total": cmd_total,
    "mib": cmd_mib,
    "mib1": cmd_mib1,
    "ss": cmd_ss,
    "conns": cmd_conns,
    "json": cmd_json,
    "iperf": cmd_iperf,
    "events": cmd_events,
    "event": cmd_event,
    "port": cmd_port,
    "switches": cmd_switches,
    "policy": cmd_policy,
    "promq": cmd_promq,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: stats.py %s ..." % "|".join(COMMANDS))
    COMMANDS[sys.argv[1]](sys.argv[2:])
