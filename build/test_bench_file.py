#!/usr/bin/env python3
"""test_bench_file.py: ctest `build.bench_file`. What `./tessera bench file` does with what the
guests print, with exact values and no QEMU: canned serial logs of both guests (Tessera failing
one operation) go through parse, summarise, table and the CSV (its columns,
bench_common.ENV_FIELDS included); and the bench's one source compiles for the Linux guest with
-Wall -Wextra -Werror.
"""
import csv
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402
import bench_file as bf  # noqa: E402

LINUX = """filebench: kernel release=6.1.0-57-amd64 version=#1 SMP Debian
filebench: guest=linux op=pread_cached_4k iters=2000 ns_per_op=1900.0 exo_calls_per_op=-1.00
filebench: guest=linux op=create_write_unlink_4k iters=200 ns_per_op=40000.0 exo_calls_per_op=-1.00
filebench: guest=linux op=seq_write_64m_fsync iters=1 ns_per_op=900000000.0 exo_calls_per_op=-1.00
filebench: guest=linux op=rand_read_4k iters=1000 ns_per_op=60000.0 exo_calls_per_op=-1.00
filebench: done
"""
TESSERA = """filebench: guest=tessera op=pread_cached_4k iters=2000 ns_per_op=950.0 exo_calls_per_op=2.00
filebench: guest=tessera op=create_write_unlink_4k iters=200 ns_per_op=80000.0 exo_calls_per_op=12.50
filebench: guest=tessera op=seq_write_64m_fsync failed errno=28
filebench: guest=tessera op=rand_read_4k iters=1000 ns_per_op=30000.0 exo_calls_per_op=6.00
filebench: done
"""
failed = 0


def check(name, got, want):
    global failed
    if got != want:
        failed += 1
        print(f"FAIL {name}:\n  got  {got!r}\n  want {want!r}")


def main():
    L, T = bf.parse(LINUX), bf.parse(TESSERA)
    check("linux rows", len(L["rows"]), 4)
    check("linux kernel", L["kernel"], "linux 6.1.0-57-amd64 #1 SMP Debian")
    check("linux done", L["done"], True)
    check("tessera rows", sorted(op for _, op in T["rows"]),
          ["create_write_unlink_4k", "pread_cached_4k", "rand_read_4k"])
    check("tessera missing", T["missing"][("tessera", "seq_write_64m_fsync")], "failed errno=28")
    check("tessera pread", T["rows"][("tessera", "pread_cached_4k")],
          {"iters": 2000, "ns_per_op": 950.0, "exo_calls_per_op": 2.0})
    T2 = bf.parse(TESSERA.replace("ns_per_op=950.0", "ns_per_op=1000.0"))
    runs = {"linux": [L, L, L], "tessera": [T, T2, T2]}
    med = bf.summarise(runs)
    check("median pread", med[("tessera", "pread_cached_4k")]["ns_per_op"], 1000.0)
    check("median n", med[("tessera", "pread_cached_4k")]["n"], 3)
    check("no tessera seq", ("tessera", "seq_write_64m_fsync") in med, False)
    lines = bf.table(med, runs, icount=True)
    check("header", lines[0].split()[:4], ["operation", "linux", "instr", "tessera"])
    pread = next(l for l in lines if l.strip().startswith("pread_cached_4k"))
    check("pread line", pread.split(), ["pread_cached_4k", "1,900.0", "1,000.0", "x0.53", "2.00",
                                        "ahead"])
    cwu = next(l for l in lines if l.strip().startswith("create_write"))
    check("create line", cwu.split()[-3:], ["x2.00", "12.50", "BEHIND"])
    seq = next(l for l in lines if l.strip().startswith("seq_write"))
    check("seq line", seq.split()[-3:], ["(tessera:", "failed", "errno=28)"])
    env = bench_common.Env("tcg", True, qemu_ver="7.2.0", cpu="Test CPU", load=0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "file.csv")
        bf.write_csv(path, runs, med, "icount", env)
        with open(path) as f:
            text = f.read()
        body = [l for l in text.splitlines() if not l.startswith("#")]
        rows = list(csv.reader(body))
        check("csv columns", rows[0], bf.CSV_COLUMNS)
        check("csv env columns", rows[0][-len(bench_common.ENV_FIELDS):], bench_common.ENV_FIELDS)
        # 3 runs x 4 ops x 2 guests, then medians: 4 linux + 3 tessera
        check("csv rows", len(rows) - 1, 3 * 4 * 2 + 4 + 3)
        t_seq = [r for r in rows if r[:3] == ["1", "tessera", "seq_write_64m_fsync"]][0]
        check("csv missing row", t_seq[6], "failed errno=28")
        med_row = [r for r in rows if r[:3] == ["median", "tessera", "pread_cached_4k"]][0]
        check("csv median", med_row[3:7], ["2000", "1000.0", "2.0", "ok"])
        check("csv env", med_row[7:11], ["tcg", "1", "7.2.0", "Test CPU"])
        l_row = [r for r in rows if r[:3] == ["median", "linux", "rand_read_4k"]][0]
        check("csv linux", l_row[3:7], ["1000", "60000.0", "-1.0", "ok"])
        check("csv linux kernel", l_row[-1], "linux 6.1.0-57-amd64 #1 SMP Debian")
        exe = os.path.join(tmp, "fb")
        r = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe,
                            bf.SRC], capture_output=True, text=True)
        check("linux guest compiles", (r.returncode, r.stderr), (0, ""))
    print(f"{'FAIL' if failed else 'ok'}: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
