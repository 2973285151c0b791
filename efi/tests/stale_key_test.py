#!/usr/bin/env python3
"""stale_key_test.py: ctest `efi.stale_key`. ExitBootServices is retried when the map key is stale.

Boots an image whose loader is the test build BOOTX64-stalekey.EFI (efi/CMakeLists.txt), which
hands the firmware a wrong map key on its first ExitBootServices call. The firmware refuses it;
the loader must take a fresh map, retry, and reach exo, which reports the attempt count.
    stale_key_test.py --loader BOOTX64-stalekey.EFI --kernel exo.elf --stage DIR --work DIR
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
import qemu  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("--loader", "--kernel", "--stage", "--work"):
        p.add_argument(opt, required=True)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    image = os.path.join(a.work, "stale-key.img")
    qemu.make_image(a.loader, a.kernel, a.stage, image)
    r = qemu.boot(image, cmdline="poweroff", timeout=120,
                  log_path=os.path.join(qemu.build_dir(), "logs", "efi.stale_key.log"))
    texts = [l for _, l in r.lines]
    fails = [what for ok, what in [
        ("exo: loader: ExitBootServices succeeded on attempt 2" in texts,
         "exact line 'exo: loader: ExitBootServices succeeded on attempt 2'"),
        ("Tessera exo 0.1.0 (x86_64): an exokernel" in texts, "exo's banner"),
        (r.exit_code == 0 and r.powered_off, f"clean power-off, got exit {r.exit_code}"),
    ] if not ok]
    for f in fails:
        print(f"FAIL: {f}")
    print(f"serial log: {r.log_path}")
    print(f"{3 - len(fails)} passed, {len(fails)} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
