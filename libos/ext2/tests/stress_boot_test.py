#!/usr/bin/env python3
"""stress_boot_test.py: ext2 as "/" under load, and after a kill (libos.ext2.stress,
libos.ext2.stress-smp2, libos.ext2.killwrite).

A writable copy of the image is the only virtio-blk disk; PVH straight into exo, pm mounts its
tessera-root as "/" and init runs apps/posix/fsstress.c.

--mode stress: `fsstress N OPS` (N processes at once, OPS random operations each: create,
    write a known pattern, rename across directories, link, truncate, rewrite, fsync, unlink,
    read back, list the shared directory), then init powers off. The host wants
    "fsstress: ok", every worker's summary with 0 failures, QEMU's exit 0, `e2fsck -fn` clean,
    and in the file system exactly the files the workers listed ("fsstress: file"), each
    byte as the pattern says (debugfs rdump).
--mode killwrite: `fsstress killwrite` writes, fsyncs and announces files ("fsstress: synced
    NAME LEN SHA256") with unsynced writes in between; the host kills QEMU (SIGKILL) once
    enough are announced, mid-write (three boots, killed 0.1, 0.35 and 0.8 s after an
    announcement). Then `e2fsck -p` must exit 0 or 1 (clean or repaired), a following
    `e2fsck -fn` 0, and the last six announced files' bytes must match their SHA-256 (debugfs
    dump; earlier ones may be gone: the writer removes s(k-6) after announcing s(k)).
    stress_boot_test.py --image out/tessera.img [--mode stress|killwrite] [--smp N]
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build"))
import qemu  # noqa: E402
from ext2_boot_test import root_offset, run  # noqa: E402

MAXLEN = 90000


def pat(seed, n):
    """fsstress.c's pattern: bytes 0..n-1 of a file written with seed."""
    return bytes((i * 131 + (i >> 9) * 7 + seed * 29 + (seed >> 5)) & 255 for i in range(n))


def disk_args(disk):
    return ["-drive", f"format=raw,file={disk},if=none,id=disk1",
            "-device", "virtio-blk-pci,drive=disk1"]


def stress(disk, part, tmp, procs, ops, smp, errs):
    t0 = time.monotonic()
    res = qemu.boot(None, cmdline=f"poweroff init.run=fsstress,{procs},{ops}", timeout=420,
                    direct=True, smp=smp, extra=disk_args(disk))
    lines = [l for _, l in res.lines]
    mine = [l for l in lines if l.startswith("fsstress: ")]
    print(f"stress_boot_test: boot {time.monotonic() - t0:.1f} s, smp {smp}")
    for l in mine:
        if not l.startswith("fsstress: file "):
            print(" ", l)
    if res.timed_out or res.exit_code != 0:
        errs.append(f"timed_out={res.timed_out} exit={res.exit_code}")
    if f"fsstress: ok: {procs} workers, {ops} operations each" not in lines:
        errs.append("no 'fsstress: ok' line")
    summaries = [l for l in mine if re.match(r"fsstress: worker \d+: \d+ creates", l)]
    if len(summaries) != procs or not all(l.endswith(", 0 failures") for l in summaries):
        errs.append(f"{len(summaries)} worker summaries (want {procs}, each with 0 failures)")
    fsck = run("e2fsck", "-fn", part)
    if fsck.returncode != 0:
        errs.append(f"e2fsck -fn: exit {fsck.returncode}\n{fsck.stdout}")
    # every file a worker listed, with its bytes, and nothing else
    want = {}
    for l in mine:
        if l.startswith("fsstress: file "):
            name0, name1, length, valid, seed = l.split()[2:7]
            data = pat(int(seed), int(valid)) + bytes(int(length) - int(valid))
            for name in (name0, name1):
                if name != "-":
                    want[name] = data
    dump = os.path.join(tmp, "dump")
    os.mkdir(dump)
    r = run("debugfs", "-R", f"rdump /fsstress.d {dump}", part)
    have = {}
    for d, _, names in os.walk(os.path.join(dump, "fsstress.d")):
        for name in names:
            p = os.path.join(d, name)
            have[os.path.relpath(p, os.path.join(dump, "fsstress.d"))] = open(p, "rb").read()
    if set(have) != set(want):
        errs.append(f"files: {len(have)} on the disk, {len(want)} listed; only on the disk: "
                    f"{sorted(set(have) - set(want))[:10]}; only listed: "
                    f"{sorted(set(want) - set(have))[:10]}")
    bad = [n for n in want if n in have and have[n] != want[n]]
    if bad:
        errs.append(f"{len(bad)} files differ from their pattern: {bad[:10]}")
    print(f"stress_boot_test: {len(want)} names listed, {len(have)} on the disk, "
          f"{sum(len(v) for v in have.values())} bytes compared")
    return res


