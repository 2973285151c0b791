#!/usr/bin/env python3
"""bench_blk.py: `./tessera bench blk`. The same virtio-blk read benchmark in two guests on the
same QEMU machine, side by side: Linux (Debian's kernel, /init = apps/bench/linux/
blkbench_linux.c + blkbench_uring.c) and Tessera (exo.elf through PVH, cmdline
`poweroff init.blkbench`: init runs apps/bench/blkbench.c, the libOS virtio-blk driver with
completions polled in memory). Linux runs every configuration it has, each over the same
blocks (LINUX_MODES):

  pread, aio     pread at QD1, native AIO at QD32: the process sleeps, an interrupt per batch;
  uring          io_uring, registered file and buffers, interrupts;
  uring-poll     the same with IORING_SETUP_IOPOLL: io_uring_enter spins on a virtio-blk poll
                 queue (virtio_blk.poll_queues=1 possible_cpus=2 on its command line, and the
                 disk has two virtqueues), no interrupt; the guest checks the poll queue exists
                 and that the polled phases took no interrupts, else it fails;
  uring-sqpoll   IOPOLL + SQPOLL: a kernel thread submits and polls, the program submits
                 without a syscall (it sleeps in io_uring_enter only to wait).

Tessera boots twice per run:

  tessera        the same machine as Linux (no IOMMU): path=kick, every batch handed to the
                 device by exo_vio_kick (exo checks the descriptors, rings the doorbell);
  tessera+iommu  the same machine plus QEMU's VT-d unit (-device intel-iommu, the disk with
                 iommu_platform=on): path=kick again, shown as "kick+iommu" (the device's DMA
                 now goes through the unit, in exo's identity domain), then path=direct, shown
                 as "direct(iommu)": the env holds the device whole (vio_direct), a kick is a
                 store of the index and one doorbell store, no exo call.

Linux boots without an IOMMU (as the plain tessera run). Every guest follows THE PATTERN of
apps/bench/blkpattern.h over a 64 MiB scratch
image built here (block i starts with i * 0x9E3779B97F4A7C15) and print rows

  blkbench: guest=linux path=pread qd=1 ops=2000 iops=1234 lat_avg_ns=.. lat_p50_ns=..
            lat_p99_ns=.. sum=<hex> irqs=2000                                (one line)

(irqs: the virtio-blk request interrupts the phase took; Linux only). This script boots each
guest N times, takes the median of each figure over runs, prints a table with Tessera/Linux
ratios per queue depth, for each Tessera row (kick, kick+iommu, direct(iommu)) against Linux's
best row at that depth (the most IOPS; named) and against pread/aio, then
direct(iommu)/kick+iommu (what the kick call costs, on the same machine) and kick+iommu/kick
(what the IOMMU costs QEMU), checks every sum against expected_sum(), and writes
results/blk.csv (with bench_common.ENV_FIELDS on every row) and results/blk.png. A guest that
prints no rows is reported missing.

`python3 build/bench_blk.py --self-check`: the expected sums, and the C header's own (gcc).
ctest build.bench_blk (build/test_bench_blk.py) runs that, compiles the Linux guest's sources
with -Werror, and puts a canned serial log of every mode through parse, summarise, table and
CSV, with exact values. A run that lacks any Linux mode's rows exits 1.
"""
import csv
import glob
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

sys.dont_write_bytecode = True  # keep build/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402
import qemu  # noqa: E402

# THE PATTERN (apps/bench/blkpattern.h says the same in C).
SEED, MUL, MAGIC = 0x7e55e7a5eed5, 0x2545F4914F6CDD1D, 0x9E3779B97F4A7C15
BLOCK, NBLOCKS, WARMUP, OPS = 4096, 16384, 200, {1: 2000, 32: 4000}
M64 = (1 << 64) - 1

