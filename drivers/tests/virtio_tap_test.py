#!/usr/bin/env python3
"""virtio_tap_test.py: the virtio-net driver against a tap device: multiqueue and checksum offload.

QEMU's user network offers neither multiqueue nor checksum offload; a tap backend offers both.
This script (as root) makes a fresh network namespace, and in it a multi-queue tap at
10.0.3.1/24 with a UDP echo server bound there, then boots Tessera (PVH direct boot) inside the
namespace with

  -netdev tap,ifname=TAP,queues=2,vhost=off -device virtio-net-pci,mq=on,vectors=6,...

and init runs `vionettest` (apps/tests/test_virtio_net.c): the device must offer and accept
MQ, CTRL_VQ, CSUM and GUEST_CSUM; the driver switches it to two queue pairs through the
control queue (acked OK), ARPs for 10.0.3.1 (the host kernel answers), and sends UDP on pair 0
and on pair 1 with the checksum left to the device; every echo's checksums are verified in the
guest, and which pair it came in on and the device's checksum flags are printed.

Here, besides the guest's verdicts: the echo server got exactly the datagrams sent, and a
packet socket on the tap saw each of them with a UDP checksum that is right. (The host kernel
drops a UDP datagram whose checksum is wrong, but one that reaches it from the tap with the
checksum still partial, as the guest left it, is trusted as is; so the capture completes a
partial checksum the way the device's offload would, and checks that the result is right.)

After those, in the same boot, vionettest turns exo's packet filters on and net_burst.py writes
a burst of several thousand malformed, bad-checksum and random frames onto the tap (with a raw
packet socket), then valid datagrams: exo's counters over the burst must match what was sent of
each class exactly, the valid datagrams come back byte for byte, an echo after it works. The tap
has IPv6 off (nothing of the host's own reaches the guest meanwhile), an MTU of 4000 (oversize
frames) and a queue of 10000.

The namespace is always deleted at the end, pass or fail. If it or the tap cannot be made
(not root, no /dev/net/tun, no `ip`), the test FAILS with one line saying why.

Usage: virtio_tap_test.py (as root); `virtio_tap_test.py --inside NS TAP` is the half inside the
namespace, which the first half starts through `ip netns exec`.
"""
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "build"))
sys.path.insert(0, HERE)
from virtio_boot_test import UdpEcho  # noqa: E402
import net_burst  # noqa: E402

# Shared with apps/tests/test_virtio_net.c (VN_* there).
HOST_IP, GUEST_IP, PREFIX = "10.0.3.1", "10.0.3.2", 24
GUEST_MAC = "52:54:00:12:34:57"
PAIRS, DATAGRAMS = 2, 4
MSG = "vionettest pair {p} datagram {d}: checksum left to the device"
LAST_MSG = "vionettest back on one pair"
TAP = "tsrtap0"
NS_PREFIX = "tessera-tap-"
TEST_SOURCE = os.path.join(HERE, "..", "..", "apps", "tests", "test_virtio_net.c")

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 1 << 3
PACKET_OUTGOING = 4


def expected_payloads():
    return [MSG.format(p=p, d=d).encode() for p in range(PAIRS) for d in range(DATAGRAMS)] + \
        [LAST_MSG.encode()]


def ip_cmd(*args, ns=None):
    """Runs `ip [-n ns] args`: (ok, stderr's first line)."""
    argv = ["ip"] + (["-n", ns] if ns else []) + list(args)
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    err = (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[0]
    return r.returncode == 0, err


def sum16(b, s=0):
    if len(b) & 1:
        b = b + b"\0"
    for (w,) in struct.iter_unpack("!H", b):
        s += w
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def udp_checksum_right(frame, partial):
    """Whether an Ethernet/IPv4/UDP frame's UDP checksum is right; with `partial` (the kernel's
    CHECKSUM_PARTIAL: the field still holds the pseudo-header sum) it is first completed, as the
    device's offload does: the sum of everything from the UDP header on, inverted."""
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    ulen = struct.unpack("!H", ip[ihl + 4:ihl + 6])[0]
    udp = bytearray(ip[ihl:ihl + ulen])
    if len(udp) != ulen:
        return False
    if partial:
        c = (~sum16(bytes(udp))) & 0xffff
        udp[6:8] = struct.pack("!H", c or 0xffff)
    if udp[6:8] == b"\0\0":
        return False  # no checksum at all: not what was asked of the device
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
    return sum16(pseudo + bytes(udp)) == 0xffff


class Capture(threading.Thread):
    """Every frame the guest sends through the tap, with whether its checksum was left partial
    (PACKET_AUXDATA's TP_STATUS_CSUMNOTREADY)."""

    def __init__(self, ifname):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.sock.bind((ifname, 0))
        self.frames = []  # (frame, partial)

    def run(self):
        while True:
            try:
                data, anc, _, addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(64))
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue  # the host's own frames to the guest
            status = 0
            for level, kind, payload in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and len(payload) >= 4:
                    status = struct.unpack("=I", payload[:4])[0]
            self.frames.append((data, bool(status & TP_STATUS_CSUMNOTREADY)))


