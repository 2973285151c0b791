#!/usr/bin/env python3
"""app_manifest.py: the per-app manifest (apps/APP/app.toml), read and checked.

A manifest is a small TOML file (python3's tomllib) describing one app and the VM it runs in:

    program  = "greet"       # kind tessera: a program built here (out/target/apps/NAME);
                             # kind linux: a static x86-64 ELF, path relative to apps/APP/
    kind     = "tessera"     # tessera | linux
    args     = ["world"]     # argv[1..]; argv[0] is the program's name
    env      = { GREETING = "hi" }
    memory   = "64M"         # K, M or G suffix; 64M .. 64G (OVMF needs about 48M)
    cpus     = 1             # 1 .. 64
    console  = "serial"      # serial | serial+vga (a framebuffer console on a VNC display too)
    disk     = 0             # MiB of ext2 root partition after the ESP (<= 4096); 0: none
    network  = "none"        # none | user (a virtio-net NIC on user-mode networking)
    forwards = ["tcp:8080:80"]   # host port -> guest port (network = "user" only)
    on_exit  = "poweroff"    # poweroff | halt: what the VM does once the app has ended
    [files]                  # guest path = file in apps/APP/ (into the boot archive)
    "etc/greeting" = "greeting.txt"

Only `program` is required. Anything wrong gets one error naming the file, the line and the
field: `apps/x/app.toml:3: memory: expected a size like "64M", got "lots"`.
CLI: app_manifest.py FILE  (prints the checked manifest as JSON; exit 1 with the error).
"""
import json
import os
import re
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

KINDS = ("tessera", "linux")
CONSOLES = ("serial", "serial+vga")
NETWORKS = ("none", "user")
ON_EXIT = ("poweroff", "halt")
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # a program/app name: a domain name part too
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FORWARD_RE = re.compile(r"^(tcp|udp):(\d{1,5}):(\d{1,5})$")
# what the image itself writes in the boot archive (app_image.stage), besides the program
RESERVED = ("app", "init", "nocloud", "font.psf")
PATH_RE = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")  # guest path, relative, no ..


class ManifestError(ValueError):
    pass


@dataclass
class Manifest:
    app: str  # the folder's name: apps/APP
    dir: str  # apps/APP
    program: str
    kind: str = "tessera"
    args: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    memory_mib: int = 64
    cpus: int = 1
    console: str = "serial"
    disk_mib: int = 0
    network: str = "none"
    forwards: List[str] = field(default_factory=list)
    on_exit: str = "poweroff"
    files: Dict[str, str] = field(default_factory=dict)  # guest path -> host path

    @property
    def name(self) -> str:
        """The program's name inside the image (the archive entry init runs)."""
        return os.path.basename(self.program) if self.kind == "linux" else self.program


def _line_of(text: str, key: str, table: Optional[str] = None) -> int:
    """Line of `key = ...` (in [table] if given; else before any table header); 0 if unseen."""
    current = None
    key_re = re.compile(r'^\s*("?)' + re.escape(key) + r'\1\s*=')
    for n, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
            if table is None and key == current:
                return n  # a table-valued field: its header
            continue
        if current == table and key_re.match(line):
            return n
    return 0