MEM = "256M"
# panic=-1 + -no-reboot: a failure exits QEMU. A poll queue needs a second virtqueue (DISK_QUEUES)
# and nr_cpu_ids >= 2 (virtio_blk caps its queues at the possible CPUs): possible_cpus=2.
LINUX_APPEND = "console=ttyS0 quiet panic=-1 virtio_blk.poll_queues=1 possible_cpus=2"
DISK_QUEUES = 2  # every guest gets the same disk; Tessera uses queue 0 only
TESSERA_CMDLINE = "poweroff init.blkbench"
LINUX_MODULES = ["virtio_pci", "virtio_blk"]  # Debian builds them as modules (=m)
LINUX_DIR = os.path.join(qemu.REPO, "apps", "bench", "linux")
SRCS = [os.path.join(LINUX_DIR, f) for f in ("blkbench_linux.c", "blkbench_uring.c")]
HDR = os.path.join(qemu.REPO, "apps", "bench", "blkpattern.h")
DEPS = SRCS + [HDR, os.path.join(LINUX_DIR, "blkbench_linux.h")]
ROW_RE = re.compile(r"blkbench: guest=(\w+) path=([\w-]+) qd=(\d+) ops=(\d+) iops=(\d+) "
                    r"lat_avg_ns=(\d+) lat_p50_ns=(\d+) lat_p99_ns=(\d+) sum=([0-9a-fA-F]+)"
                    r"(?: irqs=(\d+))?")
KERNEL_RE = re.compile(r"blkbench: kernel release=(\S+) version=(.*)")
QUEUES_RE = re.compile(r"blkbench: linux hw_queues=(\d+) io_poll=(\S+)")
DONE = "blkbench: done"
FIELDS = ["iops", "lat_avg_ns", "lat_p50_ns", "lat_p99_ns"]
# The Linux guest's configurations: (name, QD1 path, QD32 path), in the order it runs them.
LINUX_MODES = [("pread/aio", "pread", "aio"), ("uring", "uring", "uring"),
               ("uring-poll", "uring-poll", "uring-poll"),
               ("uring-sqpoll", "uring-sqpoll", "uring-sqpoll")]
CLASSIC = {1: "pread", 32: "aio"}  # what the ratios were first taken against
# Boots per run: (config, guest). The IOMMU boot's rows are relabelled (IOMMU_PATHS).
CONFIGS = [("linux", "linux"), ("tessera", "tessera"), ("tessera+iommu", "tessera")]
IOMMU_PATHS = {"kick": "kick+iommu", "direct": "direct(iommu)"}
PATH_ORDER = ["pread", "aio", "uring", "uring-poll", "uring-sqpoll", "kick", "kick+iommu",
              "direct(iommu)"]
CSV_COLUMNS = (["run", "guest", "path", "qd", "ops"] + FIELDS + ["irqs", "sum", "sum_ok"] +
               bench_common.ENV_FIELDS)


def blocks(n: int, skip: int = 0) -> List[int]:
    """Block numbers skip .. skip+n-1 of the pattern's single sequence."""
    x, out = SEED, []
    for i in range(skip + n):
        x ^= x >> 12
        x ^= (x << 25) & M64
        x ^= x >> 27
        if i >= skip:
            out.append(((x * MUL) & M64) % NBLOCKS)
    return out


def expected_sum(qd: int) -> int:
    """The sum a correct guest prints for its qd=1 or qd=32 row (uint64)."""
    skip = WARMUP if qd == 1 else WARMUP + OPS[1]
    return sum(b * MAGIC for b in blocks(OPS[qd], skip)) & M64


def work_dir() -> str:
    d = os.path.join(qemu.build_dir(), "bench-blk")
    os.makedirs(d, exist_ok=True)
    return d


def make_disk(path: str) -> None:
    """The 64 MiB scratch image, rewritten every run (deterministic; a guest cannot skew it)."""
    data = bytearray(NBLOCKS * BLOCK)
    for i in range(NBLOCKS):
        struct.pack_into("<Q", data, i * BLOCK, (i * MAGIC) & M64)
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def disk_args(img: str, iommu: bool = False) -> List[str]:
    """The scratch disk, identical for every guest. cache=writeback: the host page cache serves
    the reads, so the figures are the guests' and QEMU's path, not the host disk's. iommu: the
    machine also gets QEMU's VT-d unit (first, as drivers/tests/virtio_boot_test.py --iommu) and
    the disk goes through it (iommu_platform=on)."""
    return ((["-device", "intel-iommu,aw-bits=48,intremap=on"] if iommu else []) +
            ["-drive", f"file={img},if=none,id=scratch,format=raw,cache=writeback,aio=threads",
             "-device", f"virtio-blk-pci,drive=scratch,disable-legacy=on,"
                        f"num-queues={DISK_QUEUES},"
                        "serial=blkbench" + (",iommu_platform=on" if iommu else "")])


