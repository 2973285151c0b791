#!/usr/bin/env python3
"""bench_file.py: `./tessera bench file`. The same file operations on the same kind of disk in
two guests on the same QEMU machine, side by side: Linux (Debian's kernel, /init =
apps/bench/filebench.c built by gcc -static, loading virtio_pci, virtio_blk and ext4 (which
serves ext2) from /modules and mounting /dev/vda1 as ext2) and Tessera (exo.elf through PVH,
`poweroff init.ext2=filebench init.run=filebench`: pm mounts the disk's ext2 on /mnt, the same
source built by tessera-cc as a native program). Each boot gets a fresh disk: a 128 MiB GPT
image whose partition 1 (named tessera-root, as pm looks for) is a new ext2 from
`mke2fs -t ext2 -b 4096 -I 256 -m 0`, on virtio-blk (cache=writeback, aio=threads). The
operations (apps/bench/filebench.c): cached 4 KiB pread, create+write 4 KiB+close+unlink,
sequential write of 64 MiB with fsync, 4 KiB random reads of that file from disk (Linux drops
its page cache first; Tessera's pm block cache is 512 KiB, so nearly every read goes to the
disk). Each guest prints rows

    filebench: guest=tessera op=pread_cached_4k iters=2000 ns_per_op=12.3 exo_calls_per_op=0.00

This script boots each guest N times, takes the median ns per op, prints a table with
Tessera/Linux ratios and Tessera's exo calls per op, and writes results/file.csv
(bench_common.ENV_FIELDS on every row) and results/file.png. With --icount a nanosecond is one
guest instruction. Under icount a guest that halts while the disk works (Linux) gets QEMU's
virtual time jump, one that polls (Tessera's pm) counts its polling instructions, which follow
the host's speed: the disk rows are not exact instruction counts.

ctest build.bench_file (build/test_bench_file.py) compiles the Linux guest's source with
-Werror and puts a canned serial log through parse, summarise, table and CSV, with exact values.
"""
import os
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

sys.dont_write_bytecode = True  # keep build/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_blk  # noqa: E402  (the Linux guest's kernel, modules and cpio)
import bench_common  # noqa: E402
import bench_rows  # noqa: E402
import qemu  # noqa: E402

MEM = "256M"
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
TESSERA_CMDLINE = "poweroff init.ext2=filebench init.run=filebench"
SERIAL = "filebench"
SRC = os.path.join(qemu.REPO, "apps", "bench", "filebench.c")
# ext2 is served by ext4 in Debian's kernel (CONFIG_EXT4_USE_FOR_EXT2), a module there.
LINUX_MODULES = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4"]
DISK_MIB, PART_MIB = 128, 126
OPS = ["pread_cached_4k", "create_write_unlink_4k", "seq_write_64m_fsync", "rand_read_4k"]
GUESTS = bench_rows.GUESTS
DONE = "filebench: done"
CSV_COLUMNS = bench_rows.CSV_COLUMNS
ENV = dict(os.environ, PATH="/usr/sbin:/sbin:" + os.environ.get("PATH", ""))


def build_init(out: str) -> str:
    """gcc -static -O2 the Linux guest's /init (again when the source changed)."""
    return bench_common.static_exe(out, "filebench_linux", SRC)


def build_initramfs(out: str) -> Tuple[str, str]:
    """(vmlinuz, initramfs): /init = the static bench, /lib/*.ko listed in /modules."""
    kernel, mods = bench_blk.find_kernel()
    init = build_init(out)
    entries = [("dev", 0o40755, b"", 0), ("dev/console", 0o20600, b"", 5 << 8 | 1),
               ("init", 0o100755, open(init, "rb").read(), 0), ("lib", 0o40755, b"", 0),
               ("mnt", 0o40755, b"", 0), ("proc", 0o40555, b"", 0)]
    names = []
    for ko in bench_blk.module_files(mods, LINUX_MODULES):
        names.append("/lib/" + os.path.basename(ko))
        entries.append((names[-1][1:], 0o100644, open(ko, "rb").read(), 0))
    entries.append(("modules", 0o100644, "".join(n + "\n" for n in names).encode(), 0))
    path = os.path.join(out, "initramfs-file.cpio")
    with open(path + ".tmp", "wb") as f:
        f.write(bench_blk.cpio_newc(entries))
    os.replace(path + ".tmp", path)
    return kernel, path


def make_disk(path: str) -> None:
    """A fresh disk: GPT, partition 1 'tessera-root' at 1 MiB holding a new ext2."""
    fs = path + ".fs"
    for p in (path, fs):
        if os.path.exists(p):
            os.unlink(p)
    with open(fs, "wb") as f:
        f.truncate(PART_MIB << 20)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-I", "256", "-m", "0",
                    "-L", "tessera-root", fs], check=True, env=ENV)
    with open(path, "wb") as f:
        f.truncate(DISK_MIB << 20)
    subprocess.run(["sgdisk", "-n", f"1:2048:+{PART_MIB}M", "-t", "1:8300",
                    "-c", "1:tessera-root", path], check=True, env=ENV, capture_output=True)
    with open(fs, "rb") as src, open(path, "r+b") as dst:
        dst.seek(1 << 20)
        while True:
            b = src.read(1 << 20)
            if not b:
                break
            dst.write(b)
    os.unlink(fs)


