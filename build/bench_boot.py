#!/usr/bin/env python3
"""bench_boot.py: `./tessera bench boot`. Boots the image N times with cmdline `poweroff` and
reports the median of each boot phase. Nothing here is ever asserted; it only measures.

  (a) QEMU spawn -> loader entry   host clock, spawn to the serial line `tessera-efi: start`
  (b) loader entry -> exo entry    guest TSC, from the kernel's line
  (c) exo entry -> banner          `exo: boot-times tsc_hz=H loader_entry=T exit_boot=T
                                         exo_entry=T banner=T`
  QEMU start -> banner             host clock, spawn to exo's banner on the serial port
  total                            host clock, spawn to QEMU exit (power-off)

With --direct QEMU boots exo.elf through its PVH entry (-kernel, no OVMF, no disk): there is
no loader, so (a) is not seen and (b) is 0; the host-clock phases compare the two paths.

With --prompt: boot to the shell prompt instead (bench_prompt.py: the default boot with the
ext2 root, askfirst's prompt, Enter, `/ # `; and "SSH ready", the first `ssh true` from the host),
beside Linux's kernel -> /init; results/boot-prompt.csv.

With --icount QEMU runs with `-icount shift=0`: one guest instruction = one ns of virtual time,
and the TCG TSC counts virtual ns, so the TSC deltas are instruction counts and repeat exactly.
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

LOADER_MARK = "tessera-efi: start"
BANNER_MARK = "Tessera exo "
TIMES_RE = re.compile(r"exo: boot-times tsc_hz=(\d+) loader_entry=(\d+) exit_boot=(\d+) "
                      r"exo_entry=(\d+) banner=(\d+)")


def measure(r: "qemu.Result", icount: bool) -> dict:
    row = {"exit_code": r.exit_code, "spawn_to_loader_ms": None, "loader_to_exo": None,
           "loader_to_exit_boot": None, "exo_to_banner": None, "spawn_to_banner_ms": None,
           "total_ms": round(r.elapsed * 1000, 1)}
    for mark, key in ((LOADER_MARK, "spawn_to_loader_ms"), (BANNER_MARK, "spawn_to_banner_ms")):
        hit = r.first(mark)
        if hit:
            row[key] = round(hit[0] * 1000, 1)
    m = TIMES_RE.search(r.serial_text)
    if m:
        hz, loader, exit_boot, exo, banner = map(int, m.groups())
        # icount: raw deltas are instructions; otherwise convert ticks to milliseconds.
        conv = (lambda d: d) if icount else (lambda d: round(d * 1000 / hz, 3) if hz else None)
        row["loader_to_exo"] = conv(exo - loader)
        row["loader_to_exit_boot"] = conv(exit_boot - loader)
        row["exo_to_banner"] = conv(banner - exo)
    return row


PHASES = [("spawn_to_loader_ms", "(a) QEMU start -> loader entry", "ms"),
          ("loader_to_exo", "(b) loader entry -> exo entry", None),
          ("loader_to_exit_boot", "    of which loader -> ExitBootServices", None),
          ("exo_to_banner", "(c) exo entry -> banner", None),
          ("spawn_to_banner_ms", "QEMU start -> banner (host clock)", "ms"),
          ("total_ms", "total: QEMU start -> power-off", "ms")]


def median(rows, key):
    vals = [r[key] for r in rows if r[key] is not None]
    if not vals:
        return None
    m = statistics.median(vals)
    return int(m) if float(m).is_integer() and all(isinstance(v, int) for v in vals) else round(m, 3)


def main() -> int:
    ap = bench_common.parser("tessera bench boot", __doc__, runs=5, timeout=180)
    ap.add_argument("--direct", action="store_true",
                    help="boot exo.elf through PVH (QEMU -kernel) instead of OVMF + the disk")
    ap.add_argument("--prompt", action="store_true",
                    help="boot to the shell prompt (PVH, the image as the disk), beside Linux")
    ap.add_argument("--csv", default=None,
                    help="default results/boot.csv (results/boot-direct.csv with --direct)")
    a = bench_common.parse(ap)
    if a is None:
        return 0
    if a.prompt:
        import bench_prompt
        return bench_prompt.run(a)
    guest_unit = "insns" if a.icount else "ms"
    mode = "-direct" if a.direct else ""
    a.csv = a.csv or os.path.join(qemu.REPO, "results", f"boot{mode}.csv")

    rows = []
    env = bench_common.Env(qemu.choose_accel(a.accel), a.icount)
    for i in range(1, a.runs + 1):
        try:
            log = f"bench-boot{mode}{'-icount' if a.icount else ''}-{i}.log"
            r = qemu.boot(None if a.direct else a.image, cmdline="poweroff", timeout=a.timeout,
                          accel=a.accel, icount=a.icount, direct=a.direct,
                          log_path=os.path.join(qemu.build_dir(), "logs", log))
        except qemu.QemuError as e:
            print(f"bench: {e}", file=sys.stderr)
            return 1
        env.accel = r.accel
        row = {"run": i, **measure(r, a.icount),
               **env.columns(bench_common.tessera_kernel(r.serial_text))}
        rows.append(row)
        note = "" if r.exit_code == 0 else f"  (exit {r.exit_code}, timed_out={r.timed_out}, log {r.log_path})"
        print(f"run {i}/{a.runs}: total {row['total_ms']} ms{note}", flush=True)

    print(f"\nboot phases, median of {a.runs} ({rows[0]['accel']}{', icount' if a.icount else ''}"
          f"{', direct PVH' if a.direct else ', OVMF'}):")
    med = {"run": "median", "exit_code": "", **env.columns(rows[0]["guest_kernel"])}
    for key, label, unit in PHASES:
        m = median(rows, key)
        med[key] = m
        vals = [r[key] for r in rows if r[key] is not None]
        spread = f"[{min(vals)} .. {max(vals)}]" if vals else "(not seen)"
        print(f"  {label:<42} {'-' if m is None else m:>14} {unit or guest_unit:<5} {spread}")
    if a.icount:
        same = all(len({r[k] for r in rows}) == 1 for k in ("loader_to_exo", "exo_to_banner"))
        print(f"  guest instruction counts identical across runs: {'yes' if same else 'NO'}")
    if not a.direct and not any(r["spawn_to_loader_ms"] for r in rows):
        print(f"bench: never saw {LOADER_MARK!r}; see out/logs/bench-boot-*.log", file=sys.stderr)

    os.makedirs(os.path.dirname(os.path.abspath(a.csv)), exist_ok=True)
    fields = (["run", "accel", "icount", "exit_code"] + [k for k, _, _ in PHASES] +
              [k for k in bench_common.ENV_FIELDS if k not in ("accel", "icount")])
    with open(a.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        f.write(f"# guest phases (loader_to_exo, loader_to_exit_boot, exo_to_banner) in {guest_unit}\n")
        f.write(env.comment([r["guest_kernel"] for r in rows]))
        w.writeheader()
        w.writerows(rows + [med])
    print(f"wrote {a.csv}")
    plot(med, a.csv, guest_unit)
    return 0 if any(r["exit_code"] == 0 for r in rows) else 1


def plot(med: dict, csv_path: str, guest_unit: str) -> None:
    keys = [(k, l.strip(), u or guest_unit) for k, l, u in PHASES if med.get(k) is not None]
    bench_common.barh_png([f"{l} [{u}]" for _, l, u in keys], [med[k] for k, _, _ in keys],
                          "Tessera boot phases (median)", "", csv_path)


if __name__ == "__main__":
    sys.exit(main())