# --- Linux guest -------------------------------------------------------------------------------

def find_kernel() -> Tuple[str, str]:
    """(vmlinuz, modules dir): $TESSERA_LINUX_KERNEL or the newest /boot/vmlinuz-*."""
    k = os.environ.get("TESSERA_LINUX_KERNEL")
    cands = [k] if k else sorted(glob.glob("/boot/vmlinuz-*"), key=_version_key)
    for k in reversed(cands):
        mods = os.path.join("/lib/modules", os.path.basename(k).split("vmlinuz-", 1)[-1])
        if os.path.isfile(k) and os.access(k, os.R_OK):
            return k, mods
    raise qemu.QemuError("no readable /boot/vmlinuz-* (install linux-image-amd64, or set "
                         "TESSERA_LINUX_KERNEL)")


def _version_key(path: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"[.-]", path)]


def module_files(mods: str, names: Optional[List[str]] = None) -> List[str]:
    """names (default LINUX_MODULES) and their dependencies from modules.dep, dependencies
    first; a name that is not a module (built in, or absent) is skipped."""
    try:
        with open(os.path.join(mods, "modules.dep")) as f:
            dep = {k: v.split() for k, v in (l.rstrip("\n").split(":", 1) for l in f if ":" in l)}
    except OSError:
        return []  # no modules: assume the drivers are built in
    by_name = {os.path.basename(k).split(".ko")[0].replace("-", "_"): k for k in dep}
    order: List[str] = []

    def add(rel: str) -> None:
        for d in dep.get(rel, []):
            add(d)
        if rel not in order:
            order.append(rel)
    for m in names if names is not None else LINUX_MODULES:
        if m in by_name:
            add(by_name[m])
    return [os.path.join(mods, r) for r in order]


def build_init(out: str) -> str:
    """gcc -static -O2 the Linux guest program (again when a source or header changed)."""
    exe = os.path.join(out, "blkbench_linux")
    if not os.path.isfile(exe) or os.path.getmtime(exe) < max(map(os.path.getmtime, DEPS)):
        subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                        exe + ".tmp"] + SRCS, check=True)
        os.replace(exe + ".tmp", exe)
    return exe


def cpio_newc(entries: List[Tuple[str, int, bytes, int]]) -> bytes:
    """A newc archive of (name, mode, data, rdev) entries, owner 0:0, mtime 0."""
    out = bytearray()

    def pad4():
        out.extend(b"\0" * (-len(out) % 4))
    for ino, (name, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", 0)], 1):
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev >> 8, rdev & 0xff,
                  len(name) + 1, 0]
        out += b"070701" + "".join(f"{v:08x}" for v in fields).encode() + name.encode() + b"\0"
        pad4()
        out += data
        pad4()
    return bytes(out)


def build_initramfs(out: str) -> Tuple[str, str]:
    """(vmlinuz, initramfs): /init = the static program, /modules = the .ko files to load."""
    kernel, mods = find_kernel()
    init = build_init(out)
    kos = module_files(mods)
    entries = [("dev", 0o40755, b"", 0), ("dev/console", 0o20600, b"", 5 << 8 | 1),
               ("init", 0o100755, open(init, "rb").read(), 0), ("lib", 0o40755, b"", 0)]
    names = []
    for ko in kos:
        names.append("/lib/" + os.path.basename(ko))
        entries.append((names[-1][1:], 0o100644, open(ko, "rb").read(), 0))
    entries.append(("modules", 0o100644, "".join(n + "\n" for n in names).encode(), 0))
    path = os.path.join(out, "initramfs-linux.cpio")
    with open(path + ".tmp", "wb") as f:
        f.write(cpio_newc(entries))
    os.replace(path + ".tmp", path)
    return kernel, path


