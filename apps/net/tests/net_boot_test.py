#!/usr/bin/env python3
"""net_boot_test.py: `apps.boot.net`, TCP/IP through pm's one lwIP on a real NIC. One direct
boot (exo.elf through PVH) with virtio-net on QEMU user networking, a hostfwd of a free host
TCP port and a free UDP port to the guest's port 7, and `poweroff init.run=echod,7,
10.0.2.2:HP,65536` (apps/net/echod.c). Checked, exactly:
  - pm got 10.0.2.15/24 with gateway 10.0.2.2 by DHCP and wrote the lease's nameserver
    10.0.2.3 to resolv.conf (its console lines), with no console input at all (QEMU's stdin is
    /dev/null: lwIP's timers run from pm's loop deadline), within LEASE_S host seconds of init's
    first line;
  - /proc/net/tessera: mac=52:54:00:12:34:56 addr=10.0.2.15/24 gw=10.0.2.2 gwmac=(slirp's)
    dns=10.0.2.3;
  - the guest connected out to this script's listener at 10.0.2.2:HP and sent 65536 bytes of
    its pattern, every byte compared;
  - --size MiB (default 1) sent to the guest's TCP echo come back byte for byte (sending and
    receiving at once), and the guest counts them;
  - then --big MiB (default 100; 0: none) of seeded random bytes through a second connection
    to the echo, their sha256 and length compared both ways (what went, what came back, what
    the guest counts), the time printed ("tcp echo big: ...");
  - three UDP datagrams (1, 1000, 1472 bytes) echoed exactly; "quit" answered "bye", then the
    guest powers off.
    net_boot_test.py [--size MIB] [--big MIB] [--timeout S]
"""
import argparse
import hashlib
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

NIC = "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"
CONF = ("echod: /proc/net/tessera: mac=52:54:00:12:34:56 addr=10.0.2.15/24 gw=10.0.2.2 "
        "gwmac=52:55:0a:00:02:02 dns=10.0.2.3")
