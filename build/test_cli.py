#!/usr/bin/env python3
"""test_cli.py: ctest `build.cli`. `./tessera` refuses bad usage at once, before any work.
An unknown app (`image APP`, `launch APP`), `--run init|nocloud` and an empty `--connect` are
refused the same way, with exit status 1; an unusable URI gets virsh's whole error.

Every bad invocation must exit 2 with its reason and a usage message on stderr (nothing on
stdout), and must not install, configure, build or test: cmake, ctest, apt-get, sudo and
dpkg-query are stubs on PATH that record being called (that, not a clock, is what "at once"
means here: a time limit would fail on a loaded host). `help` exits 0 with
the usage on stdout, its last line ended by a newline.
"""
import os
import stat
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESSERA = os.path.join(REPO, "tessera")
USAGE = "usage: ./tessera <command> [options]"
FORBIDDEN = ("cmake", "ctest", "apt-get", "sudo", "dpkg-query")

# (arguments, texts stderr must contain)
BAD = [
    ([], ["tessera: no command given", USAGE]),
    (["frobnicate"], ["tessera: unknown command: frobnicate", USAGE]),
    (["--bogus"], ["tessera: unknown command: --bogus", USAGE]),
    (["help", "test"], ["tessera: help takes no arguments", USAGE]),
    (["image", "hello", "extra"], ["tessera: image takes at most one app", USAGE]),
    (["image", "--bogus"], ["tessera: image takes no options", USAGE]),
    (["launch"], ["usage: tessera launch", "the following arguments are required: app"]),
    (["launch", "hello", "--bogus"], ["usage: tessera ", "unrecognized arguments: --bogus"]),
    (["list", "extra"], ["usage: tessera ", "unrecognized arguments: extra"]),
    (["stop", "hello", "--timeout", "0"],
     ["usage: tessera stop", "argument --timeout: must be a number of seconds > 0, not '0'"]),
    (["deps", "extra"], ["tessera: deps takes no options", USAGE]),
    (["bench"], ["tessera: bench: 'bench boot' or 'bench exo' or 'bench blk' or 'bench posix' or 'bench file' or 'bench linux' or 'bench net'", USAGE]),
    (["bench", "nosuch"], ["tessera: bench: 'bench boot' or 'bench exo' or 'bench blk' or 'bench posix' or 'bench file' or 'bench linux' or 'bench net'", USAGE]),
    (["bench", "boot", "--bogus"], ["usage: tessera bench boot", "unrecognized arguments: --bogus"]),
    (["bench", "boot", "--runs", "0"], ["usage: tessera bench boot", "--runs must be >= 1"]),
    (["bench", "exo", "--bogus"], ["usage: tessera bench exo", "unrecognized arguments: --bogus"]),
    (["bench", "exo", "--runs", "0"], ["usage: tessera bench exo", "--runs must be >= 1"]),
    (["bench", "blk", "--bogus"], ["usage: tessera bench blk", "unrecognized arguments: --bogus"]),
    (["bench", "blk", "--runs", "0"], ["usage: tessera bench blk", "--runs must be >= 1"]),
    (["bench", "blk", "--only", "bsd"], ["usage: tessera bench blk", "invalid choice: 'bsd'"]),
    (["bench", "posix", "--runs", "0"], ["usage: tessera bench posix", "--runs must be >= 1"]),
    (["bench", "file", "--runs", "0"], ["usage: tessera bench file", "--runs must be >= 1"]),
    (["bench", "file", "--only", "bsd"], ["usage: tessera bench file", "invalid choice: 'bsd'"]),
    (["bench", "posix", "--only", "bsd"], ["usage: tessera bench posix", "invalid choice: 'bsd'"]),
    (["bench", "linux", "--runs", "0"], ["usage: tessera bench linux", "--runs must be >= 1"]),
    (["bench", "linux", "--only", "bsd"], ["usage: tessera bench linux", "invalid choice: 'bsd'"]),
    (["bench", "net", "--runs", "0"], ["usage: tessera bench net", "--runs must be >= 1"]),
    (["bench", "net", "--size", "0"], ["usage: tessera bench net", "--size must be 1..4096 (MiB)"]),
    (["bench", "net", "--size", "x"], ["usage: tessera bench net", "argument --size: invalid int value: 'x'"]),
    (["bench", "net", "--only", "bsd"], ["usage: tessera bench net", "invalid choice: 'bsd'"]),
    (["bench", "net", "--bogus"], ["usage: tessera bench net", "unrecognized arguments: --bogus"]),
    (["run", "--bogus"], ["usage: qemu.py ", "unrecognized arguments: --bogus"]),
    (["run", "--accel", "xen"], ["usage: qemu.py run", "invalid choice: 'xen'"]),
]


