#!/usr/bin/env python3
"""app_vm.py: per-app VMs on a libvirtd, local or remote (`./tessera launch|list|stop|...`).

    launch APP   build out/apps/APP/APP.img (app_image.py), upload it as volume tessera-APP.img
                 of the `tessera` storage pool (made if missing; vol-upload copies over the
                 connection, so a remote qemu+ssh:// host gets it too), write the domain XML
                 (app_domain.py; out/apps/APP/domain.xml), check it with virt-xml-validate,
                 define and start domain tessera-APP, say how to attach
    list         every tessera-* domain and its state
    stop APP     ACPI shutdown; forced off if the guest has not stopped after --timeout s
    destroy APP  power off at once
    console APP  virsh console (Ctrl-] leaves)
    logs APP     the serial log (volume tessera-APP.serial.log, downloaded)
    rm APP       undefine (with its NVRAM), delete its volumes; the pool too once empty

Every command takes --connect URI; the default is qemu:///system as root, qemu:///session
otherwise. All of it goes through virsh, so any URI virsh accepts works.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import app_domain  # noqa: E402

VIRSH = os.environ.get("TESSERA_VIRSH", "virsh")
APP_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # app_manifest.NAME_RE, without importing it:
# the argument checks of every command must stay quick (build.cli)


class VmError(RuntimeError):
    pass


def say(msg: str) -> None:
    print(f"tessera: {msg}", flush=True)


def default_uri() -> str:
    return "qemu:///system" if os.geteuid() == 0 else "qemu:///session"


def is_local(uri: str) -> bool:
    """A URI naming no host: the daemon runs here (its files are our files)."""
    return re.match(r"^[a-z0-9+]+:///", uri) is not None


class Virsh:
    def __init__(self, uri: str):
        self.uri = uri

    def run(self, *args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
        r = subprocess.run([VIRSH, "-q", "-c", self.uri, *args], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            why = (r.stderr.strip() or r.stdout.strip()).replace("error: ", "")
            raise VmError(f"virsh {args[0]} failed on {self.uri}: {why}")
        return r

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0

    def state(self, dom: str) -> str:
        """'running', 'shut off', 'paused', ... or '' if there is no such domain."""
        r = self.run("domstate", dom, check=False)
        return r.stdout.strip() if r.returncode == 0 else ""


# --- Domain type ---------------------------------------------------------------------------------

def domain_type(v: Virsh) -> str:
    """'kvm' only where the daemon offers KVM and, for a local daemon, KVM can run OVMF
    (qemu.py's cached probe: on a paravirtual host a kvm domain starts, then pauses with
    "KVM internal error"). Detected, never assumed."""
    if not v.ok("domcapabilities", "--virttype", "kvm", "--arch", "x86_64", "--machine", "q35"):
        return "qemu"
    if is_local(v.uri):
        import qemu  # noqa: E402 (only here: it is the local probe)
        return "kvm" if qemu.choose_accel("auto") == "kvm" else "qemu"
    return "kvm"


# --- Storage pool --------------------------------------------------------------------------------

def pool_target(uri: str) -> str:
    """Where a `tessera` pool we define keeps its files: TESSERA_POOL_DIR, else libvirt's own
    image directories (for a session URI, the calling user's; another user's daemon needs
    TESSERA_POOL_DIR)."""
    if os.environ.get("TESSERA_POOL_DIR"):
        return os.environ["TESSERA_POOL_DIR"]
    if uri.rstrip("/").endswith("/session"):
        data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        return os.path.join(data, "libvirt", "images", "tessera")
    return "/var/lib/libvirt/images/tessera"


def ensure_pool(v: Virsh) -> str:
    """Defines and starts the `tessera` dir pool if needed; its directory."""
    pool = app_domain.POOL
    # Two launches at once may both find no pool: the loser's define or start fails, harmlessly.
    if not v.ok("pool-info", pool):
        if v.ok("pool-define-as", pool, "dir", "--target", pool_target(v.uri)):
            v.run("pool-build", pool)
    if "running" not in v.run("pool-info", pool).stdout:
        r = v.run("pool-start", pool, check=False)
        if r.returncode != 0 and "running" not in v.run("pool-info", pool).stdout:
            raise VmError(f"cannot start pool {pool} on {v.uri}: {r.stderr.strip()}")
    m = re.search(r"<path>([^<]+)</path>", v.run("pool-dumpxml", pool).stdout)
    if not m:
        raise VmError(f"pool {pool} on {v.uri} has no target path")
    return m.group(1)


def upload(v: Virsh, vol: str, path: str) -> None:
    pool = app_domain.POOL
    if v.ok("vol-info", "--pool", pool, vol):
        v.run("vol-delete", "--pool", pool, vol)
    v.run("vol-create-as", pool, vol, str(os.path.getsize(path)), "--format", "raw")
    v.run("vol-upload", "--pool", pool, vol, path)


# --- Commands ------------------------------------------------------------------------------------

def launch(app: str, v: Virsh, seed: Optional[dict] = None, img=None) -> float:
    """Builds, uploads, defines and starts APP's VM; time.monotonic() at `virsh start`.
    seed: app_seed.make's keyword arguments; a NoCloud seed is attached if given. img: the
    image app_image.build already made for APP (bench_app's runs), else it is built here."""
    import app_image  # here: the other commands (and argument checks) start faster without it
    import app_manifest
    m = app_manifest.load(app_manifest.find(app, REPO))
    dom = app_domain.domain_name(app)
    if v.state(dom) in ("running", "paused", "in shutdown"):
        raise VmError(f"{app} is already running as {dom} on {v.uri} "
                      f"(./tessera stop {app} or ./tessera destroy {app} first)")
    img = img or app_image.build(m, app_image.out_dir_of(app))
    dtype = domain_type(v)
    pool_dir = ensure_pool(v)
    disk_vol, log_vol, seed_vol = app_domain.volume_names(app)
    upload(v, disk_vol, img.path)
    if seed:
        import app_seed
        upload(v, seed_vol, app_seed.make(app, os.path.join(app_image.out_dir_of(app),
                                                            "seed.img"), **seed))
    elif v.ok("vol-info", "--pool", app_domain.POOL, seed_vol):
        v.run("vol-delete", "--pool", app_domain.POOL, seed_vol)  # a previous launch's
    xml = app_domain.domain_xml(m, dtype, os.path.join(pool_dir, log_vol), seed=bool(seed))
    xml_path = os.path.join(app_image.out_dir_of(app), "domain.xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    try:
        app_domain.validate(xml)
    except ValueError as e:
        raise VmError(str(e)) from None
    v.run("define", xml_path)
    t_start = time.monotonic()
    v.run("start", dom)
    say(f"{app}: started domain {dom} on {v.uri} (type {dtype}, {m.memory_mib} MiB, "
        f"{m.cpus} cpu{'s' if m.cpus > 1 else ''}, image {img.size // 1024} KiB)")
    say(f"{app}: attach: virsh -c {shlex.quote(v.uri)} console {dom}   log: ./tessera logs {app}"
        + ("" if v.uri == default_uri() else f" --connect {shlex.quote(v.uri)}"))
    return t_start


def need_domain(v: Virsh, app: str) -> str:
    dom = app_domain.domain_name(app)
    if not v.state(dom):
        raise VmError(f"no app {app} on {v.uri} (no domain {dom}; ./tessera list)")
    return dom


def list_(v: Virsh) -> int:
    names = [n for n in v.run("list", "--all", "--name").stdout.split()
             if n.startswith(app_domain.PREFIX)]
    print(f"{'APP':<20} {'STATE':<10} DOMAIN")
    for n in sorted(names):
        print(f"{n[len(app_domain.PREFIX):]:<20} {v.state(n):<10} {n}")
    return 0


def wait_off(v: Virsh, dom: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if v.state(dom) in ("shut off", ""):
            return True
        time.sleep(0.2)
    return v.state(dom) in ("shut off", "")


def stop(app: str, v: Virsh, timeout: float) -> int:
    dom = need_domain(v, app)
    if v.state(dom) == "shut off":
        say(f"{app}: not running")
        return 0
    v.run("shutdown", dom, "--mode", "acpi")
    if wait_off(v, dom, timeout):
        say(f"{app}: shut down")
        return 0
    v.run("destroy", dom)
    say(f"{app}: still running {timeout:g} s after the ACPI shutdown request; forced off")
    return 0


def destroy(app: str, v: Virsh) -> int:
    dom = need_domain(v, app)
    if v.state(dom) == "shut off":
        say(f"{app}: not running")
        return 0
    v.run("destroy", dom)
    say(f"{app}: powered off")
    return 0


def read_log(app: str, v: Virsh) -> str:
    need_domain(v, app)
    pool = app_domain.POOL
    _, log_vol, _ = app_domain.volume_names(app)
    v.run("pool-refresh", pool)  # the log file appears once the domain has started
    if not v.ok("vol-info", "--pool", pool, log_vol):
        return ""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="tessera-logs.") as tmp:
        path = os.path.join(tmp, "serial.log")
        v.run("vol-download", "--pool", pool, log_vol, path)
        with open(path, "rb") as f:
            return f.read().decode("utf-8", errors="replace").replace("\r", "")


def rm(app: str, v: Virsh) -> int:
    dom = need_domain(v, app)
    if v.state(dom) != "shut off":
        raise VmError(f"{app} is running (./tessera stop {app} or ./tessera destroy {app} first)")
    v.run("undefine", dom, "--nvram")
    pool = app_domain.POOL
    if v.ok("pool-info", pool):
        v.run("pool-refresh", pool)
        for vol in app_domain.volume_names(app):
            if v.ok("vol-info", "--pool", pool, vol):
                v.run("vol-delete", "--pool", pool, vol)
        if not v.run("vol-list", pool).stdout.strip():  # the last app: no pool left (-q: no header)
            v.run("pool-destroy", pool)
            v.run("pool-delete", pool)
            v.run("pool-undefine", pool)
    say(f"{app}: removed")
    return 0


def positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = 0
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, not {text!r}")
    return v


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="tessera", description="Per-app VMs on libvirt.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, help_ in (("launch", "build, upload, define and start APP's VM"),
                        ("list", "every per-app VM and its state"),
                        ("stop", "ACPI shutdown; forced off after --timeout"),
                        ("destroy", "power off at once"),
                        ("console", "attach to the serial console"),
                        ("logs", "print the serial log"),
                        ("rm", "undefine the VM and delete its volumes")):
        p = sub.add_parser(name, help=help_, prog=f"tessera {name}")
        p.add_argument("--connect", metavar="URI", default=None,
                       help="libvirt URI (default: qemu:///system as root, else qemu:///session)")
        if name != "list":
            p.add_argument("app")
        if name == "launch":
            p.add_argument("--hostname", help="NoCloud seed: the VM's hostname")
            p.add_argument("--ssh-key", action="append", default=[], metavar="FILE",
                           help="NoCloud seed: an authorized SSH public key file (repeatable)")
            p.add_argument("--run", action="append", default=[], metavar="PROGRAM",
                           help="NoCloud seed: run this archive program at boot (repeatable)")
            p.add_argument("--user-data", metavar="FILE",
                           help="NoCloud seed: this #cloud-config instead of one made from "
                                "--hostname/--ssh-key/--run")
        if name == "stop":
            p.add_argument("--timeout", type=positive, default=30.0,
                           help="seconds to wait for the guest before forcing it off")
    return ap


def seed_args(a) -> Optional[dict]:
    """app_seed.make's arguments from launch's options; None if none asks for a seed."""
    if not (a.hostname or a.ssh_key or a.run or a.user_data):
        return None
    if a.hostname and not re.match(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})$", a.hostname):
        raise VmError(f"--hostname {a.hostname!r}: letters, digits and -, at most 63")
    for prog in a.run:
        if not APP_RE.match(prog):
            raise VmError(f"--run {prog!r}: not a program name")
        if prog in ("init", "nocloud"):  # nocloud runs the seed's commands: itself forever
            raise VmError(f"--run {prog!r}: init and nocloud run the seed, not from it")
    keys = []
    for path in a.ssh_key:
        try:
            with open(path) as f:
                keys += [l.strip() for l in f if l.strip() and not l.startswith("#")]
        except OSError as e:
            raise VmError(f"--ssh-key {path}: {e.strerror}") from None
    user_data = None
    if a.user_data:
        try:
            with open(a.user_data) as f:
                user_data = f.read()
        except OSError as e:
            raise VmError(f"--user-data {a.user_data}: {e.strerror}") from None
    return {"hostname": a.hostname, "ssh_keys": keys, "runcmd": a.run, "user_data": user_data}


