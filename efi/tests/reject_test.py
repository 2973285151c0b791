#!/usr/bin/env python3
"""reject_test.py: ctest `efi.reject.<case>`. The loader refuses a bad \\tessera\\exo.elf cleanly.

Each case builds an image (build/mkimage.sh) whose kernel file is broken in one way, boots it,
and requires: the loader's exact error line, then `tessera-efi: powering off`; exo never starts
(no `exo:` line, no banner); QEMU powers off by itself (exit 0, QMP reason guest-shutdown)
long before the timeout.
    reject_test.py --loader BOOTX64.EFI --kernel exo.elf --stage STAGE_DIR --work DIR CASE
"""
import argparse
import hashlib
import os
import struct
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "..", "..", "build")
sys.path.insert(0, BUILD)
import qemu  # noqa: E402

KERNEL_PATH = "\\tessera\\exo.elf"  # as the loader prints it
# Seconds QEMU may run at all: a loader that waited (for a key, a timeout) would never power
# off by itself, which the shutdown reason shows; no wall-clock bound is asserted, so a busy
# host cannot fail the test.
TIMEOUT = 150
EM_AARCH64 = 183
PT_LOAD = 1


def garbage(kernel, path):
    """64 KiB of fixed pseudo-random bytes; the first is not 0x7f, so the magic check fails."""
    data = b"".join(hashlib.sha256(b"tessera-garbage-%d" % i).digest() for i in range(2048))
    with open(path, "wb") as f:
        f.write(b"\x00" + data[1:])
    return "not an ELF64 file (bad magic)"


def truncated(kernel, path):
    """The real kernel cut in the middle of its largest PT_LOAD segment's file data."""
    with open(kernel, "rb") as f:
        elf = f.read()
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    loads = [struct.unpack_from("<IIQQQQQQ", elf, phoff + i * phentsize) for i in range(phnum)]
    loads = [p for p in loads if p[0] == PT_LOAD and p[5] > 0]
    _, _, offset, _, _, filesz, _, _ = max(loads, key=lambda p: p[5])
    cut = offset + filesz // 2
    assert phoff + phnum * phentsize < cut < len(elf)  # program headers intact, data not
    with open(path, "wb") as f:
        f.write(elf[:cut])
    return "PT_LOAD segment data outside the file"


def missing(kernel, path):
    return None  # mkimage.sh --no-kernel


def wrong_machine(kernel, path):
    """The real kernel with e_machine = EM_AARCH64 (everything else valid)."""
    with open(kernel, "rb") as f:
        elf = bytearray(f.read())
    struct.pack_into("<H", elf, 18, EM_AARCH64)
    with open(path, "wb") as f:
        f.write(elf)
    return "not an x86-64 ELF"


CASES = {"garbage": garbage, "truncated": truncated, "missing": missing,
         "machine": wrong_machine}
MISSING_ERROR = "not found on the boot volume"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--loader", required=True)
    p.add_argument("--kernel", required=True, help="a good exo.elf to break")
    p.add_argument("--stage", required=True, help="staged trees: STAGE/archive, STAGE/root")
    p.add_argument("--work", required=True)
    p.add_argument("case", choices=sorted(CASES))
    a = p.parse_args()

    os.makedirs(a.work, exist_ok=True)
    bad_kernel = os.path.join(a.work, f"{a.case}.elf")
    image = os.path.join(a.work, f"{a.case}.img")
    error = CASES[a.case](a.kernel, bad_kernel) or MISSING_ERROR
    qemu.make_image(a.loader, None if a.case == "missing" else bad_kernel, a.stage, image)

    r = qemu.boot(image, cmdline=None, timeout=TIMEOUT,
                  log_path=os.path.join(qemu.build_dir(), "logs", f"efi.reject.{a.case}.log"))
    texts = [l for _, l in r.lines]
    want = f"tessera-efi: error: {KERNEL_PATH}: {error}"
    fails = []

    def check(cond, what):
        if not cond:
            fails.append(what)

    check("tessera-efi: start" in texts, "line 'tessera-efi: start'")
    check(want in texts, f"exact line {want!r}")
    if want in texts:
        nxt = texts[texts.index(want) + 1:][:1]
        check(nxt == ["tessera-efi: powering off"],
              f"'tessera-efi: powering off' right after the error line, got {nxt}")
    check(sum("tessera-efi: error:" in l for l in texts) == 1, "exactly one loader error line")
    check(not any(l.startswith("exo:") or "Tessera exo" in l for l in texts),
          "no exo line: the kernel must never start")
    check(not any(l.startswith("tessera-efi: kernel ") for l in texts),
          "no 'tessera-efi: kernel ...' (accepted) line")
    check(not r.timed_out and r.exit_code == 0 and r.shutdown_reason == "guest-shutdown",
          f"QEMU powered off by itself: exit_code={r.exit_code} (want 0) shutdown_reason="
          f"{r.shutdown_reason} (want guest-shutdown) timed_out={r.timed_out}")

    print(f"case {a.case}: expected line: {want}\nQEMU exit {r.exit_code} "
          f"({r.shutdown_reason}) after {r.elapsed:.1f} s")
    for f in fails:
        print(f"FAIL: {f} (serial log {r.log_path})")
    print(f"serial log: {r.log_path}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