# --- Runs ---------------------------------------------------------------------------------------

def parse(text: str) -> dict:
    """{'rows': {(guest, path, qd): {...}}, 'done': bool, 'kernel': str or None (Linux's
    uname), 'queues': (hw queues, io_poll) or None}; irqs is None where a row has none."""
    out = {"rows": {}, "done": DONE in text, "kernel": None, "queues": None}
    for m in ROW_RE.finditer(text):
        out["rows"][(m[1], m[2], int(m[3]))] = {
            "ops": int(m[4]), "iops": int(m[5]), "lat_avg_ns": int(m[6]),
            "lat_p50_ns": int(m[7]), "lat_p99_ns": int(m[8]), "sum": int(m[9], 16),
            "irqs": int(m[10]) if m[10] is not None else None}
    k = KERNEL_RE.search(text)
    if k:
        out["kernel"] = f"linux {k[1]} {k[2].strip()}"
    q = QUEUES_RE.search(text)
    if q:
        out["queues"] = (int(q[1]), q[2])
    return out


def run_linux(a, img: str, files: Tuple[str, str], i: int) -> dict:
    log = os.path.join(qemu.build_dir(), "logs", f"bench-blk-linux-{i}.log")
    r = qemu.boot(None, mem=MEM, cmdline=LINUX_APPEND, timeout=a.timeout, accel=a.accel,
                  icount=a.icount, extra=disk_args(img), log_path=log, direct=True,
                  direct_files=files)
    p = _report("linux", r, log, i, a.runs)
    if not p["kernel"]:  # the guest died before it said: name the file at least
        p["kernel"] = f"linux {os.path.basename(files[0])} (not reported by the guest)"
    if p["queues"]:
        print(f"  linux: {p['queues'][0]} hw queues, io_poll={p['queues'][1]}", flush=True)
    return p


def run_tessera(a, img: str, i: int, iommu: bool = False) -> dict:
    """The Tessera guest on the same machine and scratch disk (direct PVH unless --ovmf); with
    iommu, on that machine plus the VT-d unit, its rows relabelled kick+iommu, direct(iommu)."""
    name = "tessera+iommu" if iommu else "tessera"
    log = os.path.join(qemu.build_dir(), "logs",
                       f"bench-blk-{'tessera-iommu' if iommu else 'tessera'}-{i}.log")
    try:
        r = qemu.boot(a.image if a.ovmf else None, mem=MEM, cmdline=TESSERA_CMDLINE,
                      timeout=a.timeout, accel=a.accel, icount=a.icount,
                      extra=disk_args(img, iommu), log_path=log, direct=not a.ovmf)
    except qemu.QemuError as e:
        print(f"run {i}/{a.runs} {name}: cannot boot ({e})", flush=True)
        return {"rows": {}, "done": False}
    p = _report(name, r, log, i, a.runs)
    p["kernel"] = bench_common.tessera_kernel(r.serial_text)
    if iommu:
        p["rows"] = {(g, IOMMU_PATHS.get(path, path + "(iommu)"), qd): v
                     for (g, path, qd), v in p["rows"].items()}
        if not any(k[1] == IOMMU_PATHS["direct"] for k in p["rows"]):
            print(f"  {name}: no direct rows (direct_ok=0?)", flush=True)
    else:
        for line in r.serial_text.splitlines():
            if "path=direct skipped" in line:
                print(f"  {name}: {line.strip()}", flush=True)
    return p


def _report(guest: str, r: "qemu.Result", log: str, i: int, n: int) -> dict:
    p = parse(r.serial_text)
    p["accel"] = r.accel
    bad = "" if p["done"] else (f"  (no '{DONE}': exit {r.exit_code}, timed_out={r.timed_out}, "
                                f"log {log})")
    print(f"run {i}/{n} {guest}: {len(p['rows'])} rows, {r.elapsed:.1f} s{bad}", flush=True)
    for line in r.serial_text.splitlines():
        if line.startswith("blkbench: error") or line.startswith("blkbench: failed"):
            print(f"  {guest}: {line}", flush=True)
    return p


def _path_rank(path: str) -> int:
    return PATH_ORDER.index(path) if path in PATH_ORDER else len(PATH_ORDER)


