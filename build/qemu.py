#!/usr/bin/env python3
"""qemu.py: boot a Tessera disk image under QEMU + OVMF (library for tests, CLI for people).

Library:  from qemu import boot; r = boot("out/tessera.img", cmdline="poweroff")
          r.exit_code, r.serial_text, r.timed_out, r.lines [(seconds_since_spawn, text)], ...
CLI:      qemu.py run  [--mem 512M] [--accel auto|kvm|tcg] [--cmdline TEXT] [--icount]
                       [--display none|gtk] [--disk virtio|ahci|nvme] [--writable]
                       [--ssh-port N] [--ssh-key FILE.pub] IMAGE
          qemu.py run --direct [same options]   (exo.elf via -kernel/PVH: no OVMF, no disk)
          qemu.py boot [--timeout S] [--expect TEXT] [same options] IMAGE   (non-interactive)
          qemu.py probe                                  (print the accelerator verdict)

QEMU exit codes: ACPI S5 power-off -> 0; isa-debug-exit (port 0xf4) write of v -> (v<<1)|1,
so exo's panic (writes 1) -> 3. A reset or triple fault also exits 0 because of -no-reboot;
Result.shutdown_reason (from QMP) tells them apart: "guest-shutdown" vs "guest-reset".
"""
import argparse
import json
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
QEMU = os.environ.get("TESSERA_QEMU", "qemu-system-x86_64")
KVM_DEVICE = os.environ.get("TESSERA_KVM_DEVICE", "/dev/kvm")  # a seam for build.kvm_fallback
KVM_FAILURE_MARKERS = ("KVM internal error", "emulation failure")

# (code, vars) pairs, most specific first; TESSERA_OVMF_CODE/_VARS override.
OVMF_CANDIDATES = [
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    ("/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
    ("/usr/share/edk2/x64/OVMF_CODE.fd", "/usr/share/edk2/x64/OVMF_VARS.fd"),
]


class QemuError(RuntimeError):
    pass


def build_dir() -> str:
    return os.environ.get("TESSERA_BUILD_DIR", os.path.join(REPO, "out"))


def find_ovmf() -> Tuple[str, str]:
    code, vars_ = os.environ.get("TESSERA_OVMF_CODE"), os.environ.get("TESSERA_OVMF_VARS")
    if code and vars_:
        return code, vars_
    for c, v in OVMF_CANDIDATES:
        if os.path.isfile(c) and os.path.isfile(v):
            return c, v
    raise QemuError("OVMF not found (install the 'ovmf' package, or set "
                    "TESSERA_OVMF_CODE and TESSERA_OVMF_VARS)")


def _log(msg: str) -> None:
    print(f"tessera: {msg}", file=sys.stderr, flush=True)


# --- QMP: a minimal client, for the KVM probe and for the shutdown reason -----------------------

class Qmp:
    def __init__(self, path: str, deadline: float, alive=lambda: True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:  # QEMU creates the socket a little after spawn
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline or not alive():  # don't outwait a dead QEMU
                    raise
                time.sleep(0.02)
        self.file = self.sock.makefile("rwb", buffering=0)
        self.events: List[dict] = []
        self.replies: "queue.Queue[dict]" = queue.Queue()  # filled by watch_events()
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self) -> dict:
        line = self.file.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def command(self, name: str) -> dict:
        self.file.write(json.dumps({"execute": name}).encode() + b"\n")
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
            elif "return" in msg or "error" in msg:
                return msg

    def send(self, name: str, args: Optional[dict] = None) -> None:
        """Issue a command whose reply watch_events() (running elsewhere) will queue."""
        msg = {"execute": name, **({"arguments": args} if args else {})}
        self.file.write(json.dumps(msg).encode() + b"\n")

    def watch_events(self) -> None:
        """Collect events and replies until QEMU closes the socket (run in a thread)."""
        try:
            while True:
                msg = self._read()
                if "event" in msg:
                    self.events.append(msg)
                elif "return" in msg or "error" in msg:
                    self.replies.put(msg)
        except (EOFError, OSError, ValueError):
            pass

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# --- Accelerator choice --------------------------------------------------------------------------

def _kvm_usable() -> bool:
    return os.path.exists(KVM_DEVICE) and os.access(KVM_DEVICE, os.R_OK | os.W_OK)


def probe_kvm(seconds: float = 0.0) -> Tuple[bool, str]:
    """Start OVMF under KVM for a few seconds (4, or $TESSERA_KVM_PROBE_SECONDS); (ok, reason).
    Never hangs."""
    seconds = seconds or float(os.environ.get("TESSERA_KVM_PROBE_SECONDS", "4"))
    if not _kvm_usable():
        return False, f"{KVM_DEVICE} missing or not accessible"
    code, vars_ = find_ovmf()
    with tempfile.TemporaryDirectory(prefix="tessera-probe.") as tmp:
        vars_copy = os.path.join(tmp, "vars.fd")
        shutil.copyfile(vars_, vars_copy)
        qmp_path = os.path.join(tmp, "qmp.sock")
        cpu = os.environ.get("TESSERA_QEMU_CPU", "host")  # the CPU boot() would use
        cmd = [QEMU, "-machine", "q35", "-accel", "kvm", "-cpu", cpu, "-m", "128M",
               "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={code}",
               "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}",
               "-display", "none", "-serial", "none", "-monitor", "none", "-net", "none",
               "-no-reboot", "-qmp", f"unix:{qmp_path},server=on,wait=off"]
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, start_new_session=True)
            verdict = (True, "ok")
            deadline = time.monotonic() + seconds
            try:
                while time.monotonic() < deadline:
                    if proc.poll() is not None:
                        break
                    err.seek(0)
                    if any(m in err.read().decode(errors="replace") for m in KVM_FAILURE_MARKERS):
                        break
                    time.sleep(0.1)
                err.seek(0)
                text = err.read().decode(errors="replace")
                if any(m in text for m in KVM_FAILURE_MARKERS):
                    verdict = (False, "emulation failure")
                elif proc.poll() is not None:
                    first = text.strip().splitlines()[:1]
                    why = first[0].split("error: ")[-1] if first else f"status {proc.returncode}"
                    verdict = (False, f"QEMU exited: {why}")
                else:
                    try:
                        qmp = Qmp(qmp_path, time.monotonic() + 1.0)
                        status = qmp.command("query-status").get("return", {}).get("status")
                        qmp.close()
                    except (OSError, EOFError, ValueError) as e:
                        status = f"no QMP ({e})"
                    if status != "running":
                        verdict = (False, f"guest status {status}")
            finally:
                _kill(proc)
    return verdict


