#!/usr/bin/env python3
"""net_boot_test.py: `apps.boot.net`, TCP/IP through pm's one lwIP on a real NIC. One direct
boot (exo.elf through PVH) with virtio-net on QEMU user networking, a hostfwd of a free host
TCP port and a free UDP port to the guest's port 7, and `poweroff init.run=echod,7,
10.0.2.2:HP,65536` (apps/net/echod.c). Checked, exactly:
  - pm got 10.0.2.15/24 with gateway 10.0.2.2 by DHCP and wrote the lease's nameserver
    10.0.2.3 to resolv.conf (its console lines);
  - /proc/net/tessera: mac=52:54:00:12:34:56 addr=10.0.2.15/24 gw=10.0.2.2 gwmac=(slirp's)
    dns=10.0.2.3;
  - the guest connected out to this script's listener at 10.0.2.2:HP and sent 65536 bytes of
    its pattern, every byte compared;
  - --size MiB (default 1) sent to the guest's TCP echo come back byte for byte (sending and
    receiving at once), and the guest counts them;
  - three UDP datagrams (1, 1000, 1472 bytes) echoed exactly; "quit" answered "bye", then the
    guest powers off.
    net_boot_test.py [--size MIB] [--timeout S]
"""
import argparse
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

NIC = "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"
CONF = ("echod: /proc/net/tessera: mac=52:54:00:12:34:56 addr=10.0.2.15/24 gw=10.0.2.2 "
        "gwmac=52:55:0a:00:02:02 dns=10.0.2.3")
OUT_BYTES = 65536


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pattern(n, seed):
    return bytes(((i * 7 + i // 251 + seed) & 255) for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1, help="MiB through the TCP echo")
    ap.add_argument("--timeout", type=float, default=400)
    a = ap.parse_args()
    tport, uport = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(a.timeout)
    hport = listener.getsockname()[1]
    box = {"errors": [], "outbound": None, "echo": None, "udp": None}
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
            data = pattern(a.size << 20, 3)
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
    need("pm: net: 10.0.2.15/24 gw 10.0.2.2 (DHCP)")
    if not any(re.fullmatch(r"pm: net: (/etc|/tmp)/resolv\.conf: nameserver 10\.0\.2\.3", l)
               for l in lines):
        errs.append("no resolv.conf line with nameserver 10.0.2.3")
    need(CONF)
    need(f"echod: sent {OUT_BYTES} bytes to 10.0.2.2:{hport}")
    if box["outbound"] != pattern(OUT_BYTES, 0):
        got = box["outbound"]
        errs.append(f"outbound: {len(got) if got is not None else None} bytes, not the pattern")
    if box["echo"] != (True, a.size << 20):
        errs.append(f"tcp echo: {box['echo']} (want all {a.size << 20} bytes back)")
    need(f"echod: tcp echoed {a.size << 20} bytes")
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
