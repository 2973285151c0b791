#!/usr/bin/env python3
"""test_app_libvirt.py: ctest `build.app_libvirt`. Per-app VMs through a real libvirtd.

1. qemu:///system: starts virtlogd and libvirtd itself (children of this test) unless a
   libvirtd already answers; launches greet and exotest at once; both are running together;
   reads each one's serial log (`logs`) for its exact lines; greet powers itself off
   (on_exit = "poweroff"), exotest stays up and `stop` forces it off once it has ignored the
   ACPI request; `rm` both.
2. --connect to a second URI: a session libvirtd (and its virtlogd) of user nobody, started
   here, reached as qemu+unix:///session?socket=...; exotest launched there (its image
   uploaded into nobody's pool), `rm` while running is refused, `destroy`, `rm`.
At the end no tessera-* domain, no `tessera` pool, no image or NVRAM file, no QEMU of ours and
no daemon this test started is left. Exact values throughout.
"""
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import app_image  # noqa: E402
import app_seed  # noqa: E402
import qemu  # noqa: E402

APP_VM = [sys.executable, os.path.join(HERE, "app_vm.py")]
SYSTEM = "qemu:///system"
BOOT_TIMEOUT = 240  # seconds for a TCG boot to reach the app's last line, on a loaded host
HELLO_RUN = [
    "greet: main reached",
    "greet: arg 0: greet",
    "greet: arg 1: world",
    "greet: arg 2: two words",
    "greet: env 0: GREETING=hi",
    "greet: env 1: LANG=C",
    "greet: file 0: Greetings from a file the manifest put in the image.",
    "greet: done",
]
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITesseraTestKeyNotSecret0123456789abcd test@tessera"
# greet is launched with a NoCloud seed: hostname web-1, one key, runcmd greet (so greet runs
# twice: from the seed's runcmd, then as the image's app)
SEED_ARGS = ["--hostname", "web-1", "--run", "greet"]
HELLO_LINES = [
    "nocloud: instance-id {iid}",
    "nocloud: hostname web-1",
    "nocloud: 1 ssh authorized key(s) kept for the SSH server",
    "nocloud: runcmd greet",
    *HELLO_RUN, *HELLO_RUN,
    "exo: no envs left",
    "exo: power off",
]

failures = []
children = []  # daemons we started: (name, Popen)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def vm(*args, uri=SYSTEM, env=None):
    r = subprocess.run([*APP_VM, *args, "--connect", uri], capture_output=True, text=True,
                       env=env)
    return r.returncode, r.stdout, r.stderr


def virsh(uri, *args):
    return subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True)


def daemon(name, argv, log_dir, user=None, env=None):
    """Starts a libvirt daemon in the foreground as our child (no -d: we reap it ourselves)."""
    log = open(os.path.join(log_dir, f"{name}.log"), "w")
    pre = ["runuser", "-u", user, "--"] if user else []
    p = subprocess.Popen(pre + argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                         start_new_session=True)
    children.append((name, p))
    return p


