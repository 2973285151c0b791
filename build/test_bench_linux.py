#!/usr/bin/env python3
"""test_bench_linux.py: ctest `build.bench_linux`. What `./tessera bench linux` does with what
the guests print, with exact values and no QEMU: a canned Linux serial log and a canned Tessera
one (both runs of the binary, rewritten and trapped, with their probes' exit reports and lxrun's
lines between; the trapped run lacking an operation) go through parse, summarise, table and the
CSV (its columns, bench_common.ENV_FIELDS included); and the binary's one source compiles as
apps/linux/CMakeLists.txt builds it (gcc -static -pthread -O2 -Wall -Wextra -Werror).
"""
import csv
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402
import bench_linux as bl  # noqa: E402

LINUX = """posixbench: kernel release=6.1.0-57-amd64 version=#1 SMP Debian
posixbench: guest=linux op=getpid iters=20000 ns_per_op=348.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=clock_gettime iters=20000 ns_per_op=83.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=pipe_round_trip iters=2000 ns_per_op=10283.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=pread_4k iters=5000 ns_per_op=1883.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=fork_exit_wait iters=50 ns_per_op=264342.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=fork_exec_wait iters=30 ns_per_op=760310.0 exo_calls_per_op=-1.00
posixbench: guest=linux op=mmap_touch_munmap_1m iters=50 ns_per_op=2032454.0 exo_calls_per_op=-1.00
posixbench: done
"""
TESSERA = """Tessera exo 0.1.0 (x86_64)\r
=== lx_posixbench:tessera\r
posixbench: guest=tessera op=getpid iters=20000 ns_per_op=58.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera op=clock_gettime iters=20000 ns_per_op=95.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera op=pipe_round_trip iters=2000 ns_per_op=9000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera op=pread_4k iters=5000 ns_per_op=5300.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera op=fork_exit_wait iters=50 ns_per_op=900000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera op=fork_exec_wait iters=30 ns_per_op=4000000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera op=mmap_touch_munmap_1m iters=50 ns_per_op=1500000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera probe\r
linux: 1003 calls direct, 4 trapped; 812 sites rewritten, 3 red zone, 1 unsure, 0 prefixed, 0 over the table\r
posixbench: guest=tessera probe exit 0\r
posixbench: done\r
=== lx_posixbench:tessera: exit 0\r
=== lx_posixbench:tessera-trap\r
posixbench: guest=tessera-trap op=getpid iters=20000 ns_per_op=412.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera-trap op=clock_gettime iters=20000 ns_per_op=430.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera-trap op=pipe_round_trip iters=2000 ns_per_op=11000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera-trap op=pread_4k iters=5000 ns_per_op=5700.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera-trap op=fork_exit_wait iters=50 ns_per_op=950000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera-trap op=fork_exec_wait unsupported errno=10\r
posixbench: guest=tessera-trap op=mmap_touch_munmap_1m iters=50 ns_per_op=1600000.0 exo_calls_per_op=-1.00\r
posixbench: guest=tessera-trap probe\r
linux: 0 calls direct, 1007 trapped; 0 sites rewritten, 0 red zone, 0 unsure, 0 prefixed, 0 over the table\r
posixbench: guest=tessera-trap probe exit 0\r
posixbench: done\r
=== lx_posixbench:tessera-trap: exit 0\r
"""
failed = 0


def check(name, got, want):
    global failed
    if got != want:
        failed += 1
        print(f"FAIL {name}:\n  got  {got!r}\n  want {want!r}")


