#!/usr/bin/env python3
"""netapps_boot_test.py: `apps.boot.netapps`, busybox's network applets on pm's TCP/IP, in ONE
direct boot with virtio-net on QEMU user networking running apps/net/netapps.sh
(init.run=bin/busybox,sh,/netapps.sh,NC,HTTP,DNS, then poweroff). This script is the other
side of everything, on 127.0.0.1, which the guest reaches as 10.0.2.2:
  - NC: a TCP peer; nc sends "hello from tessera\\n" and prints what comes back;
  - HTTP: an HTTP server (Python's http.server) with hello.txt and a 32 KiB pattern for wget;
  - DNS: a DNS server answering tessera.test (A 10.1.2.3, AAAA fd00::1:2:3) for nslookup;
  - hostfwd to the guest's port 80 (busybox httpd: curl fetches data.txt, sha256 compared, and
    a CGI) and 7777 (nc -l: "done" ends the script).
Checked exactly, section by section (the `== NAME` lines): ifconfig eth0 and lo (SIOCGIF*
ioctls, /proc/net/dev, /proc/net/if_inet6; packet and byte counts masked), route -n
(/proc/net/route), what `ip route` says without netlink, ping -c 2 10.0.2.2 (a raw ICMP socket;
times masked), nc's reply, wget's bytes, nslookup's answer, netstat -tln and -uln
(/proc/net/tcp, tcp6, udp, udp6) and -xl (/proc/net/unix), the host's curl of the guest's httpd.
    netapps_boot_test.py [--timeout S]
"""
import argparse
import hashlib
import http.server
import os
import re
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

