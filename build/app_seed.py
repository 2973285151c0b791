#!/usr/bin/env python3
"""app_seed.py: a NoCloud seed for a per-app VM (`./tessera launch APP --hostname/--ssh-key/--run`).

The seed is what cloud-init's NoCloud datasource reads: a small FAT volume labelled CIDATA
holding `meta-data` (instance-id, local-hostname) and `user-data` (#cloud-config: hostname,
ssh_authorized_keys, runcmd). `launch` attaches it as a read-only virtio disk with serial
"cidata"; apps/nocloud (run by init first) reads it. Made with mkfs.fat + mcopy, reproducibly
(fixed serial, SOURCE_DATE_EPOCH time stamps), so the same settings give the same bytes.

Library: make(app, out_path, hostname=None, ssh_keys=(), runcmd=(), user_data=None) -> path
"""
import hashlib
import os
import subprocess
import tempfile

SEED_KIB = 1024  # FAT12; the guest reads its first 128 KiB, so user-data must stay small
MAX_USER_DATA = 64 * 1024


class SeedError(RuntimeError):
    pass


def texts(app, hostname=None, ssh_keys=(), runcmd=(), user_data=None):
    """(meta-data, user-data) as written to the seed."""
    if user_data is None:
        lines = ["#cloud-config"]
        if hostname:
            lines.append(f"hostname: {hostname}")
        if ssh_keys:
            lines.append("ssh_authorized_keys:")
            lines += [f"  - {k}" for k in ssh_keys]
        if runcmd:
            lines.append("runcmd:")
            lines += [f"  - {c}" for c in runcmd]
        user_data = "\n".join(lines) + "\n"
    if len(user_data.encode()) > MAX_USER_DATA:
        raise SeedError(f"user-data is larger than {MAX_USER_DATA} bytes")
    # a new instance id whenever the configuration changes, as clouds do
    iid = "tessera-" + hashlib.sha256(f"{app}\n{hostname}\n{user_data}".encode()).hexdigest()[:12]
    meta = f"instance-id: {iid}\nlocal-hostname: {hostname or app}\n"
    return meta, user_data


def make(app, out_path, hostname=None, ssh_keys=(), runcmd=(), user_data=None) -> str:
    meta, user = texts(app, hostname, ssh_keys, runcmd, user_data)
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or subprocess.run(
        ["git", "-C", os.path.dirname(os.path.abspath(__file__)), "log", "-1", "--format=%ct"],
        capture_output=True, text=True).stdout.strip() or "1700000000"
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch, TZ="UTC", LC_ALL="C", MTOOLS_SKIP_CHECK="1")
    with tempfile.TemporaryDirectory(prefix="tessera-seed.") as tmp:
        for name, text in (("meta-data", meta), ("user-data", user)):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            os.utime(path, (int(epoch), int(epoch)))
        img = out_path + ".tmp"
        if os.path.exists(img):
            os.remove(img)
        r = subprocess.run(["mkfs.fat", "--invariant", "-i", "c1da7a00", "-n", "CIDATA", "-C",
                            img, str(SEED_KIB)], capture_output=True, text=True, env=env)
        for name in ("meta-data", "user-data"):  # meta-data first: its clusters come first
            if r.returncode == 0:
                r = subprocess.run(["mcopy", "-m", "-i", img, os.path.join(tmp, name),
                                    f"::/{name}"], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise SeedError(f"making the seed failed: {r.stderr.strip()}")
        os.replace(img, out_path)
    return out_path