def summarise(runs: Dict[str, List[dict]]) -> Dict[tuple, dict]:
    """Median over runs of each figure, per (guest, path, qd); 'sums' = the distinct sums,
    'irqs' the median interrupt count (None for rows without one).
    runs is per boot configuration (CONFIGS); the paths tell the configurations' rows apart."""
    keys = sorted({k for g in runs.values() for p in g for k in p["rows"]},
                  key=lambda k: (k[2], k[0] != "linux", _path_rank(k[1]), k[1]))
    med = {}
    for k in keys:
        rows = [p["rows"][k] for ps in runs.values() for p in ps if k in p["rows"]]
        med[k] = {f: int(statistics.median(r[f] for r in rows)) for f in FIELDS}
        irqs = [r["irqs"] for r in rows if r.get("irqs") is not None]
        med[k].update(ops=rows[0]["ops"], n=len(rows), sums={r["sum"] for r in rows},
                      irqs=int(statistics.median(irqs)) if irqs else None)
    return med


def linux_best(med: Dict[tuple, dict], qd: int) -> Optional[Tuple[str, dict]]:
    """(path, row) of Linux's row with the most IOPS at qd: the peer at its best."""
    lin = [(k[1], m) for k, m in med.items() if k[0] == "linux" and k[2] == qd]
    return max(lin, key=lambda pm: (pm[1]["iops"], -_path_rank(pm[0]))) if lin else None


TIE = 0.05  # IOPS within 5% of Linux's best: level, not a win (runs move more than that)


def _verdict(t: dict, best: dict, classic: Optional[dict], classic_name: str) -> str:
    """Where a Tessera row stands against Linux's best row, by IOPS; says when it is ahead only
    of the weaker classic mode."""
    r = t["iops"] / best["iops"] if best["iops"] else float("inf")
    if r > 1 + TIE:
        return "ahead of Linux's best"
    over_classic = classic is not None and t["iops"] > classic["iops"] * (1 + TIE)
    if r >= 1 - TIE:
        return (f"level with Linux's best (within {TIE:.0%})" +
                (f"; ahead of {classic_name} only" if over_classic else ""))
    return "BEHIND Linux's best" + (f"; ahead of {classic_name} only" if over_classic else "")


def _label(qd: int, what: str) -> str:
    """A ratio line's head, padded so that the ratios line up."""
    return f"  {f'QD{qd} {what}:':<56} "


def _ratios(n: dict, d: dict) -> str:
    return (f"iops x{_ratio(n, d, 'iops')}, latency avg x{_ratio(n, d, 'lat_avg_ns')} "
            f"p50 x{_ratio(n, d, 'lat_p50_ns')} p99 x{_ratio(n, d, 'lat_p99_ns')}")


