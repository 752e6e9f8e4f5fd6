#!/usr/bin/python3
"""Paired comparison of `bench_micro --compare OBJ --raw FILE` rounds: each row against its
counterpart in the compared build, round by round, as a share of the compared build's cost
above XDP_DROP. Usage: paired.py RAWFILE"""
import collections
import statistics
import sys

PAIRS = [("SYN -> SYN-ACK, IPv4", "compared: SYN -> SYN-ACK"),
         ("SYN, auto engaged, IPv4", "compared: SYN -> SYN-ACK"),
         ("SYN, auto quiet -> kernel", "compared: SYN -> SYN-ACK"),
         ("valid cookie ACK, IPv4", "compared: valid cookie ACK"),
         ("invalid cookie ACK, IPv4", "compared: invalid cookie ACK")]


def main():
    rounds = collections.defaultdict(dict)
    run = 0
    with open(sys.argv[1]) as f:
        for line in f:
            name, r, ns = line.rstrip("\n").split("\t")
            if name == "baseline: XDP_DROP" and r == "0":
                run += 1	# each bench_micro run starts its rounds at 0
            rounds[(run, int(r))][name] = float(ns)
    print("%d rounds; ns above XDP_DROP (median of rounds), and the change round by round"
          % len(rounds))
    for new, old in PAIRS:
        ours, theirs, change = [], [], []
        for r in rounds.values():
            if new in r and old in r:
                drop = r["baseline: XDP_DROP"]
                ours.append(r[new] - drop)
                theirs.append(r[old] - drop)
                change.append((ours[-1] - theirs[-1]) / theirs[-1] * 100)
        if change:
            q = statistics.quantiles(change, n=4)
            print("%-28s %6.0f vs %6.0f  change %+5.1f%% (quartiles %+.1f%% .. %+.1f%%)" % (
                new, statistics.median(ours), statistics.median(theirs),
                statistics.median(change), q[0], q[2]))


if __name__ == "__main__":
    main()
