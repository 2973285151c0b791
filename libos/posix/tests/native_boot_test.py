#!/usr/bin/env python3
"""native_boot_test.py: native programs (musl + the libOS) booted for real, one case per boot;
each checks every byte the program printed: the serial lines between init's greeting and
exo's "no envs left" must be exactly the expected ones.
    native_boot_test.py --image out/tessera.img hello|posixtest|longname
"""
import argparse
import os
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
]

# apps/posix/posixtest.c: its tests in order; the ENOSYS notes come once per number.
POSIXTEST = [
    "    1000 x (getpid + clock_gettime): 0 exo calls",
    "posixtest: no_exo_calls: ok",
    "posixtest: realtime: ok",
    "posixtest: thread_pointer: ok",
    "posixtest: memory: ok",
    "    write",
    "posixtest: console_fds: ok",
    "posix: system call 400 is not implemented (ENOSYS)",
    "posix: system call -5 is not implemented (ENOSYS)",
    "posixtest: enosys: ok",
    "posixtest: 6 passed, 0 failed",
]

CASES = {
    # (command line, expected lines, boot through OVMF and the disk image rather than PVH)
    "hello": ("poweroff init.run=hello,a,bc", HELLO, True),
    "posixtest": ("poweroff init.run=posixtest", POSIXTEST, False),
    # A name longer than init takes is refused, never cut into another program's name.
    "longname": ("poweroff init.run=" + "n" * 70 + ",a",
                 ["init: init.run: program name longer than 63 bytes: not run"], False),
}


def program_lines(text):
    """The lines after init's greeting up to exo's last words."""
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith("init: hello from ring 3")), None)
    end = next((i for i, l in enumerate(lines) if l == "exo: no envs left"), None)
    if start is None or end is None or end < start:
        return None
    return lines[start + 1:end]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image", required=True)
    p.add_argument("case", choices=sorted(CASES))
    a = p.parse_args()
    cmdline, want, ovmf = CASES[a.case]
    r = qemu.boot(a.image if ovmf else None, cmdline=cmdline, timeout=150, direct=not ovmf)
    got = program_lines(r.serial_text)
    failed = 0
    if got != want:
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
