"""bench_prompt.py: `./tessera bench boot --prompt` (bench_boot.py calls run()). Boot to the
shell prompt, beside Linux's boot to its /init, on the same QEMU machine (PVH, no firmware):

  tessera  the default boot (`./tessera run --direct` with the image as its virtio-blk disk,
           snapshot=on: the ext2 root, /etc/inittab's askfirst line) plus exo's flag
           bench.prompt, for which init starts `askfirst --tsc`: it prints the guest TSC as it
           prompts and when Enter came. The host presses Enter at the prompt and waits for the
           shell's `/ # `, then types poweroff.
             QEMU start -> askfirst prompt, Enter -> `/ # `, QEMU start -> `/ # `: host clock;
             exo entry -> askfirst prompt: guest TSC (exo's boot-times line gives exo entry).
           With a virtio-net NIC on QEMU user networking (host 127.0.0.1:PORT -> the guest's 22,
           as `./tessera run`): "SSH ready", QEMU start -> the first `ssh true` (OpenSSH, a
           throwaway key in a copy of the image: rootfs.py) that succeeds, tried from the
           askfirst prompt on; and that minus `/ # `'s time (issue 15's aim: <= 1 s after the
           prompt); and when pm's DHCP address line came. Each boot is a first boot
           (snapshot=on): Dropbear's host key is made in it.
  linux    Debian's kernel with an initramfs whose /init is apps/bench/linux/bootinit.c (static):
             QEMU start -> its line: host clock; machine reset -> /init: guest TSC; the kernel's
             own CLOCK_BOOTTIME at /init.
Guest figures are instructions under --icount (TSC = virtual ns), else ms (TSC / tsc_hz, exo's;
Linux's TSC is shown raw). The shell's time from Enter to `/ # ` has no guest stamp: host only.
"""
import csv
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

import bench_blk
import bench_common
import qemu
import rootfs

MEM = "256M"
ASK = b"Please press Enter to activate this console. "
PROMPT = b"/ # "
NET_MARK = b"pm: net: 10."  # pm's line once the NIC has its address (DHCP's lease)
TIMES_RE = re.compile(rb"exo: boot-times tsc_hz=(\d+) loader_entry=\d+ exit_boot=\d+ "
                      rb"exo_entry=(\d+) banner=(\d+)")
STAMP_RE = re.compile(rb"askfirst: (prompt|enter) tsc=(\d+)")
LINUX_RE = re.compile(rb"bootinit: tsc=(\d+) boottime_ns=(\d+)")
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
SRC = os.path.join(qemu.REPO, "apps", "bench", "linux", "bootinit.c")
FIELDS = ["spawn_to_ask_ms", "enter_to_prompt_ms", "spawn_to_prompt_ms", "spawn_to_net_ms",
          "spawn_to_ssh_ms", "prompt_to_ssh_ms", "exo_to_ask", "exo_to_banner",
          "linux_spawn_to_init_ms", "linux_reset_to_init_tsc", "linux_boottime_at_init_ns"]


class Console:
    """QEMU's serial port byte by byte (a prompt has no newline), and typing into it."""

    def __init__(self, argv: List[str]):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.buf, self.eof = b"", False
        self.seen: Dict[bytes, float] = {}  # NET_MARK: when it first came (read thread's clock)
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            b = os.read(self.proc.stdout.fileno(), 4096)
            with self.cv:
                self.buf += b
                self.eof = not b
                if NET_MARK not in self.seen and NET_MARK in self.buf:
                    self.seen[NET_MARK] = time.monotonic() - self.t0
                self.cv.notify_all()
            if not b:
                return

    def wait_for(self, needle, timeout: float) -> Optional[float]:
        """Seconds since QEMU's start when needle (bytes or a compiled regex) was first seen in
        the output, or None."""
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                hit = (needle.search(self.buf) if hasattr(needle, "search") else
                       needle in self.buf)
                if hit:
                    return time.monotonic() - self.t0
                left = end - time.monotonic()
                if left <= 0 or self.eof:
                    return None
                self.cv.wait(min(left, 0.05))

    def type(self, data: bytes):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except OSError:
            pass

    def close(self, grace: float):
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ssh_setup(image: str, out: str) -> Optional[str]:
    """A copy of the image whose /root/.ssh/authorized_keys holds a throwaway key
    (out/ssh_ed25519): the copy's path, or None without OpenSSH or debugfs on the host (no SSH
    figure then)."""
    if not shutil.which("ssh") or not shutil.which("ssh-keygen"):
        return None
    key = os.path.join(out, "ssh_ed25519")
    disk = os.path.join(out, "ssh.img")
    try:
        if not os.path.isfile(key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench-boot",
                            "-f", key], check=True)
        subprocess.run(["cp", "--sparse=always", image, disk], check=True)
        rootfs.authorize_key(disk, key + ".pub")
    except (subprocess.CalledProcessError, rootfs.RootfsError, OSError) as e:
        print(f"bench: no SSH figure: {e}", file=sys.stderr)
        return None
    return disk


