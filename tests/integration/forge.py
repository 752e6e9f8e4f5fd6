#!/usr/bin/python3
"""Forged TCP segments from the attacker namespace (scapy): random ACKs and bent cookies."""
import argparse
import ipaddress
import json
import logging
import random
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, AsyncSniffer, Ether, IPv6, conf, sendp, srp1  # noqa: E402

# The only ranges this script may write into a packet (see tests/lab/lab.sh).
LAB_NETS = [ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("2001:2::/48")]
SPOOF4 = ipaddress.ip_network("198.19.0.0/16")
SPOOF6 = ipaddress.ip_network("2001:2:0:ff::/64")


def in_lab(addr):
    a = ipaddress.ip_address(addr)
    return any(a.version == n.version and a in n for n in LAB_NETS)


def l3(src, dst):
    return IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)


def random_spoofed(dst):
    net = SPOOF6 if ":" in dst else SPOOF4
    return str(net[random.randrange(1, net.num_addresses - 1)])


# syn_exchange draws its source ports from here: a random ACK from the attacker's own
# address must stay outside it, or it may land on a connection the test holds open and
# be counted as the ACK of a socket.
EXCHANGE_SPORTS = range(20000, 60000)


def random_free_sport():
    port = random.randrange(1024, 65536 - len(EXCHANGE_SPORTS))
    return port + len(EXCHANGE_SPORTS) if port >= EXCHANGE_SPORTS.start else port


def cmd_acks(a):
    """COUNT ACKs with random sequence and acknowledgement numbers, no SYN before them:
    half from random spoofed sources, half from the attacker's own address."""
    frames = []
    for i in range(a.count):
        src = a.own if i % 2 else random_spoofed(a.dst)
        seg = TCP(sport=random_free_sport(), dport=a.port, flags="A",
                  seq=random.getrandbits(32), ack=random.getrandbits(32), window=502)
        frames.append(Ether(dst=a.dst_mac) / l3(src, a.dst) / seg)
    sendp(frames, iface=a.iface, verbose=False)
    print(json.dumps({"sent": len(frames)}))
    return 0


def syn_exchange(a):
    """A SYN from the attacker's own address; returns (L2+L3 base, sport, ISN, SYN-ACK or None)."""
    sport = random.choice(EXCHANGE_SPORTS)
    isn = random.getrandbits(32)
    base = Ether(dst=a.dst_mac) / l3(a.own, a.dst)
    syn = base / TCP(sport=sport, dport=a.port, flags="S", seq=isn, options=[("MSS", 1460)])
    synack = srp1(syn, iface=a.iface, timeout=3, verbose=False,
                  filter="tcp and src port %d and dst port %d" % (a.port, sport))
    if synack is None or synack[TCP].flags != "SA":
        synack = None
    return base, sport, isn, synack


def cmd_tuple(a):
    """Gets a real cookie with a SYN from the attacker's own address, then sends ACKs
    that each bend one input of it: they must all fail. --control finally sends the
    correct ACK, which must produce a socket."""
    base, sport, isn, synack = syn_exchange(a)
    if synack is None:
        print(json.dumps({"synack": False}))
        return 1
    cookie = synack[TCP].seq
    if synack[TCP].ack != (isn + 1) & 0xFFFFFFFF:
        print(json.dumps({"synack": True, "error": "SYN-ACK does not ack ISN+1"}))
        return 1
    good = dict(sport=sport, dport=a.port, flags="A", seq=(isn + 1) & 0xFFFFFFFF,
                ack=(cookie + 1) & 0xFFFFFFFF, window=502)
    bent = {
        "other_sport": dict(good, sport=sport + 1),
        "other_isn": dict(good, seq=(isn + 2) & 0xFFFFFFFF),
        "cookie_plus_1": dict(good, ack=(cookie + 2) & 0xFFFFFFFF),
        "cookie_hash_flip": dict(good, ack=((cookie ^ 0x80000000) + 1) & 0xFFFFFFFF),
        "cookie_mss_bits": dict(good, ack=((cookie ^ 0x1C0) + 1) & 0xFFFFFFFF),
    }
    if a.kernel_cookie:
        # Linux's cookie adds the client's ISN and its MSS index to the hash: a cookie or an
        # ISN a few off reads as another MSS index, which the kernel accepts while that
        # index is in its table (net/ipv4/syncookies.c, check_tcp_syn_cookie()). Only the
        # one who got the SYN-ACK can do it, and gains nothing by it.
        del bent["other_isn"]
        del bent["cookie_plus_1"]
    sendp([base / TCP(**seg) for seg in bent.values()], iface=a.iface, verbose=False)
    if a.control:
        sendp(base / TCP(**good), iface=a.iface, verbose=False)
    print(json.dumps({"synack": True, "forged": len(bent), "control": a.control,
                      "sport": sport, "cases": list(bent)}))
    return 0