def _probe_key() -> str:
    """What the verdict depends on. The QEMU binary is identified by path, size and mtime, not
    by running it: a cached verdict must cost no QEMU start (build.kvm_fallback checks that)."""
    path = shutil.which(QEMU) or QEMU
    try:
        st = os.stat(path)
        qemu_id = f"{os.path.realpath(path)} {st.st_size} {st.st_mtime_ns}"
    except OSError:
        qemu_id = f"{path} ?"
    cpu = os.environ.get("TESSERA_QEMU_CPU", "host")
    return f"{platform.release()} | {qemu_id} | cpu={cpu}"


def choose_accel(accel: str = "auto") -> str:
    """'kvm' or 'tcg'. 'auto' probes once and caches the verdict in <build>/kvm-probe."""
    if accel in ("kvm", "tcg"):
        return accel
    if accel != "auto":
        raise QemuError(f"unknown accelerator {accel!r} (auto|kvm|tcg)")
    if not _kvm_usable():
        return "tcg"  # the common, unremarkable case: no message
    cache = os.path.join(build_dir(), "kvm-probe")
    key = _probe_key()
    try:
        with open(cache) as f:
            cached_key, verdict = f.read().splitlines()[:2]
        if cached_key == key:
            return "kvm" if verdict == "kvm" else "tcg"
    except (OSError, ValueError):
        pass
    ok, reason = probe_kvm()
    if not ok:
        _log(f"KVM cannot run OVMF here ({reason}); using TCG")
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = f"{cache}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(f"{key}\n{'kvm' if ok else 'tcg'}\n{reason}\n")
        os.replace(tmp, cache)  # atomic: parallel tests may probe at the same time
    except OSError:
        pass  # no cache: we just probe again next time
    return "kvm" if ok else "tcg"


# --- Command line ------------------------------------------------------------------------------