def wait_for(pred, seconds, step=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def serial_lines(app, uri, env=None):
    rc, out, _ = vm("logs", app, uri=uri, env=env)
    # OVMF clears the screen with escape sequences: keep only what follows the last one
    return [re.sub(r".*\x1b\[[0-9;=]*[A-Za-z]", "", l) for l in out.splitlines()] if rc == 0 else []


def exotest_done(lines):
    return any(re.fullmatch(r"exotest: \d+ passed, \d+ failed", l) for l in lines)


def check_exotest_log(lines, where):
    oks = [l for l in lines if re.fullmatch(r"exotest: [a-z0-9_]+: ok", l)]
    summary = [l for l in lines if re.fullmatch(r"exotest: \d+ passed, \d+ failed", l)]
    check(summary == [f"exotest: {len(oks)} passed, 0 failed"] and len(oks) > 0,
          f"{where}: exotest's serial log: {summary} after {len(oks)} ok lines")


def image_kib(app):
    return os.path.getsize(os.path.join(app_image.out_dir_of(app), f"{app}.img")) // 1024


def started_line(app, uri, mib, image_kib, dtype):
    return (f"tessera: {app}: started domain tessera-{app} on {uri} (type {dtype}, {mib} MiB, "
            f"1 cpu, image {image_kib} KiB)")


def system_part(log_dir, dtype):
    key_file = os.path.join(log_dir, "app_libvirt_test_key.pub")
    with open(key_file, "w") as f:
        f.write(SSH_KEY + "\n")
    seed = {"greet": [*SEED_ARGS, "--ssh-key", key_file], "exotest": []}
    iid = app_seed.texts("greet", "web-1", [SSH_KEY], ["greet"])[0].split()[1]
    procs = {app: subprocess.Popen([*APP_VM, "launch", app, "--connect", SYSTEM, *seed[app]],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for app in ("greet", "exotest")}
    outs = {app: p.communicate(timeout=300) for app, p in procs.items()}
    for app, mib in (("greet", 64), ("exotest", 128)):
        out, err = outs[app]
        kib = image_kib(app)
        check(procs[app].returncode == 0 and out.splitlines()[:1] == [
            started_line(app, SYSTEM, mib, kib, dtype)], f"system: launch {app}: {out!r} {err!r}")
    rc, out, _ = vm("list")
    rows = sorted(tuple(l.split()[:2]) for l in out.splitlines()[1:])
    # both at once (greet may already have ended if the host is fast: then its log is complete)
    hello_state = dict(rows).get("greet")
    check(rc == 0 and dict(rows).get("exotest") == "running" and
          (hello_state == "running" or
           (hello_state == "shut off" and serial_lines("greet", SYSTEM)[-1:] == ["exo: power off"])),
          f"system: list shows both apps up together: {rows}")

    lines = wait_for(lambda: (lambda ls: ls if "exo: power off" in ls else None)(
        serial_lines("greet", SYSTEM)), BOOT_TIMEOUT) or serial_lines("greet", SYSTEM)
    got = [l for l in lines if l.startswith("greet: ") or l.startswith("exo: no envs")
           or l == "exo: power off" or l.startswith("nocloud: ")]
    want = [l.format(iid=iid) for l in HELLO_LINES]
    check(got == want, f"system: greet's serial log has exactly its lines (seed first): {got}")
    check(wait_for(lambda: virsh(SYSTEM, "domstate", "tessera-greet").stdout.strip() == "shut off",
                   30), "system: greet powered its VM off itself")
    check(vm("stop", "greet")[1] == "tessera: greet: not running\n", "system: stop greet: not running")

    lines = wait_for(lambda: (lambda ls: ls if exotest_done(ls) else None)(
        serial_lines("exotest", SYSTEM)), BOOT_TIMEOUT) or []
    check_exotest_log(lines, "system")
    rc, out, err = vm("stop", "exotest", "--timeout", "3")
    check(rc == 0 and out == "tessera: exotest: still running 3 s after the ACPI shutdown "
          "request; forced off\n", f"system: stop exotest (exo ignores ACPI shutdown): {out!r} {err!r}")
    check(virsh(SYSTEM, "domstate", "tessera-exotest").stdout.strip() == "shut off",
          "system: exotest shut off after stop")
    for app in ("greet", "exotest"):
        rc, out, err = vm("rm", app)
        check(rc == 0 and out == f"tessera: {app}: removed\n", f"system: rm {app}: {out!r} {err!r}")


def session_part(log_dir, dtype):
    """A second daemon: nobody's session libvirtd, on a socket we name."""
    user = "nobody"
    pw = pwd.getpwnam(user)
    home = tempfile.mkdtemp(prefix="tessera-session.")
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(home, 0o700)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": home,
           "XDG_RUNTIME_DIR": f"{home}/run", "XDG_CONFIG_HOME": f"{home}/config",
           "XDG_CACHE_HOME": f"{home}/cache", "XDG_DATA_HOME": f"{home}/data"}
    subprocess.run(["runuser", "-u", user, "--", "mkdir", "-m", "700", env["XDG_RUNTIME_DIR"]],
                   check=True)
    sock = f"{home}/run/libvirt/libvirt-sock"
    uri = f"qemu+unix:///session?socket={sock}"
    try:
        # virtlogd first, so libvirtd does not spawn one we would not own
        daemon("session-virtlogd", ["env", *[f"{k}={v}" for k, v in env.items()], "virtlogd"],
               log_dir, user)
        wait_for(lambda: os.path.exists(f"{home}/run/libvirt/virtlogd-sock"), 10, 0.1)
        daemon("session-libvirtd", ["env", *[f"{k}={v}" for k, v in env.items()], "libvirtd"],
               log_dir, user)
        check(wait_for(lambda: virsh(uri, "list").returncode == 0, 20), f"session: {uri} answers")
        venv = dict(os.environ, TESSERA_POOL_DIR=f"{home}/images")
        rc, out, err = vm("launch", "exotest", uri=uri, env=venv)
        kib = image_kib("exotest")
        check(rc == 0 and out.splitlines()[:1] == [started_line("exotest", uri, 128, kib, dtype)],
              f"session: launch exotest --connect: {out!r} {err!r}")
        check(os.path.isfile(f"{home}/images/tessera-exotest.img") and
              os.stat(f"{home}/images/tessera-exotest.img").st_size == kib * 1024,
              "session: the image was uploaded into the session daemon's pool")
        check(virsh(SYSTEM, "domstate", "tessera-exotest").returncode != 0,
              "session: the domain is not on qemu:///system")
        lines = wait_for(lambda: (lambda ls: ls if exotest_done(ls) else None)(
            serial_lines("exotest", uri, venv)), BOOT_TIMEOUT) or []
        check_exotest_log(lines, "session")
        rc, out, err = vm("rm", "exotest", uri=uri, env=venv)
        check(rc == 1 and out == "" and err == "tessera: exotest is running (./tessera stop "
              "exotest or ./tessera destroy exotest first)\n", f"session: rm while running: {err!r}")
        rc, out, err = vm("destroy", "exotest", uri=uri, env=venv)
        check(rc == 0 and out == "tessera: exotest: powered off\n", f"session: destroy: {out!r}")
        rc, out, err = vm("rm", "exotest", uri=uri, env=venv)
        check(rc == 0 and out == "tessera: exotest: removed\n", f"session: rm: {out!r} {err!r}")
        check(virsh(uri, "list", "--all", "--name").stdout.strip() == "" and
              virsh(uri, "pool-info", "tessera").returncode != 0 and
              not os.path.exists(f"{home}/images"), "session: no domain, pool or volume left")
    finally:
        for name in ("session-libvirtd", "session-virtlogd"):
            stop_child(name)
        shutil.rmtree(home, ignore_errors=True)


def stop_child(name):
    for n, p in children:
        if n == name and p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def our_qemus():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"guest=tessera-" in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


SKIP = 77  # ctest SKIP_RETURN_CODE


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (the system libvirtd, and runuser for the session daemon)")
        return SKIP
    if shutil.which("libvirtd") is None or shutil.which("virsh") is None:
        print("libvirt missing: ./tessera deps installs libvirt-daemon-system libvirt-clients")
        return 1
    for app in ("greet", "exotest"):
        if not os.path.isfile(os.path.join(app_image.build_dir(), "target", "apps", app)):
            print(f"{app} not built: ./tessera image first")
            return 1
    log_dir = os.environ.get("TESSERA_LOG_DIR", os.path.join(app_image.build_dir(), "logs"))
    os.makedirs(log_dir, exist_ok=True)
    started_system = False
    try:
        if virsh(SYSTEM, "version").returncode != 0:  # no daemon: start our own (no systemd)
            os.makedirs("/run/libvirt", exist_ok=True)
            daemon("virtlogd", ["virtlogd"], log_dir)
            wait_for(lambda: os.path.exists("/run/libvirt/virtlogd-sock"), 10, 0.1)
            daemon("libvirtd", ["libvirtd"], log_dir)
            started_system = True
            check(wait_for(lambda: virsh(SYSTEM, "version").returncode == 0, 30),
                  "system: the libvirtd we started answers")
        for dom in ("tessera-greet", "tessera-exotest"):  # leftovers of an interrupted run
            if virsh(SYSTEM, "domstate", dom).returncode == 0:
                virsh(SYSTEM, "destroy", dom)
                vm("rm", dom[len("tessera-"):])
        # the type launch must pick: kvm only if libvirt offers it and KVM runs OVMF here
        kvm = virsh(SYSTEM, "domcapabilities", "--virttype", "kvm", "--arch", "x86_64",
                    "--machine", "q35").returncode == 0 and qemu.choose_accel("auto") == "kvm"
        dtype = "kvm" if kvm else "qemu"
        print(f"domain type expected: {dtype}", flush=True)
        system_part(log_dir, dtype)
        session_part(log_dir, dtype)
        check(virsh(SYSTEM, "list", "--all", "--name").stdout.split() == [] or
              not any(n.startswith("tessera-") for n in
                      virsh(SYSTEM, "list", "--all", "--name").stdout.split()),
              "system: no tessera domain left")
        check(virsh(SYSTEM, "pool-info", "tessera").returncode != 0 and
              not os.path.exists("/var/lib/libvirt/images/tessera"), "system: no pool or volume left")
        check(not any(os.path.exists(f"/var/lib/libvirt/qemu/nvram/tessera-{a}_VARS.fd")
                      for a in ("greet", "exotest")), "system: no NVRAM file left")
    finally:
        if started_system:
            stop_child("libvirtd")
            stop_child("virtlogd")
    check(wait_for(lambda: not our_qemus(), 10), f"no QEMU of ours left: {our_qemus()}")
    check(all(p.poll() is not None for _, p in children), "every daemon we started has ended")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