def load(path: str) -> Manifest:
    """Reads and checks the manifest at path; ManifestError("FILE:LINE: FIELD: why")."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ManifestError(f"{path}: cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ManifestError(f"{path}:1: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        why = re.sub(r"\s*\(at line.*\)$", "", str(e))
        raise ManifestError(f"{path}:{m.group(1) if m else 1}: syntax: {why}") from None
    app_dir = os.path.dirname(os.path.abspath(path))

    def fail(key: str, why: str, table: Optional[str] = None):
        # a key of an inline table (env = { A = "b" }) has no line of its own: the table's
        line = _line_of(text, key, table) or (table and _line_of(text, table)) or 1
        name = f"{table}.{key}" if table else key
        raise ManifestError(f"{path}:{line}: {name}: {why}")

    known = {"program", "kind", "args", "env", "memory", "cpus", "console", "disk", "network",
             "forwards", "on_exit", "files"}
    for key in data:
        if key not in known:
            fail(key, f"unknown field (known: {', '.join(sorted(known))})")

    def get(key, typ, default, what):
        v = data.get(key, default)
        # bool is an int in Python: refuse it where a number is wanted
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            fail(key, f"expected {what}, got {json.dumps(v) if not isinstance(v, dict) else 'a table'}")
        return v

    def choice(key, options, default):
        v = get(key, str, default, "a string")
        if v not in options:
            fail(key, f"expected one of {', '.join(options)}, got {json.dumps(v)}")
        return v

    if "program" not in data:
        raise ManifestError(f"{path}:1: program: missing (the one required field)")
    kind = choice("kind", KINDS, "tessera")
    program = get("program", str, None, "a string")
    if kind == "tessera" and not NAME_RE.match(program):
        fail("program", f"expected a program name (lower case, digits, - and _), got {json.dumps(program)}")
    if kind == "linux":
        host = os.path.join(app_dir, program)
        if os.path.isabs(program) or not os.path.isfile(host):
            fail("program", f"no such file in {os.path.relpath(app_dir)}: {json.dumps(program)}")
        if not NAME_RE.match(os.path.basename(program)):
            fail("program", f"file name must be a program name, got {json.dumps(os.path.basename(program))}")

    args = get("args", list, [], "a list of strings")
    for a in args:
        if not isinstance(a, str) or "\n" in a or "\0" in a:
            fail("args", f"expected strings without newlines, got {json.dumps(a)}")
    env = get("env", dict, {}, "a table of NAME = \"value\"")
    for k, v in env.items():
        if not ENV_RE.match(k):
            fail(k, "not a variable name (letters, digits, _)", "env")
        if not isinstance(v, str) or "\n" in v or "\0" in v:
            fail(k, f"expected a string without newlines, got {json.dumps(v)}", "env")

    mem = get("memory", str, "64M", 'a size like "64M"')
    m = re.match(r"^(\d+)([KMG])$", mem)
    if not m:
        fail("memory", f'expected a size like "64M", got {json.dumps(mem)}')
    mib = int(m.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024}[m.group(2)]
    # OVMF needs about 48 MiB (16M hangs silently, 32M faults): 64M leaves the app some room
    if mib != int(mib) or not 64 <= mib <= 65536:
        fail("memory", f"expected whole MiB from 64M to 64G, got {json.dumps(mem)}")
    cpus = get("cpus", int, 1, "a number")
    if not 1 <= cpus <= 64:
        fail("cpus", f"expected 1 to 64, got {cpus}")
    console = choice("console", CONSOLES, "serial")
    disk = get("disk", int, 0, "a number of MiB")
    if not 0 <= disk <= 4096:  # a per-app root, not a data disk: 4 GiB is plenty
        fail("disk", f"expected 0 (none) to 4096 MiB, got {disk}")
    network = choice("network", NETWORKS, "none")
    forwards = get("forwards", list, [], 'a list like ["tcp:8080:80"]')
    for fw in forwards:
        fm = FORWARD_RE.match(fw) if isinstance(fw, str) else None
        if not fm or not all(1 <= int(p) <= 65535 for p in fm.groups()[1:]):
            fail("forwards", f'expected "tcp|udp:HOSTPORT:GUESTPORT", got {json.dumps(fw)}')
    if forwards and network != "user":
        fail("forwards", 'port forwards need network = "user"')
    on_exit = choice("on_exit", ON_EXIT, "poweroff")
    files_in = get("files", dict, {}, 'a table of "guest/path" = "file"')
    files = {}
    for guest, src in files_in.items():
        parts = guest.split("/")
        if not PATH_RE.match(guest) or "." in parts or ".." in parts:
            fail(guest, "guest path must be relative, of letters, digits, . _ - and /, "
                 "without . or .. parts", "files")
        if not isinstance(src, str) or os.path.isabs(src) or \
                not os.path.isfile(os.path.join(app_dir, src)):
            fail(guest, f"no such file in {os.path.relpath(app_dir)}: {json.dumps(src)}", "files")
        # .. or a symlink must not reach out of apps/APP/ (the host's /etc/passwd into an image)
        real_dir = os.path.realpath(app_dir)
        if os.path.commonpath([real_dir, os.path.realpath(os.path.join(app_dir, src))]) != real_dir:
            fail(guest, f"file outside {os.path.relpath(app_dir)}: {json.dumps(src)}", "files")
        if parts[0] in (*RESERVED, os.path.basename(program)):
            fail(guest, "reserved name in the boot archive", "files")
        for other in files:  # the archive is a tree: no path both a file and a directory
            if other.startswith(guest + "/") or guest.startswith(other + "/"):
                fail(guest, f"clashes with {json.dumps(other)}: a path cannot be both a file "
                     "and a directory", "files")
        files[guest] = os.path.join(app_dir, src)
    return Manifest(app=os.path.basename(app_dir), dir=app_dir, program=program, kind=kind,
                    args=list(args), env=dict(env), memory_mib=int(mib), cpus=cpus,
                    console=console, disk_mib=disk, network=network, forwards=list(forwards),
                    on_exit=on_exit, files=files)


def find(app: str, repo: str) -> str:
    """apps/APP/app.toml for an app name; ManifestError if there is none."""
    if not NAME_RE.match(app):
        raise ManifestError(f"bad app name {app!r} (lower case, digits, - and _)")
    path = os.path.join(repo, "apps", app, "app.toml")
    if not os.path.isfile(path):
        have = sorted(d for d in os.listdir(os.path.join(repo, "apps"))
                      if os.path.isfile(os.path.join(repo, "apps", d, "app.toml")))
        raise ManifestError(f"no app {app!r}: apps/{app}/app.toml missing (apps: {', '.join(have)})")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: app_manifest.py FILE", file=sys.stderr)
        sys.exit(2)
    try:
        print(json.dumps(asdict(load(sys.argv[1])), indent=2))
    except ManifestError as e:
        print(f"tessera: {e}", file=sys.stderr)
        sys.exit(1)