def main(argv=None) -> int:
    a = parser().parse_args(argv)
    try:
        if getattr(a, "app", None) is not None and not APP_RE.match(a.app):
            raise VmError(f"bad app name {a.app!r}")
        if a.connect == "":  # not the default: a script's empty variable, most likely
            raise VmError("--connect: empty URI (leave --connect out for the default)")
        if a.cmd == "launch":
            import app_manifest
            app_manifest.load(app_manifest.find(a.app, REPO))  # a bad manifest: before the build
            seed = seed_args(a)
        if os.environ.get("TESSERA_VALIDATE_ONLY"):
            return 0  # ./tessera checks the arguments before its (slow) build
        v = Virsh(a.connect or default_uri())
        r = v.run("uri", check=False)
        if r.returncode != 0:
            hint = ("; without systemd start it: mkdir -p /run/libvirt; virtlogd -d; libvirtd -d"
                    if v.uri == "qemu:///system" else "")
            # virsh's whole error: its last line alone can be a fragment of the reason
            why = "; ".join(l.strip().removeprefix("error: ") for l in r.stderr.splitlines()
                            if l.strip()) or "no answer"
            raise VmError(f"cannot reach libvirtd at {v.uri} ({why})" + hint)
        if a.cmd == "launch":
            launch(a.app, v, seed)
            return 0
        if a.cmd == "list":
            return list_(v)
        if a.cmd == "stop":
            return stop(a.app, v, a.timeout)
        if a.cmd == "destroy":
            return destroy(a.app, v)
        if a.cmd == "console":
            dom = need_domain(v, a.app)
            os.execvp(VIRSH, [VIRSH, "-c", v.uri, "console", dom])
        if a.cmd == "logs":
            sys.stdout.write(read_log(a.app, v))
            return 0
        if a.cmd == "rm":
            return rm(a.app, v)
    except (ValueError, RuntimeError) as e:  # VmError, ImageError, SeedError, ManifestError
        print(f"tessera: {e}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