def disk_args(img: str) -> List[str]:
    return ["-drive", f"file={img},if=none,id=fbdisk,format=raw,cache=writeback,aio=threads",
            "-device", f"virtio-blk-pci,drive=fbdisk,disable-legacy=on,serial={SERIAL}"]


def parse(text: str) -> dict:
    return bench_rows.parse(text, "filebench")


def summarise(runs: Dict[str, List[dict]]) -> Dict[Tuple[str, str], dict]:
    return bench_rows.summarise(runs, OPS)


why_missing = bench_rows.why_missing


def table(med: Dict[Tuple[str, str], dict], runs: Dict[str, List[dict]],
          icount: bool) -> List[str]:
    """One line per operation; the ratio is Tessera/Linux (below 1: Tessera ahead)."""
    unit = "instr" if icount else "ns"
    lines = [f"  {'operation':<24} {'linux ' + unit:>15} {'tessera ' + unit:>16} "
             f"{'tessera/linux':>14} {'exo calls':>10}  verdict"]
    for op in OPS:
        L, T = med.get(("linux", op)), med.get(("tessera", op))
        ls = f"{L['ns_per_op']:>15,.1f}" if L else f"{'-':>15}"
        ts = f"{T['ns_per_op']:>16,.1f}" if T else f"{'-':>16}"
        ratio, verdict = "-", "-"
        if L and T and L["ns_per_op"]:
            r = T["ns_per_op"] / L["ns_per_op"]
            ratio = f"x{r:.2f}"
            verdict = "ahead" if r < 1 else "BEHIND"
        calls = f"{T['exo_calls_per_op']:.2f}" if T else "-"
        note = ""
        if not T:
            note += f"  (tessera: {why_missing(runs, 'tessera', op)})"
        if not L:
            note += f"  (linux: {why_missing(runs, 'linux', op)})"
        lines.append(f"  {op:<24} {ls} {ts} {ratio:>14} {calls:>10}  {verdict}{note}")
    return lines


def write_csv(path: str, runs: Dict[str, List[dict]], med: Dict[Tuple[str, str], dict],
              mode: str, env: "bench_common.Env") -> None:
    header = (f"# filebench (apps/bench/filebench.c), {mode}, -m {MEM}; a fresh ext2 "
              f"(mke2fs -t ext2 -b 4096) on virtio-blk per boot; ns_per_op (one guest "
              f"instruction per ns under icount); exo_calls_per_op: Tessera's count, -1 on "
              f"Linux; linux append '{LINUX_APPEND}', tessera '{TESSERA_CMDLINE}'\n")
    bench_rows.write_csv(path, header, runs, med, OPS, env)


def plot(med: Dict[Tuple[str, str], dict], csv_path: str, mode: str, icount: bool) -> None:
    bench_rows.plot(med, OPS, f"file operations on ext2, median ({mode})", csv_path, icount)


def run_guest(a, g: str, files: Optional[Tuple[str, str]], img: str, i: int) -> dict:
    make_disk(img)  # a fresh file system for each boot
    return bench_rows.boot_guest(a, "file", g, i, lambda text, _: parse(text), mem=MEM,
                                 linux_append=LINUX_APPEND, tessera_cmdline=TESSERA_CMDLINE,
                                 files=files, extra=disk_args(img))


def main() -> int:
    ap = bench_common.parser("tessera bench file", __doc__, runs=3, timeout=600)
    ap.add_argument("--only", choices=GUESTS, help="boot one guest only")
    a = bench_common.parse(ap)
    if a is None:
        return 0
    out = os.path.join(qemu.build_dir(), "bench-file")
    os.makedirs(out, exist_ok=True)
    guests = [a.only] if a.only else GUESTS
    files = build_initramfs(out) if "linux" in guests else None
    img = os.path.join(out, "disk.img")
    env = bench_common.Env(a.accel, a.icount)
    runs: Dict[str, List[dict]] = {g: [] for g in guests}
    for i in range(1, a.runs + 1):
        for g in guests:  # interleaved, so a change in the host's load touches both
            runs[g].append(run_guest(a, g, files, img, i))
    med = summarise(runs)
    mode = "icount" if a.icount else a.accel
    print(f"median of {a.runs} run(s), {mode}:")
    for line in table(med, runs, a.icount):
        print(line)
    path = os.path.join(qemu.REPO, "results", "file.csv")
    write_csv(path, runs, med, mode, env)
    plot(med, path, mode, a.icount)
    return 0 if all(p["done"] for ps in runs.values() for p in ps) else 1


if __name__ == "__main__":
    sys.exit(main())
