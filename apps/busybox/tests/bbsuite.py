#!/usr/bin/env python3
"""bbsuite.py: busybox's own testsuite (testsuite/ of the Debian source busybox is built from:
runtest, *.tests, the per-applet dirs) in the Tessera guest and in a Linux guest on the same
QEMU machine, per applet and per test.

  bbsuite.py tessera --image IMG --busybox-dir DIR   ctest apps.boot.bbsuite
      stages DIR/install/busybox, DIR/src/.config, DIR/src/testsuite and apps/busybox/suite/
      bbsuite.sh on a second disk (GPT partition tessera-root, ext2, made here with sgdisk and
      mke2fs -d), boots `poweroff init.ext2=bbsuite init.run=bin/busybox,sh,/mnt/bbsuite.sh`
      (PVH), reads PASS/FAIL/SKIPPED/UNTESTED per test off the console into
      out/bbsuite/tessera.txt, and checks: the run reached its end, the passes are at least
      suite_floor.txt, and every test that passes in Linux (suite_linux.txt, recorded by the
      `linux` mode) passes here too unless suite_known_failures.txt lists it with the libOS gap
      it shows.
  bbsuite.py linux --busybox-dir DIR                 (by hand; needs musl-tools and a kernel)
      builds the same source with the same configuration (build/busybox.sh, defconfig +
      config.frag) with Debian's musl-gcc (musl 1.2.3, the version Tessera's musl is built
      from) into out/busybox-linux, boots Debian's kernel ($TESSERA_LINUX_KERNEL or the newest
      /boot/vmlinuz-*) with an initramfs holding it, its applet links and the same suite, and
      writes apps/busybox/tests/suite_linux.txt.
  bbsuite.py doc                                     docs/busybox-testsuite.md from the two.

A result file: one test a line, "STATUS APPLET: NAME" (a name seen twice in one applet gets
" [2]"), after '#' comment lines.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "build"))
import qemu  # noqa: E402

SUITE_SH = os.path.join(REPO, "apps", "busybox", "suite", "bbsuite.sh")
SKIP = os.path.join(HERE, "suite_skip.txt")
FLOOR = os.path.join(HERE, "suite_floor.txt")
KNOWN = os.path.join(HERE, "suite_known_failures.txt")
LINUX = os.path.join(HERE, "suite_linux.txt")
DOC = os.path.join(REPO, "docs", "busybox-testsuite.md")
STATUSES = ("PASS", "FAIL", "SKIPPED", "UNTESTED")
LINE_RE = re.compile(r"^(PASS|FAIL|SKIPPED|UNTESTED): (.*)$")
ENV = dict(os.environ, PATH="/usr/sbin:/sbin:" + os.environ.get("PATH", ""))
TESSERA_CMDLINE = "poweroff init.ext2=bbsuite init.run=bin/busybox,sh,/mnt/bbsuite.sh"
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
MEM = "512M"

Results = Dict[Tuple[str, str], str]  # (applet, test name) -> status, in the order printed


# --- The suite's files -----------------------------------------------------------------------

def stage(dst: str, busybox: str, config: str, testsuite: str) -> None:
    """dst/{bbsuite.sh, skip.txt, bb/busybox, bb/.config, bb/testsuite/}. runtest's copy gets
    one line: "@@ applet NAME" before each applet's tests, so the host can tell whose a
    PASS/FAIL line is (test names do not say), and runs each *.tests file with `sh` (a
    script's #! line is the shell's business on Tessera: exec runs ELF images only).
    testing.sh's copy says SKIPPED for the tests suite_skip.txt names, as busybox's own
    `optional` does; skip.txt gets the applets it names whole."""
    bb = os.path.join(dst, "bb")
    os.makedirs(bb)
    shutil.copy(busybox, os.path.join(bb, "busybox"))
    os.chmod(os.path.join(bb, "busybox"), 0o755)
    shutil.copy(config, os.path.join(bb, ".config"))
    shutil.copytree(testsuite, os.path.join(bb, "testsuite"), symlinks=True)
    rt = os.path.join(bb, "testsuite", "runtest")
    text = open(rt).read()
    loop = 'for applet in $applets; do\n'
    run = '\t\t\t"$tsdir/$applet.tests"\n'
    if loop not in text or run not in text:
        raise SystemExit("bbsuite: runtest is not the one this script knows (1.35)")
    text = text.replace(loop, loop + '\techo "@@ applet $applet"\n', 1)
    text = text.replace(run, '\t\t\tsh "$tsdir/$applet.tests"\n', 1)
    with open(rt, "w") as f:
        f.write(text)
    applets, tests = read_skip()
    ts = os.path.join(bb, "testsuite", "testing.sh")
    text = open(ts).read()
    name = '  NAME="$1"\n  [ -n "$1" ] || NAME="$2"\n'
    if name not in text:
        raise SystemExit("bbsuite: testing.sh is not the one this script knows (1.35)")
    if tests:
        pats = "|".join("'" + n.replace("'", "'\\''") + "'" for _, n in sorted(tests))
        text = text.replace(name, name + f'  case "$NAME" in {pats}) echo "SKIPPED: $NAME"; '
                                          'return 0 ;; esac # bbsuite: suite_skip.txt\n', 1)
    with open(ts, "w") as f:
        f.write(text)
    shutil.copy(SUITE_SH, os.path.join(dst, "bbsuite.sh"))
    with open(os.path.join(dst, "skip.txt"), "w") as f:
        f.write("".join(f"{a} {why}\n" for a, why in sorted(applets.items())))


def read_skip() -> Tuple[Dict[str, str], Dict[Tuple[str, str], str]]:
    """suite_skip.txt: under "[reason]" lines, an applet ("tar": none of its tests run) or a
    test ("bc: bc ibase": SKIPPED, in both guests). ({applet: reason}, {(applet, test): reason})"""
    applets, tests = {}, {}
    for key, why in read_known(SKIP, whole=True).items():
        if key[1] is None:
            applets[key[0]] = why
        else:
            tests[key] = why
    return applets, tests


def make_disk(tree: str, img: str, mib: int = 128) -> None:
    """A GPT disk whose partition tessera-root holds an ext2 made from tree (pm mounts the
    init.ext2 disk's tessera-root partition on /mnt)."""
    if os.path.exists(img):
        os.unlink(img)
    with open(img, "wb") as f:
        f.truncate(mib << 20)
    subprocess.run(["sgdisk", "-n", "1:2048:0", "-c", "1:tessera-root", img], env=ENV,
                   check=True, stdout=subprocess.DEVNULL)
    last = (mib << 20) // 512 - 34  # sgdisk ends the partition before the backup GPT
    blocks = (last - 2048 + 1) * 512 // 4096
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-I", "256", "-m", "0",
                    "-L", "bbsuite", "-E", f"offset={2048 * 512}", "-d", tree, img,
                    str(blocks)], env=ENV, check=True)


