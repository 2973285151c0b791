#!/usr/bin/env python3
"""native_boot_test.py: native programs (musl + the libOS) booted for real, one case per boot.
hello and longname check every byte printed between init's greeting and exo's "no envs left";
usertests checks that every USERTEST in apps/posix/ut_*.c printed "ok" and the summary counts
them all (usertests-smp2: the same on 2 CPUs); tty types at the console and checks the echo
and what the program read; cache-ext2 (-smp2) runs ut_cache.c's tests on the image's ext2 root.
    native_boot_test.py --image out/tessera.img hello|usertests|usertests-smp2|longname|tty|...
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

# apps/hello/hello.c with argv "hello a bc": sum((i * 7) & 255 for i in range(300000))
HELLO = [
    "hello from a native program: argc 3",
    'argv[0] = "hello"',
    'argv[1] = "a"',
    'argv[2] = "bc"',
    "malloc: 300000 bytes summed to 38249584; heap ok",
    "floats: 0.333333 7.500 2.5e+09 -1.250000e-04",
    "stderr: unbuffered",
    "init: hello: exit 0",  # init is pm: it reaps process 2 and says how it ended
]

# apps/posix: every USERTEST in its ut_*.c files must print "usertests: NAME: ok", the summary
# must count them all as passed, and the first test's exo-call count must be exactly 0.
POSIX_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "apps",
                         "posix")
NO_EXO_CALLS = "    1000 x (getpid + clock_gettime): 0 exo calls"


def usertest_names():
    names = []
    for f in sorted(os.listdir(POSIX_DIR)):
        if f.startswith("ut_") and f.endswith(".c"):
            with open(os.path.join(POSIX_DIR, f)) as fh:
                names += re.findall(r"^USERTEST\((\w+)\)", fh.read(), re.M)
    return names


def check_usertests(lines):
    """Failure messages for the usertests run's lines (an empty list: all passed)."""
    names = usertest_names()
    results = {}
    for l in lines:
        m = re.match(r"usertests: (\w+): (ok|FAIL)$", l)
        if m:
            results[m.group(1)] = m.group(2)
    errs = [f"{n}: {results.get(n, 'never ran')}" for n in names if results.get(n) != "ok"]
    errs += [f"{n}: ran but is no USERTEST in apps/posix" for n in results if n not in names]
    summary = f"usertests: {len(names)} passed, 0 failed"
    if summary not in lines:
        errs.append(f"no line {summary!r}")
    if NO_EXO_CALLS not in lines:
        errs.append(f"no line {NO_EXO_CALLS!r}")
    if "init: usertests: exit 0" not in lines:  # pm reaped process 2 with its status
        errs.append("no line 'init: usertests: exit 0'")
    return errs


def check_cache_ext2(lines):
    """The cache-ext2 boots: ut_cache.c's tests alone (usertests --only 'cache_*') on the disk
    image's ext2 root, where their call counts are asserted (a ramfs root would say so)."""
    with open(os.path.join(POSIX_DIR, "ut_cache.c")) as fh:
        names = re.findall(r"^USERTEST\((\w+)\)", fh.read(), re.M)
    errs = [f"{n}: not ok" for n in names if f"usertests: {n}: ok" not in lines]
    summary = f"usertests: {len(names)} passed, 0 failed"
    if summary not in lines:
        errs.append(f"no line {summary!r}")
    errs += [f"not on ext2: {l!r}" for l in lines if "is not ext2" in l]
    if "init: usertests: exit 0" not in lines:
        errs.append("no line 'init: usertests: exit 0'")
    return errs


def check_threads_smp2(lines):
    """The usertests run on two CPUs: every USERTEST of ut_thread.c passes, and its two
    computing threads ran on two CPUs (each read its APIC id, cpuid leaf 1, while both ran
    without a blocking call, for 100 ms: with two CPUs and nothing else runnable, exo keeps
    each on its own). usertests-smp2 checks this as well as every test passing."""
    with open(os.path.join(POSIX_DIR, "ut_thread.c")) as fh:
        names = re.findall(r"^USERTEST\((\w+)\)", fh.read(), re.M)
    errs = [f"{n}: not ok" for n in names if f"usertests: {n}: ok" not in lines]
    if "    thread_two_cpus: ran on 2 cpus" not in lines:
        errs.append("no line '    thread_two_cpus: ran on 2 cpus'")
    return errs

def check_cpus(lines, n):
    """sched_getaffinity (and so sysconf, /proc/cpuinfo) names every CPU QEMU gave: exo's
    machine call counts them (ut_bbox.c's bbox_affinity prints it, ut_procfs.c compares)."""
    want = f"    bbox_affinity: {n} cpus"
    return [] if want in lines else [f"no line {want!r}"]


