#!/usr/bin/env python3
"""shell_boot_test.py: busybox's shell on the console, typed at from the host (apps.boot.shell).

The default boot, as `./tessera run` makes it (empty command line, the disk's root as "/", its
/etc/inittab's askfirst line): PVH straight into exo with the image as the virtio-blk disk
(snapshot: never written). The host reads the serial console byte by byte, presses Enter at
askfirst's question, sets a prompt it can recognise, then types one command at a time, waits
for the prompt, and compares what the command printed with the exact expectation: a pipeline,
redirections, a here-document, globbing, a script with a function and loops, ^C of a
foreground sleep ($? 130), ^Z, jobs, bg and fg, cd/pwd, /proc, ps, Dropbear's programs
without a network (the first boot's host key, a new key's public line and fingerprint as
OpenSSH's ssh-keygen reads them on the host, dropbearconvert both ways), and last poweroff: init
runs its shutdown (SIGTERM, which the interactive shell ignores, then SIGKILL a second later,
sync, clean unmount) and QEMU must exit 0 by itself; then `e2fsck -fn` on the disk is clean.
The disk is a writable copy of the image.
With --end CMD (repeatable) each CMD gets a short boot of its own that types only CMD at the
first prompt (apps.boot.shell-ends: `halt`, `reboot -f` (reboot(2) straight from busybox) and
`reboot` (SIGTERM to init); QEMU's -no-reboot makes a reset an exit): the same end is wanted.
Their inittab puts a busy respawn entry next to askfirst: the Enter must be seen within 10 s.
    shell_boot_test.py --image out/tessera.img [--end halt --end 'reboot -f' --end reboot]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "build"))
import qemu  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "libos", "ext2", "tests"))
from ext2_boot_test import root_offset, run as host_run  # noqa: E402

ASK = b"Please press Enter to activate this console. "
PS1 = "tsh> "
PS2 = "> "


class Console:
    """The serial console: bytes in from QEMU's stdout, typing out to its stdin."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.buf = b""
        self.pos = 0  # what expect() has consumed
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            b = os.read(self.proc.stdout.fileno(), 4096)
            with self.lock:
                if not b:
                    self.eof = True
                    self.lock.notify_all()
                    return
                self.buf += b
                self.lock.notify_all()

    def expect(self, needle: bytes, timeout: float) -> bytes:
        """Wait for needle after what was consumed; return the bytes before it (consumed)."""
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                i = self.buf.find(needle, self.pos)
                if i >= 0:
                    out = self.buf[self.pos:i]
                    self.pos = i + len(needle)
                    return out
                left = end - time.monotonic()
                if left <= 0 or getattr(self, "eof", False):
                    raise TimeoutError(f"{needle!r} not seen; after it: "
                                       f"{self.buf[self.pos:][-400:]!r}")
                self.lock.wait(left)

    def type(self, data: bytes):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def text(self) -> str:
        return self.buf.decode("utf-8", errors="replace").replace("\r", "")


def clean(b: bytes) -> str:
    """Output as the user sees it: CRs and terminal escape sequences dropped."""
    s = b.decode("utf-8", errors="replace").replace("\r", "")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", s)


def run(con: Console, line: str, timeout: float = 30) -> str:
    """Type one command line, wait for the next prompt; what it printed (its echo dropped)."""
    con.type(line.encode() + b"\r")
    con.expect(b"\n", timeout)  # the end of the line's echo
    out = clean(con.expect(PS1.encode(), timeout))
    return out[:-1] if out.endswith("\n") else out


# (command, exact output). Output is what comes between the command's echoed line and the next
# prompt, without its last newline.
SCRIPT = [
    ("echo hello world | tr a-z A-Z | wc -c", "12"),
    ("echo hello world | tr a-z A-Z", "HELLO WORLD"),
    ("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f", "one\ntwo"),
    ("wc -l < /tmp/f", "2"),
    ("ls /nonexistent > /tmp/e 2>&1; echo $?; cat /tmp/e",
     "1\nls: /nonexistent: No such file or directory"),
    # (lines kept shorter than the terminal's 80 columns: ash's editing wraps its echo)
    ("mkdir /tmp/g && cd /tmp/g && touch a.c b.c c.h", ""),
    ("echo *.c /tmp/g/?.h; cd /", "a.c b.c /tmp/g/c.h"),
    ("echo /tmp/g/*.none", "/tmp/g/*.none"),
    ("cd /tmp/g; pwd; cd ..; pwd; cd; pwd", "/tmp/g\n/tmp\n/"),
    ("ls -1d /proc/self /proc/1", "/proc/1\n/proc/self"),
    ("ls /proc > /tmp/p; grep -x -e 1 -e meminfo -e self /tmp/p", "1\nmeminfo\nself"),
    ("grep -c '^Pid:' /proc/self/status", "1"),
    ("x=$(cat /proc/self/stat); [ \"${x%% *}\" -gt 1 ] && echo pid ok", "pid ok"),
]

