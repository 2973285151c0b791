#!/usr/bin/env python3
"""bench_exo.py: `./tessera bench exo`. Boots with cmdline `poweroff init.bench` N times; init
runs apps/bench/exobench.c, which prints one line per microbenchmark:

  exobench: null_call median 1234 cycles (n=1000, min 1200)
  exobench: event_roundtrip n/a (EXO_E_NOSYS)

This script takes the median over runs of each row's in-guest median, prints a table, and
writes results/exo.csv and results/exo.png. Nothing is asserted; it only measures.

With --smp N (N > 1) the machine has N CPUs and the command line adds `exo.smpbench`: exo
itself measures the IPI round trip and TLB shootdowns (exo/smpbench.c) before init starts, in
the same row format.

Default is QEMU's PVH direct boot of exo.elf (no firmware: quick); --ovmf boots the disk image
through OVMF instead (same kernel, same numbers, slower start). With --icount QEMU runs with
`-icount shift=0,sleep=off`: the guest TSC counts instructions, so every figure is an
instruction count and repeats exactly from run to run. Without it the figures are TSC ticks
under TCG: QEMU's TCG passes the host's TSC through, so they are host cycles of the emulation
(wall-clock, a little noisy), not cycles of a real CPU running Tessera natively.
"""
import csv
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True  # keep build/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402
import qemu  # noqa: E402

CMDLINE = "poweroff init.bench"
ROW_RE = re.compile(r"^exobench: (\w+) median (\d+) cycles \(n=(\d+)(?:, min (\d+))?\)")
NA_RE = re.compile(r"^exobench: (\w+) n/a \((.*)\)")
HZ_RE = re.compile(r"^exobench: tsc_hz (\d+)")
DONE = "exobench: done"

# What each row measures, in the order exobench prints them.
ROWS = [
    ("tsc_overhead", "empty measurement (rdtsc pair; in every row)"),
    ("libos_call", "libOS call: a non-inlined function"),
    ("null_call", "null exo call (syscall in, iretq back)"),
    ("libos_call_x100", "100 libOS calls back to back"),
    ("null_call_x100", "100 null exo calls back to back"),
    ("page_map_unmap", "page_map + page_unmap of an owned page"),
    ("upcall_ud", "fault upcall round trip (ud2, resumed by the libOS)"),
    ("pagefault_upcall", "page fault -> upcall -> page_map -> resume"),
    ("event_roundtrip", "event post/wait round trip, two envs"),
    ("pct_roundtrip", "protected control transfer call + return"),
    ("yield_roundtrip", "directed yield to a second env and straight back (two env switches)"),
    ("ipi_roundtrip", "IPI to a halted CPU and its acknowledgement (--smp 2)"),
    ("shootdown_1page", "TLB shootdown of 1 page on 2 CPUs, acknowledged (--smp 2)"),
    ("shootdown_16pages", "TLB shootdown of 16 pages, batched (--smp 2)"),
    ("shootdown_full", "full TLB flush (CR3 reload) on 2 CPUs (--smp 2)"),
]


def parse(text: str) -> dict:
    """{'hz': int|None, 'done': bool, 'rows': {name: {'median','min','n'} or {'na': why}}}"""
    out = {"hz": None, "done": False, "rows": {}}
    for line in text.splitlines():
        line = line.strip()
        if m := ROW_RE.match(line):
            out["rows"][m[1]] = {"median": int(m[2]), "n": int(m[3]),
                                 "min": int(m[4]) if m[4] else None}
        elif m := NA_RE.match(line):
            out["rows"][m[1]] = {"na": m[2]}
        elif m := HZ_RE.match(line):
            out["hz"] = int(m[1])
        elif line == DONE:
            out["done"] = True
    return out