# apps/posix/ttytest.c: what the host types after each prompt, and every line between init's
# greeting and exo's last words: the echo (with its erasing "\b \b"s) and what read() returned.
TTY_SEND = [("ttytest: type a line", b"helo\x7flo wrold\x17world\r"),
            ("ttytest: type a line", b"junk\x15ok\r"),
            ("ttytest: type raw", b"ab\x03"),
            ("ttytest: type eof", b"xyz\x04\x04"),
            ("ttytest: type ^Z", b"\x1a"),
            ("ttytest: type ^C", b"abc\x03")]
TTY = [
    "ttytest: type a line",
    "helo\b \blo wrold\b \b\b \b\b \b\b \b\b \bworld",
    'ttytest: read 12 bytes "hello world\\n"',
    "ttytest: type a line",
    "junk\b \b\b \b\b \b\b \bok",
    'ttytest: read 3 bytes "ok\\n"',
    "ttytest: type raw",
    'ttytest: read 3 bytes "ab\\x03"',  # no echo, no SIGINT: ISIG is off
    "ttytest: type eof",
    'xyzttytest: read 3 bytes "xyz"',  # ^D pushes the line (no newline, no echo)...
    'ttytest: read 0 bytes ""',  # ...and at a line start is the end of file
    "ttytest: type ^Z",
    # the echo; SIGTSTP to the foreground group, the child's: it stops in its read
    "^Zttytest: child stopped by signal 20",
    "ttytest: type ^C",
    # the echo; SIGINT's default action ends ttytest inside read (no "read" line), pm says so
    "abc^Cinit: ttytest: killed by signal 2",
]

CASES = {
    # (command line, expected lines, boot through OVMF and the disk image rather than PVH)
    "hello": ("poweroff init.run=hello,a,bc", HELLO, True),
    "usertests": ("poweroff init.run=usertests",
                  lambda lines: check_usertests(lines) + check_cpus(lines, 1), False),
    # The same on 2 CPUs: processes forking, exiting and calling pm at once, threads on both.
    "usertests-smp2": ("poweroff init.run=usertests",
                       lambda lines: check_usertests(lines) + check_threads_smp2(lines)
                       + check_cpus(lines, 2), False),
    # ext2's shared cache (apps/posix/ut_cache.c) on the image's ext2 root, as a second disk
    # (snapshot: the image stays as it is); on 1 and 2 CPUs.
    "cache-ext2": ("poweroff init.run=usertests,--only,cache_*", check_cache_ext2, False),
    "cache-ext2-smp2": ("poweroff init.run=usertests,--only,cache_*", check_cache_ext2, False),
    # A name longer than init takes is refused, never cut into another program's name.
    "longname": ("poweroff init.run=" + "n" * 70 + ",a",
                 ["init: init.run: program name longer than 63 bytes: not run"], False),
    # The console as a terminal: the host types at each prompt (TTY_SEND).
    "tty": ("poweroff init.run=ttytest", TTY, False),
}
SEND = {"tty": TTY_SEND}


program_lines = qemu.program_lines


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image", required=True)
    p.add_argument("case", choices=sorted(CASES))
    a = p.parse_args()
    cmdline, want, ovmf = CASES[a.case]
    smp = 2 if a.case.endswith("-smp2") else 1
    extra = ["-drive", f"format=raw,file={a.image},if=none,id=root,snapshot=on",
             "-device", "virtio-blk-pci,drive=root"] if a.case.startswith("cache-ext2") else []
    r = qemu.boot(a.image if ovmf else None, cmdline=cmdline, timeout=150, direct=not ovmf,
                  smp=smp, send=SEND.get(a.case), extra=extra)
    got = program_lines(r.serial_text)
    failed = 0
    if callable(want):
        errs = want(got or [])
        if errs:
            failed += 1
            print(f"FAIL: {a.case}, log {r.log_path}:")
            for e in errs:
                print(f"  {e}")
            for l in got or ["(no span between init's greeting and 'exo: no envs left')"]:
                print(f"  got  {l!r}")
    elif got != want:
        failed += 1
        print(f"FAIL: {a.case} printed (between init's greeting and 'exo: no envs left'):")
        for l in got or ["(no such span in the log)"]:
            print(f"  got  {l!r}")
        for l in want:
            print(f"  want {l!r}")
    if not (r.exit_code == 0 and r.powered_off):
        failed += 1
        print(f"FAIL: clean power-off expected, exit {r.exit_code}, log {r.log_path}")
    print(f"{2 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