HEREDOC = ["cat <<EOF", "sum $((1+2))", "  $HOME indented", "EOF"]
HEREDOC_OUT = "sum 3\n  / indented"

SH_SCRIPT = ["cat > /tmp/s.sh <<'EOF'",
             "f() { echo \"f:$1:$#\"; }",
             "i=0",
             "while [ $i -lt 3 ]; do f $i x; i=$((i+1)); done",
             "for w in a b; do case $w in a) echo A;; *) echo other $w;; esac; done",
             "exit 7",
             "EOF"]
SH_OUT = "f:0:2\nf:1:2\nf:2:2\nA\nother b\n7"


def session(con: Console, errs: list, boot_text: str):
    def check(cmd, out, want):
        if out != want:
            errs.append(f"{cmd!r}:\n  got  {out!r}\n  want {want!r}")

    for cmd, want in SCRIPT:
        check(cmd, run(con, cmd), want)

    # a here-document: each body line typed at the PS2 prompt
    con.type(HEREDOC[0].encode() + b"\r")
    for body in HEREDOC[1:]:
        con.expect(PS2.encode(), 20)
        con.type(body.encode() + b"\r")
    con.expect(b"\n", 20)  # the terminator's echo
    check("here-document", clean(con.expect(PS1.encode(), 20)).rstrip("\n"), HEREDOC_OUT)

    # a script with a function and loops, written with a here-document, then run
    con.type(SH_SCRIPT[0].encode() + b"\r")
    for body in SH_SCRIPT[1:]:
        con.expect(PS2.encode(), 20)
        con.type(body.encode() + b"\r")
    con.expect(b"\n", 20)
    con.expect(PS1.encode(), 20)
    check("sh /tmp/s.sh", run(con, "sh /tmp/s.sh; echo $?"), SH_OUT)

    # ^C ends the foreground job; the shell's prompt comes back, $? is 128+SIGINT
    con.type(b"sleep 100\r")
    con.expect(b"\n", 20)
    time.sleep(2)
    con.type(b"\x03")
    con.expect(PS1.encode(), 20)
    check("sleep 100 ^C; echo $?", run(con, "echo $?"), "130")

    # ^Z stops the foreground job; jobs, bg, fg and ^C
    con.type(b"sleep 100\r")
    con.expect(b"\n", 20)
    time.sleep(2)
    con.type(b"\x1a")
    stopped = clean(con.expect(PS1.encode(), 20)).strip().replace("^Z", "")
    check("sleep 100 ^Z", stopped, "[1]+  Stopped                    sleep 100")
    check("jobs", run(con, "jobs"), "[1]+  Stopped                    sleep 100")
    check("bg", run(con, "bg"), "[1] sleep 100")
    check("jobs (running)", run(con, "jobs"), "[1]+  Running                    sleep 100")
    con.type(b"fg\r")
    con.expect(b"\n", 20)
    check("fg", clean(con.expect(b"\n", 20)), "sleep 100")
    time.sleep(1)
    con.type(b"\x03")
    con.expect(PS1.encode(), 20)
    check("fg ^C; echo $?", run(con, "echo $?"), "130")
    check("jobs (none)", run(con, "jobs"), "")
    # a background job that ends by itself; wait returns its status
    con.type(b"(sleep 1; exit 3) &\r")
    con.expect(b"\n", 20)
    con.expect(PS1.encode(), 20)
    check("wait", run(con, "wait $!; echo $?"), "3\n[1]+  Done(3)                    (sleep 1; exit 3)")

    # ps: init and the shell (its login name), the user's name from /etc/passwd; the shell's
    # CPU time (exo's env_cputime) is whatever it ran, so only its form is checked. The shell's
    # pid is $$ (the inittab's sysinit entries took the pids before it).
    pid = run(con, "echo $$")
    ps = run(con, "ps").splitlines()
    check("ps", ps[:2], ["PID   USER     TIME  COMMAND", "    1 root      0:00 [init]"])
    shell = ps[2] if len(ps) > 2 else ""
    check(f"ps shell line {shell!r} (pid {pid})",
          bool(re.fullmatch(rf" *{pid} root +\d+:\d\d -/bin/sh -l", shell)), True)
    check("whoami", run(con, "whoami; id -un; nproc"), "root\nroot\n1")

    # /proc/tessera: the disk (virtio-blk, one queue, nobody holds it whole) and its queue,
    # held by pm, that is init's env (exo's observe call)
    env = run(con, "awk '$1==1{print $2}' /proc/tessera")
    blk = run(con, "grep -A1 ' blk ' /proc/tessera")
    want = rf"\d+ +blk +1 +0\n  queue 0 holder {env} inflight \d+ vector \d+ interrupts \d+"
    check(f"/proc/tessera's disk {blk!r}", bool(env.isdigit() and re.fullmatch(want, blk)), True)

    dropbear(con, check, boot_text)