OUT_BYTES = 65536
LEASE_S = 30  # slirp answers at once; DHCP's own retries are 2, 4, 8 s
LEASE_LINE = "pm: net: 10.0.2.15/24 gw 10.0.2.2 (DHCP)"


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pattern(n, seed):
    return bytes(((i * 7 + i // 251 + seed) & 255) for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=1, help="MiB through the TCP echo")
    ap.add_argument("--big", type=float, default=100, help="MiB through a second echo (0: none)")
    ap.add_argument("--timeout", type=float, default=400)
    a = ap.parse_args()
    tport, uport = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(a.timeout)
    hport = listener.getsockname()[1]
    box = {"errors": [], "outbound": None, "echo": None, "udp": None, "big": None}
    ready, stop = threading.Event(), threading.Event()

    def outbound():  # the guest's connection out to 10.0.2.2:hport
        try:
            c, _ = listener.accept()
            c.settimeout(120)
            got = b""
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got += b
            c.close()
            box["outbound"] = got
        except OSError as e:
            box["errors"].append(f"outbound: {e}")

    def drive():
        if not ready.wait(a.timeout):
            return
        try:
            data = pattern(int(a.size * (1 << 20)), 3)
            s = socket.create_connection(("127.0.0.1", tport), timeout=120)
            back = bytearray()

            def reader():
                while len(back) < len(data):
                    b = s.recv(1 << 16)
                    if not b:
                        break
                    back.extend(b)
            th = threading.Thread(target=reader)
            th.start()
            s.sendall(data)
            th.join(300)
            s.shutdown(socket.SHUT_WR)
            s.close()
            box["echo"] = bytes(back) == data, len(back)
            if a.big:
                box["big"] = echo_big(int(a.big * (1 << 20)))
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(5)
            ok = []
            for n in (1, 1000, 1472):
                msg = pattern(n, n)
                for _ in range(5):  # a datagram may be lost: send again
                    u.sendto(msg, ("127.0.0.1", uport))
                    try:
                        ok.append(u.recvfrom(2048)[0] == msg)
                        break
                    except socket.timeout:
                        continue
            u.sendto(b"quit", ("127.0.0.1", uport))
            try:
                ok.append(u.recvfrom(16)[0] == b"bye")
            except socket.timeout:
                ok.append(False)
            box["udp"] = ok
        except OSError as e:
            box["errors"].append(f"drive: {e}")
            stop.set()

    def echo_big(n):
        """n seeded random bytes through the echo, sent in 1 MiB pieces while a reader hashes
        what comes back: (sha256 sent, sha256 back, bytes back, seconds)."""
        rnd = random.Random(15)
        sent_h, back_h, got = hashlib.sha256(), hashlib.sha256(), [0]
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", tport), timeout=120)

        def reader():
            while got[0] < n:
                b = s.recv(1 << 18)
                if not b:
                    break
                back_h.update(b)
                got[0] += len(b)
        th = threading.Thread(target=reader)
        th.start()
        left = n
        while left:
            piece = rnd.randbytes(min(left, 1 << 20))
            sent_h.update(piece)
            s.sendall(piece)
            left -= len(piece)
        th.join(300)
        secs = time.monotonic() - t0
        s.shutdown(socket.SHUT_WR)
        s.close()
        return sent_h.hexdigest(), back_h.hexdigest(), got[0], secs

    def on_line(text):
        if "echod: ready" in text:
            ready.set()

    threads = [threading.Thread(target=f, daemon=True) for f in (outbound, drive)]
    for t in threads:
        t.start()
    fwd = f"hostfwd=tcp:127.0.0.1:{tport}-:7,hostfwd=udp:127.0.0.1:{uport}-:7"
    r = qemu.boot(None, direct=True, timeout=a.timeout, mem="256M",
                  cmdline=f"poweroff init.run=echod,7,10.0.2.2:{hport},{OUT_BYTES}",
                  extra=["-netdev", f"user,id=n0,{fwd}", "-device", NIC],
                  on_line=on_line, stop=stop)
    ready.set()
    for t in threads:
        t.join(10)
    lines = r.serial_text.splitlines()
    errs = list(box["errors"])

    def need(line):
        if line not in lines:
            errs.append(f"no line {line!r}")
    need(LEASE_LINE)
    t_init = next((t for t, l in r.lines if l.startswith("init: hello")), None)
    t_lease = next((t for t, l in r.lines if l == LEASE_LINE), None)
    if t_init is None or t_lease is None or t_lease - t_init > LEASE_S:
        errs.append(f"lease not within {LEASE_S} s of init without input: {t_init}, {t_lease}")
    else:
        print(f"lease {t_lease - t_init:.1f} s after init's first line, no console input")
    if not any(re.fullmatch(r"pm: net: (/etc|/tmp)/resolv\.conf: nameserver 10\.0\.2\.3", l)
               for l in lines):
        errs.append("no resolv.conf line with nameserver 10.0.2.3")
    need(CONF)
    need(f"echod: sent {OUT_BYTES} bytes to 10.0.2.2:{hport}")
    if box["outbound"] != pattern(OUT_BYTES, 0):
        got = box["outbound"]
        errs.append(f"outbound: {len(got) if got is not None else None} bytes, not the pattern")
    if box["echo"] != (True, int(a.size * (1 << 20))):
        errs.append(f"tcp echo: {box['echo']} (want all {int(a.size * (1 << 20))} bytes back)")
    need(f"echod: tcp echoed {int(a.size * (1 << 20))} bytes")
    if a.big:
        big = int(a.big * (1 << 20))
        if box["big"] is None or box["big"][0] != box["big"][1] or box["big"][2] != big:
            errs.append(f"tcp echo big: {box['big']} (want {big} bytes back, the same sha256)")
        else:
            print(f"tcp echo big: {big} bytes each way in {box['big'][3]:.1f} s, "
                  f"{2 * big / box['big'][3] / (1 << 20):.2f} MiB/s, sha256 {box['big'][0][:16]}")
        need(f"echod: tcp echoed {big} bytes")
    if box["udp"] != [True] * 4:
        errs.append(f"udp: {box['udp']}")
    need("echod: quit")
    need("init: echod: exit 0")
    if not r.powered_off:
        errs.append(f"did not power off (exit {r.exit_code}, timed out {r.timed_out})")
    for l in lines:
        if l.startswith("pm: net:") or l.startswith("echod:"):
            print(l)
    for e in errs:
        print("FAIL:", e)
    print(f"log: {r.log_path}, {r.elapsed:.1f} s")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
