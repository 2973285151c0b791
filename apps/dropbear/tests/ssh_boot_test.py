#!/usr/bin/env python3
"""ssh_boot_test.py: SSH into the default image from the host with OpenSSH (apps.boot.ssh).

One boot of a COPY of the image (PVH, the copy as the virtio-blk disk) with a virtio-net NIC on
QEMU user networking, host 127.0.0.1:PORT forwarded to the guest's 22, where the inittab's
Dropbear listens. Before the boot the host writes a throwaway key pair's public half into
/root/.ssh/authorized_keys and a test password into /etc/shadow (build/rootfs.py: debugfs).
The host key is checked: known_hosts is made from the public key the first boot prints on the
console (hostkeys.sh), StrictHostKeyChecking=yes. Then, each checked exactly:
  - `ssh 'echo hi; exit 3'` with the key: "hi", exit status 3;
  - password login (SSH_ASKPASS, SSH_ASKPASS_REQUIRE=force) works, a wrong password is refused;
  - `ssh -tt`: a login shell on a PTY runs a pipeline; `sleep 100` and ^C (0x03) give the
    prompt back and `echo $?` says 130; `exit 7` ends ssh with 7;
  - `scp -O` (the legacy protocol: no sftp-server) of random bytes to the guest and back,
    sha256 the same on the host, in the guest (busybox sha256sum) and back: 10 MiB
    (--scp-bytes N for another size);
  - Dropbear's client in the guest logs into the guest's own server over 127.0.0.1;
  - `ssh poweroff` ends QEMU (exit 0) and e2fsck -fn of the copy is clean.
"SSH ready" (QEMU's start to the first successful `ssh true`) is printed, not asserted.
    ssh_boot_test.py --image out/tessera.img [--cmdline net=10.0.2.15/24,10.0.2.2,10.0.2.3]
                     [--scp-bytes N]
"""
import argparse
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "busybox", "tests"))
import qemu  # noqa: E402
import rootfs  # noqa: E402
from shell_boot_test import Console, clean  # noqa: E402

