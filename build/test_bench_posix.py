#!/usr/bin/env python3
"""test_bench_posix.py: ctest `build.bench_posix`. What `./tessera bench posix` does with what
the guests print, with exact values and no QEMU: canned serial logs of both guests (Tessera
lacking some operations, as it does while the libOS grows) go through parse, summarise, table
and the CSV (its columns, bench_common.ENV_FIELDS included); and the bench's one source
compiles for the Linux guest with -Wall -Wextra -Werror.
"""
import csv
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402
import bench_posix as bp  # noqa: E402

LINUX = """posixbench: kernel release=6.1.0-57-amd64 version=#1 SMP Debian
posixbench: guest=linux op=getpid iters=20000 ns_per_op=348.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=clock_gettime iters=20000 ns_per_op=83.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=pipe_round_trip iters=2000 ns_per_op=10283.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=pread_4k iters=5000 ns_per_op=1883.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=fork_exit_wait iters=50 ns_per_op=114124.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=fork_exec_wait iters=30 ns_per_op=300000.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=mmap_touch_munmap_1m iters=50 ns_per_op=90000.0 exo_calls_per_op=-1.00
posixbench: done
"""
TESSERA = """posixbench: guest=tessera op=getpid iters=20000 ns_per_op=12.0 exo_calls_per_op=0.00
posixbench: guest=tessera op=clock_gettime iters=20000 ns_per_op=30.0 exo_calls_per_op=0.00
posixbench: guest=tessera op=pipe_round_trip unsupported errno=38
posixbench: guest=tessera op=pread_4k unsupported errno=38
posixbench: guest=tessera op=fork_exit_wait unsupported errno=38
posixbench: guest=tessera op=fork_exec_wait unsupported errno=38
posixbench: guest=tessera op=mmap_touch_munmap_1m iters=50 ns_per_op=45000.0 exo_calls_per_op=512.00
posixbench: done
"""
failed = 0


def check(name, got, want):
    global failed
    if got != want:
        failed += 1
        print(f"FAIL {name}:\n  got  {got!r}\n  want {want!r}")


def main():
    L, T = bp.parse(LINUX), bp.parse(TESSERA)
    check("linux rows", len(L["rows"]), 7)
    check("linux kernel", L["kernel"], "linux 6.1.0-57-amd64 #1 SMP Debian")
    check("linux done", L["done"], True)
    check("tessera rows", sorted(op for _, op in T["rows"]),
          ["clock_gettime", "getpid", "mmap_touch_munmap_1m"])
    check("tessera missing", T["missing"][("tessera", "pipe_round_trip")], "unsupported errno=38")
    check("tessera getpid", T["rows"][("tessera", "getpid")],
          {"iters": 20000, "ns_per_op": 12.0, "exo_calls_per_op": 0.0})
    T2 = bp.parse(TESSERA.replace("ns_per_op=12.0", "ns_per_op=14.0"))
    runs = {"linux": [L, L, L], "tessera": [T, T2, T2]}
    med = bp.summarise(runs)
    check("median getpid", med[("tessera", "getpid")]["ns_per_op"], 14.0)
    check("median n", med[("tessera", "getpid")]["n"], 3)
    check("no tessera pread", ("tessera", "pread_4k") in med, False)
    lines = bp.table(med, runs, icount=True)
    getpid = next(l for l in lines if l.strip().startswith("getpid"))
    check("getpid line", getpid.split(), ["getpid", "348.0", "14.0", "x0.04", "0.00", "30"])
    pread = next(l for l in lines if l.strip().startswith("pread_4k"))
    check("pread line", pread.split()[-3:], ["(tessera:", "unsupported", "errno=38)"])
    fork = next(l for l in lines if l.strip().startswith("fork_exit_wait"))
    check("fork aim", "<=linux" in fork, True)
    env = bench_common.Env("tcg", True, qemu_ver="7.2.0", cpu="Test CPU", load=0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "posix.csv")
        bp.write_csv(path, runs, med, "icount", env)
        with open(path) as f:
            text = f.read()
        body = [l for l in text.splitlines() if not l.startswith("#")]
        rows = list(csv.reader(body))
        check("csv columns", rows[0], bp.CSV_COLUMNS)
        check("csv env columns", rows[0][-len(bench_common.ENV_FIELDS):], bench_common.ENV_FIELDS)
        # 3 runs x 7 ops x 2 guests, then medians: 7 linux + 3 tessera
        check("csv rows", len(rows) - 1, 3 * 7 * 2 + 7 + 3)
        t_pipe = [r for r in rows if r[:3] == ["1", "tessera", "pipe_round_trip"]][0]
        check("csv missing row", t_pipe[6], "unsupported errno=38")
        med_row = [r for r in rows if r[:3] == ["median", "tessera", "getpid"]][0]
        check("csv median", med_row[3:7], ["20000", "14.0", "0.0", "ok"])
        check("csv kernel", med_row[-1], "?")
        l_row = [r for r in rows if r[:3] == ["median", "linux", "getpid"]][0]
        check("csv linux kernel", l_row[-1], "linux 6.1.0-57-amd64 #1 SMP Debian")
        exe = os.path.join(tmp, "pb")
        r = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe,
                            bp.SRC], capture_output=True, text=True)
        check("linux guest compiles", (r.returncode, r.stderr), (0, ""))
    print(f"{'FAIL' if failed else 'ok'}: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
