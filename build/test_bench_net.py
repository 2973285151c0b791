#!/usr/bin/env python3
"""test_bench_net.py: ctest `build.bench_net`. What `./tessera bench net` does with what the
guests print and the host measures, with exact values and no QEMU: canned serial logs (Linux
with every operation; Tessera with none, as while its sockets are missing, and with some, as
once they come) and canned host measurements go through parse, value, summarise, table and
the CSV (its columns, bench_common.ENV_FIELDS included). The bench's one source compiles for
the Linux guest with -Wall -Wextra -Werror, and, run on the host as an ordinary process
(`--port-base N`), serves bench_net's driver: the byte, round-trip and connection counts both
sides report are checked exactly (no time is asserted), and a driver that finds no server
reports it and tries nothing after.
"""
import csv
import os
import random
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # noqa: E402
import bench_net as bn  # noqa: E402

MIB16 = 16 << 20
LINUX = f"""netbench: kernel release=6.1.0-57-amd64 version=#1 SMP PREEMPT_DYNAMIC Debian
netbench: guest=linux ready ops=tcp_h2g,tcp_g2h,tcp_echo,udp_echo,tcp_connect
netbench: guest=linux op=tcp_h2g count=1 bytes={MIB16} ns=200000000 busy_ns=16384000 exo_calls=-1
netbench: guest=linux op=tcp_g2h count=1 bytes={MIB16} ns=400000000 busy_ns=32768000 exo_calls=-1
netbench: guest=linux op=tcp_echo count=1000 bytes=64000 ns=150000000 busy_ns=30000000 exo_calls=-1
netbench: guest=linux op=udp_echo count=1000 bytes=64000 ns=120000000 busy_ns=20000000 exo_calls=-1
netbench: guest=linux op=tcp_connect count=200 bytes=200 ns=400000000 busy_ns=100000000 exo_calls=-1
netbench: done
"""
TESSERA_NONE = "".join(f"netbench: guest=tessera op={op} unsupported errno=97\n"
                       for op in bn.OPS) + "netbench: guest=tessera ready ops=\nnetbench: done\n"
TESSERA_SOME = f"""netbench: guest=tessera op=udp_echo unsupported errno=93
netbench: guest=tessera ready ops=tcp_h2g,tcp_g2h,tcp_echo,tcp_connect
netbench: guest=tessera op=tcp_h2g count=1 bytes={MIB16} ns=100000000 busy_ns=8192000 exo_calls=2048
netbench: guest=tessera op=tcp_g2h failed errno=104
netbench: guest=tessera op=tcp_echo count=1000 bytes=64000 ns=300000000 busy_ns=60000000 exo_calls=4000
netbench: guest=tessera op=tcp_connect count=200 bytes=200 ns=200000000 busy_ns=-1 exo_calls=1600
netbench: done
"""
LINUX_HOST = {"tcp_h2g": {"count": 1, "bytes": MIB16, "ns": 250000000},
              "tcp_g2h": {"count": 1, "bytes": MIB16, "ns": 500000000},
              "tcp_echo": {"count": 1000, "bytes": 64000, "ns": 200000000},
              "udp_echo": {"count": 1000, "bytes": 64000, "ns": 160000000},
              "tcp_connect": {"count": 200, "bytes": 200, "ns": 500000000}}
failed = 0


def check(name, got, want):
    global failed
    if got != want:
        failed += 1
        print(f"FAIL {name}:\n  got  {got!r}\n  want {want!r}")


def with_host(p, host, missing=None):
    p["host"], p["host_missing"] = dict(host), dict(missing or {})
    return p


def free_base():
    """A port base whose five TCP ports and udp_echo's UDP port are free on 127.0.0.1."""
    for _ in range(50):
        base = random.randrange(20000, 60000)
        try:
            for i, op in enumerate(bn.OPS):
                kind = socket.SOCK_DGRAM if op in bn.UDP_OPS else socket.SOCK_STREAM
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


def wait_ready(proc):
    line = proc.stdout.readline()
    check("host run ready", line.strip(),
          "netbench: guest=linux ready ops=tcp_h2g,tcp_g2h,tcp_echo,udp_echo,tcp_connect")


