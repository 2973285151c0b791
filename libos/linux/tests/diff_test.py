#!/usr/bin/env python3
"""diff_test.py: differential testing against a Linux guest (libos.boot.linux-diff). The same
unmodified Linux binaries, static and dynamic, run in Tessera and in Linux (Debian's kernel) on the same QEMU
machine (q35, TCG, -kernel/-initrd, console on the serial port), one boot each; their outputs
are compared program by program, byte for byte.

Both guests run `lxrun ITEM...` (apps/posix/lxrun.c): in Tessera the native program
(`poweroff init.run=lxrun,...`), in Linux the same source built by gcc -static as /init of an
initramfs made here (cpio newc, no root needed: bench_blk.cpio_newc), with the items after
`--` on the kernel's command line; as pid 1 it mounts /proc and powers off at the end. Items:
apps/linux's programs (musl-gcc -static and gcc -static), Debian's busybox-static (static
glibc) running apps/linux/bbdiff.sh with its own sh, whose commands are framed per command
("=== bb_NAME" ... "=== bb_NAME: exit N"), and the dynamic programs of apps/linux/dyn.list
(`@/lx/dyn.list` in both: lx_dyn, lx_dynexec, lx_dfork, lx_dthreads and the host's own ls,
cat, env, md5sum...), which find glibc's ld.so (/lib64's link), libc.so.6 and the rest at the
host's paths in both guests: the initramfs holds what Tessera's image holds (--lx-files under
/lx, --libs at their own paths). Lines only Tessera prints (the libOS's ENOSYS
lines, fault reports, the runtime's exit reports) are taken out as linux_boot_test.py does.

Prints a table, one row per program or command: "agree", or "differ" with the first differing
line. Fails on a difference not in diff_known.txt ("NAME: reason", one real limitation each),
on a known entry that now agrees (the list must stay true), on an item that printed nothing in
Linux (an agreement that says nothing; but true and false, whose exit status is all they say),
on an item whose closing line is missing, and unless both guests powered off.
    diff_test.py --lx-dir DIR --init LINUX_LXRUN --lx-files NAME... --libs PATH... [--smp N]
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build"))
import bench_blk  # noqa: E402  (the Linux guest's kernel and cpio writer)
import qemu  # noqa: E402
from linux_boot_test import split_guest  # noqa: E402

PROGRAMS = ["lx_hello", "lx_auxv", "lx_files", "lx_fork", "lx_regs", "lx_segv", "lx_null",
            "lx_calls", "lx_ghello", "lx_threads", "lx_gthreads", "lx_gfork", "lx_spawn",
            "lx_gspawn", "lx_posix", "lx_gposix"]
BUSYBOX = "busybox-static:sh:/lx/bbdiff.sh"
DYNAMIC = "@/lx/dyn.list"  # lxrun runs each line (Tessera's command line holds 255 bytes)
ITEMS = PROGRAMS + ["lx_posix:realtime", "lx_gposix:realtime", BUSYBOX, DYNAMIC]
INTERP_LINKS = os.path.join(HERE, "..", "..", "..", "apps", "linux", "interp.links")
KNOWN = os.path.join(HERE, "diff_known.txt")
OPEN = re.compile(r"=== (\S+)$")
CLOSE = r": (?:exit|signal) -?\d+$"  # after "=== NAME"; an output without its last newline
# (printf's) goes before it on the same line
# Items whose whole output is their exit status (lxrun's closing line): exit 0 and exit 1
SILENT = {"dyn/true", "dyn/false"}
MEM = "256M"


def initramfs(lx_dir, init, lx_files, libs, out):
    """(vmlinuz, initramfs): /init = lxrun (gcc -static), /lx/* = the same files as Tessera's
    (their modes: ls -l prints them), the libraries at their paths, /lib64's ld.so link."""
    kernel, _ = bench_blk.find_kernel()
    entries = [("dev", 0o40755, b"", 0), ("dev/console", 0o20600, b"", 5 << 8 | 1),
               ("init", 0o100755, open(init, "rb").read(), 0), ("proc", 0o40555, b"", 0),
               ("tmp", 0o41777, b"", 0)]
    dirs = set()

    def add(name, mode, data):
        parts = name.split("/")
        for i in range(1, len(parts)):  # the kernel's unpacker makes no parent directory
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.add(d)
                entries.append((d, 0o40755, b"", 0))
        entries.append((name, mode, data, 0))
    for name in lx_files:
        path = os.path.join(lx_dir, name)
        add("lx/" + name, 0o100000 | (os.stat(path).st_mode & 0o7777), open(path, "rb").read())
    for lib in libs:  # cp -L, as image.sh: the file a link names
        add(lib.lstrip("/"), 0o100000 | (os.stat(lib).st_mode & 0o7777), open(lib, "rb").read())
    ldso = [l for l in libs if os.path.basename(l).startswith("ld-linux")]
    with open(INTERP_LINKS) as f:  # /lib64/ld-linux-x86-64.so.2 -> the ld.so above
        for link in (l.strip() for l in f):
            if link.startswith("/") and ldso and link != ldso[0]:
                add(link.lstrip("/"), 0o120777, ldso[0].encode())
    path = os.path.join(out, "initramfs-diff.cpio")
    with open(path + ".tmp", "wb") as f:
        f.write(bench_blk.cpio_newc(entries))
    os.replace(path + ".tmp", path)
    return kernel, path


def sections(lines):
    """{name: lines} per framed item, its closing line last; an item's lines are those between
    its frames outside any inner item's (bbdiff.sh's commands nest inside busybox's run)."""
    out, stack, order = {}, [], []
    for l in lines:
        m = OPEN.match(l)
        c = stack and re.search("=== " + re.escape(stack[-1]) + CLOSE, l)
        if m:
            stack.append(m.group(1))
            out.setdefault(m.group(1), [])
            order.append(m.group(1))
        elif c:
            if c.start():  # the output's last line, with no newline
                out[stack[-1]].append(l[:c.start()])
            out[stack.pop()].append(l[c.start():])
        elif stack:
            out[stack[-1]].append(l)
    return out, order


def load_known():
    known = {}
    with open(KNOWN) as f:
        for l in f:
            l = l.strip()
            if l and not l.startswith("#"):
                name, reason = l.split(": ", 1)  # ": ": busybox's item has colons
                known[name.strip()] = reason.strip()
    return known


def first_diff(a, b):
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "(none)"
        y = b[i] if i < len(b) else "(none)"
        if x != y:
            return f"line {i + 1}: tessera {x!r} linux {y!r}"
    return ""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx-dir", required=True)
    p.add_argument("--init", required=True, help="lxrun.c built by gcc -static")
    p.add_argument("--lx-files", nargs="+", required=True, help="Tessera's /lx/NAME, relative")
    p.add_argument("--libs", nargs="+", required=True, help="the host's ld.so, libc.so.6...")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900)
    a = p.parse_args()
    out = os.path.join(qemu.build_dir(), "lxdiff")
    os.makedirs(out, exist_ok=True)
    files = initramfs(os.path.abspath(a.lx_dir), a.init, a.lx_files, a.libs, out)
    failed = []
    lr = qemu.boot(None, mem=MEM, cmdline="console=ttyS0 quiet panic=-1 -- " + " ".join(ITEMS),
                   timeout=a.timeout, direct=True, direct_files=files, smp=a.smp,
                   log_path=os.path.join(out, "linux.log"))
    ltext = lr.serial_text.replace("\r", "").split("\n")
    if "lxrun: done" not in ltext or not lr.powered_off:
        failed.append(f"linux guest: no 'lxrun: done' and power-off (exit {lr.exit_code}), "
                      f"log {lr.log_path}")
    lin, _ = sections(ltext[:ltext.index("lxrun: done")] if "lxrun: done" in ltext else ltext)
    tr = qemu.boot(None, mem=MEM, cmdline="poweroff init.run=lxrun," + ",".join(ITEMS),
                   timeout=a.timeout, direct=True, smp=a.smp,
                   log_path=os.path.join(out, "tessera.log"))
    got = qemu.program_lines(tr.serial_text, strip_cr=True) or []
    kept, enosys, faults, _ = split_guest(got)
    if kept[-1:] != ["init: lxrun: exit 0"] or not (tr.exit_code == 0 and tr.powered_off):
        failed.append(f"tessera guest: no 'init: lxrun: exit 0' and clean power-off "
                      f"(exit {tr.exit_code}), log {tr.log_path}")
    tes, order = sections(kept[:-1])
    known = load_known()
    names = list(dict.fromkeys(order + list(lin)))
    agree = 0
    print(f"{'item':<36} result")
    for name in names:
        t, l = tes.get(name), lin.get(name)
        d = "missing in tessera" if t is None else "missing in linux" if l is None else \
            first_diff(t, l)
        if l is not None and not (l and re.match("=== " + re.escape(name) + CLOSE, l[-1])):
            failed.append(f"{name}: no closing line in the Linux guest")
        elif l is not None and len(l) < 2 and name not in SILENT:  # its closing line only:
            failed.append(f"{name}: printed nothing in the Linux guest")  # agreeing says nothing
        if not d:
            agree += 1
            print(f"{name:<36} agree")
            if name in known:
                failed.append(f"{name}: agrees, but diff_known.txt lists it: take it out")
        else:
            why = f"  (known: {known[name]})" if name in known else ""
            print(f"{name:<36} differ: {d}{why}")
            if name not in known:
                failed.append(f"{name}: differs and is not in diff_known.txt")
    for name in known:
        if name not in names:
            failed.append(f"{name}: in diff_known.txt but never run")
    print(f"{agree} of {len(names)} agree; tessera's own lines: ENOSYS {enosys}, faults "
          f"{faults}")
    if failed:
        print("FAIL:\n  " + "\n  ".join(failed))
        print(f"logs: {lr.log_path} {tr.log_path}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