PASSWORD = "tessera-test-pw"
PS1 = "@ssh@ "
SCP_BYTES = 10 << 20  # issue 15: 10 MiB both ways


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ssh:
    """OpenSSH's ssh/scp against the guest, with this test's key, port and known_hosts only."""

    def __init__(self, tmp: str, port: int):
        self.tmp, self.port = tmp, port
        self.key = os.path.join(tmp, "id_ed25519")
        self.known = os.path.join(tmp, "known_hosts")
        self.opts = ["-F", "/dev/null", "-o", f"UserKnownHostsFile={self.known}",
                     "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR",
                     "-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=0"]
        self.keyauth = ["-i", self.key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                        "-o", "PreferredAuthentications=publickey"]

    def argv(self, *args, password=False, connect=None):
        auth = (["-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                 "-o", "NumberOfPasswordPrompts=1"] if password else self.keyauth)
        first = ["-o", f"ConnectTimeout={connect}"] if connect else []  # (ssh: the first wins)
        return ["ssh", "-p", str(self.port), *first, *self.opts, *auth, *args]

    def run(self, cmd: str, password=None, timeout=120, connect=None):
        env = dict(os.environ)
        if password is not None:  # OpenSSH asks this program, never a terminal (force)
            askpass = os.path.join(self.tmp, "askpass")
            with open(askpass, "w") as f:
                f.write(f"#!/bin/sh\necho '{password}'\n")
            os.chmod(askpass, 0o700)
            env.update(SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
        return subprocess.run(self.argv("root@127.0.0.1", cmd, password=password is not None,
                                        connect=connect),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, env=env)

    def scp(self, src: str, dst: str, timeout=600):
        return subprocess.run(["scp", "-O", "-q", "-P", str(self.port), *self.opts, *self.keyauth,
                               src, dst], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)


def prepare(image: str, tmp: str) -> str:
    """The image's copy with the test's key and password; its path."""
    disk = os.path.join(tmp, "disk.img")
    subprocess.run(["cp", "--sparse=always", image, disk], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "apps.boot.ssh",
                    "-f", os.path.join(tmp, "id_ed25519")], check=True)
    rootfs.authorize_key(disk, os.path.join(tmp, "id_ed25519.pub"))
    crypted = subprocess.run(["openssl", "passwd", "-6", "-salt", "apps.boot.ssh", PASSWORD],
                             capture_output=True, text=True, check=True).stdout.strip()
    rootfs.put(disk, {"/etc/shadow": (f"root:{crypted}:19000:0:99999:7:::\n".encode(), 0o600)})
    return disk


def interactive(s: Ssh, check):
    """ssh -tt: a login shell on a PTY; a pipeline, ^C of a sleep, exit status 7."""
    con = Console(s.argv("-tt", "root@127.0.0.1"))
    try:
        time.sleep(3)  # the login shell's first prompt, whatever /etc/profile makes it
        con.type(f"PS1='{PS1}'\r".encode())
        con.expect(f"\n{PS1}".encode(), 60)

        def run(line, timeout=30):
            con.type(line.encode() + b"\r")
            con.expect(b"\n", timeout)
            out = clean(con.expect(PS1.encode(), timeout))
            return out[:-1] if out.endswith("\n") else out

        check("ssh -tt pipeline", run("echo hello world | tr a-z A-Z"), "HELLO WORLD")
        check("ssh -tt tty", run("tty"), None, lambda v: re.fullmatch(r"/dev/pts/\d+", v))
        con.type(b"sleep 100\r")
        con.expect(b"\n", 30)
        time.sleep(1.5)
        con.type(b"\x03")
        t = time.monotonic()
        con.expect(PS1.encode(), 20)
        print(f"ssh_boot_test: ^C gave the prompt back in {time.monotonic() - t:.2f} s")
        check("ssh -tt ^C; echo $?", run("echo $?"), "130")
        con.type(b"exit 7\r")
        code = con.proc.wait(timeout=30)
        check("ssh -tt exit 7", code, 7)
    except (TimeoutError, subprocess.TimeoutExpired) as e:
        check("ssh -tt session", f"timeout: {e}", "")
    finally:
        if con.proc.poll() is None:
            con.proc.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--scp-bytes", type=int, default=SCP_BYTES,
                    help=f"bytes scp copies each way (default {SCP_BYTES})")
    ap.add_argument("--cmdline", default="",
                    help="the guest's command line, e.g. net=10.0.2.15/24,10.0.2.2,10.0.2.3 "
                         "(a static address instead of DHCP)")
    a = ap.parse_args()
    errs = []

    def check(what, got, want, ok=None):
        good = ok(got) if ok else got == want
        print(f"ssh_boot_test: {'ok  ' if good else 'FAIL'} {what}: {got!r}"
              + ("" if good or ok else f" (want {want!r})"))
        if not good:
            errs.append(what)

    for tool in ("ssh", "scp", "ssh-keygen", "openssl", "debugfs"):
        if not shutil.which(tool) and not os.path.exists(f"/sbin/{tool}"):
            print(f"ssh_boot_test: {tool} missing (./tessera deps)")
            return 1
    tmp = tempfile.mkdtemp(prefix="tessera-ssh.")
    port = free_port()
    s = Ssh(tmp, port)
    disk = prepare(a.image, tmp)
    accel = qemu.choose_accel("auto")
    argv = qemu.direct_args(a.mem, a.cmdline, accel) + [
        "-display", "none", "-serial", "stdio", "-monitor", "none",
        "-drive", f"format=raw,file={disk},if=none,id=disk1",
        "-device", "virtio-blk-pci,drive=disk1", *qemu.ssh_net_args(port)]
    t0 = time.monotonic()
    vm = Console(argv)
    try:
        # The host key the first boot printed: known_hosts from it, checked from the first login.
        vm.expect(b"Please press Enter", 180)  # after the sysinit entry: the host key is out
        t_ask = time.monotonic() - t0
        m = re.search(r"^dropbear: host key: (ssh-ed25519 [A-Za-z0-9+/=]+)$", vm.text(), re.M)
        check("host key on the console", bool(m), True)
        with open(s.known, "w") as f:
            f.write(f"[127.0.0.1]:{port} {m.group(1) if m else 'none'}\n")

        # "SSH ready": the first `ssh true` that succeeds, tried from the prompt on, not from
        # pm's address line: DHCP's lease can wait for something to wake pm's loop, and these
        # tries' frames do (docs/status.md). A short ConnectTimeout (the banner's too) at first:
        # a connection made before the guest has its address waits seconds on QEMU's user
        # network to send its SYN again, a new one does not.
        ready = None
        for i in range(150):
            r = s.run("true", timeout=60, connect=2 if i < 10 else 20)
            if r.returncode == 0:
                ready = time.monotonic() - t0
                break
            time.sleep(0.1)
        if ready is None:
            check("ssh true", r.returncode, 0)
            raise TimeoutError(f"no ssh login: {r.stderr.strip()}")
        print(f"ssh_boot_test: SSH ready {ready:.2f} s after QEMU's start (the console's "
              f"prompt at {t_ask:.2f} s)")

        r = s.run("echo hi; exit 3")
        check("ssh 'echo hi; exit 3'", (r.stdout, r.returncode), ("hi\n", 3))
        r = s.run("id -un; echo $HOME; pwd")
        check("ssh id/home", r.stdout, "root\n/root\n/root\n")
        r = s.run("echo pw ok", password=PASSWORD)
        check("password login", (r.stdout, r.returncode), ("pw ok\n", 0))
        r = s.run("echo pw ok", password="not-" + PASSWORD)
        check("wrong password refused", (r.stdout, r.returncode,
                                         "Permission denied" in r.stderr), ("", 255, True))

        interactive(s, check)

        # scp both ways, random bytes (10 MiB)
        src = os.path.join(tmp, "big")
        data = os.urandom(a.scp_bytes)
        with open(src, "wb") as f:
            f.write(data)
        want = hashlib.sha256(data).hexdigest()
        t = time.monotonic()
        r = s.scp(src, "root@127.0.0.1:/root/big")
        up = time.monotonic() - t
        check("scp to the guest", (r.returncode, r.stderr), (0, ""))
        r = s.run("sha256sum /root/big")
        check("sha256sum in the guest", r.stdout, f"{want}  /root/big\n")
        back = os.path.join(tmp, "back")
        t = time.monotonic()
        r = s.scp("root@127.0.0.1:/root/big", back)
        down = time.monotonic() - t
        check("scp from the guest", (r.returncode, r.stderr), (0, ""))
        got = hashlib.sha256(open(back, "rb").read()).hexdigest() if os.path.exists(back) else ""
        check("scp round trip sha256", got, want)
        mib = a.scp_bytes / (1 << 20)
        print(f"ssh_boot_test: scp {mib:.2f} MiB up {up:.1f} s ({mib / up:.2f} MiB/s), "
              f"down {down:.1f} s ({mib / down:.2f} MiB/s)")

        # Dropbear's own client, in the guest, to the guest's server over loopback
        r = s.run("rm -f /tmp/dk; dropbearkey -t ed25519 -f /tmp/dk 2>/dev/null | "
                  "grep ^ssh-ed25519 >> /root/.ssh/authorized_keys && "
                  "dbclient -y -i /tmp/dk root@127.0.0.1 'echo loop ok; exit 4' 2>/dev/null; "
                  "echo $?")
        check("dbclient over 127.0.0.1", r.stdout, "loop ok\n4\n")

        try:
            s.run("poweroff", timeout=60)  # the connection may end either way
        except subprocess.TimeoutExpired:
            pass
        try:
            code = vm.proc.wait(timeout=90)
            check("QEMU's exit after ssh poweroff", code, 0)
        except subprocess.TimeoutExpired:
            check("QEMU's exit after ssh poweroff", "still running after 90 s", 0)
    except (TimeoutError, subprocess.TimeoutExpired) as e:
        check("the session", f"timeout: {e}", "")
    finally:
        if vm.proc.poll() is None:
            vm.proc.kill()
            vm.proc.wait()
    fsck = subprocess.run(["e2fsck", "-fn", rootfs.part(disk)], capture_output=True, text=True,
                          env=rootfs.ENV)
    check("e2fsck -fn", fsck.returncode, 0)
    if errs:
        print("--- console ---\n" + vm.text()[-6000:])
        print("ssh_boot_test: %d failures: %s" % (len(errs), ", ".join(errs)))
    else:
        print("ssh_boot_test: ok")
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
