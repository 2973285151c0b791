#!/usr/bin/env python3
"""ownnet_boot_test.py: `apps.boot.ownnet`, two processes each with its own TCP/IP stack
(libos/net/own.c), kept apart by exo's packet filters only. One direct boot with virtio-net on
QEMU user networking, hostfwd of free host UDP and TCP ports to the guest's 7001 and 7002, and
`poweroff init.run=ownnet,pair,7001,7002` (apps/net/ownnet.c): A serves 7001, B 7002, each
with its own lwIP over its own receive ring. Checked, exactly:
  - UDP and TCP to each port are answered with that process's mark only ("A:..", "B:..");
  - "probe": each tries to take the other's port: exo's nf_claim straight from the process
    EXO_E_PERM (-5) (UDP and TCP, and free port 7999 too: only the NIC's holder hands out
    claims), pm's net_claim EADDRINUSE (-98) (UDP and TCP: exo's EXO_E_BUSY; UDP 68: pm's own
    DHCP socket), the socket engine's bind (its claim hook, through pm) EADDRINUSE (-98),
    nf_send of a frame from it EXO_E_PERM (-5), while a frame from its own port goes out (0);
  - each one's stats: foreign=0 (exo never gave it the other's frames), claims=2, refused=1
    (the probe's bind), ring drops 0; A's ring gets exactly one frame (its second stats
    request) while 20 datagrams go to B's echo and 5 to port 7003, which nobody claims (pm's);
  - pm's own stack may not bind B's port either (the pair's POSIX bind, UDP and TCP:
    EADDRINUSE, exo's EXO_E_BUSY to pm's claim), while a free port binds (0);
  - A asks to die, its parent kills it with SIGKILL ("A killed by signal 9"); B still
    answers; a third process C then binds A's port 7001 (exo ended the dead one's claims) and
    answers UDP and TCP there with "C:";
  - "quit" to B and C: their stats (foreign=0), both exit 0, the parent exits 0, power off.
    ownnet_boot_test.py [--timeout S]
"""
import argparse
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