def qemu_args(image: str, vars_copy: str, mem: str = "256M", cmdline: Optional[str] = None,
              accel: str = "tcg", icount: bool = False, disk: str = "virtio",
              snapshot: bool = True) -> List[str]:
    code, _ = find_ovmf()
    cpu = os.environ.get("TESSERA_QEMU_CPU", "host" if accel == "kvm" else "max")
    snap = ",snapshot=on" if snapshot else ""
    drive = f"format=raw,file={image},if=none,id=disk0{snap}"
    devices = {"virtio": ["-device", "virtio-blk-pci,drive=disk0,bootindex=0"],
               "ahci": ["-device", "ide-hd,drive=disk0,bus=ide.0,bootindex=0"],
               "nvme": ["-device", "nvme,drive=disk0,serial=tessera0,bootindex=0"]}
    if disk not in devices:
        raise QemuError(f"unknown disk interface {disk!r} (virtio|ahci|nvme)")
    args = [QEMU, "-machine", "q35", "-accel", accel, "-cpu", cpu, "-m", mem,
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={code}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}",
            "-drive", drive, *devices[disk],
            "-net", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if cmdline is not None:
        # fw_cfg option values escape ',' as ',,'.
        args += ["-fw_cfg", f"name=opt/tessera/cmdline,string={cmdline.replace(',', ',,')}"]
    if icount:
        args += ["-icount", "shift=0,sleep=off"]  # sleep=off: idle time jumps, so counts repeat
    return args


# The NIC of `run` and the SSH tests: virtio-net (modern only, as bench_net.py's) on QEMU user
# networking (the guest's DHCP gets 10.0.2.15), with the host's 127.0.0.1:PORT forwarded to the
# guest's SSH server on 22. Loopback only: a root login is never offered to the network.
SSH_PORT = 2222


def ssh_net_args(port: int = SSH_PORT) -> List[str]:
    return ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:22",
            "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56"]


def direct_files() -> Tuple[str, str]:
    """(kernel, initrd) for a direct boot: the built exo.elf, and the boot archive packed from the
    staging tree in mkimage.sh's format (cpio newc, sorted, owner 0:0; time stamps not pinned)
    into <build>/boot.cpio, rebuilt when it is older than anything staged."""
    kernel = os.path.join(build_dir(), "target", "exo", "exo.elf")
    stage = os.path.join(build_dir(), "stage", "archive")
    cpio = os.path.join(build_dir(), "boot.cpio")
    for path in (kernel, stage):
        if not os.path.exists(path):
            raise QemuError(f"{path} not found (build first: ./tessera image)")
    names = sorted(os.path.relpath(os.path.join(d, n), stage)
                   for d, dirs, files in os.walk(stage) for n in dirs + files)
    newest = max([os.path.getmtime(stage)] +
                 [os.path.getmtime(os.path.join(stage, n)) for n in names])
    if not os.path.isfile(cpio) or os.path.getmtime(cpio) < newest:
        tmp = f"{cpio}.{os.getpid()}"
        with open(tmp, "wb") as f:  # atomic replace below: parallel tests may pack at once
            r = subprocess.run(["cpio", "--create", "--format=newc", "--reproducible",
                                "--owner=0:0", "--quiet"], cwd=stage, stdout=f,
                               input="".join(f"./{n}\n" for n in names).encode())
        if r.returncode != 0:
            raise QemuError("cpio failed packing the boot archive")
        os.replace(tmp, cpio)
    return kernel, cpio