def canned():
    L, T0, T1 = bn.parse(LINUX), bn.parse(TESSERA_NONE), bn.parse(TESSERA_SOME)
    check("linux rows", len(L["rows"]), 5)
    check("linux ready", L["ready"], bn.OPS)
    check("linux kernel", L["kernel"], "linux 6.1.0-57-amd64 #1 SMP PREEMPT_DYNAMIC Debian")
    check("linux done", L["done"], True)
    check("linux h2g", L["rows"][("linux", "tcp_h2g")],
          {"count": 1, "bytes": MIB16, "ns": 200000000, "busy_ns": 16384000, "exo_calls": -1})
    check("tessera none", (T0["rows"], T0["ready"], T0["done"]), ({}, [], True))
    check("tessera none missing", T0["missing"][("tessera", "tcp_echo")], "unsupported errno=97")
    check("tessera some ready", T1["ready"], ["tcp_h2g", "tcp_g2h", "tcp_echo", "tcp_connect"])
    check("tessera some failed", T1["missing"][("tessera", "tcp_g2h")], "failed errno=104")
    check("tessera exo calls", T1["rows"][("tessera", "tcp_echo")]["exo_calls"], 4000)
    check("no ready line", bn.parse("")["ready"], None)
    # the units: 16 MiB in 0.2 s, 1000 round trips in 0.15 s, 200 connections in 0.4 s
    check("value MiB/s", bn.value("tcp_h2g", 1, MIB16, 200000000), 80.0)
    check("value us/rt", bn.value("udp_echo", 1000, 64000, 120000000), 120.0)
    check("value conn/s", bn.value("tcp_connect", 200, 200, 400000000), 500.0)
    check("value no time", bn.value("tcp_echo", 1000, 64000, 0), None)
    check("value busy ns/KiB", bn.value("tcp_g2h", 1, MIB16, 32768000, "busy"), 2000.0)
    check("value busy ns/rt", bn.value("tcp_echo", 1000, 64000, 30000000, "busy"), 30000.0)
    check("value busy ns/conn", bn.value("tcp_connect", 200, 200, 100000000, "busy"), 500000.0)
    check("units", [bn.unit("udp_echo", "guest"), bn.unit("tcp_h2g", "busy")],
          [("us/rt", "lower"), ("ns/KiB", "lower")])
    check("net args", bn.net_args({op: 40000 + i for i, op in enumerate(bn.OPS)}),
          ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:40000-:5201,hostfwd=tcp:127.0.0.1:"
           "40001-:5202,hostfwd=tcp:127.0.0.1:40002-:5203,hostfwd=udp:127.0.0.1:40003-:5204,"
           "hostfwd=tcp:127.0.0.1:40004-:5205",
           "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"])

    # Today: Tessera has no sockets. Three Linux runs, the host's tcp_h2g slower in one.
    slow = dict(LINUX_HOST, tcp_h2g={"count": 1, "bytes": MIB16, "ns": 400000000})
    runs = {"linux": [with_host(bn.parse(LINUX), LINUX_HOST),
                      with_host(bn.parse(LINUX), slow),
                      with_host(bn.parse(LINUX), LINUX_HOST)],
            "tessera": [with_host(bn.parse(TESSERA_NONE), {}) for _ in range(3)]}
    med = bn.summarise(runs)
    check("median host h2g", med[("linux", "host", "tcp_h2g")], {"value": 64.0, "n": 3})
    check("median guest h2g", med[("linux", "guest", "tcp_h2g")]["value"], 80.0)
    check("median host connect", med[("linux", "host", "tcp_connect")]["value"], 400.0)
    check("median busy echo", med[("linux", "busy", "tcp_echo")]["value"], 30000.0)
    check("no tessera medians", [k for k in med if k[0] == "tessera"], [])
    lines = bn.table(med, runs, icount=False)
    check("table header", lines[0].split(),
          ["operation", "unit", "linux", "tessera", "tessera/linux", "better"])
    h2g = next(l for l in lines if l.strip().startswith("tcp_h2g"))
    check("h2g line", h2g.split(), ["tcp_h2g", "MiB/s", "64.0", "unsupported", "unsupported",
                                    "higher", "(tessera:", "unsupported", "errno=97)"])
    echo = next(l for l in bn.table(med, runs, icount=True) if l.strip().startswith("tcp_echo"))
    check("icount echo line (the guests' work)", echo.split()[:6],
          ["tcp_echo", "instr/rt", "30,000.0", "unsupported", "unsupported", "lower"])

    # Once sockets come: ratios where both guests have the row, each reason where one lacks it.
    t_host = {"tcp_h2g": {"count": 1, "bytes": MIB16, "ns": 125000000},
              "tcp_echo": {"count": 1000, "bytes": 64000, "ns": 400000000}}
    t_missing = {"tcp_g2h": "host: HostError: 0 bytes of 16777216 came",
                 "tcp_connect": "host: not tried after tcp_g2h failed"}
    runs2 = {"linux": runs["linux"],
             "tessera": [with_host(bn.parse(TESSERA_SOME), t_host, t_missing)]}
    med2 = bn.summarise(runs2)
    lines = bn.table(med2, runs2, icount=False)
    row = {l.split()[0]: l.split() for l in lines[1:]}
    check("ratio h2g", row["tcp_h2g"][:6], ["tcp_h2g", "MiB/s", "64.0", "128.0", "x2.00",
                                            "higher"])
    check("ratio echo", row["tcp_echo"][:6], ["tcp_echo", "us/rt", "200.0", "400.0", "x2.00",
                                              "lower"])
    check("g2h failed", row["tcp_g2h"][3:], ["-", "-", "higher", "(tessera:", "failed",
                                             "errno=104)"])
    check("udp unsupported", row["udp_echo"][3:5], ["unsupported", "unsupported"])
    check("connect not tried", " ".join(row["tcp_connect"][6:]),
          "(tessera: host: not tried after tcp_g2h failed)")
    grow = {l.split()[0]: l.split() for l in bn.table(med2, runs2, icount=True)[1:]}
    check("busy h2g ratio", grow["tcp_h2g"][:6],
          ["tcp_h2g", "instr/KiB", "1,000.0", "500.0", "x0.50", "lower"])
    check("busy connect missing", grow["tcp_connect"][2:], ["500,000", "-", "-", "lower",
                                                            "(tessera:", "busy_ns=-1)"])

    env = bench_common.Env("tcg", False, qemu_ver="7.2.0", cpu="Test CPU", load=0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.csv")
        bn.write_csv(path, runs2, med2, "tcg", env, 16)
        with open(path) as f:
            text = f.read()
        check("csv head", text.splitlines()[1],
              "# qemu 7.2.0; host cpu Test CPU; accel tcg; guest kernel linux 6.1.0-57-amd64 #1 "
              "SMP PREEMPT_DYNAMIC Debian / ?; host load average 0.50 at the start")
        rows = list(csv.reader(l for l in text.splitlines() if not l.startswith("#")))
        check("csv columns", rows[0], bn.CSV_COLUMNS)
        check("csv env columns", rows[0][-len(bench_common.ENV_FIELDS):], bench_common.ENV_FIELDS)
        # linux: 3 runs x 3 sides x 5 ops + 15 medians; tessera: 1 run x 15 + 2 host, 3 guest
        # and 2 busy medians
        check("csv rows", len(rows) - 1, 45 + 15 + 15 + 7)
        by = {tuple(r[:4]): r for r in rows[1:]}
        check("csv linux host h2g run 2", by[("2", "linux", "host", "tcp_h2g")][4:10],
              ["1", str(MIB16), "400000000", "40.0", "MiB/s", "ok"])
        check("csv tessera udp", by[("1", "tessera", "guest", "udp_echo")][4:10],
              ["", "", "", "", "us/rt", "unsupported errno=93"])
        check("csv tessera host g2h", by[("1", "tessera", "host", "tcp_g2h")][9],
              "failed errno=104")
        check("csv tessera host connect", by[("1", "tessera", "host", "tcp_connect")][9],
              "host: not tried after tcp_g2h failed")
        check("csv median", by[("median", "tessera", "host", "tcp_h2g")][7:10],
              ["128.0", "MiB/s", "ok"])
        check("csv env", by[("median", "linux", "guest", "tcp_echo")][10:],
              ["tcg", "0", "7.2.0", "Test CPU", "linux 6.1.0-57-amd64 #1 SMP PREEMPT_DYNAMIC "
               "Debian"])
        check("csv tessera kernel", by[("1", "tessera", "guest", "tcp_h2g")][-1], "?")
        check("csv busy", by[("1", "tessera", "busy", "tcp_h2g")][4:10],
              ["1", str(MIB16), "8192000", "500.0", "ns/KiB", "ok"])
        check("csv busy missing", by[("1", "tessera", "busy", "tcp_connect")][9], "busy_ns=-1")


def on_the_host():
    """The Linux guest's build as a host process, driven by bench_net.drive."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "nb")
        r = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe,
                            bn.SRC], capture_output=True, text=True)
        check("linux guest compiles", (r.returncode, r.stderr), (0, ""))
        if r.returncode:
            return
        base = free_base()
        ports = {op: base + i for i, op in enumerate(bn.OPS)}
        proc = subprocess.Popen([exe, "--port-base", str(base)], stdout=subprocess.PIPE,
                                text=True)
        try:
            wait_ready(proc)
            rows, missing, ok = bn.drive(bn.OPS, ports, 3 << 20)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        check("drive ok", (ok, missing), (True, {}))
        check("host counts", {op: (r["count"], r["bytes"]) for op, r in rows.items()},
              {"tcp_h2g": (1, 3 << 20), "tcp_g2h": (1, 3 << 20), "tcp_echo": (1000, 64000),
               "udp_echo": (1000, 64000), "tcp_connect": (200, 200)})
        g = bn.parse(out)
        check("guest counts", {op: (r["count"], r["bytes"], r["busy_ns"], r["exo_calls"])
                               for (_, op), r in g["rows"].items()},
              {"tcp_h2g": (1, 3 << 20, -1, -1), "tcp_g2h": (1, 3 << 20, -1, -1),
               "tcp_echo": (1000, 64000, -1, -1), "udp_echo": (1000, 64000, -1, -1),
               "tcp_connect": (200, 200, -1, -1)})
        check("guest done", (g["done"], g["missing"], proc.returncode), (True, {}, 0))
        # Nothing listens any more: the first operation fails, the rest is not tried.
        rows, missing, ok = bn.drive(["tcp_h2g", "tcp_echo"], ports, 1 << 20)
        check("no server", (ok, rows, sorted(missing)), (False, {}, ["tcp_echo", "tcp_h2g"]))
        check("no server h2g", missing["tcp_h2g"].split(":")[:2],
              ["host", " ConnectionRefusedError"])
        check("no server echo", missing["tcp_echo"], "host: not tried after tcp_h2g failed")


def main():
    canned()
    on_the_host()
    print(f"{'FAIL' if failed else 'ok'}: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