NIC = "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"
HELLO = b"hello from the host's HTTP server\n"
PATTERN = bytes(((i * 7 + i // 251) & 255) for i in range(32768))
DATA = "".join(f"line {i} of the file busybox's httpd serves to the host\n"
               for i in range(512)).encode()

EXPECT = {
    "hostname": "tessera\n",
    "ifconfig": """\
eth0      Link encap:Ethernet  HWaddr 52:54:00:12:34:56  
          inet addr:10.0.2.15  Bcast:10.0.2.255  Mask:255.255.255.0
          inet6 addr: fe80::5054:ff:fe12:3456/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
          RX packets:# errors:0 dropped:0 overruns:0 frame:0
          TX packets:# errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 
          RX bytes:# (#)  TX bytes:# (#)

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
          UP LOOPBACK RUNNING  MTU:65536  Metric:1

""",
    "route": """\
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         10.0.2.2        0.0.0.0         UG    0      0        0 eth0
10.0.2.0        0.0.0.0         255.255.255.0   U     0      0        0 eth0
""",
    "ip": """\
ip: socket: Address family not supported by protocol
rc=1
""",
    "ping": """\
PING 10.0.2.2 (10.0.2.2): 56 data bytes
64 bytes from 10.0.2.2: seq=0 ttl=255 time=# ms
64 bytes from 10.0.2.2: seq=1 ttl=255 time=# ms

--- 10.0.2.2 ping statistics ---
2 packets transmitted, 2 packets received, 0% packet loss
round-trip min/avg/max = #/#/# ms
rc=0
""",
    "nc": "reply from the host\nrc=0\n",
    "wget": HELLO.decode() + "rc=0\n"
            + f"{hashlib.sha256(PATTERN).hexdigest()}  /tmp/pattern.bin\n",
    "nslookup": """\
Server:		10.0.2.2:DNSPORT
Address:	10.0.2.2:DNSPORT

Non-authoritative answer:
Name:	tessera.test
Address: 10.1.2.3

Non-authoritative answer:
Name:	tessera.test
Address: fd00::1:2:3

rc=0
""",
    "httpd": f"{hashlib.sha256(DATA).hexdigest()}  /tmp/www/data.txt\nrc=0\n",
    "netstat": """\
Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       
tcp        0      0 :::80                   :::*                    LISTEN      
Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       
udp        0      0 0.0.0.0:68              0.0.0.0:67              ESTABLISHED 
Active UNIX domain sockets (only servers)
Proto RefCnt Flags       Type       State         I-Node Path
""",
    "ready": "done\nrc=0\n",
}


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dns_answer(q):
    """A reply to query q: tessera.test's A or AAAA, NXDOMAIN for any other name."""
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode())
        i += 1 + q[i]
    qtype, _ = struct.unpack(">HH", q[i + 1:i + 5])
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    rdata = {1: socket.inet_aton("10.1.2.3"),
             28: socket.inet_pton(socket.AF_INET6, "fd00::1:2:3")}.get(qtype)
    if name != "tessera.test":
        return struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
    if rdata is None:
        return struct.pack(">HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
    rr = struct.pack(">HHHIH", 0xc00c, qtype, 1, 60, len(rdata)) + rdata
    return struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr


def sections(text):
    """The script's `== NAME` sections: name -> text (lines up to the next marker)."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.fullmatch(r"== (\w+)", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif cur and not line.startswith(("pm: ", "exo: ", "init: ")):
            out[cur] += line + "\n"
    return out


def mask(name, text):
    if name == "ifconfig":
        text = re.sub(r"(packets|bytes):\d+", r"\1:#", text)
        text = re.sub(r"\(\d+(\.\d+)? [KMG]?i?B\)", "(#)", text)
    if name == "ping":
        text = re.sub(r"time=[\d.]+ ms", "time=# ms", text)
        text = re.sub(r"= [\d.]+/[\d.]+/[\d.]+ ms", "= #/#/# ms", text)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=400)
    a = ap.parse_args()
    box = {"errors": [], "nc": None, "curl": None, "cgi": None}
    stop = threading.Event()

    # nc's peer: reads a line, answers one, closes.
    ncl = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ncl.bind(("127.0.0.1", 0))
    ncl.listen(1)
    ncl.settimeout(a.timeout)

    def nc_peer():
        try:
            c, _ = ncl.accept()
            c.settimeout(60)
            got = b""
            while not got.endswith(b"\n"):
                b = c.recv(4096)
                if not b:
                    break
                got += b
            box["nc"] = got
            c.sendall(b"reply from the host\n")
            c.close()
        except OSError as e:
            box["errors"].append(f"nc peer: {e}")

    # wget's server.
    www = tempfile.mkdtemp(prefix="netapps-www-")
    with open(os.path.join(www, "hello.txt"), "wb") as f:
        f.write(HELLO)
    with open(os.path.join(www, "pattern.bin"), "wb") as f:
        f.write(PATTERN)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kw):
            super().__init__(*args, directory=www, **kw)

        def log_message(self, *args):
            pass
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Quiet)
    httpd.daemon_threads = True
    http_port = httpd.server_address[1]

    # nslookup's server.
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 0))
    dns.settimeout(1)
    dns_port = dns.getsockname()[1]

    def dns_server():
        while not stop.is_set():
            try:
                q, peer = dns.recvfrom(512)
                dns.sendto(dns_answer(q), peer)
            except socket.timeout:
                continue
            except (OSError, IndexError, struct.error) as e:
                box["errors"].append(f"dns: {e}")

    fwd80, fwd_nc = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    ready = threading.Event()

    def at_ready():  # the guest's httpd is up: curl it, then end the script through nc -l
        if not ready.wait(a.timeout):
            return
        try:
            def curl(path):
                return subprocess.run(["curl", "-sS", "--max-time", "120",
                                       f"http://127.0.0.1:{fwd80}{path}"],
                                      capture_output=True, timeout=150)
            r = curl("/data.txt")
            box["curl"] = (r.returncode, hashlib.sha256(r.stdout).hexdigest(), len(r.stdout),
                           r.stderr.decode(errors="replace"))
            r = curl("/cgi-bin/hello.sh?tessera")
            box["cgi"] = (r.returncode, r.stdout)
        except (OSError, subprocess.SubprocessError) as e:
            box["errors"].append(f"curl: {e}")
        try:
            with socket.create_connection(("127.0.0.1", fwd_nc), timeout=30) as s:
                s.sendall(b"done\n")
        except OSError as e:
            box["errors"].append(f"nc -l: {e}")
            stop.set()

    def on_line(text):
        if text.strip() == "== ready":
            ready.set()

    threads = [threading.Thread(target=f, daemon=True)
               for f in (nc_peer, httpd.serve_forever, dns_server, at_ready)]
    for t in threads:
        t.start()
    fwd = f"hostfwd=tcp:127.0.0.1:{fwd80}-:80,hostfwd=tcp:127.0.0.1:{fwd_nc}-:7777"
    cmd = f"poweroff init.run=bin/busybox,sh,/netapps.sh,{ncl.getsockname()[1]},{http_port},{dns_port}"
    r = qemu.boot(None, direct=True, timeout=a.timeout, mem="256M", cmdline=cmd,
                  extra=["-netdev", f"user,id=n0,{fwd}", "-device", NIC],
                  on_line=on_line, stop=stop)
    ready.set()
    stop.set()
    httpd.shutdown()
    for t in threads:
        t.join(10)
    errs = list(box["errors"])
    got = sections(r.serial_text)
    for name, want in EXPECT.items():
        want = want.replace("DNSPORT", str(dns_port))
        have = mask(name, got.get(name, "(missing)\n"))
        if have != want:
            errs.append(f"section {name}:\n--- want\n{want}--- got\n{have}---")
    if box["nc"] != b"hello from tessera\n":
        errs.append(f"nc sent {box['nc']!r}")
    if box["curl"] is None or box["curl"][:3] != (0, hashlib.sha256(DATA).hexdigest(), len(DATA)):
        errs.append(f"curl of httpd's data.txt: {box['curl']}")
    if box["cgi"] != (0, b"cgi: tessera\n"):
        errs.append(f"curl of httpd's CGI: {box['cgi']}")
    if "end" not in got:
        errs.append("the script did not end")
    if not r.powered_off:
        errs.append(f"did not power off (exit {r.exit_code}, timed out {r.timed_out})")
    for name in got:
        print(f"== {name}\n{got[name]}", end="")
    for e in errs:
        print("FAIL:", e)
    print(f"log: {r.log_path}, {r.elapsed:.1f} s")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