def direct_args(mem: str = "256M", cmdline: Optional[str] = None, accel: str = "tcg",
                icount: bool = False, files: Optional[Tuple[str, str]] = None) -> List[str]:
    """QEMU's own PVH boot of exo.elf (no OVMF, no disk): SeaBIOS's pvh.bin option ROM hands
    exo a PVH start info, the initrd is the boot archive, -append is the command line.
    files=(kernel, initrd) boots those instead (bench_blk.py: a Linux bzImage on the same
    machine)."""
    kernel, initrd = files or direct_files()
    cpu = os.environ.get("TESSERA_QEMU_CPU", "host" if accel == "kvm" else "max")
    args = [QEMU, "-machine", "q35", "-accel", accel, "-cpu", cpu, "-m", mem,
            "-kernel", kernel, "-initrd", initrd, "-append", cmdline or "",
            "-net", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if icount:
        args += ["-icount", "shift=0,sleep=off"]  # sleep=off: idle time jumps, so counts repeat
    return args


def make_image(loader: str, kernel: Optional[str], stage: str, image: str) -> None:
    """Assemble IMAGE with build/mkimage.sh from a loader, a kernel (None: no kernel file at
    all) and the staged trees STAGE/archive and STAGE/root; for tests that need a variant."""
    kernel_args = ["--no-kernel"] if kernel is None else ["--kernel", kernel]
    subprocess.run(["bash", os.path.join(HERE, "mkimage.sh"), "--loader", loader, *kernel_args,
                    "--archive-dir", os.path.join(stage, "archive"),
                    "--root-dir", os.path.join(stage, "root"), "-o", image],
                   check=True, stdout=subprocess.DEVNULL)


def _fresh_vars(tmp: str) -> str:
    _, vars_ = find_ovmf()
    dst = os.path.join(tmp, "OVMF_VARS.fd")
    shutil.copyfile(vars_, dst)  # each boot starts from pristine NVRAM
    return dst


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # our own session: QEMU and nothing else
        proc.wait(timeout=2)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


# --- Non-interactive boot ----------------------------------------------------------------------

@dataclass
class Result:
    exit_code: Optional[int]  # QEMU's exit status; None if we killed it (timeout/KVM failure)
    serial_text: str  # everything the guest wrote to COM1 ('\r' removed)
    timed_out: bool
    lines: List[Tuple[float, str]]  # (host seconds since QEMU spawn, line) per serial line
    elapsed: float = 0.0  # host seconds from spawn to QEMU exit
    accel: str = "tcg"
    shutdown_reason: Optional[str] = None  # QMP SHUTDOWN reason, e.g. guest-shutdown
    stderr_text: str = ""
    log_path: Optional[str] = None
    screendump: Optional[str] = None  # PPM path once QEMU wrote it (boot(screendump=...))
    screendump_error: Optional[str] = None
    argv: List[str] = field(default_factory=list)

    @property
    def powered_off(self) -> bool:
        """Clean ACPI power-off (not a reset/triple fault, not a debug-exit)."""
        return self.exit_code == 0 and self.shutdown_reason in ("guest-shutdown", None)

    @property
    def panicked(self) -> bool:
        return self.exit_code == 3

    def first(self, needle: str) -> Optional[Tuple[float, str]]:
        return next(((t, l) for t, l in self.lines if needle in l), None)


NMI_GRACE = 3.0  # seconds a hung guest gets to print its NMI dump before it is killed



def program_lines(text: str, strip_cr: bool = False) -> Optional[List[str]]:
    """The lines after init's greeting up to exo's last words; a program's unfinished last line
    (exo's words then follow on the same line) is the last one. None if either is missing."""
    if strip_cr:
        text = text.replace("\r", "")
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith("init: hello from ring 3")), None)
    end = next((i for i, l in enumerate(lines) if l.endswith("exo: no envs left")), None)
    if start is None or end is None or end < start:
        return None
    rest = lines[end][:-len("exo: no envs left")]
    return lines[start + 1:end] + ([rest] if rest else [])

def _default_log_path() -> str:
    d = os.environ.get("TESSERA_LOG_DIR", os.path.join(build_dir(), "logs"))
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, time.strftime("boot-%Y%m%d-%H%M%S") + f"-{os.getpid()}.log")


