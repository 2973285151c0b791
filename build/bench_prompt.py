"""bench_prompt.py: `./tessera bench boot --prompt` (bench_boot.py calls run()). Boot to the
shell prompt, beside Linux's boot to its /init, on the same QEMU machine (PVH, no firmware):

  tessera  the default boot (`./tessera run --direct` with the image as its virtio-blk disk,
           snapshot=on: the ext2 root, /etc/inittab's askfirst line) plus exo's flag
           bench.prompt, for which init starts `askfirst --tsc`: it prints the guest TSC as it
           prompts and when Enter came. The host presses Enter at the prompt and waits for the
           shell's `/ # `, then types poweroff.
             QEMU start -> askfirst prompt, Enter -> `/ # `, QEMU start -> `/ # `: host clock;
             exo entry -> askfirst prompt: guest TSC (exo's boot-times line gives exo entry).
  linux    Debian's kernel with an initramfs whose /init is apps/bench/linux/bootinit.c (static):
             QEMU start -> its line: host clock; machine reset -> /init: guest TSC; the kernel's
             own CLOCK_BOOTTIME at /init.
Guest figures are instructions under --icount (TSC = virtual ns), else ms (TSC / tsc_hz, exo's;
Linux's TSC is shown raw). The shell's time from Enter to `/ # ` has no guest stamp: host only.
"""
import csv
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

import bench_blk
import bench_common
import qemu

MEM = "256M"
ASK = b"Please press Enter to activate this console. "
PROMPT = b"/ # "
TIMES_RE = re.compile(rb"exo: boot-times tsc_hz=(\d+) loader_entry=\d+ exit_boot=\d+ "
                      rb"exo_entry=(\d+) banner=(\d+)")
STAMP_RE = re.compile(rb"askfirst: (prompt|enter) tsc=(\d+)")
LINUX_RE = re.compile(rb"bootinit: tsc=(\d+) boottime_ns=(\d+)")
LINUX_APPEND = "console=ttyS0 quiet panic=-1"
SRC = os.path.join(qemu.REPO, "apps", "bench", "linux", "bootinit.c")
FIELDS = ["spawn_to_ask_ms", "enter_to_prompt_ms", "spawn_to_prompt_ms", "exo_to_ask",
          "exo_to_banner", "linux_spawn_to_init_ms", "linux_reset_to_init_tsc",
          "linux_boottime_at_init_ns"]


class Console:
    """QEMU's serial port byte by byte (a prompt has no newline), and typing into it."""

    def __init__(self, argv: List[str]):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.buf, self.eof = b"", False
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            b = os.read(self.proc.stdout.fileno(), 4096)
            with self.cv:
                self.buf += b
                self.eof = not b
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


def tessera_once(a, log: str) -> Dict[str, Optional[float]]:
    accel = qemu.choose_accel(a.accel)
    argv = qemu.direct_args(MEM, "bench.prompt", accel, a.icount) + [
        "-display", "none", "-serial", "stdio", "-monitor", "none",
        "-drive", f"format=raw,file={a.image},if=none,id=disk1,snapshot=on",
        "-device", "virtio-blk-pci,drive=disk1"]
    con = Console(argv)
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
            con.type(b"poweroff\r")
    finally:
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
    env = bench_common.Env(qemu.choose_accel(a.accel), a.icount)
    rows = []
    for i in range(1, a.runs + 1):
        sfx = f"{'-icount' if a.icount else ''}-{i}.log"
        row = {"run": i, **tessera_once(a, os.path.join(logs, "bench-prompt-tessera" + sfx))}
        if files:
            row.update(linux_once(a, files, os.path.join(logs, "bench-prompt-linux" + sfx)))
        rows.append(row)
        print(f"run {i}/{a.runs}: tessera `/ # ` at {row['spawn_to_prompt_ms']} ms, linux "
              f"/init at {row.get('linux_spawn_to_init_ms')} ms", flush=True)
    gunit = "instr" if a.icount else "ms"
    mode = f"{env.accel}{', icount' if a.icount else ''}"
    print(f"\nboot to prompt, median of {a.runs} ({mode}, direct PVH):")
    med = {"run": "median"}
    for key, label, unit in LABELS:
        vals = [r[key] for r in rows if r.get(key) is not None]
        med[key] = statistics.median(vals) if vals else None
        shown = "-" if med[key] is None else f"{med[key]:,}"
        print(f"  {label:<52} {shown:>16} {unit or gunit}")
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
