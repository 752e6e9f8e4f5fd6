#!/usr/bin/python3
"""TCP servers and clients for the integration tests: every mode is bounded in time."""
import argparse
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time

ECHO_BLOCK = 65536
TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE, TCPI_OPT_ECN = 1, 2, 4, 8
TCP_INFO_LEN = 104


def negotiated(sock):
    """What the kernel agreed for an accepted socket: struct tcp_info, as ss reads it."""
    b = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_LEN)
    opts, ws = b[5], b[6]
    snd_mss, = struct.unpack_from("=I", b, 16)
    return {
        "peer": sock.getpeername()[0],
        "ts": bool(opts & TCPI_OPT_TIMESTAMPS),
        "sack": bool(opts & TCPI_OPT_SACK),
        "ecn": bool(opts & TCPI_OPT_ECN),
        # snd_wscale is the low nibble (little-endian bitfield), as `ss` prints it first.
        "wscale": [ws & 0xF, ws >> 4] if opts & TCPI_OPT_WSCALE else None,
        "mss": snd_mss,
    }


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def listener(bind, port, backlog):
    """A dual-stack listener on [bind]:port (:: serves IPv4 and IPv6)."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((bind, port))
    s.listen(backlog)
    return s


def cmd_server(a):
    """accept: close at once; hold: keep every connection; echo: send back what arrives."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ls = listener(a.bind, a.port, a.backlog)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    accepted = 0
    conns = []
    held = []
    deadline = time.monotonic() + a.seconds

    def report():
        if a.report:
            tmp = a.report + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"accepted": accepted, "conns": conns}, f)
            os.replace(tmp, a.report)

    report()
    while not stop.is_set() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            if key.data is None:
                try:
                    c, _ = ls.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                accepted += 1
                conns.append(negotiated(c))
                if a.mode == "accept":
                    c.close()
                elif a.mode == "hold":
                    held.append(c)
                else:
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, "conn")
                report()
                continue
            c = key.fileobj
            try:
                data = c.recv(ECHO_BLOCK)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(c)
                c.close()
                continue
            try:
                c.setblocking(True)
                c.settimeout(5)
                c.sendall(data)
                c.setblocking(False)
            except OSError:
                sel.unregister(c)
                c.close()
    report()
    for c in held:
        c.close()
    return 0


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def echo_once(s, msg):
    """Sends msg and reads it back whole; raises ConnectionError on a short or wrong echo."""
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        chunk = s.recv(len(msg) - len(got))
        if not chunk:
            raise ConnectionError("closed by server")
        got += chunk
    if got != msg:
        raise ConnectionError("echo mismatch")


def one_connection(a, results, held, lock):
    family = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    if a.mss:
        # What the client advertises: the server's kernel keeps it exactly, a cookie rounds it.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, a.mss)
    if a.src:
        # One of the client's other addresses: a second source, for the allow/deny lists.
        s.bind((a.src, 0))
    s.settimeout(a.timeout)
    t0 = time.monotonic()
    try:
        s.connect((a.dst, a.port))
        t1 = time.monotonic()
        if a.exchange:
            # An echo proves the server accepted: connect() alone only proves a SYN-ACK.
            echo_once(s, b"ping %d\n" % id(s))
        with lock:
            results.append(("ok", (t1 - t0) * 1000.0))
            if a.hold:
                held.append(s)
                s = None
    except socket.timeout:
        with lock:
            results.append(("timeout", None))
    except OSError as e:
        with lock:
            results.append((type(e).__name__, None))
    finally:
        if s is not None:
            s.close()


def cmd_connect(a):
    """COUNT connections, PARALLEL at a time, each bounded by TIMEOUT; with SECONDS, a
    steady stream for that long instead (at most COUNT). One JSON line out."""
    results, held = [], []
    lock = threading.Lock()
    todo = list(range(a.count))
    todo_lock = threading.Lock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    until = time.monotonic() + a.seconds if a.seconds else None

    def worker():
        while not stop.is_set() and (until is None or time.monotonic() < until):
            with todo_lock:
                if not todo:
                    return
                todo.pop()
            one_connection(a, results, held, lock)
            if a.interval:
                stop.wait(a.interval)

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = [ms for r, ms in results if r == "ok"]
    errors = {}
    for r, _ in results:
        if r != "ok":
            errors[r] = errors.get(r, 0) + 1
    out = {
        "count": len(results),
        "ok": len(lat),
        "failed": len(results) - len(lat),
        "errors": errors,
        "seconds": round(time.monotonic() - start, 3),
        "p50_ms": round(percentile(lat, 50), 3) if lat else None,
        "p99_ms": round(percentile(lat, 99), 3) if lat else None,
        "max_ms": round(max(lat), 3) if lat else None,
    }
    print(json.dumps(out), flush=True)
    if held:
        stop.clear()
        stop.wait(a.hold)
        for s in held:
            s.close()
    return 0


def cmd_pinger(a):
    """One long-lived connection, one echo round trip per INTERVAL, a line per round."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    family = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    s.connect((a.dst, a.port))
    local = s.getsockname()
    print("connected %s:%d" % (local[0], local[1]), flush=True)
    rounds, error = 0, None
    deadline = time.monotonic() + a.seconds
    while not stop.is_set() and time.monotonic() < deadline:
        msg = b"round %d " % rounds + b"x" * a.size + b"\n"
        try:
            echo_once(s, msg)
        except (OSError, ConnectionError) as e:
            error = "%s: %s" % (type(e).__name__, e)
            break
        rounds += 1
        print("round %d ok %.3f" % (rounds, time.monotonic()), flush=True)
        stop.wait(a.interval)
    s.close()
    print("summary rounds=%d error=%s" % (rounds, error or "none"), flush=True)
    return 0 if error is None else 1


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("server")
    s.add_argument("--bind", default="::")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--backlog", type=int, default=128)
    s.add_argument("--mode", choices=["accept", "hold", "echo"], default="echo")
    s.add_argument("--seconds", type=float, default=120, help="lifetime limit")
    s.add_argument("--report", help="file kept up to date with the accepted count")
    c = sub.add_parser("connect")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--parallel", type=int, default=1)
    c.add_argument("--timeout", type=float, default=3)
    c.add_argument("--exchange", action="store_true", help="require an echo round trip")
    c.add_argument("--hold", type=float, default=0, help="keep connections open SECONDS")
    c.add_argument("--mss", type=int, default=0, help="TCP_MAXSEG before connecting")
    c.add_argument("--src", help="source address to bind (default: the kernel's choice)")
    c.add_argument("--seconds", type=float, default=0, help="a stream for this long")
    c.add_argument("--interval", type=float, default=0, help="pause per worker between connections")
    g = sub.add_parser("pinger")
    g.add_argument("--dst", required=True)
    g.add_argument("--port", type=int, required=True)
    g.add_argument("--seconds", type=float, default=30)
    g.add_argument("--interval", type=float, default=0.1)
    g.add_argument("--timeout", type=float, default=3)
    g.add_argument("--size", type=int, default=1000)
    a = p.parse_args()
    return {"server": cmd_server, "connect": cmd_connect, "pinger": cmd_pinger}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