def table(med: Dict[tuple, dict], configs: List[str], runs: Dict[str, List[dict]]) -> List[str]:
    lines = ["  (linux and tessera kick: no IOMMU; kick+iommu and direct(iommu): the same machine "
             "plus intel-iommu, disk iommu_platform=on; irqs: Linux's virtio-blk interrupts in "
             "the phase)",
             f"  {'guest':<8} {'path':<13} {'qd':>3} {'iops':>9} {'avg us':>9} {'p50 us':>9} "
             f"{'p99 us':>9} {'irqs':>6}  sum"]
    for (g, p, qd), m in med.items():
        ok = "ok" if m["sums"] == {expected_sum(qd)} else "WRONG"
        irqs = "-" if m["irqs"] is None else str(m["irqs"])
        lines.append(f"  {g:<8} {p:<13} {qd:>3} {m['iops']:>9} {m['lat_avg_ns'] / 1e3:>9.1f} "
                     f"{m['lat_p50_ns'] / 1e3:>9.1f} {m['lat_p99_ns'] / 1e3:>9.1f} {irqs:>6}  "
                     f"{','.join(f'{s:x}' for s in sorted(m['sums']))} ({ok})")
    for c in configs:
        if not runs.get(c):
            lines.append(f"  {c:<8} MISSING: no blkbench rows (it failed; see "
                         f"out/logs/bench-blk-{c.replace('+', '-')}-*.log)")
    if runs.get("linux"):
        for _, q1, q32 in LINUX_MODES:
            for qd, path in ((1, q1), (32, q32)):
                if ("linux", path, qd) not in med:
                    lines.append(f"  linux    {path} qd={qd} MISSING (the guest failed before it;"
                                 f" see out/logs/bench-blk-linux-*.log)")
    if runs.get("tessera+iommu") and not any(k[1] == IOMMU_PATHS["direct"] for k in med):
        lines.append("  tessera direct(iommu) MISSING: the device did not report direct_ok")
    for qd in (1, 32):
        by_path = {k[1]: m for k, m in med.items() if k[0] == "tessera" and k[2] == qd}
        best = linux_best(med, qd)
        classic = med.get(("linux", CLASSIC[qd], qd))
        if best and classic:  # what each Linux mode gains over the classic one
            for k, m in med.items():
                if k[0] == "linux" and k[2] == qd and k[1] != CLASSIC[qd]:
                    lines.append(_label(qd, f"Linux {k[1]} / {CLASSIC[qd]}") +
                                 _ratios(m, classic))
        for path, T in by_path.items():  # each Tessera row against Linux's best, then classic
            if best:
                bp, B = best
                verdict = _verdict(T, B, classic, CLASSIC[qd])
                lines.append(_label(qd, f"Tessera {path} / Linux best ({bp})") +
                             f"{_ratios(T, B)}  [{verdict}]"
                             f"{'' if B['sums'] == T['sums'] else '  (sums DIFFER)'}")
            if classic:
                lines.append(_label(qd, f"Tessera {path} / Linux {CLASSIC[qd]}") +
                             f"{_ratios(T, classic)}"
                             f"{'' if classic['sums'] == T['sums'] else '  (sums DIFFER)'}")
        for num, den, what in ((IOMMU_PATHS["direct"], IOMMU_PATHS["kick"],
                                "no kick call, same machine"),
                               (IOMMU_PATHS["kick"], "kick", "the IOMMU's cost in QEMU")):
            if num in by_path and den in by_path:
                N, D = by_path[num], by_path[den]
                lines.append(_label(qd, f"Tessera {num} / {den}") +
                             f"{_ratios(N, D)}  ({what}; avg latency "
                             f"{(N['lat_avg_ns'] - D['lat_avg_ns']) / 1e3:+.1f} us)")
    sums = {(k[2], frozenset(m["sums"])) for k, m in med.items()}
    same = all(len({s for q, s in sums if q == qd}) <= 1 for qd in (1, 32))
    lines.append(f"  sums {'equal across every row' if same else 'DIFFER between rows'} at each "
                 f"queue depth")
    return lines


def _ratio(t: dict, l: dict, field: str) -> str:
    return f"{t[field] / l[field]:.2f}" if l[field] else "inf"


def missing_linux_rows(med: Dict[tuple, dict]) -> List[str]:
    """'path qd=N' of every Linux mode's row that no run produced."""
    return [f"{p} qd={qd}" for _, q1, q32 in LINUX_MODES for qd, p in ((1, q1), (32, q32))
            if ("linux", p, qd) not in med]


def kernels(runs: Dict[str, List[dict]]) -> Dict[str, str]:
    """{guest: the kernel its rows came from} (the first run that said)."""
    out: Dict[str, str] = {}
    for c, g in CONFIGS:
        for p in runs.get(c, []):
            if p.get("kernel") and g not in out:
                out[g] = p["kernel"]
    return out


