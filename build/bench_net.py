#!/usr/bin/env python3
"""bench_net.py: `./tessera bench net`. TCP and UDP between the host and two guests on the same
QEMU machine, side by side in one run: Linux (Debian's kernel, /init = apps/bench/netbench.c
built by gcc -static, loading virtio_pci and virtio_net from /modules, eth0 10.0.2.15/24) and
Tessera (exo.elf through PVH, `poweroff init.run=netbench`: the same source built by tessera-cc
as a native program, its sockets the libOS's). Both get the same NIC and network: virtio-net-pci
(modern only, one MAC) on QEMU user networking, with a hostfwd from a free host port on
127.0.0.1 to each of the guest's fixed ports (5201..5205; udp_echo's is UDP).

The guest serves; this script, once the guest prints "netbench: guest=G ready ops=...", drives
each listed operation in order with Python sockets and its own clock (time.perf_counter_ns):

    tcp_h2g      host -> guest: --size MiB (default 16), then the guest's count checked  MiB/s
    tcp_g2h      guest -> host: --size MiB asked for, every byte counted and checked      MiB/s
    tcp_echo     1000 round trips of 64 bytes (TCP_NODELAY both sides), each checked      us/rt
    udp_echo     1000 round trips of a 64-byte datagram (a lost one is sent again)        us/rt
    tcp_connect  200 connections: connect, the guest's "a", close                         conn/s

The guest prints its own clock for each (a "guest" row; the host's is the "host" row). Each
guest is booted --runs times (interleaved), medians are taken per guest, side and operation,
and a table gives Tessera/Linux ratios (with which way is better); results/net.csv
(bench_common.ENV_FIELDS on every row) and results/net.png. An operation a guest cannot do
(its socket could not be made) is "unsupported errno=E" in the table and the ratio column.

With --icount (-icount shift=0,sleep=off) the host's wall time means nothing (the guest's clock
is its instruction count, idle time jumps), so the table gives the guests' own figures; what
repeats and what does not is in docs/benchmarks.md ("bench net").

ctest build.bench_net (build/test_bench_net.py) compiles the Linux guest's source with -Werror,
puts canned serial logs and host measurements through parse, summarise, table and CSV with
exact values, and runs the guest program on the host against this script's driver (exact byte
and round-trip counts; no figure is asserted).
"""
import csv
import os
import re
import socket
import statistics
import sys
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

sys.dont_write_bytecode = True  # keep build/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_blk  # noqa: E402  (the Linux guest's kernel, modules and cpio)
import bench_common  # noqa: E402
import bench_rows  # noqa: E402  (the guests' kernels)
import qemu  # noqa: E402

MEM = "256M"
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
TESSERA_CMDLINE = "poweroff init.run=netbench"
SRC = os.path.join(qemu.REPO, "apps", "bench", "netbench.c")
LINUX_MODULES = ["virtio_pci", "virtio_net"]  # Debian builds them as modules (=m)
GUESTS = ["linux", "tessera"]
# host: the host's wall clock; guest: the guest's CLOCK_MONOTONIC; busy: the guest's work
SIDES = ["host", "guest", "busy"]
OPS = ["tcp_h2g", "tcp_g2h", "tcp_echo", "udp_echo", "tcp_connect"]
GUEST_PORT_BASE = 5201  # apps/bench/netbench.c's PORT_BASE: op i listens on base + i
UDP_OPS = {"udp_echo"}
# op: (unit, which way is better)
UNITS = {"tcp_h2g": ("MiB/s", "higher"), "tcp_g2h": ("MiB/s", "higher"),
         "tcp_echo": ("us/rt", "lower"), "udp_echo": ("us/rt", "lower"),
         "tcp_connect": ("conn/s", "higher")}
# The busy side's unit: the guest's work per KiB, round trip or connection (lower is better;
# under icount a ns is a guest instruction).
BUSY_UNITS = {"tcp_h2g": "ns/KiB", "tcp_g2h": "ns/KiB", "tcp_echo": "ns/rt", "udp_echo": "ns/rt",
              "tcp_connect": "ns/conn"}