def boot(image: str, mem: str = "256M", cmdline: Optional[str] = None, timeout: float = 120,
         accel: str = "auto", icount: bool = False, extra: Optional[List[str]] = None,
         disk: str = "virtio", log_path: Optional[str] = None, echo: bool = False,
         screendump: Optional[Tuple[str, str]] = None, settle: float = 0.3,
         direct: bool = False, smp: int = 1,
         direct_files: Optional[Tuple[str, str]] = None, nmi_on: Optional[str] = None,
         send: Optional[List[Tuple[str, bytes]]] = None,
         on_line: Optional[Callable[[str], None]] = None,
         stop: Optional[threading.Event] = None) -> Result:
    """Boot IMAGE headless until QEMU exits or TIMEOUT seconds pass; never writes IMAGE.

    smp=N: give the machine N CPUs (QEMU -smp N).

    direct=True: boot exo.elf through QEMU's -kernel (PVH) instead, see direct_args(); IMAGE
    and DISK are then unused (IMAGE may be None). direct_files=(kernel, initrd): boot those
    instead of exo.elf and the boot archive.

    screendump=(needle, path): once a serial line contains needle, wait SETTLE seconds, save
    the display as a PPM at path (QMP screendump) and quit QEMU (exit 0, reason host-qmp-quit).
    The wait is there because the guest may still be drawing what it just wrote to serial.

    nmi_on=needle: once a serial line contains needle, send the guest an NMI (QMP inject-nmi),
    which makes exo print its state ("exo: dump:" lines, exo/debug.c). A boot that times out
    gets one too, and NMI_GRACE seconds to print it, before QEMU is killed.

    send=[(needle, bytes), ...]: typing at the console. Once a serial line contains a needle
    (a line still without its newline counts: a prompt), its bytes (once) go to QEMU's stdin,
    which -serial stdio feeds to COM1's receiver (exo's console input, exo/cons_in.c). Without send, stdin is /dev/null.

    on_line(text): called with each serial line as it arrives (from the reader thread: it must
    not block), for a host that drives a guest while it runs (bench_net.py). stop: once set,
    QEMU is killed (exit_code None, not timed_out): that host gave up on the guest."""
    if not direct and not os.path.isfile(image or ""):
        raise QemuError(f"image not found: {image}")
    accel = choose_accel(accel)
    log_path = log_path or _default_log_path()
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tessera-boot.") as tmp:
        qmp_path = os.path.join(tmp, "qmp.sock")
        argv = (direct_args(mem, cmdline, accel, icount, direct_files) if direct else
                qemu_args(image, _fresh_vars(tmp), mem, cmdline, accel, icount, disk)) + \
            ["-display", "none", "-serial", "stdio", "-monitor", "none",
             "-qmp", f"unix:{qmp_path},server=on,wait=off"] + \
            (["-smp", str(smp)] if smp > 1 else []) + list(extra or [])
        lines: List[Tuple[float, str]] = []
        stderr_chunks: List[str] = []
        kvm_failed = threading.Event()
        shot_wanted = threading.Event()
        nmi_wanted = threading.Event()
        nmi_sent = False
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if send else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        to_send = list(send or [])

        # How far into the line being received needles have matched: a needle matches a line
        # once, whether it arrived in parts or whole (a prompt that repeats, "type a line"
        # twice, must not be answered twice by its first line).
        matched = [0]

        def type_for(raw: bytes):
            text = raw.replace(b"\r", b"")
            for i, (needle, data) in enumerate(to_send):
                at = text.find(needle.encode(), matched[0])
                if at >= 0:
                    del to_send[i]
                    matched[0] = at + len(needle.encode())
                    try:
                        proc.stdin.write(data)
                        proc.stdin.flush()
                    except OSError:
                        pass  # QEMU has gone: the checks will say what is missing
                    break

        def serial_lines():
            """Whole lines; a prompt with no newline of its own (askfirst's) is matched by
            send's needles as it arrives, not when something else ends its line."""
            part = b""
            while True:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    if part:
                        yield part
                    return
                part += chunk
                *whole, part = part.split(b"\n")
                for w in whole:
                    if to_send:
                        type_for(w)
                    matched[0] = 0
                    yield w + b"\n"
                if part and to_send:
                    type_for(part)

        def read_serial():
            for raw in serial_lines():
                t = time.monotonic() - t0
                text = raw.decode("utf-8", errors="replace").replace("\r", "").rstrip("\n")
                lines.append((t, text))
                if on_line:
                    on_line(text)
                if screendump and screendump[0] in text:
                    shot_wanted.set()
                if nmi_on and nmi_on in text:
                    nmi_wanted.set()
                if echo:
                    print(f"[{t:9.3f}] {text}", flush=True)

        def read_stderr():
            for raw in iter(proc.stderr.readline, b""):
                s = raw.decode(errors="replace")
                stderr_chunks.append(s)
                if any(m in s for m in KVM_FAILURE_MARKERS):
                    kvm_failed.set()  # QEMU pauses the guest instead of exiting

        qmp_box: List[Qmp] = []

        def watch_qmp():
            try:
                q = Qmp(qmp_path, time.monotonic() + 5, alive=lambda: proc.poll() is None)
                qmp_box.append(q)
                q.watch_events()
            except (OSError, EOFError, ValueError):
                pass

        threads = [threading.Thread(target=f, daemon=True)
                   for f in (read_serial, read_stderr, watch_qmp)]
        for th in threads:
            th.start()
        timed_out = stopped = False
        shot: List[Optional[str]] = []  # [error or None] once the screendump was attempted
        try:
            deadline = t0 + timeout
            while proc.poll() is None:
                if kvm_failed.is_set() or time.monotonic() > deadline:
                    timed_out = not kvm_failed.is_set()
                    if timed_out and qmp_box:  # a hang: ask exo where everyone is first
                        qmp_box[0].send("inject-nmi")
                        time.sleep(NMI_GRACE)
                    _kill(proc)
                    break
                if stop is not None and stop.is_set():
                    stopped = True
                    _kill(proc)
                    break
                if nmi_wanted.is_set() and not nmi_sent and qmp_box:
                    qmp_box[0].send("inject-nmi")
                    nmi_sent = True
                if shot_wanted.is_set() and not shot and qmp_box:
                    shot.append(_screendump(qmp_box[0], screendump[1], settle))
                    qmp_box[0].send("quit")
                time.sleep(0.05)
        finally:
            _kill(proc)  # also on KeyboardInterrupt
        elapsed = time.monotonic() - t0
        for th in threads:
            th.join(timeout=2)
        for q in qmp_box:
            q.close()
    killed = timed_out or kvm_failed.is_set() or stopped
    reason = None
    for ev in (qmp_box[0].events if qmp_box else []):
        if ev.get("event") == "SHUTDOWN":
            reason = ev.get("data", {}).get("reason")
    res = Result(exit_code=None if killed else proc.returncode,
                 serial_text="\n".join(l for _, l in lines), timed_out=timed_out, lines=lines,
                 elapsed=elapsed, accel=accel, shutdown_reason=reason,
                 stderr_text="".join(stderr_chunks), log_path=log_path, argv=argv)
    if shot:
        res.screendump_error = shot[0]
        res.screendump = None if shot[0] else screendump[1]
    _write_log(res)
    if kvm_failed.is_set():
        raise QemuError(f"KVM failed to run the guest (see {log_path}); try --accel tcg")
    return res


