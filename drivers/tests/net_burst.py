"""net_burst.py: a burst of malformed frames at exo's packet filters, from the host's side of a tap.

virtio_tap_test.py runs it during its boot. The guest (vionettest's
nf_burst_of_malformed_frames_dropped_the_rest_delivered, apps/tests/test_virtio_net.c) turns
the filters on (10.0.3.2, the default env, UDP port BURST_PORT claimed), registers its ring and
sends "burst ready" to BURST_CTL here. Then this writes straight onto the tap with a raw packet
socket: frames of each malformed class (truncated IPv4/IPv6/UDP/TCP headers, IP total lengths
past the frame or under the header, IHL under 5, UDP lengths wrong, IPv4 and IPv6 fragments
first and later, VLAN tags, IPv6 payload lengths 0 or past the frame, oversize frames), frames
with bad IP and UDP checksums (which exo delivers: it does not check checksums), random bytes,
then valid datagrams to the port, each of which the guest sends back here, and "burst done".

What exo must make of each frame is computed here by `verdict`, a copy of exo's parser
(exo/net_filter.c) written again from its rules; every generated frame is judged both as sent
and padded to Ethernet's 60 bytes (a device may pad short frames), and only frames whose
verdict does not depend on that are used. The guest prints exo's counters over the burst and
what came into its ring; `check` compares them with the counts here, exactly. Delivered frames
are sent in groups the one-page ring holds, each once the guest has said ("burst drained N":
exo had received N frames of the burst when it found its ring empty) that it took the last, so the ring never fills (a full ring would be counted separately, and
must stay 0); malformed ones never reach a ring and go 100 at a time with a short pause, so
the tap's queue never drops (its tx_dropped is checked).
"""
import os
import random
import re
import socket
import struct
import threading
import time

# Shared with apps/tests/test_virtio_net.c (BURST_* there).
GUEST_IP, HOST_IP = "10.0.3.2", "10.0.3.1"
GUEST_MAC = bytes.fromhex("525400123457")
BURST_PORT, BURST_CTL, UNCLAIMED, BURST_SPORT = 47001, 47000, 47002, 47003
VALID, DONE = b"burst valid ", b"burst done"
N_VALID = 20
LINK_MAX = 1514          # exo drops longer frames as malformed (the link's MTU)
DEVICE_MAX = 2048 - 12   # longer ones do not fit exo's receive buffer: the device drops them
RING_GROUP = 2040        # ring bytes of delivered frames in a group the guest drains before the
                         # next: records never wrap, so from an empty ring whose tail is at p,
                         # max(4080 - p, p) >= 2040 bytes are free in one piece

DROP, DEFAULT, PORT = "drop", "default", "port"