ECHO_MSG, ECHO_ROUNDS, UDP_ROUNDS, CONNECTS = 64, 1000, 1000, 200
NIC = "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"
NET_TIMEOUT = 60.0  # seconds any one host socket call may wait
UDP_WAIT, UDP_TRIES = 2.0, 5
DONE = "netbench: done"
CSV_COLUMNS = (["run", "guest", "side", "op", "count", "bytes", "ns", "value", "unit", "status"] +
               bench_common.ENV_FIELDS)

ROW_RE = re.compile(r"netbench: guest=([\w-]+) op=(\w+) count=(\d+) bytes=(\d+) ns=(\d+) "
                    r"busy_ns=(-?\d+) exo_calls=(-?\d+)")
MISSING_RE = re.compile(r"netbench: guest=([\w-]+) op=(\w+) (unsupported|failed) errno=(\d+)")
READY_RE = re.compile(r"netbench: guest=([\w-]+) ready ops=([\w,]*)")
KERNEL_RE = re.compile(r"netbench: kernel release=(\S+) version=(.*)")


# --- The guests ----------------------------------------------------------------------------------

def build_init(out: str) -> str:
    """gcc -static -O2 the Linux guest's /init (again when the source changed)."""
    return bench_common.static_exe(out, "netbench_linux", SRC)


def build_initramfs(out: str) -> Tuple[str, str]:
    """(vmlinuz, initramfs): /init = the static bench, /lib/*.ko listed in /modules."""
    kernel, mods = bench_blk.find_kernel()
    init = build_init(out)
    entries = [("dev", 0o40755, b"", 0), ("dev/console", 0o20600, b"", 5 << 8 | 1),
               ("init", 0o100755, open(init, "rb").read(), 0), ("lib", 0o40755, b"", 0),
               ("proc", 0o40555, b"", 0)]
    names = []
    for ko in bench_blk.module_files(mods, LINUX_MODULES):
        names.append("/lib/" + os.path.basename(ko))
        entries.append((names[-1][1:], 0o100644, open(ko, "rb").read(), 0))
    entries.append(("modules", 0o100644, "".join(n + "\n" for n in names).encode(), 0))
    path = os.path.join(out, "initramfs-net.cpio")
    with open(path + ".tmp", "wb") as f:
        f.write(bench_blk.cpio_newc(entries))
    os.replace(path + ".tmp", path)
    return kernel, path


