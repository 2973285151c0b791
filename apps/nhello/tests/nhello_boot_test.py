#!/usr/bin/env python3
"""nhello_boot_test.py: ctest `apps.boot.nhello`. nhello (apps/nhello, a native program on
newlib) as its per-app image: built by app_image.py as `./tessera image nhello` builds it,
at most 4 MiB, booted through OVMF from that disk image; every line nhello prints, and the
POSIX layer's ENOSYS notices among them, must be exactly what the program and the libOS of
this tree say, the benchmark's times excepted (any number); the VM must power itself off.
    nhello_boot_test.py --out-dir DIR --newlib NEWLIB_INSTALL_DIR
"""
import argparse
import os
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "build"))
import app_image  # noqa: E402
import app_manifest  # noqa: E402
import qemu  # noqa: E402

FILE_TEXT = "written by newlib's stdio, read back by read(2)\n"  # nhello.c's FILE_TEXT
CALLS_DEF = os.path.join(REPO, "libos", "posix", "include", "posix", "calls.def")


def has_call(name, number):
    """Whether the POSIX layer of this tree implements Linux call `name` (a calls.def row,
    which names the call by its LNX_ macro or by its number)."""
    with open(CALLS_DEF) as f:
        return re.search(rf"^POSIX_CALL\((LNX_{name}|{number}),", f.read(), re.M) is not None


def newlib_version(newlib):
    with open(os.path.join(newlib, "include", "_newlib_version.h")) as f:
        return re.search(r'#define _NEWLIB_VERSION "([^"]+)"', f.read()).group(1)


def bench_values():
    """What nhello's benchmark computes, computed here: Adler-32 of 64 rounds of a 64 KiB
    block of (i * 7) & 255 (zlib's), and the least and greatest of its 20000 LCG ints."""
    block = bytes((i * 7) & 255 for i in range(65536))
    a = 1
    for _ in range(64):
        a = zlib.adler32(block, a)
    x, v = 12345, []
    for _ in range(20000):
        x = (x * 1103515245 + 12345) & 0xffffffff
        v.append((x >> 8) - (1 << 23))
    return a, min(v), max(v)


def expected(version):
    """The lines, in order: plain strings must match exactly, compiled patterns in full."""
    adler, lo, hi = bench_values()
    want = []
    if not has_call("fstat", 5):  # newlib's stdio asks fstat(1) before its first output
        want.append("posix: system call 5 is not implemented (ENOSYS)")
    want += [
        f'nhello: hello from newlib {version} on the Tessera libOS: argc 1, argv[0] "nhello"',
        "nhello: malloc: 300000 bytes summed to 38249584",
        "nhello: libm: sqrt(2) 1.414214 exp(1) 2.718282 sin(pi/6) 0.500",
    ]
    if has_call("open", 2):
        want.append(f"nhello: file: wrote {len(FILE_TEXT)} bytes to /tmp/nhello.txt, read "
                    f"{len(FILE_TEXT)} back: the same bytes")
    else:
        want += ["posix: system call 2 is not implemented (ENOSYS)",
                 "nhello: file: fopen /tmp/nhello.txt for writing: Function not implemented "
                 "(ENOSYS: the libOS has no file calls yet)"]
    want += [
        "nhello: kill: SIGURG 0, SIGEMT -1 (Invalid argument)",
        re.compile(rf"nhello: bench adler32: 64 x 65536 bytes, adler32 0x{adler:08x}, "
                   r"\d+ TSC ticks, \d+ us"),
        re.compile(rf"nhello: bench qsort: 20000 ints, sorted, min {lo} max {hi}, "
                   r"\d+ TSC ticks, \d+ us"),
        "nhello: done",
    ]
    return want


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out-dir", required=True)
    p.add_argument("--newlib", required=True, help="newlib's install tree (out/newlib/install)")
    a = p.parse_args()
    failed = []

    m = app_manifest.load(app_manifest.find("nhello", REPO))
    img = app_image.build(m, a.out_dir)
    print(f"nhello image: {img.size} bytes ({img.size / 2**20:.2f} MiB), boot.cpio "
          f"{os.path.getsize(img.cpio)} bytes, sha256 {img.sha256}")
    if img.size > 4 << 20:
        failed.append(f"image is {img.size} bytes, over 4 MiB")

    r = qemu.boot(img.path, mem=f"{m.memory_mib}M", timeout=180)
    got = [l for l in r.serial_text.split("\n") if l.startswith(("nhello:", "posix:"))]
    want = expected(newlib_version(a.newlib))
    ok = len(got) == len(want) and all(
        w.fullmatch(g) if isinstance(w, re.Pattern) else w == g for g, w in zip(got, want))
    if not ok:
        failed.append(f"nhello's lines differ (log {r.log_path})")
        for g in got or ["(no nhello: or posix: line in the log)"]:
            print(f"  got  {g!r}")
        for w in want:
            print(f"  want {w.pattern if isinstance(w, re.Pattern) else w!r}")
    else:
        for g in got:
            print(f"  {g}")
    if not r.powered_off:
        failed.append(f"clean power-off expected, exit {r.exit_code}, log {r.log_path}")
    for f in failed:
        print(f"FAIL: {f}")
    print(f"{2 - min(len(failed), 2)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