def read_list(path: str) -> List[str]:
    """Lines of a list file without comments and blank lines."""
    if not os.path.exists(path):
        return []
    return [l.rstrip("\n") for l in open(path) if l.strip() and not l.startswith("#")]


# --- The console -----------------------------------------------------------------------------

class Run:
    def __init__(self) -> None:
        self.results: Results = {}
        self.started = False
        self.done = False
        self.skipped: List[str] = []  # applets skip.txt kept out
        self.seconds: Dict[str, float] = {}  # applet -> host seconds its tests took


def parse(lines: List[Tuple[float, str]]) -> Run:
    run, applet, t0 = Run(), None, 0.0
    for t, l in lines:
        l = l.replace("\r", "")
        w = l.split()
        if l.startswith("@@ ") and len(w) > 2 and w[1] in ("applet", "skip", "bbsuite"):
            # (a diff's "@@ -1 +1 @@" is not ours)
            if applet is not None:
                run.seconds[applet] = run.seconds.get(applet, 0.0) + t - t0
            applet = None
            if w[1] == "applet":
                applet, t0 = w[2], t
            elif w[1] == "skip":
                run.skipped.append(w[2])
            else:
                run.started |= w[2] == "start"
                run.done |= w[2] == "done"
            continue
        m = LINE_RE.match(l)
        if m and applet is not None:
            key, n = (applet, m[2]), 2
            while key in run.results:
                key, n = (applet, f"{m[2]} [{n}]"), n + 1
            run.results[key] = m[1]
    return run


def log_lines(path: str) -> List[Tuple[float, str]]:
    """A boot log's serial lines ("[ seconds] text", as qemu.boot writes them)."""
    out = []
    for l in open(path, errors="replace"):
        m = re.match(r"^\[\s*([0-9.]+)\] ?(.*)$", l.rstrip("\n"))
        if m:
            out.append((float(m[1]), m[2]))
    return out