def free_ports() -> Dict[str, int]:
    """A free host port on 127.0.0.1 per operation (UDP for udp_echo), for QEMU's hostfwd."""
    socks, ports = [], {}
    try:
        for op in OPS:
            s = socket.socket(socket.AF_INET,
                              socket.SOCK_DGRAM if op in UDP_OPS else socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports[op] = s.getsockname()[1]
    finally:
        for s in socks:
            s.close()
    return ports


def net_args(ports: Dict[str, int]) -> List[str]:
    """QEMU's network for either guest: user networking, a hostfwd per operation, virtio-net."""
    fwd = ",".join(f"hostfwd={'udp' if op in UDP_OPS else 'tcp'}:127.0.0.1:{ports[op]}-"
                   f":{GUEST_PORT_BASE + i}" for i, op in enumerate(OPS))
    return ["-netdev", f"user,id=n0,{fwd}", "-device", NIC]


# --- The host's side: one function per operation ----------------------------------------------

class HostError(Exception):
    pass


def _connect(port: int, host: str) -> socket.socket:
    s = socket.create_connection((host, port), timeout=NET_TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _recv_exact(s: socket.socket, n: int) -> bytes:
    got = b""
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            raise HostError(f"EOF after {len(got)} of {n} bytes")
        got += b
    return got


def _read_line(s: socket.socket) -> bytes:
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(64)
        if not b:
            raise HostError(f"EOF before a whole line ({got!r})")
        got += b
    return got


def _count(line: bytes, what: str) -> int:
    try:
        return int(line.strip())
    except ValueError:
        raise HostError(f"{what}: not a number: {line!r}") from None


def host_tcp_h2g(port: int, size: int, host: str = "127.0.0.1") -> dict:
    chunk = b"\x5a" * 65536
    t0 = time.perf_counter_ns()
    with _connect(port, host) as s:
        left = size
        while left:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n
        s.shutdown(socket.SHUT_WR)
        got = _count(_read_line(s), "guest's count")
        t1 = time.perf_counter_ns()
    if got != size:
        raise HostError(f"the guest counted {got} bytes of {size}")
    return {"count": 1, "bytes": size, "ns": t1 - t0}


def host_tcp_g2h(port: int, size: int, host: str = "127.0.0.1") -> dict:
    got = 0
    t0 = time.perf_counter_ns()
    with _connect(port, host) as s:
        s.sendall(f"{size}\n".encode())
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            if b.count(0x5a) != len(b):
                raise HostError(f"a byte other than 0x5a after {got} bytes")
            got += len(b)
        t1 = time.perf_counter_ns()
    if got != size:
        raise HostError(f"{got} bytes of {size} came")
    return {"count": 1, "bytes": size, "ns": t1 - t0}


def host_tcp_echo(port: int, rounds: int = ECHO_ROUNDS, host: str = "127.0.0.1") -> dict:
    with _connect(port, host) as s:
        t0 = time.perf_counter_ns()
        for i in range(rounds):
            msg = i.to_bytes(4, "little") * (ECHO_MSG // 4)
            s.sendall(msg)
            if _recv_exact(s, ECHO_MSG) != msg:
                raise HostError(f"round trip {i}: other bytes came back")
        t1 = time.perf_counter_ns()
    return {"count": rounds, "bytes": rounds * ECHO_MSG, "ns": t1 - t0}


def host_udp_echo(port: int, rounds: int = UDP_ROUNDS, host: str = "127.0.0.1") -> dict:
    """A datagram that does not come back within UDP_WAIT is sent again (UDP_TRIES at most);
    an echo of an earlier one is skipped. The guest's count, "END"'s answer, counts every
    datagram it echoed: rounds plus those of the ones sent again that reached it."""
    resent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(UDP_WAIT)
        s.connect((host, port))

        def ask(msg: bytes, ok: Callable[[bytes], bool]) -> bytes:
            nonlocal resent
            for attempt in range(UDP_TRIES):
                resent += attempt > 0
                s.send(msg)
                try:
                    while True:
                        b = s.recv(2048)
                        if ok(b):
                            return b
                except socket.timeout:
                    continue
            raise HostError(f"no answer to {msg[:8]!r} after {UDP_TRIES} tries")
        t0 = time.perf_counter_ns()
        for i in range(rounds):
            msg = i.to_bytes(4, "little") * (ECHO_MSG // 4)
            ask(msg, lambda b, m=msg: b == m)
        t1 = time.perf_counter_ns()
        end_resent = resent
        got = _count(ask(b"END", lambda b: b.endswith(b"\n")), "guest's count")
    if not rounds <= got <= rounds + end_resent:  # a datagram lost on its way in is not echoed
        raise HostError(f"the guest echoed {got} datagrams, {rounds} to {rounds + end_resent} "
                        f"expected")
    return {"count": rounds, "bytes": rounds * ECHO_MSG, "ns": t1 - t0}


def host_tcp_connect(port: int, connects: int = CONNECTS, host: str = "127.0.0.1") -> dict:
    t0 = time.perf_counter_ns()
    for i in range(connects):
        with _connect(port, host) as s:
            if _recv_exact(s, 1) != b"a":
                raise HostError(f"connection {i}: no greeting")
    t1 = time.perf_counter_ns()
    with _connect(port, host) as s:  # the last: tells the guest to stop
        _recv_exact(s, 1)
        s.sendall(b"END")
        if s.recv(16) != b"":
            raise HostError("the guest answered END")
    return {"count": connects, "bytes": connects, "ns": t1 - t0}


def drive(ops: List[str], ports: Dict[str, int], size: int,
          host: str = "127.0.0.1") -> Tuple[Dict[str, dict], Dict[str, str], bool]:
    """Each of ops (the guest's ready line, in order): (rows, missing, all went well). After a
    failure the rest is not tried: the guest still waits in the failed one."""
    funcs = {"tcp_h2g": lambda p: host_tcp_h2g(p, size, host),
             "tcp_g2h": lambda p: host_tcp_g2h(p, size, host),
             "tcp_echo": lambda p: host_tcp_echo(p, host=host),
             "udp_echo": lambda p: host_udp_echo(p, host=host),
             "tcp_connect": lambda p: host_tcp_connect(p, host=host)}
    rows: Dict[str, dict] = {}
    missing: Dict[str, str] = {}
    failed = None
    for op in ops:
        if op not in funcs:
            continue
        if failed:
            missing[op] = f"host: not tried after {failed} failed"
            continue
        try:
            rows[op] = funcs[op](ports[op])
        except (OSError, HostError) as e:
            missing[op] = f"host: {type(e).__name__}: {e}"
            failed = op
    return rows, missing, failed is None


# --- Rows, medians, table, CSV ---------------------------------------------------------------

def unit(op: str, side: str) -> Tuple[str, str]:
    """(unit, which way is better) of op's figures on side."""
    return (BUSY_UNITS[op], "lower") if side == "busy" else UNITS[op]


def value(op: str, count: int, nbytes: int, ns: int, side: str = "host") -> Optional[float]:
    """The figure of an operation in unit(op, side) from what was counted and the time it
    took (the busy side's ns: the guest's work)."""
    if ns <= 0 or count <= 0:
        return None
    u = unit(op, side)[0]
    if u == "ns/KiB":
        return ns / (nbytes / 1024)
    if u in ("ns/rt", "ns/conn"):
        return ns / count
    if u == "MiB/s":
        return nbytes / (1 << 20) / (ns / 1e9)
    if u == "us/rt":
        return ns / count / 1e3
    return count / (ns / 1e9)


def parse(text: str) -> dict:
    """{'rows': {(guest, op): {...}}, 'missing': {(guest, op): 'unsupported errno=97'},
    'ready': [ops] or None, 'done': bool, 'kernel': str or None} from the guest's lines; the
    host's side ('host', 'host_missing': {op: why}) is added by run_guest."""
    out = {"rows": {}, "missing": {}, "ready": None, "done": DONE in text, "kernel": None,
           "host": {}, "host_missing": {}}
    for m in ROW_RE.finditer(text):
        out["rows"][(m[1], m[2])] = {"count": int(m[3]), "bytes": int(m[4]), "ns": int(m[5]),
                                     "busy_ns": int(m[6]), "exo_calls": int(m[7])}
    for m in MISSING_RE.finditer(text):
        out["missing"][(m[1], m[2])] = f"{m[3]} errno={m[4]}"
    r = READY_RE.search(text)
    if r:
        out["ready"] = [o for o in r[2].split(",") if o]
    k = KERNEL_RE.search(text)
    if k:
        out["kernel"] = f"linux {k[1]} {k[2].strip()}"
    return out


def side_row(p: dict, g: str, side: str, op: str) -> Optional[dict]:
    """{count, bytes, ns} of op on side, or None."""
    if side == "host":
        return p["host"].get(op)
    r = p["rows"].get((g, op))
    if side == "busy":
        return dict(r, ns=r["busy_ns"]) if r and r["busy_ns"] >= 0 else None
    return r


def why_missing(runs: Dict[str, List[dict]], g: str, side: str, op: str) -> str:
    """The guest's reason first (an unsupported op has no host row either), then the host's."""
    for p in runs.get(g, []):
        if (g, op) in p["missing"]:
            return p["missing"][(g, op)]
        if side == "host" and op in p["host_missing"]:
            return p["host_missing"][op]
    if not runs.get(g):
        return "guest did not run"
    if not any(p["done"] for p in runs[g]):
        return "guest did not finish"
    if side == "busy" and any((g, op) in p["rows"] for p in runs[g]):
        return "busy_ns=-1"
    return "no row"


def summarise(runs: Dict[str, List[dict]]) -> Dict[Tuple[str, str, str], dict]:
    """{(guest, side, op): {'value': median, 'n': runs with the row}}."""
    med = {}
    for g in GUESTS:
        for side in SIDES:
            for op in OPS:
                vals = []
                for p in runs.get(g, []):
                    r = side_row(p, g, side, op)
                    v = value(op, r["count"], r["bytes"], r["ns"], side) if r else None
                    if v is not None:
                        vals.append(v)
                if vals:
                    med[(g, side, op)] = {"value": statistics.median(vals), "n": len(vals)}
    return med


def _fmt(v: float) -> str:
    return f"{v:,.1f}" if v < 1e5 else f"{v:,.0f}"


def table(med: Dict[Tuple[str, str, str], dict], runs: Dict[str, List[dict]],
          icount: bool) -> List[str]:
    """The host's figures, or under icount the guests' work (see the module's doc)."""
    side = "busy" if icount else "host"
    lines = [f"  {'operation':<12} {'unit':<10} {'linux':>11} {'tessera':>11} "
             f"{'tessera/linux':>13} {'better':>7}"]
    for op in OPS:
        u, better = unit(op, side)
        if icount:
            u = u.replace("ns/", "instr/")
        L, T = med.get(("linux", side, op)), med.get(("tessera", side, op))
        ls = _fmt(L["value"]) if L else "-"
        if T:
            ts = _fmt(T["value"])
        else:
            why = why_missing(runs, "tessera", side, op)
            ts = "unsupported" if why.startswith("unsupported") else "-"
        if L and T and L["value"]:
            ratio = f"x{T['value'] / L['value']:.2f}"
        else:
            ratio = "unsupported" if ts == "unsupported" else "-"
        note = ""
        if not T:
            note += f"  (tessera: {why_missing(runs, 'tessera', side, op)})"
        if not L:
            note += f"  (linux: {why_missing(runs, 'linux', side, op)})"
        lines.append(f"  {op:<12} {u:<10} {ls:>11} {ts:>11} {ratio:>13} {better:>7}{note}")
    return lines


def write_csv(path: str, runs: Dict[str, List[dict]], med: Dict[Tuple[str, str, str], dict],
              mode: str, env: "bench_common.Env", size_mib: int) -> None:
    """A comment line, the run's environment, then every run's rows (both sides) and the
    medians."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    kern = bench_rows.kernels(runs, GUESTS)
    with open(path, "w", newline="") as f:
        f.write(f"# netbench (apps/bench/netbench.c), {mode}, -m {MEM}, {NIC} on QEMU user "
                f"networking (hostfwd); {size_mib} MiB each way, {ECHO_ROUNDS} TCP and "
                f"{UDP_ROUNDS} UDP round trips of {ECHO_MSG} bytes, {CONNECTS} connections; "
                f"side host: the host's wall clock, guest: the guest's CLOCK_MONOTONIC, busy: "
                f"the guest's work (Linux: not idle; Tessera: the process's CPU time, pm's "
                f"TCP/IP not in it; guest instructions under icount); linux append '{LINUX_APPEND}', tessera "
                f"'{TESSERA_CMDLINE}'\n")
        f.write(env.comment(list(kern.values())))
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for g in GUESTS:
            tail = list(env.columns(kern[g]).values())
            for i, p in enumerate(runs.get(g, []), 1):
                for side in SIDES:
                    for op in OPS:
                        r = side_row(p, g, side, op)
                        v = value(op, r["count"], r["bytes"], r["ns"], side) if r else None
                        if r and v is not None:
                            w.writerow([i, g, side, op, r["count"], r["bytes"], r["ns"],
                                        round(v, 3), unit(op, side)[0], "ok"] + tail)
                        else:
                            w.writerow([i, g, side, op, "", "", "", "", unit(op, side)[0],
                                        why_missing({g: [p]}, g, side, op)] + tail)
            for side in SIDES:
                for op in OPS:
                    m = med.get((g, side, op))
                    if m:
                        w.writerow(["median", g, side, op, "", "", "", round(m["value"], 3),
                                    unit(op, side)[0], "ok"] + tail)
    print(f"wrote {path}")


def plot(med: Dict[Tuple[str, str, str], dict], csv_path: str, mode: str, icount: bool) -> None:
    side = "busy" if icount else "host"
    labels, values = [], []
    for op in OPS:
        for g in GUESTS:
            if (g, side, op) in med:
                u = unit(op, side)[0].replace("ns/", "instr/" if icount else "ns/")
                labels.append(f"{op} {g} ({u})")
                values.append(round(med[(g, side, op)]["value"], 1))
    xlabel = ("guest instructions per KiB, round trip or connection" if icount else
              "MiB/s, us per round trip or connections per second")
    what = "the guests' work" if icount else "host clock"
    bench_common.barh_png(labels, values, f"network, median ({mode}, {what})", xlabel,
                          csv_path, annotate=True)


# --- Boots ---------------------------------------------------------------------------------------

def run_guest(a, g: str, files: Optional[Tuple[str, str]], i: int) -> dict:
    """Boot guest g once; drive it from another thread once it says it is ready."""
    log = os.path.join(qemu.build_dir(), "logs", f"bench-net-{g}-{i}.log")
    ports = free_ports()
    ready, stop, finished = threading.Event(), threading.Event(), threading.Event()
    box: Dict[str, object] = {"rows": {}, "missing": {}}

    def on_line(text: str) -> None:
        m = READY_RE.search(text)
        if m and not ready.is_set():
            box["ops"] = [o for o in m[2].split(",") if o]
            ready.set()

    def driver() -> None:
        while not ready.wait(0.2):
            if finished.is_set():
                return
        rows, missing, ok = drive(box["ops"], ports, a.size << 20)
        box["rows"], box["missing"] = rows, missing
        if not ok:
            stop.set()  # the guest waits in the operation that failed: end it

    th = threading.Thread(target=driver, daemon=True)
    th.start()
    linux = g == "linux"
    try:
        r = qemu.boot(None, mem=MEM, cmdline=LINUX_APPEND if linux else TESSERA_CMDLINE,
                      timeout=a.timeout, accel=a.accel, icount=a.icount, log_path=log,
                      direct=True, direct_files=files if linux else None,
                      extra=net_args(ports), on_line=on_line, stop=stop)
    except qemu.QemuError as e:
        finished.set()
        print(f"run {i}/{a.runs} {g}: cannot boot ({e})", flush=True)
        return parse("")
    finished.set()
    th.join(timeout=NET_TIMEOUT * 2)
    p = parse(r.serial_text)
    p["host"], p["host_missing"] = dict(box["rows"]), dict(box["missing"])
    if not linux:
        p["kernel"] = bench_common.tessera_kernel(r.serial_text)
    bad = "" if p["done"] else f"  (not done: exit {r.exit_code}, log {log})"
    for op, why in p["host_missing"].items():
        print(f"run {i}/{a.runs} {g}: {op}: {why}", flush=True)
    print(f"run {i}/{a.runs} {g}: {len(p['rows'])} guest rows, {len(p['host'])} host rows, "
          f"{r.elapsed:.1f} s{bad}", flush=True)
    return p


def main() -> int:
    ap = bench_common.parser("tessera bench net", __doc__, runs=3, timeout=300)
    ap.add_argument("--size", type=int, default=16,
                    help="MiB each way for tcp_h2g and tcp_g2h (1..4096, default 16)")
    ap.add_argument("--only", choices=GUESTS, help="boot one guest only")
    a = ap.parse_args()
    if not 1 <= a.size <= 4096:
        ap.error("--size must be 1..4096 (MiB)")
    a = bench_common.parse(ap)
    if a is None:
        return 0
    out = os.path.join(qemu.build_dir(), "bench-net")
    os.makedirs(out, exist_ok=True)
    guests = [a.only] if a.only else GUESTS
    files = build_initramfs(out) if "linux" in guests else None
    env = bench_common.Env(a.accel, a.icount)
    runs: Dict[str, List[dict]] = {g: [] for g in guests}
    for i in range(1, a.runs + 1):
        for g in guests:  # interleaved, so a change in the host's load touches both
            runs[g].append(run_guest(a, g, files, i))
    med = summarise(runs)
    mode = "icount" if a.icount else a.accel
    clock = ("the guests' work in instructions (icount)" if a.icount else "host wall clock")
    print(f"median of {a.runs} run(s), {mode}, {clock}; every side in results/net.csv:")
    for line in table(med, runs, a.icount):
        print(line)
    if a.icount:
        print("  (not like for like: Tessera's count is netbench's own CPU time, and its TCP/IP runs"
              "\n   in pm, whose share is not in it; Linux's is the whole machine's non-idle time)")
    path = os.path.join(qemu.REPO, "results", "net.csv")
    write_csv(path, runs, med, mode, env, a.size)
    plot(med, path, mode, a.icount)
    return 0 if all(p["done"] for ps in runs.values() for p in ps) else 1


if __name__ == "__main__":
    sys.exit(main())