def main():
    L, T = bl.parse(LINUX), bl.parse(TESSERA)
    check("linux rows", len(L["rows"]), 7)
    check("linux kernel", L["kernel"], "linux 6.1.0-57-amd64 #1 SMP Debian")
    check("linux dones", L["dones"], 1)
    check("linux probes", L["probes"], {})
    check("tessera dones", T["dones"], 2)
    check("tessera rows", len(T["rows"]), 13)
    check("tessera trap getpid", T["rows"][("tessera-trap", "getpid")],
          {"iters": 20000, "ns_per_op": 412.0, "exo_calls_per_op": -1.0})
    check("tessera trap missing", T["missing"],
          {("tessera-trap", "fork_exec_wait"): "unsupported errno=10"})
    check("probes", T["probes"], {"tessera": (1003, 4, 812), "tessera-trap": (0, 1007, 0)})
    T2 = bl.parse(TESSERA.replace("ns_per_op=58.0", "ns_per_op=54.0"))
    T3 = bl.parse(TESSERA.replace("ns_per_op=58.0", "ns_per_op=70.0"))
    runs = {"linux": [L, L, L], "tessera": [T, T2, T3], "tessera-trap": [T, T2, T3]}
    med = bl.summarise(runs)
    check("median getpid", med[("tessera", "getpid")]["ns_per_op"], 58.0)
    check("median n", med[("tessera-trap", "getpid")]["n"], 3)
    check("no trapped exec", ("tessera-trap", "fork_exec_wait") in med, False)
    lines = bl.table(med, runs, icount=True)
    check("header", lines[0].split(), ["operation", "linux", "instr", "tessera", "instr", "ratio",
                                       "trapped", "instr", "ratio", "aim"])
    getpid = next(l for l in lines if l.strip().startswith("getpid"))
    check("getpid line", getpid.split(),
          ["getpid", "348.0", "58.0", "x0.17", "412.0", "x1.18", "60/450"])
    clock = next(l for l in lines if l.strip().startswith("clock_gettime"))
    check("clock line", clock.split(), ["clock_gettime", "83.0", "95.0", "x1.14", "430.0", "x5.18",
                                        "40"])
    ex = next(l for l in lines if l.strip().startswith("fork_exec_wait"))
    check("exec line", ex.split(), ["fork_exec_wait", "760,310.0", "4,000,000.0", "x5.26", "-",
                                    "-", "<=linux", "(tessera-trap:", "unsupported", "errno=10)"])
    mm = next(l for l in lines if l.strip().startswith("mmap"))
    check("mmap aim", mm.split()[-1], "-")
    check("probe lines", lines[-2:],
          ["  tessera probe (1000 getpid, TESSERA_LINUX_STATS=1): 1003 calls direct, 4 trapped; "
           "812 sites rewritten",
           "  tessera-trap probe (1000 getpid, TESSERA_LINUX_STATS=1): 0 calls direct, 1007 "
           "trapped; 0 sites rewritten"])
    tcg = bl.table(med, runs, icount=False)
    check("tcg getpid", next(l for l in tcg if l.strip().startswith("getpid")).split(),
          ["getpid", "348.0", "58.0", "x0.17", "412.0", "x1.18"])
    only = {"tessera": [T], "tessera-trap": [T]}
    o = bl.table(bl.summarise(only), only, icount=False)
    check("only tessera", next(l for l in o if l.strip().startswith("getpid")).split(),
          ["getpid", "-", "58.0", "-", "412.0", "-", "(linux:", "guest", "did", "not", "run)"])
    env = bench_common.Env("tcg", True, qemu_ver="7.2.0", cpu="Test CPU", load=0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "linux.csv")
        bl.write_csv(path, runs, med, "icount", env)
        with open(path) as f:
            text = f.read()
        head = text.splitlines()[0]
        check("csv probe comment", "tessera probe 1003 direct 4 trapped 812 sites; tessera-trap "
              "probe 0 direct 1007 trapped 0 sites" in head, True)
        body = [l for l in text.splitlines() if not l.startswith("#")]
        rows = list(csv.reader(body))
        check("csv columns", rows[0], bl.CSV_COLUMNS)
        check("csv env columns", rows[0][-len(bench_common.ENV_FIELDS):], bench_common.ENV_FIELDS)
        # 3 runs x 7 ops x 3 guests, then medians: 7 + 7 + 6
        check("csv rows", len(rows) - 1, 3 * 7 * 3 + 7 + 7 + 6)
        t_exec = [r for r in rows if r[:3] == ["2", "tessera-trap", "fork_exec_wait"]][0]
        check("csv missing row", t_exec[3:7], ["", "", "", "unsupported errno=10"])
        med_row = [r for r in rows if r[:3] == ["median", "tessera-trap", "getpid"]][0]
        check("csv median", med_row[3:7], ["20000", "412.0", "-1.0", "ok"])
        check("csv env values", med_row[7:11], ["tcg", "1", "7.2.0", "Test CPU"])
        check("csv tessera kernel", med_row[-1], "?")
        l_row = [r for r in rows if r[:3] == ["median", "linux", "getpid"]][0]
        check("csv linux kernel", l_row[-1], "linux 6.1.0-57-amd64 #1 SMP Debian")
        exe = os.path.join(tmp, "pb")
        r = subprocess.run(["gcc", "-static", "-pthread", "-O2", "-Wall", "-Wextra", "-Werror",
                            "-o", exe, bl.SRC], capture_output=True, text=True)
        check("linux binary compiles", (r.returncode, r.stderr), (0, ""))
    print(f"{'FAIL' if failed else 'ok'}: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