def killwrite(disk, part, tmp, want_synced, delay, errs):
    accel = qemu.choose_accel("auto")
    argv = qemu.direct_args("256M", "init.run=fsstress,killwrite", accel) + [
        "-display", "none", "-serial", "stdio", "-monitor", "none"] + disk_args(disk)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    synced, lines = [], []
    done = threading.Event()

    def read():
        for raw in iter(proc.stdout.readline, b""):
            l = raw.decode("utf-8", errors="replace").replace("\r", "").rstrip("\n")
            lines.append(l)
            m = re.match(r"fsstress: synced (\S+) (\d+) ([0-9a-f]{64})$", l)
            if m:
                synced.append((m.group(1), int(m.group(2)), m.group(3)))
                if len(synced) >= want_synced:
                    done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(300)
    # mid-write: the writer goes straight on to its unsynced files after an announcement
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    print(f"stress_boot_test: {len(synced)} files announced, QEMU killed {delay} s after the "
          f"{want_synced}th: {killed}")
    if len(synced) < want_synced or not killed:
        errs.append(f"{len(synced)} synced files announced (want {want_synced}); "
                    f"killed={killed}")
        print("\n".join(lines[-60:]))
        return
    if any("FAIL" in l for l in lines):
        errs.append("the writer failed:\n" + "\n".join(l for l in lines if "FAIL" in l))
    pre = run("e2fsck", "-p", part)
    print(f"stress_boot_test: e2fsck -p: exit {pre.returncode}")
    for l in (pre.stdout + pre.stderr).splitlines():
        print("   ", l)
    if pre.returncode not in (0, 1):
        errs.append(f"e2fsck -p: exit {pre.returncode}")
    fsck = run("e2fsck", "-fn", part)
    if fsck.returncode != 0:
        errs.append(f"e2fsck -fn after -p: exit {fsck.returncode}\n{fsck.stdout}")
    # the writer removes s(k-6) only after announcing s(k): the last six announced are there
    for name, length, sha in synced[-6:]:
        out = os.path.join(tmp, name.replace("/", "_"))
        run("debugfs", "-R", f"dump /fsstress.d/{name} {out}", part)
        data = open(out, "rb").read() if os.path.exists(out) else None
        if data is None or len(data) != length or hashlib.sha256(data).hexdigest() != sha:
            errs.append(f"{name}: {'missing' if data is None else f'{len(data)} bytes'}, "
                        f"want {length} bytes with SHA-256 {sha[:16]}...")
    print(f"stress_boot_test: the last {min(6, len(synced))} synced files checked")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--mode", choices=("stress", "killwrite"), default="stress")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--synced", type=int, default=12, help="killwrite: kill after this many")
    a = ap.parse_args()
    errs = []
    with tempfile.TemporaryDirectory(prefix="tessera-stress.") as tmp:
        disk = os.path.join(tmp, "disk.img")
        shutil.copyfile(a.image, disk)
        part = f"{disk}?offset={root_offset(disk)}"
        if a.mode == "stress":
            res = stress(disk, part, tmp, a.procs, a.ops, a.smp, errs)
            if errs:
                print(res.serial_text[-6000:])
        else:  # three kills at different points of the writer's cycle, each on a fresh copy
            for i, delay in enumerate((0.1, 0.35, 0.8)):
                if i:
                    shutil.copyfile(a.image, disk)
                killwrite(disk, part, tmp, a.synced + i, delay, errs)
    for e in errs:
        print("FAIL:", e)
    print("stress_boot_test: %s" % ("ok" if not errs else "%d failures" % len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