NIC = "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"
PORTS = {"A": 7001, "B": 7002}
UNCLAIMED = 7003  # pm's, the default env's
FLOOD = 20


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe_line(mark, mine, other):
    return (f"probe: nf_claim udp {other} = -5, nf_claim tcp {other} = -5, nf_claim udp 7999 "
            f"= -5, pm claim udp {other} = -98, pm claim tcp {other} = -98, pm claim udp 68 = "
            f"-98, bind udp {other} = -98, nf_send from {other} = -5, from {mine} = 0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=400)
    a = ap.parse_args()
    udp = {p: free_port(socket.SOCK_DGRAM) for p in PORTS.values()}
    tcp = {p: free_port(socket.SOCK_STREAM) for p in PORTS.values()}
    unclaimed = free_port(socket.SOCK_DGRAM)
    seen = {}  # console needle -> threading.Event
    lock = threading.Lock()
    box = {"errors": [], "replies": {}}
    stop = threading.Event()

    def event(needle):
        with lock:
            return seen.setdefault(needle, threading.Event())

    def on_line(text):
        with lock:
            for needle, ev in seen.items():
                if needle in text:
                    ev.set()

    for n in ("ownnet A: ready", "ownnet B: ready", "ownnet C: ready"):
        event(n)

    def ask(port, msg, tries=8):
        """A datagram to the guest's port; its answer (None: none came)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(4)
            for _ in range(tries):
                u.sendto(msg, ("127.0.0.1", udp[port]))
                try:
                    return u.recvfrom(2048)[0]
                except socket.timeout:
                    continue
        return None

    def tcp_ask(port, msg):
        try:
            with socket.create_connection(("127.0.0.1", tcp[port]), timeout=30) as s:
                s.sendall(msg)
                want = 2 + len(msg)
                got = b""
                while len(got) < want:
                    b = s.recv(4096)
                    if not b:
                        break
                    got += b
                return got
        except OSError as e:
            return f"error {e}".encode()

    def record(key, got):
        box["replies"][key] = got

    def drive():
        try:
            for m in ("A", "B"):
                if not event(f"ownnet {m}: ready").wait(a.timeout):
                    box["errors"].append(f"{m} never ready")
                    stop.set()
                    return
            for m, p in PORTS.items():
                record(f"udp {m}", ask(p, f"hello {m}".encode()))
                record(f"tcp {m}", tcp_ask(p, f"stream {m}".encode()))
            for m, p in PORTS.items():
                record(f"probe {m}", ask(p, b"probe", tries=1))
            # A's ring between two of its stats: only the second request, while B and pm's
            # unclaimed port get traffic
            record("stats A", ask(7001, b"stats", tries=1))
            record("flood B", [ask(7002, f"flood {i}".encode()) for i in range(FLOOD)])
            for i in range(5):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.sendto(b"nobody's", ("127.0.0.1", unclaimed))
            record("stats A2", ask(7001, b"stats", tries=1))
            record("stats B", ask(7002, b"stats", tries=1))
            record("die A", ask(7001, b"die", tries=1))
            if not event("ownnet C: ready").wait(120):
                box["errors"].append("C never ready")
                stop.set()
                return
            record("udp B after", ask(7002, b"still B"))
            record("udp C", ask(7001, b"hello C"))
            record("tcp C", tcp_ask(7001, b"stream C"))
            record("quit B", ask(7002, b"quit", tries=1))
            time.sleep(1)
            record("quit C", ask(7001, b"quit", tries=1))
        except OSError as e:
            box["errors"].append(f"drive: {e}")
            stop.set()

    th = threading.Thread(target=drive, daemon=True)
    th.start()
    fwd = ",".join([f"hostfwd=udp:127.0.0.1:{udp[p]}-:{p}" for p in PORTS.values()] +
                   [f"hostfwd=tcp:127.0.0.1:{tcp[p]}-:{p}" for p in PORTS.values()] +
                   [f"hostfwd=udp:127.0.0.1:{unclaimed}-:{UNCLAIMED}"])
    r = qemu.boot(None, direct=True, timeout=a.timeout, mem="256M",
                  cmdline="poweroff init.run=ownnet,pair,7001,7002",
                  extra=["-netdev", f"user,id=n0,{fwd}", "-device", NIC],
                  on_line=on_line, stop=stop)
    th.join(10)
    lines = r.serial_text.splitlines()
    errs = list(box["errors"])
    rep = box["replies"]

    def want(key, value):
        if rep.get(key) != value:
            errs.append(f"{key}: got {rep.get(key)!r}, want {value!r}")

    def need(line):
        if line not in lines:
            errs.append(f"no line {line!r}")

    for m in PORTS:
        want(f"udp {m}", f"{m}:hello {m}".encode())
        want(f"tcp {m}", f"{m}:stream {m}".encode())
    for m, o in (("A", "B"), ("B", "A")):
        pl = probe_line(m, PORTS[m], PORTS[o])
        want(f"probe {m}", f"{m}:{pl}".encode())
        need(f"ownnet {m}: {pl}")
    stat = re.compile(r"stats: frames=(\d+) foreign=0 claims=2 refused=(\d+) tx=(\d+) "
                      r"tx_errors=(\d+) drops=0")
    frames = {}
    for key, m, refused in (("stats A", "A", "1"), ("stats A2", "A", "1"), ("stats B", "B", "1"),
                            ("quit B", "B", "1"), ("quit C", "C", "0")):
        got = (rep.get(key) or b"").decode(errors="replace")
        mo = stat.fullmatch(got[2:]) if got.startswith(f"{m}:") else None
        if not mo or mo.group(2) != refused:
            errs.append(f"{key}: {got!r} (want foreign=0 claims=2 refused={refused} drops=0)")
        elif f"ownnet {m}: {got[2:]}" not in lines:
            errs.append(f"{key}: no console line for {got!r}")
        else:
            frames[key] = int(mo.group(1))
    if "stats A" in frames and "stats A2" in frames and \
            frames["stats A2"] - frames["stats A"] != 1:
        errs.append(f"A's ring saw {frames['stats A2'] - frames['stats A']} frames while B got "
                    f"{FLOOD} datagrams (want 1: its own stats request)")
    want("flood B", [f"B:flood {i}".encode() for i in range(FLOOD)])
    want("die A", b"A:dying")
    need("ownnet pair: pm bind udp 7002 = -98, tcp 7002 = -98, udp 7998 = 0")
    need("ownnet pair: A killed by signal 9")
    want("udp B after", b"B:still B")
    want("udp C", b"C:hello C")
    want("tcp C", b"C:stream C")
    need("ownnet B: exit")
    need("ownnet C: exit")
    need("ownnet pair: B exit 0")
    need("ownnet pair: C exit 0")
    need("init: ownnet: exit 0")
    if not r.powered_off:
        errs.append(f"did not power off (exit {r.exit_code}, timed out {r.timed_out})")
    for l in lines:
        if l.startswith("ownnet"):
            print(l)
    for e in errs:
        print("FAIL:", e)
    print(f"log: {r.log_path}, {r.elapsed:.1f} s")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