def inside(ns, tap):
    """The half inside the namespace: echo server, capture, the boot, the checks."""
    import qemu  # noqa: E402  (after sys.path)

    def on_term(signum, frame):
        raise SystemExit(1)  # through qemu.boot's cleanup, which kills QEMU
    signal.signal(signal.SIGTERM, on_term)
    failed = []

    def check(cond, what):
        print(("ok: " if cond else "FAIL: ") + what, flush=True)
        if not cond:
            failed.append(what)

    # Nothing of the host's own on the tap while the burst is counted (IPv6's router and
    # listener solicitations would be frames for the guest's default env).
    with open(f"/proc/sys/net/ipv6/conf/{tap}/disable_ipv6", "w") as fh:
        fh.write("1")
    udp = UdpEcho(HOST_IP)
    udp.start()
    cap = Capture(tap)
    cap.start()
    burst = net_burst.Burst(tap)
    burst.start()
    extra = ["-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no,queues={PAIRS},"
                        "vhost=off",
             "-device", f"virtio-net-pci,netdev=n0,mq=on,vectors={2 * PAIRS + 2},"
                        f"mac={GUEST_MAC},disable-legacy=on"]
    r = qemu.boot(None, direct=True, cmdline=f"poweroff init.vionettest={udp.port}",
                  timeout=300, extra=extra)
    text = r.serial_text
    for line in text.splitlines():
        if line.startswith("vionettest:") or "virtio: dev" in line:
            print(f"  guest: {line}")
    if r.stderr_text.strip():
        print("  qemu stderr: " + r.stderr_text.strip().replace("\n", "\n  qemu stderr: "))
    m = re.search(r"^vionettest: offered (0x[0-9a-f]+) accepted (0x[0-9a-f]+), (\d+) pairs "
                  r"\((\d+) usable\)", text, re.M)
    if m:
        print(f"device offered {m.group(1)}, driver accepted {m.group(2)}")
    check(m is not None and int(m.group(4)) == PAIRS,
          f"the driver can use {PAIRS} pairs ("
          + (f"{m.group(4)} of {m.group(3)}: exo did not hand out the second pair's queues and "
             "the control queue" if m and int(m.group(4)) != PAIRS else
             "no report from the guest" if not m else "and the control queue") + ")")
    names = sorted(set(re.findall(r"^VIONETTEST\((\w+)\)", open(TEST_SOURCE).read(), re.M)))
    for n in names:
        check(f"vionettest: {n}: ok" in text, f"in-guest test {n}")
    check(f"vionettest: {len(names)} passed, 0 failed" in text,
          f"vionettest summary: {len(names)} passed")
    check("panic" not in text and "EXCEPTION" not in text, "no panic, no exception in exo")
    check(r.exit_code == 0 and r.powered_off, f"clean power-off (exit {r.exit_code})")

    want = expected_payloads()
    want.append(b"vionettest after the burst")
    check(sorted(udp.got) == sorted(want),
          f"the echo server got exactly the {len(want)} datagrams sent ({len(udp.got)} came)")
    seen = {}  # payload -> [(checksum right, was partial)]
    for frame, partial in cap.frames:
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 15) * 4
        if socket.inet_ntoa(frame[30:34]) != HOST_IP or \
                struct.unpack("!H", frame[14 + ihl + 2:14 + ihl + 4])[0] != udp.port:
            continue
        payload = frame[14 + ihl + 8:14 + struct.unpack("!H", frame[16:18])[0]]
        seen.setdefault(payload, []).append((udp_checksum_right(frame, partial), partial))
    bad = [p for p in want if not seen.get(p) or not all(ok for ok, _ in seen[p])]
    npartial = sum(1 for p in want for _, part in seen.get(p, []) if part)
    check(not bad, f"every datagram crossed the tap with a right UDP checksum "
                   f"({npartial} of {len(want)} still partial there, completed here)"
                   + (f"; wrong or missing: {bad[:2]}" if bad else ""))
    burst.join(timeout=30)
    net_burst.check(burst, text, check)
    print(f"serial log: {r.log_path}")
    print(f"{len(failed)} failed")
    return 1 if failed else 0


