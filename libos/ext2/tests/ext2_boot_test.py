#!/usr/bin/env python3
"""ext2_boot_test.py: ext2 in the guest, over virtio-blk, behind pm's VFS (libos.ext2.boot).

A writable copy of the image is the second virtio-blk disk (serial ext2root); before the boot
the host writes /from_host.txt and /remove_me into its root partition with debugfs. The guest
boots with init.ext2=ext2root (pm mounts the partition on /mnt) and runs ext2test, which reads
the host's file, writes, renames, links and removes. After the VM ends: e2fsck -fn is clean and
debugfs reads back exactly what the guest wrote.
    ext2_boot_test.py --image out/tessera.img
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "build"))
import qemu  # noqa: E402

ENV = dict(os.environ, PATH="/usr/sbin:/sbin:" + os.environ.get("PATH", ""))


def root_offset(path):
    """The byte offset of the GPT partition named tessera-root."""
    with open(path, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        assert hdr[:8] == b"EFI PART", "no GPT"
        lba, count, size = struct.unpack_from("<QII", hdr, 72)
        f.seek(lba * 512)
        table = f.read(count * size)
    for i in range(count):
        e = table[i * size:(i + 1) * size]
        name = e[56:128].decode("utf-16-le").rstrip("\0")
        if name == "tessera-root":
            return struct.unpack_from("<Q", e, 32)[0] * 512
    raise AssertionError("no tessera-root partition")


def pattern(i):
    return (i * 131 + (i >> 9) * 7 + 1) & 255


def run(*argv):
    return subprocess.run(argv, env=ENV, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    a = ap.parse_args()
    errs = []
    with tempfile.TemporaryDirectory(prefix="tessera-ext2.") as tmp:
        disk = os.path.join(tmp, "disk.img")
        shutil.copyfile(a.image, disk)
        part = f"{disk}?offset={root_offset(disk)}"
        src = os.path.join(tmp, "from_host.txt")
        with open(src, "w") as f:
            f.write("written on the host\n")
        cmds = os.path.join(tmp, "cmds")
        with open(cmds, "w") as f:
            f.write(f"write {src} from_host.txt\nwrite {src} remove_me\n")
        r = run("debugfs", "-w", "-f", cmds, part)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            return 1
        # PVH straight into exo (no firmware): the image under test is the second disk
        res = qemu.boot(None, cmdline="poweroff init.ext2=ext2root init.run=ext2test",
                        timeout=150, direct=True,
                        extra=["-drive", f"format=raw,file={disk},if=none,id=disk1",
                               "-device", "virtio-blk-pci,drive=disk1,serial=ext2root"])
        lines = [l for _, l in res.lines]
        if res.timed_out:
            errs.append("the VM did not power off")
        for want in ("ext2test: ok", "init: ext2test: exit 0"):
            if want not in lines:
                errs.append(f"no line {want!r}")
        if not any(l.startswith("pm: ext2: tessera-root (4 KiB blocks") for l in lines):
            errs.append("pm did not say it mounted tessera-root")
        fsck = run("e2fsck", "-fn", part)
        if fsck.returncode != 0:
            errs.append("e2fsck -fn: exit %d\n%s" % (fsck.returncode, fsck.stdout))
        out = os.path.join(tmp, "guest.bin")
        run("debugfs", "-R", f"dump /gdir/guest.bin {out}", part)
        want = bytes(pattern(i) for i in range(100000))
        if not os.path.exists(out) or open(out, "rb").read() != want:
            errs.append("/gdir/guest.bin differs from what the guest wrote")
        st = run("debugfs", "-R", "stat /link", part).stdout
        if 'Fast link dest: "gdir/guest.bin"' not in st:
            errs.append("/link is not the guest's symlink")
        if "File not found" not in run("debugfs", "-R", "stat /remove_me", part).stderr:
            errs.append("/remove_me is still there")
        if errs:
            print(res.serial_text)
    for e in errs:
        print("FAIL:", e)
    print("ext2_boot_test: %s" % ("ok" if not errs else "%d failures" % len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