def main():
    failures = []
    with tempfile.TemporaryDirectory(prefix="tessera-cli.") as tmp:
        called = os.path.join(tmp, "called")
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        for tool in FORBIDDEN:
            path = os.path.join(bindir, tool)
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\necho "{tool} $*" >> "{called}"\nexit 99\n')
            os.chmod(path, stat.S_IRWXU)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])

        def run(args):
            if os.path.exists(called):
                os.remove(called)
            t = time.monotonic()
            p = subprocess.run([TESSERA, *args], env=env, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=30)
            secs = time.monotonic() - t
            tools = open(called).read().splitlines() if os.path.exists(called) else []
            return p, secs, tools

        for args, needles in BAD:
            p, secs, tools = run(args)
            what = "./tessera " + " ".join(args)
            problems = []
            if p.returncode != 2:
                problems.append(f"exit status {p.returncode}, want 2")
            problems += [f"stderr lacks {n!r}" for n in needles if n not in p.stderr]
            if p.stdout:
                problems.append(f"stdout not empty: {p.stdout[:80]!r}")
            if tools:
                problems.append(f"started work: {tools}")
            print(f"{'ok  ' if not problems else 'FAIL'} {what:<36} {secs:.2f} s "
                  f"{'; '.join(problems)}")
            if problems:
                print("     stderr: " + p.stderr.strip().replace("\n", "\n             "))
                failures.append(what)

        # not usage but a refused app: exit 1, one line naming why, still before any work
        for args in (["image", "nosuch"], ["launch", "nosuch"]):
            p, secs, tools = run(args)
            ok = (p.returncode == 1 and p.stderr.startswith(
                "tessera: no app 'nosuch': apps/nosuch/app.toml missing (apps: ") and
                p.stderr.count("\n") == 1 and not p.stdout and not tools)
            print(f"{'ok  ' if ok else 'FAIL'} ./tessera {' '.join(args):<26} {secs:.2f} s "
                  f"(exit {p.returncode}: {p.stderr.strip()})")
            if not ok:
                failures.append("./tessera " + " ".join(args))

        # refused launch options: exit 1 with exactly this one line, before any build
        for args, want in (
                (["launch", "greet", "--run", "nocloud"],
                 "tessera: --run 'nocloud': init and nocloud run the seed, not from it\n"),
                (["launch", "greet", "--run", "init"],
                 "tessera: --run 'init': init and nocloud run the seed, not from it\n"),
                (["launch", "greet", "--connect", ""],
                 "tessera: --connect: empty URI (leave --connect out for the default)\n"),
                (["list", "--connect", ""],
                 "tessera: --connect: empty URI (leave --connect out for the default)\n")):
            p, secs, tools = run(args)
            ok = p.returncode == 1 and p.stderr == want and not p.stdout and not tools
            print(f"{'ok  ' if ok else 'FAIL'} ./tessera {' '.join(args):<26} {secs:.2f} s "
                  f"(exit {p.returncode}: {p.stderr.strip()})")
            if not ok:
                failures.append("./tessera " + " ".join(args))

        # a URI virsh cannot use: its whole error, every line (app_vm.py itself: ./tessera
        # list would first check the Debian packages)
        p = subprocess.run([sys.executable, os.path.join(REPO, "build", "app_vm.py"), "list",
                            "--connect", "garbage"], capture_output=True, text=True, timeout=60)
        want = ("tessera: cannot reach libvirtd at garbage (failed to connect to the hypervisor; "
                "no connection driver available for URI 'garbage' does not include a driver "
                "name)\n")
        ok = p.returncode == 1 and p.stderr == want and not p.stdout
        print(f"{'ok  ' if ok else 'FAIL'} app_vm.py list --connect garbage "
              f"(exit {p.returncode}: {p.stderr.strip()})")
        if not ok:
            failures.append("app_vm.py list --connect garbage")

        for args in (["help"], ["--help"], ["-h"]):
            p, secs, tools = run(args)
            # The last line ends with a newline, so a shell prompt starts on its own line.
            ok = (p.returncode == 0 and p.stdout.startswith(USAGE) and p.stdout.endswith("\n")
                  and p.stderr == "" and not tools)
            print(f"{'ok  ' if ok else 'FAIL'} ./tessera {' '.join(args):<26} {secs:.2f} s "
                  f"(exit {p.returncode}, usage on stdout ending in a newline, nothing else)")
            if not ok:
                failures.append("./tessera " + " ".join(args))
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