def _screendump(qmp: Qmp, path: str, settle: float) -> Optional[str]:
    """QMP screendump to path (PPM); None on success, else the error."""
    time.sleep(settle)
    try:
        qmp.send("screendump", {"filename": os.path.abspath(path)})
        reply = qmp.replies.get(timeout=10)
    except (OSError, queue.Empty) as e:
        return f"screendump: {e or 'no reply'}"
    return f"screendump: {reply['error']}" if "error" in reply else None


def _write_log(r: Result) -> None:
    with open(r.log_path, "w") as f:
        f.write("# " + " ".join(r.argv) + "\n")
        for t, l in r.lines:
            f.write(f"[{t:10.6f}] {l}\n")
        f.write(f"# exit_code={r.exit_code} timed_out={r.timed_out} accel={r.accel} "
                f"shutdown_reason={r.shutdown_reason} elapsed={r.elapsed:.3f}s\n")
        if r.screendump or r.screendump_error:
            f.write(f"# screendump={r.screendump} error={r.screendump_error}\n")
        if r.stderr_text:
            f.write("# qemu stderr:\n" + r.stderr_text)


# --- CLI ---------------------------------------------------------------------------------------

def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mem", default="256M")
    p.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"])
    p.add_argument("--cmdline", default=None, help="kernel command line (via fw_cfg)")
    p.add_argument("--icount", action="store_true", help="deterministic: -icount shift=0")
    p.add_argument("--disk", default="virtio", choices=["virtio", "ahci", "nvme"])
    p.add_argument("--direct", action="store_true",
                   help="boot out/target/exo/exo.elf with -kernel (PVH), no OVMF, no disk")
    p.add_argument("image", nargs="?", default=None, help="disk image (unused with --direct)")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="qemu.py", description="Boot a Tessera image in QEMU.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="interactive: serial on this terminal (Ctrl-A X quits)")
    _common(run)
    run.add_argument("--display", default="none", choices=["none", "gtk", "sdl", "curses"])
    run.add_argument("--writable", action="store_true", help="let the guest write the image")
    run.add_argument("--ssh-port", type=int, default=SSH_PORT, metavar="N",
                     help="host port forwarded (127.0.0.1 only) to the guest's SSH server on 22 "
                          f"(default {SSH_PORT}; 0: no NIC)")
    run.add_argument("--ssh-key", default=None, metavar="FILE.pub",
                     help="boot a copy of the image (with --writable: the image itself) whose "
                          "/root/.ssh/authorized_keys holds this public key")
    bt = sub.add_parser("boot", help="headless boot; exit with QEMU's exit code")
    _common(bt)
    bt.add_argument("--timeout", type=float, default=120)
    bt.add_argument("--expect", action="append", default=[], help="text the serial must show")
    bt.add_argument("--log", default=None)
    sub.add_parser("probe", help="print the accelerator 'auto' picks (cached)")
    a = ap.parse_args(argv)
    if os.environ.get("TESSERA_VALIDATE_ONLY"):
        return 0  # ./tessera checks the options before its (slow) build

    try:
        if a.cmd == "probe":
            print(choose_accel("auto"))
            return 0
        if a.cmd == "boot":
            r = boot(a.image, a.mem, a.cmdline, a.timeout, a.accel, a.icount, disk=a.disk,
                     log_path=a.log, echo=True, direct=a.direct)
            missing = [e for e in a.expect if e not in r.serial_text]
            print(f"qemu.py: exit_code={r.exit_code} timed_out={r.timed_out} accel={r.accel} "
                  f"shutdown={r.shutdown_reason} elapsed={r.elapsed:.1f}s log={r.log_path}")
            for e in missing:
                print(f"qemu.py: expected text not seen: {e!r}", file=sys.stderr)
            if r.timed_out:
                return 124
            return 1 if missing and r.exit_code == 0 else r.exit_code
        # run: interactive
        if not a.direct and not os.path.isfile(a.image or ""):
            raise QemuError(f"image not found: {a.image}")
        if not 0 <= a.ssh_port < 65536:
            raise QemuError(f"--ssh-port {a.ssh_port}: not a port")
        if a.ssh_key and (a.direct or not a.ssh_port):
            raise QemuError("--ssh-key needs the disk and a NIC (no --direct, no --ssh-port 0)")
        if a.ssh_key and not os.path.isfile(a.ssh_key):
            raise QemuError(f"--ssh-key {a.ssh_key}: no such file")
        accel = choose_accel(a.accel)
        with tempfile.TemporaryDirectory(prefix="tessera-run.") as tmp:
            image = a.image
            if a.ssh_key:
                import rootfs  # noqa: E402 (debugfs: only when asked)
                if not a.writable:  # the user's key goes into a throwaway copy, not the build's
                    image = os.path.join(tmp, "disk.img")
                    subprocess.run(["cp", "--sparse=always", a.image, image], check=True)
                try:
                    rootfs.authorize_key(image, a.ssh_key)
                except rootfs.RootfsError as e:
                    raise QemuError(str(e)) from None
            if a.direct:
                args = direct_args(a.mem, a.cmdline, accel, a.icount)
            else:
                args = qemu_args(image, _fresh_vars(tmp), a.mem, a.cmdline, accel, a.icount,
                                 a.disk, snapshot=not a.writable)
            if a.ssh_port:
                at = args.index("-net")  # "-net none" gives way to the NIC
                args = args[:at] + args[at + 2:] + ssh_net_args(a.ssh_port)
            args += ["-display", a.display, "-serial", "mon:stdio"]
            what = "exo.elf directly (PVH)" if a.direct else a.image
            print(f"tessera: booting {what} ({accel}); Ctrl-A X quits, Ctrl-A C = monitor",
                  file=sys.stderr, flush=True)
            if a.ssh_port:
                print(f"tessera: ssh -p {a.ssh_port} root@127.0.0.1 once the guest prompts"
                      + ("" if a.ssh_key else " (--ssh-key FILE.pub to log in with your key)"),
                      file=sys.stderr, flush=True)
            return subprocess.call(args)
    except QemuError as e:
        print(f"qemu.py: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