class SshProbe:
    """`ssh true` again and again from the askfirst prompt on (Dropbear's respawn entry starts
    with askfirst's), until one succeeds: when (seconds since QEMU's start). The host key is not
    checked (a new one each boot); the key logs in. A connection made before the guest has its
    address waits on QEMU's user network, which sends its SYN again only seconds later: a short
    ConnectTimeout (it covers the server's banner too) for the first tries. (The tries do not
    wait for pm's address line: today DHCP's lease can wait for something to wake pm's loop,
    and their frames do; docs/status.md.)"""

    def __init__(self, key: str, port: int, con: Console):
        self.argv = ["ssh", "-p", str(port), "-F", "/dev/null",
                     "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
                     "-o", "LogLevel=ERROR", "-i", key, "-o", "IdentitiesOnly=yes",
                     "-o", "BatchMode=yes"]
        self.con, self.ready, self.stop = con, None, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def _run(self):
        if self.con.wait_for(ASK, 180) is None:
            return
        tries = 0
        while not self.stop.is_set():
            wait = 2 if tries < 10 else 10
            tries += 1
            try:
                r = subprocess.run(self.argv + ["-o", f"ConnectTimeout={wait}", "root@127.0.0.1",
                                                "true"],
                                   stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
                if r.returncode == 0:
                    self.ready = time.monotonic() - self.con.t0
                    return
            except subprocess.TimeoutExpired:
                pass
            self.stop.wait(0.05)

    def wait(self, timeout: float) -> Optional[float]:
        self.thread.join(timeout)
        self.stop.set()
        return self.ready


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tessera_once(a, log: str, ssh_disk: Optional[str]) -> Dict[str, Optional[float]]:
    accel = qemu.choose_accel(a.accel)
    port = free_port()
    argv = qemu.direct_args(MEM, "bench.prompt", accel, a.icount) + [
        "-display", "none", "-serial", "stdio", "-monitor", "none",
        "-drive", f"format=raw,file={ssh_disk or a.image},if=none,id=disk1,snapshot=on",
        "-device", "virtio-blk-pci,drive=disk1", *qemu.ssh_net_args(port)]
    con = Console(argv)
    probe = (SshProbe(os.path.join(os.path.dirname(ssh_disk), "ssh_ed25519"), port, con)
             if ssh_disk else None)
    if probe:
        probe.start()
    row: Dict[str, Optional[float]] = {k: None for k in FIELDS}
    try:
        t_ask = con.wait_for(ASK, a.timeout)
        if t_ask is not None:
            row["spawn_to_ask_ms"] = round(t_ask * 1000, 1)
            t_enter = time.monotonic() - con.t0
            con.type(b"\r")
            for _ in range(3):  # Enter again if askfirst did not take it
                if con.wait_for(re.compile(rb"askfirst: enter tsc="), 10) is not None:
                    break
                con.type(b"\r")
            t_prompt = con.wait_for(PROMPT, 60)
            if t_prompt is not None:
                row["enter_to_prompt_ms"] = round((t_prompt - t_enter) * 1000, 1)
                row["spawn_to_prompt_ms"] = round(t_prompt * 1000, 1)
            t_ssh = probe.wait(60) if probe else None
            if NET_MARK in con.seen:
                row["spawn_to_net_ms"] = round(con.seen[NET_MARK] * 1000, 1)
            if t_ssh is not None:
                row["spawn_to_ssh_ms"] = round(t_ssh * 1000, 1)
                if t_prompt is not None:
                    row["prompt_to_ssh_ms"] = round((t_ssh - t_prompt) * 1000, 1)
            con.type(b"poweroff\r")
    finally:
        if probe:
            probe.stop.set()
        con.close(30)
        with open(log, "wb") as f:
            f.write(con.buf)
    m = TIMES_RE.search(con.buf)
    stamps = {k.decode(): int(v) for k, v in STAMP_RE.findall(con.buf)}
    if m:
        hz, exo, banner = int(m[1]), int(m[2]), int(m[3])
        conv = (lambda d: d) if a.icount else (lambda d: round(d * 1000 / hz, 3) if hz else None)
        row["exo_to_banner"] = conv(banner - exo)
        if "prompt" in stamps:
            row["exo_to_ask"] = conv(stamps["prompt"] - exo)
    return row


def linux_files(out: str):
    kernel, _ = bench_blk.find_kernel()
    exe = bench_common.static_exe(out, "bootinit_linux", SRC)
    entries = [("dev", 0o40755, b"", 0), ("dev/console", 0o20600, b"", 5 << 8 | 1),
               ("init", 0o100755, open(exe, "rb").read(), 0)]
    path = os.path.join(out, "initramfs-boot.cpio")
    with open(path, "wb") as f:
        f.write(bench_blk.cpio_newc(entries))
    return kernel, path


def linux_once(a, files, log: str) -> Dict[str, Optional[float]]:
    row: Dict[str, Optional[float]] = {}
    r = qemu.boot(None, mem=MEM, cmdline=LINUX_APPEND, timeout=a.timeout, accel=a.accel,
                  icount=a.icount, log_path=log, direct=True, direct_files=files)
    hit = r.first("bootinit: tsc=")
    row["linux_spawn_to_init_ms"] = round(hit[0] * 1000, 1) if hit else None
    m = LINUX_RE.search(r.serial_text.encode())
    row["linux_reset_to_init_tsc"] = int(m[1]) if m else None
    row["linux_boottime_at_init_ns"] = int(m[2]) if m else None
    return row


LABELS = [("spawn_to_ask_ms", "tessera: QEMU start -> askfirst prompt (host)", "ms"),
          ("enter_to_prompt_ms", "tessera: Enter -> `/ # ` (host)", "ms"),
          ("spawn_to_prompt_ms", "tessera: QEMU start -> `/ # ` (host, with Enter)", "ms"),
          ("spawn_to_net_ms", "tessera: QEMU start -> pm's DHCP address (host)", "ms"),
          ("spawn_to_ssh_ms", "tessera: QEMU start -> SSH ready (host, `ssh true`)", "ms"),
          ("prompt_to_ssh_ms", "tessera: `/ # ` -> SSH ready (host)", "ms"),
          ("exo_to_banner", "tessera: exo entry -> banner (guest)", None),
          ("exo_to_ask", "tessera: exo entry -> askfirst prompt (guest)", None),
          ("linux_spawn_to_init_ms", "linux: QEMU start -> /init's line (host)", "ms"),
          ("linux_reset_to_init_tsc", "linux: machine reset -> /init (guest TSC)", "tsc"),
          ("linux_boottime_at_init_ns", "linux: CLOCK_BOOTTIME at /init (its own)", "ns")]


def run(a) -> int:
    out = os.path.join(qemu.build_dir(), "bench-boot")
    os.makedirs(out, exist_ok=True)
    logs = os.path.join(qemu.build_dir(), "logs")
    os.makedirs(logs, exist_ok=True)
    try:
        files = linux_files(out)
    except (qemu.QemuError, subprocess.CalledProcessError, OSError) as e:
        print(f"bench: Linux guest unavailable: {e}", file=sys.stderr)
        files = None
    ssh_disk = ssh_setup(a.image, out)
    env = bench_common.Env(qemu.choose_accel(a.accel), a.icount)
    rows = []
    for i in range(1, a.runs + 1):
        sfx = f"{'-icount' if a.icount else ''}-{i}.log"
        row = {"run": i,
               **tessera_once(a, os.path.join(logs, "bench-prompt-tessera" + sfx), ssh_disk)}
        if files:
            row.update(linux_once(a, files, os.path.join(logs, "bench-prompt-linux" + sfx)))
        rows.append(row)
        print(f"run {i}/{a.runs}: tessera `/ # ` at {row['spawn_to_prompt_ms']} ms, SSH ready at "
              f"{row['spawn_to_ssh_ms']} ms, linux /init at {row.get('linux_spawn_to_init_ms')} ms",
              flush=True)
    gunit = "instr" if a.icount else "ms"
    mode = f"{env.accel}{', icount' if a.icount else ''}"
    print(f"\nboot to prompt, median of {a.runs} ({mode}, direct PVH):")
    med = {"run": "median"}
    for key, label, unit in LABELS:
        vals = [r[key] for r in rows if r.get(key) is not None]
        med[key] = round(statistics.median(vals), 3) if vals else None
        shown = "-" if med[key] is None else f"{med[key]:,}"
        print(f"  {label:<52} {shown:>16} {unit or gunit}")
    if med.get("prompt_to_ssh_ms") is not None:
        print(f"  aim (issue 15): SSH ready <= 1 s after the prompt:"
              f" {'met' if med['prompt_to_ssh_ms'] <= 1000 else 'NOT met'}")
    if a.icount and med.get("exo_to_ask") is not None:
        print(f"  aim (issue 13): exo entry -> prompt <= 0.2 s of guest time (200,000,000 instr):"
              f" {'met' if med['exo_to_ask'] <= 2e8 else 'NOT met'}")
    path = os.path.join(qemu.REPO, "results", "boot-prompt.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(f"# bench boot --prompt ({mode}); guest figures (exo_to_*) in {gunit}, "
                f"linux_reset_to_init_tsc raw TSC, host figures in ms\n")
        f.write(env.comment(["tessera", "linux"]))
        w = csv.DictWriter(f, fieldnames=["run"] + FIELDS + ["accel", "icount", "qemu_version",
                                                              "host_cpu"],
                           extrasaction="ignore")
        w.writeheader()
        for r in rows + [med]:
            w.writerow({**r, **{k: v for k, v in env.columns("").items()
                                if k != "guest_kernel"}})
    print(f"wrote {path}")
    keys = [(k, l, u or gunit) for k, l, u in LABELS if med.get(k) is not None and u != "tsc"]
    bench_common.barh_png([f"{l} [{u}]" for _, l, u in keys], [med[k] for k, _, _ in keys],
                          f"boot to prompt (median, {mode})", "", path)
    return 0 if med.get("spawn_to_prompt_ms") is not None else 1