def be16(b, o):
    return struct.unpack_from("!H", b, o)[0]


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(w for (w,) in struct.iter_unpack("!H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


# --- exo's verdict, from its rules (exo/net_filter.c, docs/concepts/packet-filters.md) ---------

def _l4(proto, b, n):
    if proto == 17:
        if n < 8 or be16(b, 4) < 8 or be16(b, 4) > n:
            return DROP, None
    elif proto == 6:
        if n < 20:
            return DROP, None
        off = (b[12] >> 4) * 4
        if off < 20 or off > n:
            return DROP, None
    else:
        return DEFAULT, None
    return "ports", be16(b, 2)


def verdict(f):
    """DROP, DEFAULT or PORT (UDP BURST_PORT on GUEST_IP: the guest's claim), as exo decides."""
    if len(f) > LINK_MAX:
        return DROP
    if len(f) < 14:
        return DROP
    et = be16(f, 12)
    ip = f[14:]
    if et == 0x0800:
        if len(ip) < 20 or ip[0] >> 4 != 4:
            return DROP
        hl, total = (ip[0] & 15) * 4, be16(ip, 2)
        if hl < 20 or total < hl or total > len(ip) or be16(ip, 6) & 0x3fff:
            return DROP
        k, dport = _l4(ip[9], ip[hl:total], total - hl)
        if k == "ports" and ip[9] == 17 and dport == BURST_PORT and \
                ip[16:20] == socket.inet_aton(GUEST_IP):
            return PORT
        return DROP if k == DROP else DEFAULT
    if et == 0x86dd:
        if len(ip) < 40 or ip[0] >> 4 != 6:
            return DROP
        plen = be16(ip, 4)
        if not plen or plen > len(ip) - 40 or ip[6] == 44:
            return DROP
        k, _ = _l4(ip[6], ip[40:40 + plen], plen)
        return DROP if k == DROP else DEFAULT  # the guest has no IPv6 address: no claim matches
    if et in (0x8100, 0x88a8, 0x9100):
        return DROP
    return DEFAULT


def guest_sees(f):
    """How the guest counts a frame in its ring: (to our port, checksums right), as its to_us and
    nf_checksums_right (apps/tests/netframe.c) judge."""
    if len(f) < 42 or be16(f, 12) != 0x0800 or f[14] != 0x45 or f[23] != 17 or \
            f[30:34] != socket.inet_aton(GUEST_IP) or be16(f, 36) != BURST_PORT:
        return False, False
    ip = f[14:]
    if csum(ip[:20]) != 0:
        return True, False
    ulen = be16(ip, 24)
    if ulen < 8 or 14 + 20 + ulen > len(f) or be16(ip, 26) == 0:
        return True, False
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
    return True, csum(pseudo + ip[20:20 + ulen]) == 0


# --- frames ----------------------------------------------------------------------------------

class Frames:
    def __init__(self, host_mac, rng):
        self.host_mac, self.r = host_mac, rng

    def eth(self, et, payload, dst=GUEST_MAC):
        return dst + self.host_mac + struct.pack("!H", et) + payload

    def ip4(self, proto, l4, total=None, ihl=5, frag=0, good=True, dst=GUEST_IP):
        opts = bytes(max(0, ihl - 5) * 4)
        hl = 20 + len(opts)
        if total is None:
            total = hl + len(l4)
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total & 0xffff, self.r.getrandbits(16),
                        frag, 64, proto, 0, socket.inet_aton(HOST_IP), socket.inet_aton(dst))
        h += opts
        c = csum(h) if ihl >= 5 else 0
        if not good:
            c ^= 0x1111
        return h[:10] + struct.pack("!H", c) + h[12:] + l4

    def udp(self, dport, data, sport=BURST_SPORT, length=None, good=True, dst=GUEST_IP):
        ulen = 8 + len(data) if length is None else length
        u = struct.pack("!HHHH", sport, dport, ulen & 0xffff, 0) + data
        pseudo = socket.inet_aton(HOST_IP) + socket.inet_aton(dst) + \
            struct.pack("!BBH", 0, 17, 8 + len(data))
        c = csum(pseudo + u) or 0xffff
        if not good:
            c ^= 0x0f0f
        return u[:6] + struct.pack("!H", c) + u[8:]

    def tcp(self, dport, data=b"", doff=5):
        return struct.pack("!HHIIBBHHH", BURST_SPORT, dport, 1, 0, doff << 4, 0x02, 65535, 0,
                           0) + bytes(max(0, doff - 5) * 4) + data

    def ip6(self, nh, payload, plen=None):
        src = bytes.fromhex("fe80000000000000") + bytes(7) + b"\x01"
        dst = bytes.fromhex("fe80000000000000") + bytes(7) + b"\x02"
        pl = len(payload) if plen is None else plen
        return struct.pack("!IHBB", 0x60000000, pl & 0xffff, nh, 64) + src + dst + payload

    def data(self, lo=0, hi=200):
        return bytes(self.r.randrange(1, 256) for _ in range(self.r.randrange(lo, hi + 1)))

    def udp_frame(self, dport=BURST_PORT, lo=0, hi=200, **kw):
        return self.eth(0x0800, self.ip4(17, self.udp(dport, self.data(lo, hi)), **kw))


def malformed_classes(fr):
    """{class: [frames]}: each frame one exo must drop as malformed."""
    r = fr.r
    c = {}
    c["truncated IPv4 header"] = [fr.eth(0x0800, fr.ip4(17, b"", total=1000)[:k])
                                  for k in (list(range(0, 20)) * 10)]
    c["truncated IPv6 header"] = [fr.eth(0x86dd, fr.ip6(17, bytes(1000))[:k])
                                  for k in (list(range(0, 40)) * 5)]
    c["IPv4 total length past the frame"] = []
    for _ in range(300):
        d = fr.data(30)
        c["IPv4 total length past the frame"].append(
            fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, d), total=28 + len(d) + r.randrange(1, 600))))
    c["IPv4 total length under the header"] = [
        fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, fr.data(30)), total=t))
        for t in list(range(0, 20)) * 5]
    c["IPv4 IHL under 5"] = [fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, fr.data(30)), ihl=i))
                             for i in list(range(0, 5)) * 40]
    c["UDP length wrong"] = []
    for i in range(300):
        d = fr.data(30)
        ln = r.randrange(0, 8) if i % 2 else 8 + len(d) + r.randrange(1, 500)
        c["UDP length wrong"].append(fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, d, length=ln))))
    c["truncated UDP header"] = [fr.eth(0x0800, fr.ip4(17, bytes(k))) + bytes(60)
                                 for k in list(range(0, 8)) * 20]
    c["truncated TCP header"] = [fr.eth(0x0800, fr.ip4(6, fr.tcp(BURST_PORT)[:k])) + bytes(60)
                                 for k in list(range(0, 20)) * 8]
    c["TCP data offset wrong"] = []
    for d in [0, 1, 2, 3, 4, 15] * 25:  # 15: 60 bytes of header, past the packet
        t = fr.tcp(BURST_PORT, fr.data(0, 20))
        c["TCP data offset wrong"].append(fr.eth(0x0800, fr.ip4(6, t[:12] + bytes([d << 4]) + t[13:])))
    c["IPv4 first fragment"] = [fr.udp_frame(lo=30, frag=0x2000) for _ in range(200)]
    c["IPv4 later fragment"] = [fr.udp_frame(lo=30, frag=r.choice([0, 0x2000]) | r.randrange(1, 0x2000))
                                for _ in range(200)]
    c["IPv6 fragment"] = [fr.eth(0x86dd, fr.ip6(44, struct.pack("!BBHI", 17, 0,
                                                                 r.choice([1, 8 << 3, 9 << 3 | 1]),
                                                                 r.getrandbits(32)) +
                                                fr.udp(BURST_PORT, fr.data(30))))
                          for _ in range(200)]
    c["IPv6 payload length 0 or past the frame"] = []
    for i in range(150):
        u = fr.udp(BURST_PORT, fr.data(30))
        c["IPv6 payload length 0 or past the frame"].append(
            fr.eth(0x86dd, fr.ip6(17, u, plen=0 if i % 3 == 0 else len(u) + r.randrange(1, 2000))))
    c["VLAN-tagged"] = [fr.eth(et, struct.pack("!HH", r.randrange(0, 4096), 0x0800) +
                               fr.ip4(17, fr.udp(BURST_PORT, fr.data(30))))
                        for et in [0x8100, 0x88a8, 0x9100] * 70]
    c["oversize (1515..2036 bytes)"] = [fr.udp_frame(lo=LINK_MAX - 42 + 1, hi=DEVICE_MAX - 42)
                                        for _ in range(100)]
    return c


