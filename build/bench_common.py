"""bench_common.py: what every `./tessera bench` script shares: the common options (runs,
icount, image, accelerator, timeout), their checking (and the validate-only mode `tessera`
uses before its slow build), the PNG bar chart (written only if matplotlib imports), and the
run's environment that every result file records (ENV_FIELDS: QEMU version, host CPU model,
accelerator, icount, guest kernel), so that two result files can be compared later."""
import argparse
import glob
import os
import re
import subprocess
import sys
from typing import Dict, List, Optional

import qemu


def parser(prog: str, doc: str, runs: int, timeout: float) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--icount", action="store_true",
                    help="-icount shift=0,sleep=off: guest figures are instruction counts")
    ap.add_argument("--image", default=os.path.join(qemu.build_dir(), "tessera.img"))
    ap.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"])
    ap.add_argument("--timeout", type=float, default=timeout)
    return ap


def parse(ap: argparse.ArgumentParser) -> Optional[argparse.Namespace]:
    """The checked options, or None when only checking was asked for (TESSERA_VALIDATE_ONLY:
    ./tessera checks a command line before its slow build)."""
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be >= 1")
    return None if os.environ.get("TESSERA_VALIDATE_ONLY") else a


def static_exe(out: str, name: str, src: str) -> str:
    """out/name: gcc -static -O2 of src, the Linux guest's /init (again when src or a header
    beside it, such as apps/bench/guest.h, is newer than the program)."""
    exe = os.path.join(out, name)
    deps = [src] + glob.glob(os.path.join(os.path.dirname(src), "*.h"))
    if not os.path.isfile(exe) or os.path.getmtime(exe) < max(map(os.path.getmtime, deps)):
        subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                        exe + ".tmp", src], check=True)
        os.replace(exe + ".tmp", exe)
    return exe


# The CSV columns every benchmark appends to each row (docs/benchmarks.md).
ENV_FIELDS = ["accel", "icount", "qemu_version", "host_cpu", "guest_kernel"]
BANNER_RE = re.compile(r"Tessera exo (\S+) ")


def qemu_version(text: Optional[str] = None) -> str:
    """'7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)' from `qemu-system-x86_64 --version` (or from
    text, its output), '?' if QEMU does not answer."""
    if text is None:
        try:
            text = subprocess.run([qemu.QEMU, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return "?"
    m = re.search(r"QEMU emulator version (.+)", text)
    return m[1].strip() if m else "?"


def host_cpu(cpuinfo: Optional[str] = None) -> str:
    """The host CPU's model name from /proc/cpuinfo (or from cpuinfo, its text)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read()
        except OSError:
            return "?"
    m = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    return " ".join(m[1].split()) if m else "?"


def tessera_kernel(serial_text: str, commit: Optional[str] = None) -> str:
    """Tessera's kernel as a result file names it: the banner's version and the source commit
    ('tessera exo 0.1.0 0e4701e', '-dirty' if the tree had changes)."""
    m = BANNER_RE.search(serial_text)
    if commit is None:
        try:
            commit = subprocess.run(["git", "-C", qemu.REPO, "describe", "--always", "--dirty"],
                                    capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            commit = ""
    return f"tessera exo {m[1] if m else '?'} {commit or '?'}"


class Env:
    """The run's environment, asked once (QEMU's version means starting QEMU)."""

    def __init__(self, accel: str, icount: bool, qemu_ver: Optional[str] = None,
                 cpu: Optional[str] = None, load: Optional[float] = None):
        self.accel, self.icount = accel, int(icount)
        # The host's 1-minute load average when the run began: TCG figures on a busy host
        # move with it (a comment, not a column: it describes the run, not a guest).
        self.load = load if load is not None else os.getloadavg()[0]
        self.qemu_version = qemu_ver if qemu_ver is not None else qemu_version()
        self.host_cpu = cpu if cpu is not None else host_cpu()

    def columns(self, guest_kernel: str) -> Dict[str, object]:
        """ENV_FIELDS for a row of a guest that ran guest_kernel."""
        return {"accel": self.accel, "icount": self.icount, "qemu_version": self.qemu_version,
                "host_cpu": self.host_cpu, "guest_kernel": guest_kernel}

    def comment(self, kernels: List[str]) -> str:
        """One '# ...' line for a CSV's head, for people (the columns are for programs)."""
        return (f"# qemu {self.qemu_version}; host cpu {self.host_cpu}; accel {self.accel}"
                f"{' icount' if self.icount else ''}; guest kernel "
                f"{' / '.join(dict.fromkeys(kernels)) or '?'}; host load average "
                f"{self.load:.2f} at the start\n")


def barh_png(labels: List[str], values: List[float], title: str, xlabel: str,
             csv_path: str, annotate: bool = False) -> None:
    """A log-scale horizontal bar chart beside the CSV (same name, .png)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    if not labels:
        return
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.2))
    ax.barh(labels, values)
    if annotate:
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:,}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")  # exo's microseconds next to the firmware's seconds
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    png = os.path.splitext(csv_path)[0] + ".png"
    fig.savefig(png)
    print(f"wrote {png}", file=sys.stdout)