def write_results(path: str, results: Results, head: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write("".join(f"# {l}\n" for l in head.split("\n")))
        for (a, n), s in results.items():
            f.write(f"{s} {a}: {n}\n")
    os.replace(path + ".tmp", path)


def read_results(path: str) -> Results:
    out: Results = {}
    for l in read_list(path):
        s, rest = l.split(" ", 1)
        a, n = rest.split(": ", 1)
        out[(a, n)] = s
    return out


def read_known(path: str, whole: bool = False) -> Dict[Tuple[str, Optional[str]], str]:
    """suite_known_failures.txt: "[the libOS gap]" lines, each followed by the tests
    ("APPLET: NAME") it makes fail; whole: a line without ": " is an applet, (APPLET, None)."""
    out: Dict[Tuple[str, Optional[str]], str] = {}
    reason = None
    for l in read_list(path):
        if l.startswith("[") and l.endswith("]"):
            reason = l[1:-1]
        elif ": " in l:
            a, n = l.split(": ", 1)
            out[(a, n)] = reason or "?"
        elif whole:
            out[(l.strip(), None)] = reason or "?"
        else:
            raise SystemExit(f"bbsuite: {path}: not APPLET: NAME: {l!r}")
    return out


def counts(results: Results) -> Dict[str, int]:
    c = {s: 0 for s in STATUSES}
    for s in results.values():
        c[s] += 1
    return c


def per_applet(results: Results) -> Dict[str, Dict[str, int]]:
    out: Dict[str, Dict[str, int]] = {}
    for (a, _), s in results.items():
        out.setdefault(a, {x: 0 for x in STATUSES})[s] += 1
    return out


# --- Tessera ---------------------------------------------------------------------------------

def work(name: str) -> str:
    d = os.path.join(qemu.build_dir(), "bbsuite", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def cmd_tessera(a) -> int:
    d = work("tessera")
    tree = os.path.join(d, "tree")
    stage(tree, os.path.join(a.busybox_dir, "install", "busybox"),
          os.path.join(a.busybox_dir, "src", ".config"),
          os.path.join(a.busybox_dir, "src", "testsuite"))
    disk = os.path.join(d, "disk.img")
    make_disk(tree, disk)
    r = qemu.boot(None, mem=MEM, cmdline=TESSERA_CMDLINE, timeout=a.timeout, direct=True,
                  echo=a.echo,
                  extra=["-drive", f"format=raw,file={disk},if=none,id=bbsuite,cache=unsafe",
                         "-device", "virtio-blk-pci,drive=bbsuite,serial=bbsuite"])
    run = parse(r.lines)
    out = os.path.join(qemu.build_dir(), "bbsuite", "tessera.txt")
    write_results(out, run.results, f"busybox testsuite in Tessera: {r.elapsed:.0f} s boot")
    return check(run, r, out)


def check(run: Run, r: "qemu.Result", out: str) -> int:
    failed: List[str] = []
    c = counts(run.results)
    floor = int(read_list(FLOOR)[0].split()[0])
    print(f"tessera: {c['PASS']} passed, {c['FAIL']} failed, {c['SKIPPED']} skipped, "
          f"{c['UNTESTED']} untested in {len(per_applet(run.results))} applets "
          f"({r.elapsed:.0f} s; applets not run: {' '.join(run.skipped) or 'none'})")
    slow = sorted(run.seconds.items(), key=lambda kv: -kv[1])[:8]
    print("slowest: " + ", ".join(f"{k} {v:.0f} s" for k, v in slow))
    if not run.started:
        failed.append("the suite never started (see the log)")
    if not run.done:
        failed.append("the suite did not reach its end (a hang or a crash: the last applet "
                      "begun is where)")
    if c["PASS"] < floor:
        failed.append(f"{c['PASS']} tests passed, fewer than the floor {floor} "
                      f"({os.path.relpath(FLOOR, REPO)})")
    linux = read_results(LINUX)
    known = read_known(KNOWN)
    if linux:
        for key, s in linux.items():
            if s != "PASS" or key[0] in run.skipped:
                continue
            got = run.results.get(key, "MISSING")
            if got != "PASS" and key not in known:
                failed.append(f"{key[0]}: {key[1]}: passes in Linux, {got} in Tessera "
                              f"(not in {os.path.relpath(KNOWN, REPO)})")
        for key, why in known.items():
            if run.results.get(key) == "PASS":
                print(f"note: known failure passes now: {key[0]}: {key[1]} ({why})")
    else:
        print(f"note: no {os.path.relpath(LINUX, REPO)}: no comparison with Linux")
    for f in failed:
        print("FAIL:", f)
    print(f"results: {out}\nlog: {r.log_path}")
    # The checks: started, reached its end, the floor, and one per test that passes in Linux.
    checks = 3 + sum(1 for k, s in linux.items() if s == "PASS" and k[0] not in run.skipped)
    print(f"{checks - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


# --- Linux -----------------------------------------------------------------------------------

def build_linux_busybox(tessera_dir: str) -> str:
    """The same source package, script and config.frag, built with musl-gcc: DIR/install."""
    d = os.path.join(qemu.build_dir(), "busybox-linux")
    os.makedirs(d, exist_ok=True)
    fetch = os.path.join(tessera_dir, "fetch")
    if not os.path.isdir(os.path.join(d, "fetch")) and os.path.isdir(fetch):
        shutil.copytree(fetch, os.path.join(d, "fetch"))  # no second download
    if not shutil.which("musl-gcc"):
        raise SystemExit("bbsuite: musl-gcc missing (apt-get install musl-tools)")
    subprocess.run(["bash", os.path.join(REPO, "build", "busybox.sh"), REPO, d, "musl-gcc"],
                   check=True)
    return d


def cmd_linux(a) -> int:
    import bench_blk  # the Linux guest's kernel and newc writer  # noqa: E402
    lb = build_linux_busybox(a.busybox_dir)
    d = work("linux")
    tree = os.path.join(d, "tree")
    stage(tree, os.path.join(lb, "install", "busybox"), os.path.join(lb, "src", ".config"),
          os.path.join(a.busybox_dir, "src", "testsuite"))
    init = ("#!/bin/busybox sh\n"
            "mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev\n"
            "hostname tessera\n"
            "sh /bbsuite/bbsuite.sh\n"
            "poweroff -f\n")
    entries = [(n, 0o40755, b"", 0) for n in ("bin", "sbin", "usr", "usr/bin", "usr/sbin",
                                               "proc", "sys", "dev", "tmp", "root", "etc")]
    entries += [("dev/console", 0o20600, b"", 5 << 8 | 1),
                ("init", 0o100755, init.encode(), 0),
                ("bin/busybox", 0o100755, open(os.path.join(lb, "install", "busybox"),
                                               "rb").read(), 0)]
    for p in read_list(os.path.join(lb, "install", "busybox.links")):
        if p != "/bin/busybox":
            entries.append((p[1:], 0o120777, b"/bin/busybox", 0))
    entries.append(("bbsuite", 0o40755, b"", 0))
    for root, dirs, files in os.walk(tree):
        dirs.sort()
        for n in sorted(dirs) + sorted(files):
            p = os.path.join(root, n)
            rel = "bbsuite/" + os.path.relpath(p, tree)
            st = os.lstat(p)
            if os.path.islink(p):
                entries.append((rel, 0o120777, os.readlink(p).encode(), 0))
            elif os.path.isdir(p):
                entries.append((rel, 0o40000 | (st.st_mode & 0o7777), b"", 0))
            else:
                entries.append((rel, 0o100000 | (st.st_mode & 0o7777), open(p, "rb").read(), 0))
    initrd = os.path.join(d, "initramfs.cpio")
    with open(initrd, "wb") as f:
        f.write(bench_blk.cpio_newc(entries))
    kernel, _ = bench_blk.find_kernel()
    r = qemu.boot(None, mem=MEM, cmdline=LINUX_APPEND, timeout=a.timeout, direct=True,
                  direct_files=(kernel, initrd), echo=a.echo,
                  log_path=os.path.join(qemu.build_dir(), "logs", "bbsuite-linux.log"))
    run = parse(r.lines)
    c = counts(run.results)
    print(f"linux: {c['PASS']} passed, {c['FAIL']} failed, {c['SKIPPED']} skipped, "
          f"{c['UNTESTED']} untested ({r.elapsed:.0f} s, done={run.done}); log {r.log_path}")
    if not run.done:
        print("FAIL: the Linux run did not reach its end")
        return 1
    write_results(LINUX, run.results,
                  f"busybox testsuite in Linux ({os.path.basename(kernel)}, busybox built with "
                  f"musl-gcc by build/busybox.sh; apps/busybox/tests/bbsuite.py linux)")
    return 0


# --- The report ------------------------------------------------------------------------------

def cell(text: str) -> str:
    """text in a markdown table cell."""
    return text.replace("|", "\\|")


def cmd_doc(a) -> int:
    tess = read_results(a.tessera)
    linux = read_results(LINUX)
    known = read_known(KNOWN)
    pt, pl = per_applet(tess), per_applet(linux)
    ct, cl = counts(tess), counts(linux)
    L = ["# busybox's own testsuite: Tessera and Linux", "",
         "Written by `python3 apps/busybox/tests/bbsuite.py doc` from "
         "`out/bbsuite/tessera.txt` (ctest `apps.boot.bbsuite`) and "
         "`apps/busybox/tests/suite_linux.txt` (`bbsuite.py linux`). The suite is the "
         "`testsuite/` of Debian's busybox 1.35 source that `build/busybox.sh` builds, run by "
         "its own `runtest -v` under busybox's ash: in Tessera from a second ext2 disk on "
         "`/mnt`, in Linux (Debian's kernel on the same QEMU machine, TCG) from the "
         "initramfs; busybox for Linux is the same source, script and `config.frag` built "
         "with Debian's `musl-gcc` (musl 1.2.3, as Tessera's). Applets in "
         "`apps/busybox/tests/suite_skip.txt` are run in neither.", "",
         "| | passed | failed | skipped | untested |", "|---|---|---|---|---|",
         f"| Tessera | {ct['PASS']} | {ct['FAIL']} | {ct['SKIPPED']} | {ct['UNTESTED']} |",
         f"| Linux | {cl['PASS']} | {cl['FAIL']} | {cl['SKIPPED']} | {cl['UNTESTED']} |", "",
         "## Tests that pass in Linux and fail in Tessera", ""]
    diff = [(k, tess.get(k, "MISSING")) for k, s in linux.items()
            if s == "PASS" and tess.get(k) != "PASS"]
    if not diff:
        L.append("None.")
    else:
        L += ["| applet | test | Tessera | why (suite_known_failures.txt) |", "|---|---|---|---|"]
        for (ap, n), s in diff:
            why = known.get((ap, n), "not listed")
            L.append(f"| {ap} | `{cell(n)}` | {s} | {cell(why)} |")
    other = [(k, s) for k, s in tess.items() if s == "PASS" and linux.get(k) not in ("PASS",)]
    L += ["", "## Tests that pass in Tessera and not in Linux", ""]
    L += [f"- {ap}: `{n}` (Linux: {linux.get((ap, n), 'not run')})" for (ap, n), _ in other] \
        or ["None."]
    both = [k for k, s in tess.items() if s == "FAIL" and linux.get(k) == "FAIL"]
    L += ["", "## Tests that fail in both", "",
          "Not the libOS's (Linux's kernel fails them too): mostly the suite's expectations "
          "of its machine (a network for wget, timezone files, loop devices, capabilities, "
          "a test script run by its name rather than by `sh`) or of glibc rather than musl:",
          ""]
    L += [f"- {ap}: `{n}`" for ap, n in both] or ["None."]
    L += ["", "## Per applet (passed / failed / skipped / untested)", "",
          "| applet | Tessera | Linux |", "|---|---|---|"]
    for ap in sorted(set(pt) | set(pl)):
        f = lambda c: f"{c['PASS']} / {c['FAIL']} / {c['SKIPPED']} / {c['UNTESTED']}" \
            if c else "not run"  # noqa: E731
        L.append(f"| {ap} | {f(pt.get(ap))} | {f(pl.get(ap))} |")
    with open(DOC, "w") as fh:
        fh.write("\n".join(L) + "\n")
    print(f"wrote {DOC}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tessera")
    t.add_argument("--image", help="unused: the boot is PVH (exo.elf and the boot archive)")
    t.add_argument("--busybox-dir", required=True)
    t.add_argument("--timeout", type=float, default=1500)
    t.add_argument("--echo", action="store_true", help="the console on stdout as it comes")
    lx = sub.add_parser("linux")
    lx.add_argument("--busybox-dir", required=True)
    lx.add_argument("--timeout", type=float, default=1500)
    lx.add_argument("--echo", action="store_true", help="the console on stdout as it comes")
    dc = sub.add_parser("doc")
    dc.add_argument("--tessera", default=os.path.join(qemu.build_dir(), "bbsuite", "tessera.txt"))
    a = ap.parse_args()
    return {"tessera": cmd_tessera, "linux": cmd_linux, "doc": cmd_doc}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
