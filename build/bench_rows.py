"""bench_rows.py: the rows the side-by-side guest benchmarks share (`bench posix`,
`bench file`): one C source prints, in Tessera and in the Linux guest alike,

    NAME: guest=G op=OP iters=N ns_per_op=X exo_calls_per_op=Y
    NAME: guest=G op=OP unsupported|failed errno=E
    NAME: kernel release=R version=V
    NAME: done

and this module parses those lines, takes the median per (guest, op) over the runs, says why a
row is missing, and writes the CSV rows and the PNG; each script keeps its own table, header
and boots. A guest is a word, hyphens allowed (`bench linux`'s "tessera-trap"); the guests are
linux and tessera unless a script names its own."""
import csv
import os
import re
import statistics
from typing import Callable, Dict, List, Optional, Tuple

import bench_common
import qemu

GUESTS = ["linux", "tessera"]
CSV_COLUMNS = (["run", "guest", "op", "iters", "ns_per_op", "exo_calls_per_op", "status"] +
               bench_common.ENV_FIELDS)


def boot_guest(a, bench: str, g: str, i: int, parse_text: Callable[[str, str], dict], *,
               mem: str, linux_append: str, tessera_cmdline: str,
               files: Optional[Tuple[str, str]], extra: Optional[List[str]] = None) -> dict:
    """Run i of guest g ("linux": Debian's kernel with files = (kernel, initramfs); any other
    name: Tessera's image), both direct-booted with the same memory and extra QEMU arguments.
    parse_text(serial text, g) gives the parsed rows and sets 'done'; a boot that fails is an
    empty run, said on the console."""
    log = os.path.join(qemu.build_dir(), "logs", f"bench-{bench}-{g}-{i}.log")
    linux = g == "linux"
    try:
        r = qemu.boot(None, mem=mem, cmdline=linux_append if linux else tessera_cmdline,
                      timeout=a.timeout, accel=a.accel, icount=a.icount, log_path=log,
                      direct=True, direct_files=files if linux else None, extra=extra)
    except qemu.QemuError as e:
        print(f"run {i}/{a.runs} {g}: cannot boot ({e})", flush=True)
        return parse_text("", g)
    p = parse_text(r.serial_text, g)
    if not linux:
        p["kernel"] = bench_common.tessera_kernel(r.serial_text)
    bad = "" if p["done"] else f"  (not done: exit {r.exit_code}, log {log})"
    print(f"run {i}/{a.runs} {g}: {len(p['rows'])} rows, {r.elapsed:.1f} s{bad}", flush=True)
    return p


def parse(text: str, name: str) -> dict:
    """{'rows': {(guest, op): {...}}, 'missing': {(guest, op): 'unsupported errno=38'},
    'done': bool, 'kernel': str or None} from the lines `name` printed."""
    n = re.escape(name)
    out = {"rows": {}, "missing": {}, "done": f"{name}: done" in text, "kernel": None}
    for m in re.finditer(n + r": guest=([\w-]+) op=(\w+) iters=(\d+) ns_per_op=([\d.]+) "
                         r"exo_calls_per_op=(-?[\d.]+)", text):
        out["rows"][(m[1], m[2])] = {"iters": int(m[3]), "ns_per_op": float(m[4]),
                                     "exo_calls_per_op": float(m[5])}
    for m in re.finditer(n + r": guest=([\w-]+) op=(\w+) (unsupported|failed) errno=(\d+)", text):
        out["missing"][(m[1], m[2])] = f"{m[3]} errno={m[4]}"
    k = re.search(n + r": kernel release=(\S+) version=(.*)", text)
    if k:
        out["kernel"] = f"linux {k[1]} {k[2].strip()}"
    return out


def summarise(runs: Dict[str, List[dict]], ops: List[str],
              guests: List[str] = GUESTS) -> Dict[Tuple[str, str], dict]:
    """{(guest, op): median row} over the runs that have the row."""
    med = {}
    for g in guests:
        for op in ops:
            rows = [p["rows"][(g, op)] for p in runs.get(g, []) if (g, op) in p["rows"]]
            if rows:
                med[(g, op)] = {
                    "iters": rows[0]["iters"], "n": len(rows),
                    "ns_per_op": statistics.median(r["ns_per_op"] for r in rows),
                    "exo_calls_per_op": statistics.median(r["exo_calls_per_op"] for r in rows)}
    return med


def why_missing(runs: Dict[str, List[dict]], g: str, op: str) -> str:
    for p in runs.get(g, []):
        if (g, op) in p["missing"]:
            return p["missing"][(g, op)]
    return "no row" if runs.get(g) else "guest did not run"


def kernels(runs: Dict[str, List[dict]], guests: List[str] = GUESTS) -> Dict[str, str]:
    return {g: next((p["kernel"] for p in runs.get(g, []) if p.get("kernel")), "?")
            for g in guests}


def write_csv(path: str, header: str, runs: Dict[str, List[dict]],
              med: Dict[Tuple[str, str], dict], ops: List[str], env: "bench_common.Env",
              guests: List[str] = GUESTS) -> None:
    """header (one comment line), the run's environment, then every run's rows and the medians."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    kern = kernels(runs, guests)
    with open(path, "w", newline="") as f:
        f.write(header)
        f.write(env.comment(list(kern.values())))
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for g in guests:
            tail = list(env.columns(kern[g]).values())
            for i, p in enumerate(runs.get(g, []), 1):
                for op in ops:
                    r = p["rows"].get((g, op))
                    if r:
                        w.writerow([i, g, op, r["iters"], r["ns_per_op"], r["exo_calls_per_op"],
                                    "ok"] + tail)
                    else:
                        w.writerow([i, g, op, "", "", "", p["missing"].get((g, op), "no row")] +
                                   tail)
            for op in ops:
                m = med.get((g, op))
                if m:
                    w.writerow(["median", g, op, m["iters"], m["ns_per_op"],
                                m["exo_calls_per_op"], "ok"] + tail)
    print(f"wrote {path}")


def plot(med: Dict[Tuple[str, str], dict], ops: List[str], title: str, csv_path: str,
         icount: bool, guests: List[str] = GUESTS) -> None:
    labels, values = [], []
    for op in ops:
        for g in guests:
            if (g, op) in med:
                labels.append(f"{op} {g}")
                values.append(med[(g, op)]["ns_per_op"])
    bench_common.barh_png(labels, values, title,
                          "guest instructions per op" if icount else "ns per op", csv_path,
                          annotate=True)
