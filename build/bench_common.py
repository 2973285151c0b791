"""bench_common.py: what every `./tessera bench` script shares: the common options (runs,
icount, image, accelerator, timeout), their checking (and the validate-only mode `tessera`
uses before its slow build), and the PNG bar chart (written only if matplotlib imports)."""
import argparse
import os
import sys
from typing import List, Optional

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
