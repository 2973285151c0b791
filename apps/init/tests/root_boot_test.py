#!/usr/bin/env python3
"""root_boot_test.py: ext2 as "/", init's inittab and the power-off, over two boots of one disk
(apps.init.boot).

A writable copy of the image is the only virtio-blk disk; the host writes an /etc/inittab into
its root partition with debugfs (sysinit, respawn and shutdown entries running roottest, and
one bad line). Each boot is PVH straight into exo with an empty command line, so init is the
system's init: pm mounts the disk's tessera-root as "/", init runs the inittab; roottest
counts the boots on the disk, respawns three times, then syncs and calls reboot(POWER_OFF)
(askfirst is not in this test: `apps.boot.shell` and `apps.boot.shell-ends` type at it);
init runs the shutdown entry, ends everything, unmounts and powers off (QEMU exits 0). The
second boot must find the first's count; after each, e2fsck -fn is clean.
    root_boot_test.py --image out/tessera.img
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "libos", "ext2", "tests"))
import qemu  # noqa: E402
from ext2_boot_test import root_offset, run  # noqa: E402

PROMPT = "Please press Enter to activate this console. "
INITTAB = """# the root boot test's inittab
::sysinit:/roottest sysinit
::respawn:/roottest respawn
this line is bad
::shutdown:/roottest shutdown
"""


def boot_lines(n):
    return [
        "init: /etc/inittab: 1 bad lines (the first: line 4) skipped",
        f"roottest: sysinit: boot {n} (found {n - 1})",
        "roottest: / type 0xef53 bsize 4096 blocks 16384; /tmp type 0x858458f6",
        "roottest: respawn 1",
        "roottest: respawn 2",
        "roottest: respawn 3",
        "roottest: reboot(POWER_OFF) = 0",
        "init: powering off",
        "roottest: shutdown",
        "exo: power off",
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    a = ap.parse_args()
    errs = []
    with tempfile.TemporaryDirectory(prefix="tessera-root.") as tmp:
        disk = os.path.join(tmp, "disk.img")
        shutil.copyfile(a.image, disk)
        part = f"{disk}?offset={root_offset(disk)}"
        tab = os.path.join(tmp, "inittab")
        with open(tab, "w") as f:
            f.write(INITTAB)
        r = run("debugfs", "-w", "-R", "rm /etc/inittab", part)
        r = run("debugfs", "-w", "-R", f"write {tab} /etc/inittab", part)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            return 1
        for n in (1, 2):
            res = qemu.boot(None, cmdline="", timeout=150, direct=True,
                            extra=["-drive", f"format=raw,file={disk},if=none,id=disk1",
                                   "-device", "virtio-blk-pci,drive=disk1"],
                            send=[(PROMPT, b"\r")])
            # the prompt has no newline of its own: a line may follow it on the same line
            lines = [l.split(PROMPT)[-1] for _, l in res.lines]
            mine = [l for l in lines if l.startswith(("roottest:", "init: ", "exo: power"))
                    and not l.startswith(("init: hello", "roottest: askfirst"))]
            if res.timed_out or res.exit_code != 0:
                errs.append(f"boot {n}: timed_out={res.timed_out} exit={res.exit_code}")
            if mine != boot_lines(n):
                errs.append(f"boot {n}: lines\n  " + "\n  ".join(mine) + "\nwanted\n  " +
                            "\n  ".join(boot_lines(n)))
            fsck = run("e2fsck", "-fn", part)
            if fsck.returncode != 0:
                errs.append(f"boot {n}: e2fsck -fn: exit {fsck.returncode}\n{fsck.stdout}")
            if errs:
                print(res.serial_text)
                break
        cat = run("debugfs", "-R", "cat /var/roottest/boots", part).stdout
        if not errs and cat != "2\n":
            errs.append(f"/var/roottest/boots is {cat!r}, not '2\\n'")
    for e in errs:
        print("FAIL:", e)
    print("root_boot_test: %s" % ("ok" if not errs else "%d failures" % len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
