#!/usr/bin/env python3
"""busybox_boot_test.py: ctest apps.boot.busybox. One boot runs apps/busybox/bbtest.sh under
Tessera's busybox (init.run=bin/busybox,sh,/bbtest.sh: pipelines, redirections, here-documents,
globbing, functions and loops, and ~100 applets). The host runs the same script under Debian's
busybox-static (same version, 1.35) in a scratch directory, and every section ("== NAME" lines
start one) must match byte for byte; the "system" section, about the machine itself, has fixed
values instead. Any "not implemented" line from the POSIX layer is reported.
    busybox_boot_test.py --image out/tessera.img [--host-busybox /usr/bin/busybox]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build"))
import qemu  # noqa: E402

SCRIPT = os.path.join(HERE, "..", "bbtest.sh")
# The machine itself: uname -s, uname -m, id -u, id -g, whoami (no /etc/passwd: the fallback),
# hostname, pwd (relative to the scratch dir), nproc (exo shows one CPU).
SYSTEM = ["Tessera", "x86_64", "0", "0", "root", "tessera", "T", "1"]
# The file system and the kernel's numbers: stat -f (statfs: ramfs), dmesg (an empty log),
# uname -r and -n, sync, nproc, renice (setpriority), taskset (sched_getaffinity: CPU 0).
SYSINFO = ["ramfs 4096 255", "0", "1.0", "tessera", "sync ok", "1", "renice ok",
           "pid N's current affinity mask: 1"]
NOISE = re.compile(r"^(posix: system call \d+ is not implemented|los: )")


def sections(lines):
    out, name = {}, None
    for l in lines:
        m = re.match(r"^== (\w+)$", l)
        if m:
            name = m.group(1)
            out[name] = []
        elif name is not None:
            out[name].append(l)
    return out


def host_run(busybox):
    """The script's output under the host's busybox, every applet through a symlink to it."""
    with tempfile.TemporaryDirectory() as d:
        bindir = os.path.join(d, "bin")
        os.mkdir(bindir)
        applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                                 check=True).stdout.split()
        for a in applets:
            os.symlink(busybox, os.path.join(bindir, a))
        work = os.path.join(d, "w")
        r = subprocess.run([os.path.join(bindir, "sh"), SCRIPT], cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120,
                           env={"PATH": bindir, "BBT_DIR": work})
        return r.stdout.decode("utf-8", "replace").split("\n")


def applets_used(links):
    """The applets bbtest.sh runs: words in command position (a line's start, after | ; && ||
    ( $( { or xargs' options, sh -c's quote) that name one of busybox.links' applets."""
    names = {os.path.basename(l.strip()) for l in open(links) if l.strip()}
    used = set()
    cmd = re.compile(r"(?:^|[|;&(`{]|\$\(|\bthen|\bdo|\belse|\bxargs(?: -[nI] ?\S+)*|-c ')\s*"
                     r"([a-z][a-z0-9_.-]*)")
    for line in open(SCRIPT):
        line = line.split(" #")[0] if not line.startswith("#") else ""
        for w in cmd.findall(line):
            if w in names:
                used.add(w)
    return sorted(used), len(names)


def program_lines(text):
    return qemu.program_lines(text, strip_cr=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image", required=True)
    p.add_argument("--host-busybox", default="/usr/bin/busybox")
    p.add_argument("--links", help="busybox.links of the build: count the applets exercised")
    a = p.parse_args()
    if not os.path.exists(a.host_busybox):
        print(f"SKIP: no host busybox at {a.host_busybox} (package busybox-static)")
        return 77
    want = sections(host_run(a.host_busybox))
    want["system"] = SYSTEM
    want["sysinfo"] = SYSINFO
    r = qemu.boot(None, mem="512M", cmdline="poweroff init.run=bin/busybox,sh,/bbtest.sh",
                  timeout=400, direct=True)
    got_lines = program_lines(r.serial_text) or []
    noise = [l for l in got_lines if NOISE.match(l)]
    got = sections([l for l in got_lines if not NOISE.match(l)])
    failed = 0
    for name, lines in want.items():
        if name == "end":
            continue
        g = got.get(name)
        if g != lines:
            failed += 1
            print(f"FAIL: section {name}:")
            for l in g if g is not None else ["(section never printed)"]:
                print(f"  got  {l!r}")
            for l in lines:
                print(f"  want {l!r}")
        else:
            print(f"ok: section {name} ({len(lines)} lines)")
    if "end" not in got:
        failed += 1
        print("FAIL: the script did not reach its end")
    if "init: bin/busybox: exit 0" not in got.get("end", []):
        failed += 1
        print("FAIL: no line 'init: bin/busybox: exit 0' after the last section")
    for l in noise:
        print(f"note: {l}")
    if not (r.exit_code == 0 and r.powered_off):
        failed += 1
        print(f"FAIL: clean power-off expected, exit {r.exit_code}")
    print(f"log: {r.log_path}")
    if a.links and not failed:
        used, total = applets_used(a.links)
        print(f"busybox: {len(used)} of its {total} applets run and checked: {' '.join(used)}")
    print(f"{len(want) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
