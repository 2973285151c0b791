#!/usr/bin/env python3
"""linux_boot_test.py: unmodified Linux binaries (apps/linux, built on the host with musl-gcc
-static and gcc -static) run in Tessera, through exo's syscall reflection and the Linux
runtime (libos/linux), and on the host: their outputs must agree byte for byte.

The guest runs `lxrun NAME...` (apps/posix/lxrun.c), which prints "=== NAME", runs /lx/NAME
with argv {NAME, "a", "bc"} and envp {"LXENV=1"}, and prints "=== NAME: exit N" (or
"signal N"). The host runs each file the same way. Lines only Tessera prints are taken out
and checked on their own: the libOS's "posix: system call N is not implemented (ENOSYS)"
(exactly once per number per process: lx_regs makes 400 twice and 420 once) and the fault
report of lx_segv's NULL store, and the runtime's exit reports of lx_calls (TESSERA_LINUX_STATS=1):
its 1000 getpid calls all direct with the sites rewritten, all trapped with TESSERA_LINUX_TRAP=1;
and of lx_vdso and lx_gvdso (musl, glibc): 1000 rounds of clock_gettime, gettimeofday and time
count as many calls as 0 rounds, rewritten and with TESSERA_LINUX_TRAP=1 (the vDSO: no call);
and of lx_threads and lx_gthreads' `calls` runs: four threads' 8000 calls all direct, none trapped.
    linux_boot_test.py --lx-dir DIR --image IMAGE [--smp N]
(libos.boot.linux-smp2: the same on two CPUs, where lx_threads' threads run at once.)
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

# Dynamically linked (PT_INTERP: glibc's ld.so and libc.so.6, the host's, in the image at the
# host's paths): lx_dyn (ours, plain gcc: AT_BASE, AT_ENTRY, AT_PHDR; execve of a binary whose
# interpreter is missing, ENOENT, or no ELF, ELIBBAD), then the host's own programs, copied
# unmodified to lx/dyn/NAME, NAME:A:B running them with argv {NAME, A, B}; lx/tree is a tree of
# known files, the same on both sides. Their stderr is the guest's console too: on the host it
# joins stdout (ls of a missing file).
# (the list: apps/linux/dyn.list, which the guest's lxrun reads as @/lx/dyn.list)
DYNAMIC = []
PROGRAMS = ["lx_hello", "lx_auxv", "lx_files", "lx_fork", "lx_regs", "lx_segv", "lx_null",
            "lx_calls", "lx_ghello", "lx_threads", "lx_gthreads", "lx_gfork", "lx_spawn",
            "lx_gspawn", "lx_vdso", "lx_gvdso"]
# The guest runs every program in / (its binaries are in /lx); the spawners name lx/lx_hello
# relative to that, so on the host they run in the binaries' directory's parent.
SPAWNERS = {"lx_spawn", "lx_gspawn"}
ENOSYS = re.compile(r"posix: system call (\d+) is not implemented \(ENOSYS\)$")
STATS = re.compile(r"linux: (\d+) calls direct, (\d+) trapped; (\d+) sites rewritten, (\d+) red zone, "
                   r"(\d+) unsure, (\d+) prefixed, (\d+) over the table; "
                   r"(\d+) calls at sites left to trap$")
FAULT = re.compile(r"los: process \d+: signal (\d+) \(code \d+\) at rip 0x[0-9a-f]+ addr 0x([0-9a-f]+)$")


def host_lines(lx_dir):
    """What lxrun would print on Linux: each program run as the guest runs it."""
    text = ""
    for spec in PROGRAMS + DYNAMIC:
        name, *args = spec.split(":")  # NAME:A:B: argv {NAME, A, B}, as lxrun
        cwd = os.path.dirname(lx_dir) if spec in SPAWNERS or spec in DYNAMIC else "/"
        if (spec in SPAWNERS or spec in DYNAMIC) and os.path.basename(lx_dir) != "lx":
            sys.exit(f"{lx_dir}: the spawners want the binaries in a directory named lx")
        r = subprocess.run([name] + (args or ["a", "bc"]), executable=os.path.join(lx_dir, name),
                           env={"LXENV": "1"}, cwd=cwd, stdout=subprocess.PIPE, timeout=30,
                           stderr=subprocess.STDOUT if spec in DYNAMIC else None)
        how = f"signal {-r.returncode}" if r.returncode < 0 else f"exit {r.returncode}"
        # an output without its last newline: lxrun's line follows on the same line
        text += f"=== {spec}\n" + r.stdout.decode() + f"=== {spec}: {how}\n"
    return text.split("\n")[:-1]


def split_guest(lines):
    """The guest's lines less Tessera's own reports, and those reports per program."""
    kept, enosys, faults, stats, prog = [], {}, {}, {}, None
    for l in lines:
        m = re.match(r"=== (\S+)$", l)
        if m:
            prog = m.group(1)
        e, f, st = ENOSYS.search(l), FAULT.search(l), STATS.search(l)
        if e:
            enosys.setdefault(prog, []).append(int(e.group(1)))
            l = l[:e.start()]
        elif f:
            faults.setdefault(prog, []).append((int(f.group(1)), int(f.group(2), 16)))
            l = l[:f.start()]
        elif st:
            stats.setdefault(prog, []).append(tuple(int(x) for x in st.groups()))
            l = l[:st.start()]
        if l or not (e or f or st):
            kept.append(l)
    return kept, enosys, faults, stats


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx-dir", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--smp", type=int, default=1, help="CPUs (libos.boot.linux-smp2: 2)")
    a = p.parse_args()
    with open(os.path.join(a.lx_dir, "dyn.list")) as f:
        DYNAMIC.extend(l.strip() for l in f if l.strip())
    want = host_lines(os.path.abspath(a.lx_dir))
    r = qemu.boot(None, cmdline="poweroff init.run=lxrun," + ",".join(PROGRAMS) + ",@/lx/dyn.list",
                  timeout=200,
                  direct=True, smp=a.smp)
    got = qemu.program_lines(r.serial_text, strip_cr=True) or []
    kept, enosys, faults, stats = split_guest(got)
    errs = []
    if kept[:-1] != want or kept[-1:] != ["init: lxrun: exit 0"]:
        errs.append("output differs from the host's:")
        for i in range(max(len(kept), len(want) + 1)):
            g = kept[i] if i < len(kept) else "(none)"
            w = want[i] if i < len(want) else "init: lxrun: exit 0"
            errs.append(f"  {'  ' if g == w else '!='} guest {g!r}  host {w!r}")
    if sorted(enosys.get("lx_regs", [])) != [400, 420]:
        errs.append(f"lx_regs: ENOSYS said for {enosys.get('lx_regs')}, want [400, 420] once each")
    if faults.get("lx_segv") != [(11, 0)]:
        errs.append(f"lx_segv: fault reports {faults.get('lx_segv')}, want [(11, 0)]")
    # lx_calls: the same 1000-getpid run, rewritten (no call trapped), then with
    # TESSERA_LINUX_TRAP=1 (no site rewritten, every call trapped: as many as went direct).
    runs = stats.get("lx_calls", [])
    if len(runs) != 2:
        errs.append(f"lx_calls: exit reports {runs}, want 2")
    else:
        (d0, t0, s0, *_), (d1, t1, s1, *_) = runs
        if not (t0 == 0 and d0 >= 1000 and s0 > 0 and d1 == 0 and s1 == 0 and t1 == d0):
            errs.append(f"lx_calls: rewritten {runs[0]}, by the trap {runs[1]}: want (>= 1000 "
                        f"direct, 0 trapped, sites > 0), then (0 direct, as many trapped, 0 sites)")
    # lx_threads, lx_gthreads (musl, glibc): `calls 0` then `calls 1000`, four threads making
    # 1000 getpid and 1000 gettid calls each: all 8000 direct, none trapped (threads keep the
    # fast path: each finds its own call stack through its GS base). The futex calls of
    # pthread_join and a thread's exit vary with timing (a wait, or none): a few either way.
    for prog in ("lx_threads", "lx_gthreads"):
        runs = stats.get(prog, [])
        if len(runs) != 2 or runs[0][1] != 0 or runs[1][1] != 0 or \
                abs(runs[1][0] - runs[0][0] - 8000) > 16:
            errs.append(f"{prog}: exit reports {runs}: want 0 trapped in both, 8000 (+-16 "
                        f"futex) more direct with 1000 calls of each kind in each of 4 threads")
    # lx_vdso, lx_gvdso: reports for 0 and 1000 rounds, then the same by the trap; the rounds add
    # no call of either kind, and by the trap nothing goes direct.
    for prog in ("lx_vdso", "lx_gvdso"):
        runs = stats.get(prog, [])
        if len(runs) != 4 or runs[0][:2] != runs[1][:2] or runs[2][:2] != runs[3][:2] or \
                runs[2][0] != 0:
            errs.append(f"{prog}: exit reports {runs}: want 0 and 1000 rounds alike (direct, "
                        f"trapped), rewritten then by the trap (0 direct)")
    for prog in ("lx_vdso", "lx_gvdso"):  # a forked child's store to the vDSO's first page
        if faults.get(prog) != [(11, 0x6f3800001000)]:
            errs.append(f"{prog}: fault reports {faults.get(prog)}, want [(11, 0x6f3800001000)]")
    # lx_null's faults go to its handler; its children's forged sigreturns to rip 0 with rsp 0 and
    # 136 leave no page for the resume's words: each faults at 0 as on Linux (never a spin); the
    # two without a handler report it (the others' handlers: none, or on an alternate stack).
    if faults.get("lx_null") != [(11, 0)] * 2:
        errs.append(f"lx_null: fault reports {faults.get('lx_null')}, want two (11, 0): the "
                    f"forged sigreturns' children without a handler")
    if enosys.get("lx_calls") != [1000, 1000]:  # once in each of its two processes
        errs.append(f"lx_calls: ENOSYS said for {enosys.get('lx_calls')}, want [1000, 1000]")
    # A dynamic program's calls (glibc's libc.so.6, which ld.so maps) go direct: the sites of the
    # libraries ld.so maps are rewritten as it maps them; the only calls that trap are those of
    # sites the scanner found and left (ld.so's __open_nocancel: a red-zone store before it, for
    # ld.so's search of its directories). By the trap, none is direct.
    lib = "dyn/env:TESSERA_LINUX_STATS=1:lx/dyn/cat:lx/tree/a.txt"
    lib_trap = "dyn/env:TESSERA_LINUX_STATS=1:TESSERA_LINUX_TRAP=1:lx/dyn/cat:lx/tree/a.txt"
    runs = stats.get(lib, []) + stats.get(lib_trap, [])
    if len(runs) != 2:
        errs.append(f"dynamic cat: exit reports {runs}, want 2")
    else:
        (d0, t0, s0, *_, l0), (d1, t1, s1, *_, l1) = runs
        if not (t0 == l0 and d0 > 0 and s0 > 0 and d1 == 0 and s1 == 0 and l1 == 0 and
                t1 == d0 + t0):
            errs.append(f"dynamic cat: rewritten {runs[0]}, by the trap {runs[1]}: want (> 0 "
                        f"direct, trapped only at sites left, sites > 0), then (0 direct, all "
                        f"trapped, 0 sites)")
    for spec in DYNAMIC:  # ld.so's and glibc's calls (statx, fadvise64, rseq...) are all served
        if enosys.get(spec):
            errs.append(f"{spec}: ENOSYS said for {enosys[spec]}, want none")
    for prog, nums in enosys.items():
        if prog != "lx_calls" and len(nums) != len(set(nums)):
            errs.append(f"{prog}: an ENOSYS said twice: {nums}")
    failed = 0
    if errs:
        failed += 1
        print(f"FAIL: log {r.log_path}")
        print("\n".join(errs))
    else:
        print(f"{len(PROGRAMS) + len(DYNAMIC)} Linux binaries: output as on the host; ENOSYS per number once: "
              f"{enosys}; lx_calls (direct, trapped, sites, red zone, unsure, prefixed, full): "
              f"{stats.get('lx_calls')}; lx_vdso {stats.get('lx_vdso')}; lx_gvdso {stats.get('lx_gvdso')}; "
              f"lx_threads {stats.get('lx_threads')}; lx_gthreads {stats.get('lx_gthreads')}; "
              f"dynamic cat {runs}")
    if not (r.exit_code == 0 and r.powered_off):
        failed += 1
        print(f"FAIL: clean power-off expected, exit {r.exit_code}, log {r.log_path}")
    print(f"{2 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
