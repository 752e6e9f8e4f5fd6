#!/usr/bin/python3
"""Writes the benchmark report (Markdown + gnuplot PNGs) from macro, overhead and micro results."""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
from collections import defaultdict

LABELS = {
    "xdp-syncookie": "A: xdp-syncookie (always)",
    "xdp-syncookie-auto": "A: xdp-syncookie (auto, from quiet)",
    "nft-synproxy": "C: nftables synproxy",
    "linux-cookies2": "D: Linux tcp_syncookies=2",
    "linux-cookies1": "D: Linux tcp_syncookies=1",
    "xdp-drop": "E: bare XDP_DROP",
    "xdp-tx": "E: bare swap + XDP_TX",
}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def med_range(values, fmt="{:.0f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    m = statistics.median(values)
    if len(values) == 1:
        return fmt.format(m)
    return (fmt + " ({}-{})").format(m, fmt.format(min(values)), fmt.format(max(values)))


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return "%s, %d CPUs, Linux %s" % (cpu, os.cpu_count(), platform.release())


def rate_label(rate):
    return "max" if rate == 0 else "%dk" % (rate // 1000)


def macro_tables(rows, out):
    groups = defaultdict(list)
    for r in rows:
        groups[(r["contender"], r["target_pps"])].append(r)
    rates = sorted({r["target_pps"] for r in rows}, key=lambda x: (x == 0, x))
    contenders = [c for c in LABELS if any(r["contender"] == c for r in rows)]

    out.append("### Flood results\n")
    out.append("Median (range) over runs. *offered*: SYNs/s the generator handed to the "
               "link; *received*: frames/s the defender's veth took in (the rest overflowed "
               "its 256-frame ring while the defender was busy); *answered*: SYN-ACKs/s the sink counted (frames for swap + XDP_TX); "
               "*ns/answer*: defender CPU time per answer; *per core*: answers per second "
               "of defender CPU; *legit*: real connections that succeeded during the flood, "
               "with connect latency p50/p99. Runs with XDP_TX errors are marked.\n")
    out.append("| contender | target | offered pps | received/s | answered/s | ns/answer | "
               "per core/s | legit ok | p50 ms | p99 ms | XDP_TX errors |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in contenders:
        for rate in rates:
            g = groups.get((c, rate))
            if not g:
                continue
            legit = "%d/%d" % (sum(r["legit_ok"] or 0 for r in g), sum(r["legit_count"] or 0 for r in g))
            errors = sum(r["xdp_tx_errors"] for r in g)
            # A bare XDP_DROP answers nothing: its cost is per SYN (a stray SYN-ACK the
            # kernel retransmits for an earlier contender must not turn it into "per answer").
            per_syn = c == "xdp-drop" or not any(r["answered"] for r in g)
            nsa = [r["ns_per_syn"] if per_syn else r["ns_per_answer"] for r in g]
            out.append("| %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s |" % (
                LABELS[c], rate_label(rate), med_range([r["offered_pps"] for r in g]),
                med_range([r["received_pps"] for r in g]),
                med_range([r["answered_pps"] for r in g]), med_range(nsa),
                " per SYN" if per_syn else "",
                med_range([r["answers_per_core_s"] for r in g]), legit,
                med_range([r["legit_p50_ms"] for r in g], "{:.2f}"),
                med_range([r["legit_p99_ms"] for r in g], "{:.2f}"),
                "%d (INVALID)" % errors if errors else "0"))
    out.append("")

    # Ratios at the highest rate every contender saw.
    top = rates[-1]
    per_core = {c: median([r["answers_per_core_s"] for r in groups.get((c, top), [])]) for c in contenders}
    a = per_core.get("xdp-syncookie")
    out.append("### Ratios (answers per defender core-second, target %s)\n" % rate_label(top))
    for other, name in (("nft-synproxy", "A/C"), ("linux-cookies2", "A/D (=2)"),
                        ("linux-cookies1", "A/D (=1)"), ("xdp-tx", "A/E-TX")):
        b = per_core.get(other)
        if a and b:
            out.append("- %s: %.2f" % (name, a / b))
    out.append("")
    auto_table(rows, rates, out)
    return rates, contenders, groups


def auto_table(rows, rates, out):
    auto = [r for r in rows if r["contender"] == "xdp-syncookie-auto"]
    if not auto:
        return
    out.append("### Engaging from a quiet port (engage auto)\n")
    out.append("Each run attaches afresh, so the flood meets a quiet port with default "
               "thresholds. *to engage*: from launching the generator to the engage event; "
               "*kernel*: SYNs passed to the kernel before cookies took over (it answered them); "
               "*XDP*: SYNs answered with cookies.\n")
    out.append("| target | to engage s | SYNs answered by the kernel | by XDP |")
    out.append("|---|---|---|---|")
    for rate in rates:
        g = [r for r in auto if r["target_pps"] == rate]
        if g:
            out.append("| %s | %s | %s | %s |" % (
                rate_label(rate), med_range([r["engage_s"] for r in g], "{:.3f}"),
                med_range([r["kernel_answered"] for r in g]),
                med_range([r["xdp_answered"] for r in g])))
    out.append("")


def plot(groups, rates, contenders, outdir, key, ylabel, fname, title):
    data = os.path.join(outdir, fname + ".dat")
    offered = [r for r in rates]
    with open(data, "w") as f:
        for c in contenders:
            f.write("# %s\n" % c)
            for rate in offered:
                g = groups.get((c, rate))
                if not g:
                    continue
                x = median([r["offered_pps"] for r in g])
                y = median([key(r) for r in g])
                if y is not None:
                    f.write("%f %f\n" % (x / 1000.0, y))
            f.write("\n\n")
    plots = ", ".join("'%s' index %d with linespoints title '%s'" % (data, i, LABELS[c])
                      for i, c in enumerate(contenders))
    script = ("set terminal pngcairo noenhanced size 900,520; set output '%s';"
              "set title '%s'; set xlabel 'offered flood (kpps)'; set ylabel '%s';"
              "set key outside right; set grid; plot %s" % (
                  os.path.join(outdir, fname + ".png"), title, ylabel, plots))
    subprocess.run(["gnuplot", "-e", script], check=True)
    os.unlink(data)


def overhead_table(rows, out):
    out.append("### Established flows\n")
    out.append("iperf3 throughput and wrk (1 thread, 8 connections) against nginx over the "
               "client link; median (range). *xdp-pass*: a bare XDP_PASS program (what veth's "
               "XDP mode costs by itself); *attached-idle*: xdp-syncookie attached, the "
               "ports not protected; *quiet*: the ports protected, engage auto and not engaged "
               "(every ACK pays a socket lookup, the kernel answers SYNs); *engaged*: engage "
               "always (every new connection a cookie handshake too).\n")
    out.append("| config | iperf3 Gbit/s | vs none | wrk req/s | vs none | p50 ms | p99 ms |")
    out.append("|---|---|---|---|---|---|---|")
    by = defaultdict(list)
    for r in rows:
        by[r["config"]].append(r)
    base_g = median([r["iperf_gbps"] for r in by["none"]])
    base_r = median([r["wrk_rps"] for r in by["none"]])
    for config in ("none", "xdp-pass", "attached-idle", "quiet", "engaged"):
        g = by.get(config)
        if not g:
            continue
        gb = median([r["iperf_gbps"] for r in g])
        rps = median([r["wrk_rps"] for r in g])
        out.append("| %s | %s | %.3f | %s | %.3f | %s | %s |" % (
            config, med_range([r["iperf_gbps"] for r in g], "{:.2f}"), gb / base_g,
            med_range([r["wrk_rps"] for r in g]), rps / base_r,
            med_range([r["wrk_p50_ms"] for r in g], "{:.3f}"),
            med_range([r["wrk_p99_ms"] for r in g], "{:.3f}")))
    out.append("")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--macro", required=True)
    p.add_argument("--overhead", required=True)
    p.add_argument("--micro", required=True)
    p.add_argument("--outdir", required=True)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()

    out = ["# xdp-syncookie benchmark report", ""]
    out.append("- machine: %s" % machine())
    out.append("- date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip())
    out.append("- mode: %s" % ("QUICK (short runs, for CI to exercise, not to judge)" if a.quick else "full"))
    out.append("- method: veth lab; generator (`tests/bench/flood`, XDP live frames) and sink on "
               "CPU 0, the defender's threaded NAPI pinned to CPU 1; CPU 1's busy time "
               "(user, system, irq and softirq) is the defender's cost; the server application and the "
               "legitimate clients run there too.")
    out.append("")
    rows = load(a.macro)
    rates, contenders, groups = macro_tables(rows, out)
    plot(groups, rates, contenders, a.outdir, lambda r: r["answered_pps"] / 1000.0,
         "answered (k/s)", "synack_rate", "SYN-ACKs answered vs offered flood")
    plot(groups, rates, contenders, a.outdir,
         lambda r: 100.0 * (r["legit_ok"] or 0) / (r["legit_count"] or 1),
         "legit success (%)", "legit_success", "Legitimate connections succeeding vs flood")
    out.append("![SYN-ACK rate](synack_rate.png)\n")
    out.append("![legit success](legit_success.png)\n")
    overhead_table(load(a.overhead), out)
    out.append("### Micro-benchmark (`make bench-micro`)\n")
    out.append("```")
    with open(a.micro) as f:
        out.append(f.read().rstrip())
    out.append("```")
    with open(os.path.join(a.outdir, "report.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