def ssh_keygen(*args) -> str:
    """OpenSSH's ssh-keygen on the host (openssh-client): its output, or why it failed."""
    if not shutil.which("ssh-keygen"):
        return "ssh-keygen missing (package openssh-client, ./tessera deps)"
    r = subprocess.run(["ssh-keygen", *args], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else f"exit {r.returncode}: {r.stderr.strip()}"


def dropbear(con: Console, check, boot_text: str):
    """Dropbear's programs on the root, without a network (apps/dropbear/README.md)."""
    # The first boot's host key (hostkeys.sh, the inittab's sysinit entry): its fingerprint on
    # the console before askfirst's question, the file 0600; hostkeys.sh again does nothing.
    m = re.search(r"^dropbear: new host key /etc/dropbear/dropbear_ed25519_host_key: "
                  r"(SHA256:[A-Za-z0-9+/]{43})$", boot_text, re.M)
    check("hostkeys.sh's line at boot", bool(m), True)
    run(con, "k=/etc/dropbear/dropbear_ed25519_host_key")
    check("host key's file", run(con, "stat -c '%a %s %U' $k"), "600 83 root")
    check("hostkeys.sh again", run(con, "sh /usr/lib/dropbear/hostkeys.sh; echo $?"), "0")
    check("host key's fingerprint", run(con, "dropbearkey -y -f $k | grep Fingerprint"),
          f"Fingerprint: {m.group(1) if m else '?'}")
    check("dropbear -V", run(con, "dropbear -V; echo $?"), "Dropbear v2022.83\n0")
    check("dbclient -V", run(con, "dbclient -V; echo $?"), "Dropbear v2022.83\n0")
    check("scp", run(con, "scp; echo $?"),
          "usage: scp [-1246BCpqrv] [-c cipher] [-F ssh_config] [-i identity_file]\n"
          "           [-l limit] [-P port] [-S program]\n"
          "           [[user@]host1:]file1 [...] [[user@]host2:]file2\n1")

    # A new key; its public line as OpenSSH reads it: same fingerprint as dropbearkey's.
    check("dropbearkey -t", run(con, "dropbearkey -t ed25519 -f /tmp/k >/dev/null 2>&1; echo $?"),
          "0")
    out = run(con, "dropbearkey -y -f /tmp/k; echo $?").split("\n")
    line, fp = (out[1], out[2]) if len(out) == 4 else ("", "")
    check("dropbearkey -y", [out[0], out[-1]], ["Public key portion is:", "0"])
    check(f"public key line {line!r}",
          bool(re.fullmatch(r"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} root@tessera",
                            line)), True)
    check(f"fingerprint line {fp!r}", bool(re.fullmatch(r"Fingerprint: SHA256:[A-Za-z0-9+/]{43}", fp)),
          True)
    tmp = tempfile.mkdtemp(prefix="tessera-dropbear.")
    with open(os.path.join(tmp, "k.pub"), "w") as f:
        f.write(line + "\n")
    check("ssh-keygen -l", ssh_keygen("-l", "-f", os.path.join(tmp, "k.pub")),
          f"256 {fp.removeprefix('Fingerprint: ')} root@tessera (ED25519)")

    # dropbearconvert into OpenSSH's private key format: ssh-keygen derives the same public
    # key from it; and back, the same bytes as dropbearkey wrote.
    check("dropbearconvert to openssh",
          run(con, "dropbearconvert dropbear openssh /tmp/k /tmp/k.o; echo $?"),
          "Key is a ssh-ed25519 key\nWrote key to '/tmp/k.o'\n0")
    key = os.path.join(tmp, "k.o")
    with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(run(con, "cat /tmp/k.o") + "\n")
    check("ssh-keygen -y of the converted key", ssh_keygen("-y", "-f", key).split()[:2],
          line.split()[:2])
    check("dropbearconvert back",
          run(con, "dropbearconvert openssh dropbear /tmp/k.o /tmp/k2 >/dev/null 2>&1; echo $?"),
          "0")
    check("cmp", run(con, "cmp /tmp/k /tmp/k2 && echo same"), "same")
    shutil.rmtree(tmp, ignore_errors=True)


# What init prints as each way of ending starts, and QEMU's end (exo's last line).
ENDS = {"poweroff": ("init: powering off", "exo: power off"),
        "halt": ("init: halting", "exo: power off"),
        "reboot -f": ("init: rebooting", "exo: reset"),  # reboot(2) from busybox itself
        "reboot": ("init: rebooting", "exo: reset")}  # SIGTERM to init; -no-reboot: QEMU exits


def end(con: Console, cmd: str, errs: list):
    """Types cmd; init's shutdown must end QEMU by itself (exit 0), the disk left clean."""
    starts, last = ENDS[cmd]
    con.type(cmd.encode() + b"\r")
    con.expect(starts.encode(), 30)
    t = time.monotonic()
    try:
        code = con.proc.wait(timeout=60)
        print(f"shell_boot_test: {cmd}: QEMU exit {code} after {time.monotonic() - t:.1f} s")
        if code != 0:
            errs.append(f"{cmd}: QEMU exit {code}")
    except subprocess.TimeoutExpired:
        errs.append(f"{cmd}: QEMU still running 60 s after {starts!r}")
        return
    con.expect(last.encode(), 5)


# The short boots' inittab: askfirst next to a respawn entry that keeps pm busy serving it
# (Enter must still reach askfirst at once; docs/status.md once said it could be lost).
BUSY_INITTAB = "::askfirst:-/bin/sh -l\n::respawn:/bin/sh /busy.sh\n"
BUSY_SH = "i=0\nwhile [ $i -lt 200 ]; do cat /proc/meminfo >/dev/null; i=$((i+1)); done\n"


def boot(image: str, end_cmd: str, with_session: bool) -> list:
    """One boot of a writable copy of the image: the failures."""
    tmp = tempfile.mkdtemp(prefix="tessera-shell.")
    disk = os.path.join(tmp, "disk.img")
    shutil.copyfile(image, disk)
    if not with_session:
        part = f"{disk}?offset={root_offset(disk)}"
        for name, text in (("inittab", BUSY_INITTAB), ("busy.sh", BUSY_SH)):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        host_run("debugfs", "-w", "-R", "rm /etc/inittab", part)
        host_run("debugfs", "-w", "-R", f"write {tmp}/inittab /etc/inittab", part)
        host_run("debugfs", "-w", "-R", f"write {tmp}/busy.sh /busy.sh", part)
    accel = qemu.choose_accel("auto")
    argv = qemu.direct_args("256M", "", accel) + [
        "-display", "none", "-serial", "stdio", "-monitor", "none",
        "-drive", f"format=raw,file={disk},if=none,id=disk1",
        "-device", "virtio-blk-pci,drive=disk1"]
    con = Console(argv)
    errs = []
    try:
        boot_text = clean(con.expect(ASK, 120))
        if not with_session:
            time.sleep(2)  # the respawn entry's shell is running its loop
        con.type(b"\r")
        con.expect(b"\n", 10 if not with_session else 60)
        time.sleep(1)  # the shell's first prompt (whatever /etc/profile makes it)
        con.type(f"PS1='{PS1}'\r".encode())
        con.expect(b"\n" + PS1.encode(), 60)
        if with_session:
            session(con, errs, boot_text)
        end(con, end_cmd, errs)
    except TimeoutError as e:
        errs.append(f"timeout: {e}")
    finally:
        if con.proc.poll() is None:
            con.proc.kill()
        con.proc.wait()
    if con.proc.returncode == 0:  # the machine ended by itself: its disk must be clean
        fsck = host_run("e2fsck", "-fn", f"{disk}?offset={root_offset(disk)}")
        if fsck.returncode != 0:
            errs.append(f"e2fsck -fn after {end_cmd}: exit {fsck.returncode}\n{fsck.stdout}")
    shutil.rmtree(tmp, ignore_errors=True)
    if errs:
        print(con.text())
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--end", choices=sorted(ENDS), action="append",
                    help="a short boot typing only this at the first prompt (repeatable)")
    a = ap.parse_args()
    t0 = time.monotonic()
    errs = []
    for cmd in a.end or ["poweroff"]:
        errs += boot(a.image, cmd, not a.end)
    for e in errs:
        print("FAIL:", e)
    print("shell_boot_test: %s (%.1f s)" % ("ok" if not errs else "%d failures" % len(errs),
                                             time.monotonic() - t0))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