def delivered_classes(fr):
    """{class: [frames]}: frames exo delivers (checksums are the stacks' to check)."""
    c = {}
    c["bad IPv4 header checksum"] = [fr.udp_frame(good=False) for _ in range(150)]
    bad_udp = []
    for _ in range(150):
        bad_udp.append(fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, fr.data(), good=False))))
    c["bad UDP checksum"] = bad_udp
    c["bad checksums, unclaimed port (default env)"] = [
        fr.eth(0x0800, fr.ip4(17, fr.udp(UNCLAIMED, fr.data(), good=False), good=False))
        for _ in range(100)]
    return c


def random_frames(fr, n):
    out = []
    while len(out) < n:
        et = fr.r.choice([0x0800] * 5 + [0x86dd] * 3 + [fr.r.getrandbits(16), 0x0806])
        body = bytes(fr.r.getrandbits(8) for _ in range(fr.r.randrange(46, LINK_MAX - 14 + 1)))
        if et == 0x0800 and fr.r.random() < 0.5:
            body = b"\x45" + body[1:]  # a version and IHL that parse, for deeper paths
        f = fr.eth(et, body)
        if stable(f):
            out.append(f)
    return out


def padded(f):
    return f + bytes(60 - len(f)) if len(f) < 60 else f


def stable(f):
    """Whether exo's verdict and the guest's count are the same with a device's padding."""
    return verdict(f) == verdict(padded(f)) and \
        (verdict(f) == DROP or guest_sees(f) == guest_sees(padded(f)))