def write_csv(path: str, runs: Dict[str, List[dict]], med: Dict[tuple, dict], mode: str,
              env: "bench_common.Env") -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    kern = kernels(runs)
    with open(path, "w", newline="") as f:
        f.write(f"# blkbench (apps/bench/blkpattern.h), {mode}, -m {MEM}, virtio-blk "
                f"num-queues={DISK_QUEUES} cache=writeback aio=threads; figures in ns and ops/s; "
                f"linux (append '{LINUX_APPEND}') and tessera kick without an IOMMU, kick+iommu "
                f"and direct(iommu) with intel-iommu and iommu_platform=on; irqs: Linux's "
                f"virtio-blk request interrupts in the phase\n")
        f.write(env.comment(list(kern.values())))
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)

        def tail(g: str) -> list:
            return list(env.columns(kern.get(g, "?")).values())
        for c, ps in runs.items():
            for i, p in enumerate(ps, 1):
                for (gg, path_, qd), r in sorted(p["rows"].items(),
                                                 key=lambda kv: (kv[0][2], _path_rank(kv[0][1]))):
                    w.writerow([i, gg, path_, qd, r["ops"]] + [r[x] for x in FIELDS] +
                               ["" if r["irqs"] is None else r["irqs"], f"{r['sum']:x}",
                                int(r["sum"] == expected_sum(qd))] + tail(gg))
        for (g, path_, qd), m in med.items():
            w.writerow(["median", g, path_, qd, m["ops"]] + [m[x] for x in FIELDS] +
                       ["" if m["irqs"] is None else m["irqs"], "",
                        int(m["sums"] == {expected_sum(qd)})] + tail(g))
    print(f"wrote {path}")


def plot_series(med: Dict[tuple, dict]) -> List[Tuple[str, Dict[int, dict]]]:
    """(label, {qd: row}) per bar series: one per Linux mode, then one per Tessera row."""
    out = []
    for name, q1, q32 in LINUX_MODES:
        rows = {qd: med[("linux", p, qd)] for qd, p in ((1, q1), (32, q32))
                if ("linux", p, qd) in med}
        if rows:
            out.append((f"linux {name}", rows))
    for path in sorted({k[1] for k in med if k[0] == "tessera"},
                       key=lambda p: (_path_rank(p), p)):
        out.append((f"tessera {path}",
                    {k[2]: m for k, m in med.items() if k[0] == "tessera" and k[1] == path}))
    return out


