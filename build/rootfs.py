#!/usr/bin/env python3
"""rootfs.py: files written into the ext2 root partition (tessera-root) of a disk image from the
host, with debugfs, while no VM runs it: `./tessera run --ssh-key` puts the user's public key in
/root/.ssh/authorized_keys this way, and tests give a copy of the image a password or a key.
The partition is found by its GPT name, as pm finds it; each file is written owner root, with the
mode asked for (Dropbear refuses an authorized_keys others may write), replacing what was there.
    rootfs.py IMAGE --put GUEST_PATH=HOST_FILE[:MODE]...
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
from typing import Dict, Optional, Tuple

ENV = dict(os.environ, PATH="/usr/sbin:/sbin:" + os.environ.get("PATH", ""))


class RootfsError(Exception):
    pass


def root_offset(image: str) -> int:
    """The byte offset of the GPT partition named tessera-root."""
    with open(image, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        if hdr[:8] != b"EFI PART":
            raise RootfsError(f"{image}: no GPT")
        lba, count, size = struct.unpack_from("<QII", hdr, 72)
        f.seek(lba * 512)
        table = f.read(count * size)
    for i in range(count):
        e = table[i * size:(i + 1) * size]
        if e[56:128].decode("utf-16-le", errors="replace").rstrip("\0") == "tessera-root":
            return struct.unpack_from("<Q", e, 32)[0] * 512
    raise RootfsError(f"{image}: no tessera-root partition")


def part(image: str) -> str:
    """debugfs's name for the root partition inside the image (its offset= form)."""
    return f"{image}?offset={root_offset(image)}"


def debugfs(image: str, cmds: str, write: bool = False) -> str:
    """Runs debugfs's commands (one a line) on the image's root partition; its output. A command
    debugfs refuses (it still exits 0) is an error here unless it is an expected "exists" or
    "not found" of the mkdir/rm that make put() idempotent."""
    with tempfile.NamedTemporaryFile("w", suffix=".debugfs") as f:
        f.write(cmds)
        f.flush()
        r = subprocess.run(["debugfs", *(["-w"] if write else []), "-f", f.name, part(image)],
                           capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        raise RootfsError(f"debugfs: exit {r.returncode}: {r.stderr.strip()}")
    bad = [l for l in r.stderr.splitlines()
           if l.strip() and not l.startswith("debugfs ") and "File not found" not in l
           and "already exists" not in l and "Ext2 file already exists" not in l]
    if bad:
        raise RootfsError("debugfs: " + "; ".join(bad))
    return r.stdout


def put(image: str, files: Dict[str, Tuple[bytes, int]], dirs: Optional[Dict[str, int]] = None) -> None:
    """Writes files {guest path: (bytes, mode)} into the image's root, each owned by root, after
    making dirs {guest path: mode} (owned by root; an existing one gets the mode)."""
    cmds = []
    for d, mode in (dirs or {}).items():
        cmds += [f"mkdir {d}", f"sif {d} mode 0{0o40000 | mode:o}", f"sif {d} uid 0",
                 f"sif {d} gid 0"]
    with tempfile.TemporaryDirectory(prefix="tessera-rootfs.") as tmp:
        for i, (path, (data, mode)) in enumerate(files.items()):
            src = os.path.join(tmp, str(i))
            with open(src, "wb") as f:
                f.write(data)
            parent, name = os.path.split(path)
            cmds += [f"cd {parent or '/'}", f"rm {name}", f"write {src} {name}",
                     f"sif {name} mode 0{0o100000 | mode:o}", f"sif {name} uid 0",
                     f"sif {name} gid 0", "cd /"]
        debugfs(image, "\n".join(cmds) + "\n", write=True)


def cat(image: str, path: str) -> bytes:
    """A file's bytes from the image's root (debugfs dump)."""
    with tempfile.TemporaryDirectory(prefix="tessera-rootfs.") as tmp:
        out = os.path.join(tmp, "f")
        debugfs(image, f"dump {path} {out}\n")
        if not os.path.exists(out):
            raise RootfsError(f"{path}: not in the image")
        with open(out, "rb") as f:
            return f.read()


def authorize_key(image: str, pubkey_file: str) -> None:
    """/root/.ssh/authorized_keys in the image: the public key(s) of pubkey_file (OpenSSH's
    one-line format), 0600 in a 0700 /root/.ssh, as Dropbear wants them."""
    with open(pubkey_file, "rb") as f:
        keys = f.read()
    lines = [l for l in keys.splitlines() if l.strip() and not l.startswith(b"#")]
    if not lines or any(b"PRIVATE KEY" in l for l in keys.splitlines()):
        raise RootfsError(f"{pubkey_file}: not a public key (give the .pub file)")
    put(image, {"/root/.ssh/authorized_keys": (b"\n".join(lines) + b"\n", 0o600)},
        dirs={"/root/.ssh": 0o700})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="rootfs.py", description=__doc__.split("\n")[0])
    ap.add_argument("image")
    ap.add_argument("--put", action="append", default=[], metavar="GUEST=HOST[:MODE]")
    a = ap.parse_args(argv)
    files = {}
    for p in a.put:
        guest, _, host = p.partition("=")
        host, _, mode = host.partition(":")
        with open(host, "rb") as f:
            files[guest] = (f.read(), int(mode or "644", 8))
    try:
        put(a.image, files)
    except (RootfsError, OSError) as e:
        print(f"rootfs.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