def ring_bytes(f):
    return 4 + ((len(f) + 3) & ~3)


class Burst(threading.Thread):
    """Waits for the guest's "burst ready", sends the burst, then the valid datagrams and "done";
    collects what the guest sends back. `expect` and `sent` are filled as it goes."""

    def __init__(self, tap, seed=15):
        super().__init__(daemon=True)
        self.tap = tap
        self.ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.ctl.bind((HOST_IP, BURST_CTL))
        self.r = random.Random(seed)
        self.error = None
        self.ready = False
        self.classes = {}    # class -> count sent
        self.expect = {}     # the guest's numbers
        self.valid = []      # payloads of the valid datagrams
        self.back = []       # payloads the guest sent back
        self.tap_dropped = None
        self.drained = 0     # frames exo had received when the guest last found its ring empty

    def stat(self, name):
        with open(f"/sys/class/net/{self.tap}/statistics/{name}") as fh:
            return int(fh.read())

    def run(self):
        try:
            self._run()
        except Exception as e:  # reported by check()
            self.error = f"{type(e).__name__}: {e}"

    def _run(self):
        self.ctl.settimeout(200)
        data, _ = self.ctl.recvfrom(2048)
        if data != b"burst ready":
            raise RuntimeError(f"first datagram from the guest was {data[:40]!r}")
        self.ready = True
        with open(f"/sys/class/net/{self.tap}/address") as fh:
            host_mac = bytes.fromhex(fh.read().strip().replace(":", ""))
        fr = Frames(host_mac, self.r)
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        tx.bind((self.tap, 0))
        dropped0 = self.stat("tx_dropped")

        frames = []  # (class, frame)
        malformed = malformed_classes(fr)
        for name, fs in malformed.items():
            frames += [(name, f) for f in fs]
        for name, fs in delivered_classes(fr).items():
            if any(verdict(f) == DROP for f in fs):
                raise RuntimeError(f"{name}: a frame meant delivered that exo would drop")
            frames += [(name, f) for f in fs]
        frames += [("random bytes", f) for f in random_frames(fr, 1000)]
        frames += [("oversize (past the device's buffer)",
                    fr.udp_frame(lo=DEVICE_MAX - 42 + 1, hi=3900)) for _ in range(50)]
        self.r.shuffle(frames)

        received = delivered = dropped = to_port = bad = 0
        group = 0
        for name, f in frames:
            if len(f) <= DEVICE_MAX and not stable(f):
                raise RuntimeError(f"{name}: a frame whose verdict depends on padding")
            self.classes[name] = self.classes.get(name, 0) + 1
            if len(f) > DEVICE_MAX:
                tx.send(f)
                continue  # never reaches exo
            v = verdict(f)
            if v == DROP:
                tx.send(f)
                received += 1
                dropped += 1
                if received % 100 == 0:
                    time.sleep(0.005)  # the tap's queue and exo's 64 buffers keep up
                continue
            if name in malformed:
                raise RuntimeError(f"{name}: a frame meant malformed that exo would deliver")
            if group + ring_bytes(f) > RING_GROUP:
                self.wait_drained(received)  # the guest drained the groups before this one
                group = 0
            group += ring_bytes(f)
            tx.send(f)
            received += 1
            delivered += 1
            p, right = guest_sees(f)
            to_port += p
            bad += p and not right
        self.wait_drained(received)
        for i in range(N_VALID):
            payload = VALID + f"{i} ".encode() + fr.data(0, 1300 - 20)
            self.valid.append(payload)
            f = fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, payload)))
            tx.send(f)
            received += 1
            delivered += 1
            to_port += 1
            self.wait_drained(received)
        f = fr.eth(0x0800, fr.ip4(17, fr.udp(BURST_PORT, DONE)))
        tx.send(f)
        received += 1
        delivered += 1
        to_port += 1
        self.tap_dropped = self.stat("tx_dropped") - dropped0
        self.expect = {"received": received, "delivered": delivered, "malformed": dropped,
                       "no-ring": 0, "ring-full": 0, "drops": 0, "to port": to_port,
                       "bad checksum": bad, "valid": N_VALID, "other": delivered - to_port}
        deadline = time.monotonic() + 20
        while len(self.back) < N_VALID and time.monotonic() < deadline:
            self.take(deadline)

    def take(self, deadline):
        """One datagram from the guest: a valid one sent back, or how many it drained."""
        self.ctl.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, _ = self.ctl.recvfrom(2048)
        except socket.timeout:
            return
        if data.startswith(VALID):
            self.back.append(data)
        elif data.startswith(b"burst drained "):
            self.drained = max(self.drained, int(data[14:]))

    def wait_drained(self, n):
        """Until the guest's ring was empty with exo having received n frames of the burst (30 s
        at most; the counts are checked after)."""
        deadline = time.monotonic() + 30
        while self.drained < n and time.monotonic() < deadline:
            self.take(deadline)
        if self.drained < n:
            print(f"burst: exo received {self.drained} frames, {n} sent", flush=True)