def stale_namespaces():
    """Namespaces an earlier run of this script left behind (its process is gone)."""
    try:
        out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = []
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.fullmatch(re.escape(NS_PREFIX) + r"(\d+)-[0-9a-f]+", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            names.append(name)
    return names


def outside():
    """Makes the namespace and the tap, runs the other half inside, always deletes them."""

    def fail(why):
        print(f"FAIL: {why}", flush=True)
        print("1 failed")
        return 1

    if os.geteuid() != 0:
        return fail("a tap in a network namespace needs root (this runs as uid "
                    f"{os.geteuid()})")
    if not os.path.exists("/dev/net/tun"):
        return fail("/dev/net/tun does not exist: no tap devices on this host")
    for old in stale_namespaces():
        ip_cmd("netns", "del", old)
    ns = f"{NS_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"

    def on_term(signum, frame):
        raise SystemExit(f"killed by signal {signum}")
    signal.signal(signal.SIGTERM, on_term)

    made_flag = []
    rc = 1
    try:
        rc = in_namespace(ns, fail, lambda: made_flag.append(1))
    finally:
        if made_flag:
            ip_cmd("tuntap", "del", "dev", TAP, "mode", "tap", "multi_queue", ns=ns)
            ok, err = ip_cmd("netns", "del", ns)
            if not ok:
                print(f"FAIL: cannot delete network namespace {ns}: {err}", flush=True)
                rc = 1
    return rc


def stop(proc):
    """Ends the inner half: SIGTERM first, so it kills its QEMU (its own session) on the way."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def in_namespace(ns, fail, made):
    ok, err = ip_cmd("netns", "add", ns)
    if not ok:
        return fail(f"cannot create network namespace {ns}: {err}")
    made()
    steps = [
        (("link", "set", "lo", "up"), "bring up lo"),
        (("tuntap", "add", "dev", TAP, "mode", "tap", "multi_queue"),
         f"create multi_queue tap {TAP}"),
        (("addr", "add", f"{HOST_IP}/{PREFIX}", "dev", TAP), f"give {TAP} {HOST_IP}"),
        (("link", "set", TAP, "mtu", "4000", "txqueuelen", "10000"),
         f"let {TAP} carry net_burst.py's oversize frames and queue its burst"),
        (("link", "set", TAP, "up"), f"bring up {TAP}"),
        (("neigh", "replace", GUEST_IP, "lladdr", GUEST_MAC, "dev", TAP, "nud", "permanent"),
         f"add the guest's neighbour entry on {TAP}"),
    ]
    for args, what in steps:
        ok, err = ip_cmd(*args, ns=ns)
        if not ok:
            return fail(f"cannot {what} in namespace {ns}: {err}")
    print(f"namespace {ns}: {TAP} {HOST_IP}/{PREFIX}, multi_queue", flush=True)
    proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                             os.path.abspath(__file__), "--inside", ns, TAP],
                            stdin=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=380)
    except subprocess.TimeoutExpired:
        return fail("the boot inside the namespace did not end in 380 s")
    finally:
        stop(proc)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        return inside(sys.argv[2], sys.argv[3])
    if len(sys.argv) > 1:
        print("usage: virtio_tap_test.py (as root)", file=sys.stderr)
        return 2
    return outside()


if __name__ == "__main__":
    sys.exit(main())