def cmd_syn(a):
    """The first half of a handshake: a SYN from the attacker's own address; the cookie
    SYN-ACK's numbers go to --state, for `ack` to finish the handshake later."""
    _, sport, isn, synack = syn_exchange(a)
    if synack is None:
        print(json.dumps({"synack": False}))
        return 1
    state = {"sport": sport, "isn": isn, "cookie": synack[TCP].seq}
    with open(a.state, "w") as f:
        json.dump(state, f)
    print(json.dumps(dict(state, synack=True)))
    return 0


def cmd_ack(a):
    """The second half: the final ACK for the SYN-ACK recorded in --state."""
    with open(a.state) as f:
        st = json.load(f)
    base = Ether(dst=a.dst_mac) / l3(a.own, a.dst)
    seq, ack = (st["isn"] + 1) & 0xFFFFFFFF, (st["cookie"] + 1) & 0xFFFFFFFF
    frames = [base / TCP(sport=st["sport"], dport=a.port, flags="A", seq=seq, ack=ack, window=502)]
    if a.data:
        # Bytes after the handshake: they land in the new socket's receive queue.
        frames.append(base / TCP(sport=st["sport"], dport=a.port, flags="PA", seq=seq, ack=ack,
                                 window=502) / a.data.encode())
    sendp(frames, iface=a.iface, inter=0.05, verbose=False)
    print(json.dumps({"sent": len(frames)}))
    return 0


def cmd_hammer(a):
    """COUNT SYNs from the sender's own address, alternating between two ports, SYN i with
    ISN base + i, at RATE per second; reports who answered each, by the answer's TTL:
    {"answers": [[i, port, ttl], ...]}. The answers come in any order; the ISNs give the
    order the SYNs were judged in."""
    ports = [int(p) for p in a.ports.split(",")]
    base = random.getrandbits(31)
    sniffer = AsyncSniffer(iface=a.iface, store=True,
                           filter="tcp and src host %s and tcp[13] & 0x12 == 0x12" % a.dst)
    sniffer.start()
    time.sleep(0.5)
    frames = [Ether(dst=a.dst_mac) / l3(a.own, a.dst) /
              TCP(sport=20000 + i % 40000, dport=ports[i % 2], flags="S", seq=base + i,
                  options=[("MSS", 1460)]) for i in range(a.count)]
    print(json.dumps({"sending": a.count}), flush=True)
    sendp(frames, iface=a.iface, inter=1.0 / a.rate, verbose=False)
    time.sleep(1)
    sniffer.stop()
    answers = []
    for pkt in sniffer.results:
        i = (pkt[TCP].ack - 1 - base) & 0xFFFFFFFF
        if i < a.count and pkt[TCP].sport == ports[i % 2]:
            ttl = pkt[IP].ttl if IP in pkt else pkt[IPv6].hlim
            answers.append([i, pkt[TCP].sport, ttl])
    print(json.dumps({"sent": a.count, "answers": sorted(answers)}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--iface", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--own", required=True, help="the attacker's own address")
    p.add_argument("--port", type=int, required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("acks")
    s.add_argument("--count", type=int, default=100)
    t = sub.add_parser("tuple")
    t.add_argument("--control", action="store_true")
    t.add_argument("--kernel-cookie", action="store_true",
                   help="the cookie is the kernel's own: leave out what its format cannot see")
    for name in ("syn", "ack"):
        sub.add_parser(name).add_argument("--state", required=True)
    sub.choices["ack"].add_argument("--data", default="", help="then send these bytes")
    h = sub.add_parser("hammer")
    h.add_argument("--ports", required=True, help="two ports: A,B")
    h.add_argument("--count", type=int, default=1000)
    h.add_argument("--rate", type=float, default=500)
    a = p.parse_args()
    for addr in (a.dst, a.own):
        if not in_lab(addr):
            sys.exit("forge: %s is outside the lab ranges" % addr)
    conf.verb = 0
    return {"acks": cmd_acks, "tuple": cmd_tuple, "syn": cmd_syn, "ack": cmd_ack,
            "hammer": cmd_hammer}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