def main() -> int:
    ap = bench_common.parser("tessera bench exo", __doc__, runs=3, timeout=300)
    ap.add_argument("--ovmf", action="store_true",
                    help="boot the disk image through OVMF instead of exo.elf through PVH")
    ap.add_argument("--csv", default=os.path.join(qemu.REPO, "results", "exo.csv"))
    ap.add_argument("--smp", type=int, default=1,
                    help="CPUs; more than 1 adds exo.smpbench (IPI and shootdown rows)")
    a = bench_common.parse(ap)
    if a is None:
        return 0
    unit = "insns" if a.icount else "cycles"

    runs = []
    env = bench_common.Env(qemu.choose_accel(a.accel), a.icount)
    for i in range(1, a.runs + 1):
        log = os.path.join(qemu.build_dir(), "logs",
                           f"bench-exo{'-ovmf' if a.ovmf else ''}{'-icount' if a.icount else ''}-{i}.log")
        try:
            cmdline = CMDLINE + (" exo.smpbench" if a.smp > 1 else "")
            r = qemu.boot(a.image if a.ovmf else None, cmdline=cmdline, timeout=a.timeout,
                          accel=a.accel, icount=a.icount, direct=not a.ovmf, log_path=log,
                          smp=a.smp)
        except qemu.QemuError as e:
            print(f"bench: {e}", file=sys.stderr)
            return 1
        p = parse(r.serial_text)
        p["accel"] = env.accel = r.accel
        p["kernel"] = bench_common.tessera_kernel(r.serial_text)
        bad = "" if p["done"] else f"  (no '{DONE}': exit {r.exit_code}, timed_out={r.timed_out}, log {log})"
        print(f"run {i}/{a.runs}: {len([x for x in p['rows'].values() if 'median' in x])} rows, "
              f"{r.elapsed:.1f} s{bad}", flush=True)
        if p["done"]:
            runs.append(p)
    if not runs:
        print("bench: exobench never finished; see the logs above", file=sys.stderr)
        return 1

    hzs = [p["hz"] for p in runs if p["hz"]]
    hz = int(statistics.median(hzs)) if hzs else None  # exo's calibration: noisy under TCG
    mode = ("icount: guest instructions" if a.icount else
            f"{runs[0]['accel']}: TSC ticks at {hz / 1e9:.3f} GHz" if hz else runs[0]["accel"])
    print(f"\nexo microbenchmarks, median of {len(runs)} run(s) of each row's median of n samples "
          f"({mode}; {'OVMF' if a.ovmf else 'direct PVH'}):")
    names = [n for n, _ in ROWS] + sorted({k for p in runs for k in p["rows"]} - {n for n, _ in ROWS})
    what = dict(ROWS)
    med = {}
    table = []
    for name in names:
        vals = [p["rows"][name]["median"] for p in runs if "median" in p["rows"].get(name, {})]
        na = next((p["rows"][name]["na"] for p in runs if "na" in p["rows"].get(name, {})), None)
        if vals:
            med[name] = int(statistics.median(vals))
        table.append((name, vals, na))
    # One libOS call, from the batch (a single one is at the timer's resolution under TCG).
    base = med["libos_call_x100"] / 100 if med.get("libos_call_x100") else med.get("libos_call")
    print(f"  {'row':<18} {'median':>10} {'unit':<6} {'x libOS call':>12}  {'spread':<20} what"
          f"{' (~ns at the TSC rate)' if hz and not a.icount else ''}")
    for name, vals, na in table:
        if name in med:
            m = med[name]
            x = f"{m / base:.1f}" if base else "-"
            spread = f"[{min(vals)} .. {max(vals)}]"
            ns = f" ~{m * 1e9 / hz:,.0f} ns" if hz and not a.icount else ""
            print(f"  {name:<18} {m:>10} {unit:<6} {x:>12}  {spread:<20} {what.get(name, '')}{ns}")
        else:
            print(f"  {name:<18} {'n/a':>10} {'':<6} {'':>12}  {'(' + (na or 'not printed') + ')':<20} "
                  f"{what.get(name, '')}")
    if med.get("libos_call_x100") and med.get("null_call_x100"):
        t, c = med["null_call_x100"] / 100, med["libos_call_x100"] / 100
        print(f"  trap vs libOS call (per call, from the x100 rows): {t:.1f} vs {c:.2f} {unit}"
              f" = {t / c:.1f}x")
    if a.icount and len(runs) > 1:
        same = all(len({p["rows"].get(n, {}).get("median") for p in runs}) == 1 for n in med)
        print(f"  instruction counts identical across runs: {'yes' if same else 'NO'}")

    os.makedirs(os.path.dirname(os.path.abspath(a.csv)), exist_ok=True)
    with open(a.csv, "w", newline="") as f:
        f.write(f"# exobench, cmdline '{CMDLINE}', {'OVMF' if a.ovmf else 'direct PVH'}, "
                f"{mode}; unit {unit}\n")
        f.write(env.comment([p["kernel"] for p in runs]))
        extra = [k for k in bench_common.ENV_FIELDS if k not in ("accel", "icount")]
        w = csv.writer(f)
        w.writerow(["run", "accel", "icount", "row", "median", "min", "n", "status"] + extra)
        for i, p in enumerate(runs, 1):
            tail = [env.columns(p["kernel"])[k] for k in extra]
            for name in names:
                x = p["rows"].get(name, {"na": "not printed"})
                w.writerow([i, p["accel"], int(a.icount), name, x.get("median", ""),
                            x.get("min", "") if x.get("min") is not None else "",
                            x.get("n", ""), x.get("na", "ok")] + tail)
        tail = [env.columns(runs[0]["kernel"])[k] for k in extra]
        for name in names:
            w.writerow(["median", runs[0]["accel"], int(a.icount), name, med.get(name, ""), "",
                        "", "ok" if name in med else "n/a"] + tail)
    print(f"wrote {a.csv}")
    plot(med, names, a.csv, unit, mode)
    return 0


def plot(med: dict, names: list, csv_path: str, unit: str, mode: str) -> None:
    rows = [n for n in names if n in med]
    bench_common.barh_png(rows, [med[n] for n in rows],
                          f"Tessera exo microbenchmarks (median; {mode})", unit, csv_path,
                          annotate=True)


if __name__ == "__main__":
    sys.exit(main())
