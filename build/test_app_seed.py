#!/usr/bin/env python3
"""test_app_seed.py: ctest `apps.nocloud_seed`. NoCloud seeds (app_seed.py, made with the real
mkfs.fat and mcopy) read back by the guest's own reader (apps/nocloud/seed_*.c, compiled for
the host as seed_dump): exact values for generated and hand-written user-data; the same
settings give the same bytes; a seed without the CIDATA label is refused.

    test_app_seed.py PATH/TO/nocloud_seed_dump
"""
import hashlib
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import app_seed  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def main():
    dump = sys.argv[1]
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey0123456789abcdefghijklmnopqrstuvwxyzABCD u@h"
    with tempfile.TemporaryDirectory(prefix="tessera-seed-test.") as tmp:
        a = app_seed.make("hello", os.path.join(tmp, "a.img"), hostname="web-1",
                          ssh_keys=[key, "ssh-rsa AAAAB3Nza second"], runcmd=["hello", "exotest"])
        meta, _ = app_seed.texts("hello", "web-1", [key, "ssh-rsa AAAAB3Nza second"],
                                 ["hello", "exotest"])
        iid = meta.splitlines()[0].split(": ")[1]
        out = subprocess.run([dump, a], capture_output=True, text=True).stdout
        want = (f"cidata 1\ninstance-id {iid}\nhostname web-1\nkeys 2\nkey {key}\n"
                "key ssh-rsa AAAAB3Nza second\nruncmd hello\nruncmd exotest\n")
        check(out == want, f"generated seed read back exactly: {out!r}")
        b = app_seed.make("hello", os.path.join(tmp, "b.img"), hostname="web-1",
                          ssh_keys=[key, "ssh-rsa AAAAB3Nza second"], runcmd=["hello", "exotest"])
        ha, hb = (hashlib.sha256(open(p, "rb").read()).hexdigest() for p in (a, b))
        check(ha == hb, f"same settings, same seed: {ha}")

        # hand-written user-data: quotes, comments, unknown keys and their items skipped;
        # meta-data's local-hostname stands when user-data names none
        ud = ("#cloud-config\n# a comment\npackages:\n  - nginx\nruncmd:\n  - 'hello'\n"
              "users:\n  - name: x\nssh_authorized_keys: \n  - \"ssh-ed25519 AAAA q@r\"\n")
        c = app_seed.make("exotest", os.path.join(tmp, "c.img"), user_data=ud)
        out = subprocess.run([dump, c], capture_output=True, text=True).stdout
        iid = app_seed.texts("exotest", None, (), (), ud)[0].splitlines()[0].split(": ")[1]
        check(out == f"cidata 1\ninstance-id {iid}\nhostname exotest\nkeys 1\n"
              "key ssh-ed25519 AAAA q@r\nruncmd hello\n", f"hand-written user-data: {out!r}")

        d = os.path.join(tmp, "d.img")
        subprocess.run(["mkfs.fat", "-n", "OTHER", "-C", d, "1024"], check=True,
                       capture_output=True)
        out = subprocess.run([dump, d], capture_output=True, text=True).stdout
        check(out.startswith("cidata 0\nno meta-data\nno user-data\n"),
              f"a FAT volume labelled OTHER is no seed: {out!r}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