LINE = re.compile(r"vionettest: burst: exo received (\d+) delivered (\d+) malformed (\d+) "
                  r"no-ring (\d+) ring-full (\d+); ring drops (\d+); to port (\d+) "
                  r"\(bad checksum (\d+), valid (\d+)\), other (\d+)")
KEYS = ["received", "delivered", "malformed", "no-ring", "ring-full", "drops", "to port",
        "bad checksum", "valid", "other"]


def check(b, text, check_fn):
    """The burst's checks, after the boot, through check_fn(cond, what)."""
    check_fn(b.ready and b.error is None, "the burst ran: " + (b.error or "guest ready, all sent"
                                                                if b.ready else "no 'burst ready'"))
    if not b.ready:
        return
    sent = sum(b.classes.values())
    print(f"burst: {sent} frames sent in {len(b.classes)} classes:")
    for name, n in sorted(b.classes.items()):
        print(f"  {n:5d} {name}")
    check_fn(b.tap_dropped == 0, f"the tap dropped none of them ({b.tap_dropped})")
    m = LINE.search(text)
    got = dict(zip(KEYS, map(int, m.groups()))) if m else {}
    for k in KEYS:
        check_fn(got.get(k) == b.expect.get(k),
                 f"burst: {k}: guest/exo {got.get(k)}, expected {b.expect.get(k)}")
    check_fn(b.back == b.valid, f"the {N_VALID} valid datagrams came back byte for byte "
                                f"({sum(1 for x, y in zip(b.back, b.valid) if x == y)} same)")
    check_fn("vionettest: burst: echo after the burst came back" in text,
             "an echo after the burst")
