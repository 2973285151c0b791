#!/usr/bin/env python3
"""test_bench_blk.py: ctest `build.bench_blk`. What `./tessera bench blk` does with what the
guests print, with exact values and no QEMU: a canned serial log of every Linux mode (pread/aio,
uring, uring-poll, uring-sqpoll) and of both Tessera boots goes through parse, summarise,
table, the plot's series and the CSV (its columns, bench_common.ENV_FIELDS included); the
environment's parsers (QEMU version, host CPU, Tessera's kernel) on canned text; the expected
sums and apps/bench/blkpattern.h's (bench_blk.py --self-check); and the Linux guest's sources
compile with -Wall -Wextra -Werror.
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_blk  # noqa: E402
import bench_common  # noqa: E402

S1, S32 = bench_blk.expected_sum(1), bench_blk.expected_sum(32)


def row(guest, path, qd, iops, avg, p50, p99, irqs=None):
    ops = 2000 if qd == 1 else 4000
    return (f"blkbench: guest={guest} path={path} qd={qd} ops={ops} iops={iops} "
            f"lat_avg_ns={avg} lat_p50_ns={p50} lat_p99_ns={p99} sum={S1 if qd == 1 else S32:x}"
            + ("" if irqs is None else f" irqs={irqs}"))


LINUX = "\n".join([
    "blkbench: kernel release=6.1.0-57-amd64 version=#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3",
    "blkbench: module /lib/virtio_blk.ko poll_queues=1",
    row("linux", "pread", 1, 10000, 100000, 98000, 150000, 2000),
    row("linux", "aio", 32, 60000, 500000, 460000, 1000000, 128),
    row("linux", "uring", 1, 11000, 90000, 88000, 140000, 2000),
    row("linux", "uring", 32, 70000, 450000, 440000, 900000, 126),
    "blkbench: linux hw_queues=2 io_poll=1",
    row("linux", "uring-poll", 1, 20000, 50000, 49000, 80000, 0),
    row("linux", "uring-poll", 32, 250000, 128000, 120000, 300000, 0),
    row("linux", "uring-sqpoll", 1, 15000, 66000, 64000, 99000, 0),
    row("linux", "uring-sqpoll", 32, 90000, 350000, 340000, 700000, 0),
    "blkbench: done"])
TESSERA = "\n".join([
    "Tessera exo 0.1.0 (x86_64): an exokernel",
    row("tessera", "kick", 1, 25000, 40000, 39200, 60000),
    row("tessera", "kick", 32, 200000, 160000, 150000, 320000),
    "blkbench: done"])
TESSERA_IOMMU = "\n".join([
    "Tessera exo 0.1.0 (x86_64): an exokernel",
    row("tessera", "kick", 1, 20000, 50000, 49000, 90000),
    row("tessera", "direct", 1, 22000, 45000, 44000, 85000),
    "blkbench: done"])

WANT_TABLE_TAIL = [
    '  QD1 Linux uring / pread:                                 '
    'iops x1.10, latency avg x0.90 p50 x0.90 p99 x0.93',
    '  QD1 Linux uring-poll / pread:                            '
    'iops x2.00, latency avg x0.50 p50 x0.50 p99 x0.53',
    '  QD1 Linux uring-sqpoll / pread:                          '
    'iops x1.50, latency avg x0.66 p50 x0.65 p99 x0.66',
    '  QD1 Tessera kick / Linux best (uring-poll):              '
    'iops x1.25, latency avg x0.80 p50 x0.80 p99 x0.75'
    "  [ahead of Linux's best]",
    '  QD1 Tessera kick / Linux pread:                          '
    'iops x2.50, latency avg x0.40 p50 x0.40 p99 x0.40',
    '  QD1 Tessera kick+iommu / Linux best (uring-poll):        '
    'iops x1.00, latency avg x1.00 p50 x1.00 p99 x1.12'
    "  [level with Linux's best (within 5%); ahead of pread only]",
    '  QD1 Tessera kick+iommu / Linux pread:                    '
    'iops x2.00, latency avg x0.50 p50 x0.50 p99 x0.60',
    '  QD1 Tessera direct(iommu) / Linux best (uring-poll):     '
    'iops x1.10, latency avg x0.90 p50 x0.90 p99 x1.06'
    "  [ahead of Linux's best]",
    '  QD1 Tessera direct(iommu) / Linux pread:                 '
    'iops x2.20, latency avg x0.45 p50 x0.45 p99 x0.57',
    '  QD1 Tessera direct(iommu) / kick+iommu:                  '
    'iops x1.10, latency avg x0.90 p50 x0.90 p99 x0.94'
    '  (no kick call, same machine; avg latency -5.0 us)',
    '  QD1 Tessera kick+iommu / kick:                           '
    'iops x0.80, latency avg x1.25 p50 x1.25 p99 x1.50'
    "  (the IOMMU's cost in QEMU; avg latency +10.0 us)",
    '  QD32 Linux uring / aio:                                  '
    'iops x1.17, latency avg x0.90 p50 x0.96 p99 x0.90',
    '  QD32 Linux uring-poll / aio:                             '
    'iops x4.17, latency avg x0.26 p50 x0.26 p99 x0.30',
    '  QD32 Linux uring-sqpoll / aio:                           '
    'iops x1.50, latency avg x0.70 p50 x0.74 p99 x0.70',
    '  QD32 Tessera kick / Linux best (uring-poll):             '
    'iops x0.80, latency avg x1.25 p50 x1.25 p99 x1.07'
    "  [BEHIND Linux's best; ahead of aio only]",
    '  QD32 Tessera kick / Linux aio:                           '
    'iops x3.33, latency avg x0.32 p50 x0.33 p99 x0.32',
    '  sums equal across every row at each queue depth',
]
WANT_COLUMNS = ["run", "guest", "path", "qd", "ops", "iops", "lat_avg_ns", "lat_p50_ns",
                "lat_p99_ns", "irqs", "sum", "sum_ok", "accel", "icount", "qemu_version",
                "host_cpu", "guest_kernel"]
LINUX_KERNEL = "linux 6.1.0-57-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3"
ENV = ["tcg", "0", "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)", "AMD EPYC 7B13 64-Core Processor"]


def check(failures, what, got, want):
    ok = got == want
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)
        print(f"     got:  {got!r}\n     want: {want!r}")


def main() -> int:
    failures = []
    env = bench_common.Env(
        "tcg", False,
        bench_common.qemu_version("QEMU emulator version 7.2.22 (Debian "
                                  "1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 ...\n"),
        bench_common.host_cpu("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
                              "model name\t: AMD EPYC 7B13 64-Core Processor  \nflags\t: fpu\n"),
        load=1.5)
    check(failures, "qemu_version and host_cpu parsed", [env.qemu_version, env.host_cpu], ENV[2:])
    check(failures, "qemu_version of no QEMU", bench_common.qemu_version(""), "?")
    check(failures, "tessera_kernel from the banner",
          bench_common.tessera_kernel(TESSERA, commit="0e4701e-dirty"),
          "tessera exo 0.1.0 0e4701e-dirty")

    lp = bench_blk.parse(LINUX)
    check(failures, "linux rows parsed", sorted(lp["rows"]), sorted(
        [("linux", "pread", 1), ("linux", "aio", 32)] +
        [("linux", p, qd) for p in ("uring", "uring-poll", "uring-sqpoll") for qd in (1, 32)]))
    check(failures, "uring-poll qd=32 row", lp["rows"][("linux", "uring-poll", 32)],
          {"ops": 4000, "iops": 250000, "lat_avg_ns": 128000, "lat_p50_ns": 120000,
           "lat_p99_ns": 300000, "sum": S32, "irqs": 0})
    check(failures, "linux kernel, queues, done", [lp["kernel"], lp["queues"], lp["done"]],
          [LINUX_KERNEL, (2, "1"), True])
    tp = bench_blk.parse(TESSERA)
    check(failures, "tessera row has no irqs", tp["rows"][("tessera", "kick", 1)]["irqs"], None)
    tp["kernel"] = bench_common.tessera_kernel(TESSERA, commit="0e4701e")
    ip = bench_blk.parse(TESSERA_IOMMU)
    ip["kernel"] = tp["kernel"]
    ip["rows"] = {(g, bench_blk.IOMMU_PATHS[p], qd): v for (g, p, qd), v in ip["rows"].items()}
    runs = {"linux": [lp], "tessera": [tp], "tessera+iommu": [ip]}

    med = bench_blk.summarise(runs)
    check(failures, "summary order", [k for k in med], [
        ("linux", "pread", 1), ("linux", "uring", 1), ("linux", "uring-poll", 1),
        ("linux", "uring-sqpoll", 1), ("tessera", "kick", 1), ("tessera", "kick+iommu", 1),
        ("tessera", "direct(iommu)", 1), ("linux", "aio", 32), ("linux", "uring", 32),
        ("linux", "uring-poll", 32), ("linux", "uring-sqpoll", 32), ("tessera", "kick", 32)])
    check(failures, "Linux's best row per depth",
          [bench_blk.linux_best(med, qd)[0] for qd in (1, 32)], ["uring-poll", "uring-poll"])
    check(failures, "no Linux row missing", bench_blk.missing_linux_rows(med), [])
    no_poll = {k: v for k, v in med.items() if "poll" not in k[1]}
    check(failures, "polled rows missing (no poll queue) are named",
          bench_blk.missing_linux_rows(no_poll),
          ["uring-poll qd=1", "uring-poll qd=32", "uring-sqpoll qd=1", "uring-sqpoll qd=32"])
    lines = bench_blk.table(med, ["linux", "tessera", "tessera+iommu"], runs)
    check(failures, "table: uring-poll QD1 line",
          lines[4], f"  linux    uring-poll      1     20000      50.0      49.0      80.0      0  "
                    f"{S1:x} (ok)")
    check(failures, "table: ratio lines (best named, weaker-mode wins said)",
          lines[2 + len(med):], WANT_TABLE_TAIL)
    check(failures, "plot series", [(n, sorted(r)) for n, r in bench_blk.plot_series(med)], [
        ("linux pread/aio", [1, 32]), ("linux uring", [1, 32]), ("linux uring-poll", [1, 32]),
        ("linux uring-sqpoll", [1, 32]), ("tessera kick", [1, 32]),
        ("tessera kick+iommu", [1]), ("tessera direct(iommu)", [1])])

    with tempfile.TemporaryDirectory(prefix="bench-blk-test.") as tmp:
        path = os.path.join(tmp, "blk.csv")
        out = io.StringIO()
        stdout, sys.stdout = sys.stdout, out
        try:
            bench_blk.write_csv(path, runs, med, "tcg", env)
        finally:
            sys.stdout = stdout
        text = open(path).read()
    comments = [l for l in text.splitlines() if l.startswith("#")]
    check(failures, "CSV environment comment", comments[1],
          f"# qemu {ENV[2]}; host cpu {ENV[3]}; accel tcg; guest kernel {LINUX_KERNEL} / "
          f"tessera exo 0.1.0 0e4701e; host load average 1.50 at the start")
    rows = list(csv.reader(l for l in text.splitlines() if not l.startswith("#")))
    check(failures, "CSV columns", rows[0], WANT_COLUMNS)
    check(failures, "CSV run row: linux uring-poll qd=1",
          next(r for r in rows if r[:4] == ["1", "linux", "uring-poll", "1"]),
          ["1", "linux", "uring-poll", "1", "2000", "20000", "50000", "49000", "80000", "0",
           f"{S1:x}", "1"] + ENV + [LINUX_KERNEL])
    check(failures, "CSV median row: tessera kick qd=32",
          next(r for r in rows if r[:4] == ["median", "tessera", "kick", "32"]),
          ["median", "tessera", "kick", "32", "4000", "200000", "160000", "150000", "320000",
           "", "", "1"] + ENV + ["tessera exo 0.1.0 0e4701e"])
    check(failures, "CSV row count (12 per run + 12 medians + header)", len(rows), 25)

    check(failures, "expected sums and blkpattern.h (--self-check)", bench_blk.self_check(), 0)
    with tempfile.TemporaryDirectory(prefix="bench-blk-cc.") as tmp:
        cc = subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-c"] + bench_blk.SRCS,
                            cwd=tmp, capture_output=True, text=True)
    check(failures, "Linux guest sources compile (-Werror)", (cc.returncode, cc.stderr), (0, ""))
    print(f"{len(failures)} failure(s)" if failures else "all ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