def plot(med: Dict[tuple, dict], csv_path: str, mode: str) -> None:
    """Bars per queue depth (columns) for IOPS and p50 latency (rows), each panel on its own
    scale: one bar per Linux mode (blues, hatched; its best row outlined) and per Tessera row
    (oranges)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    if not med:
        return
    series = plot_series(med)
    blues, oranges = ["#9ecae1", "#6baed6", "#3182bd", "#08519c"], ["#fdae6b", "#e6550d",
                                                                     "#a63603"]
    colors, nl, nt = [], 0, 0
    for name, _ in series:
        if name.startswith("linux"):
            colors.append(blues[nl % len(blues)])
            nl += 1
        else:
            colors.append(oranges[nt % len(oranges)])
            nt += 1
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    for r, (field, label) in enumerate((("iops", "IOPS (higher is better)"),
                                        ("lat_p50_ns", "p50 latency, us (lower is better)"))):
        for c, qd in enumerate((1, 32)):
            ax = axes[r][c]
            best = linux_best(med, qd)
            best_row = best[1] if best else None
            for j, (name, rows) in enumerate(series):
                if qd not in rows:
                    continue
                m = rows[qd]
                y = m[field] / (1e3 if field != "iops" else 1)
                is_best = m is best_row
                ax.bar([j], [y], width=0.8, color=colors[j],
                       hatch="//" if name.startswith("linux") else None,
                       edgecolor="black" if is_best else "white",
                       linewidth=2 if is_best else 0.5)
                ax.text(j, y, f"{y:,.0f}{' best' if is_best else ''}", ha="center",
                        va="bottom", fontsize=8, fontweight="bold" if is_best else None)
            ax.set_xticks(range(len(series)), [n.replace(" ", "\n", 1) for n, _ in series],
                          fontsize=8)
            ax.set_title(f"QD{qd}: {label}", fontsize=10)
            ax.margins(y=0.15)
    fig.suptitle(f"virtio-blk 4 KiB random reads, median ({mode}); Linux's best row (most IOPS, "
                 f"outlined) is the peer; linux and tessera kick without IOMMU", fontsize=10)
    fig.tight_layout()
    png = os.path.splitext(csv_path)[0] + ".png"
    fig.savefig(png, dpi=100)
    print(f"wrote {png}")


def self_check() -> int:
    sums = {qd: expected_sum(qd) for qd in (1, 32)}
    for qd, s in sums.items():
        print(f"blkbench: expected sum qd={qd} ops={OPS[qd]} sum={s:x}")
    with tempfile.TemporaryDirectory(prefix="blkpat.") as tmp:
        c, exe = os.path.join(tmp, "t.c"), os.path.join(tmp, "t")
        with open(c, "w") as f:
            f.write('#include <stdio.h>\n#include "blkpattern.h"\nint main(void){printf('
                    '"%llx %llx\\n",(unsigned long long)blkpat_expected_sum(1),'
                    '(unsigned long long)blkpat_expected_sum(32));return 0;}\n')
        try:
            subprocess.run(["gcc", "-O2", "-I", os.path.dirname(HDR), "-o", exe, c], check=True)
            got = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split()
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"blkbench: C header not checked ({e})")
            return 0
    ok = got == [f"{sums[1]:x}", f"{sums[32]:x}"]
    print(f"blkbench: blkpattern.h agrees: {'yes' if ok else 'NO (' + ' '.join(got) + ')'}")
    return 0 if ok else 1


def main() -> int:
    ap = bench_common.parser("tessera bench blk", __doc__, runs=3, timeout=300)
    ap.add_argument("--self-check", action="store_true",
                    help="print the expected sums (and check blkpattern.h's), boot nothing")
    ap.add_argument("--ovmf", action="store_true",
                    help="boot Tessera's disk image through OVMF instead of exo.elf through PVH")
    ap.add_argument("--only", choices=["linux", "tessera"], default=None,
                    help="run one guest only (tessera: both its boots, without and with the "
                         "IOMMU)")
    ap.add_argument("--csv", default=os.path.join(qemu.REPO, "results", "blk.csv"))
    a = bench_common.parse(ap)
    if a is None:
        return 0
    if a.self_check:
        return self_check()
    guests = [a.only] if a.only else ["linux", "tessera"]
    out = work_dir()
    img = os.path.join(out, "scratch.img")
    make_disk(img)
    files = None
    if "linux" in guests:
        try:
            files = build_initramfs(out)
        except (qemu.QemuError, subprocess.CalledProcessError, OSError) as e:
            print(f"bench: Linux guest unavailable: {e}", file=sys.stderr)
            return 1
        print(f"linux: {files[0]}, initramfs {files[1]}", flush=True)

    configs = [c for c, g in CONFIGS if g in guests]
    runs: Dict[str, List[dict]] = {c: [] for c in configs}
    accel = None
    env = bench_common.Env(qemu.choose_accel(a.accel), a.icount)
    for i in range(1, a.runs + 1):
        try:
            for c in configs:
                p = (run_linux(a, img, files, i) if c == "linux" else
                     run_tessera(a, img, i, iommu=c == "tessera+iommu"))
                accel = accel or p.get("accel")
                if p["rows"]:
                    runs[c].append(p)
        except qemu.QemuError as e:
            print(f"bench: {e}", file=sys.stderr)
            return 1
    med = summarise(runs)
    mode = f"{accel or a.accel}{', icount' if a.icount else ''}"
    print(f"\nvirtio-blk 4 KiB random reads over 64 MiB, median of each figure over runs "
          f"({mode}; latency in us; Linux without IOMMU; host load average {env.load:.1f} at the "
          f"start, {os.getloadavg()[0]:.1f} at the end):")
    for line in table(med, configs, runs):
        print(line)
    for (g, _, qd), m in med.items():
        if m["sums"] != {expected_sum(qd)}:
            print(f"warning: {g} qd={qd} sum {m['sums']} != expected {expected_sum(qd):x}")
    if not med:
        print("bench: no guest printed any rows", file=sys.stderr)
        return 1
    env.accel = accel or env.accel
    write_csv(a.csv, runs, med, mode, env)
    plot(med, a.csv, mode)
    missing = missing_linux_rows(med) if "linux" in guests else []
    if missing:  # e.g. no poll queue: the guest refused to report interrupts as polling
        print(f"bench: Linux rows missing: {', '.join(missing)} (see the error above and "
              f"out/logs/bench-blk-linux-*.log)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
