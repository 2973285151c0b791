#!/usr/bin/env python3
"""bench_app.py: how fast a per-app image reaches its app's main, three ways (medians of N):

  pvh      QEMU spawn -> the app's first line; exo.elf with QEMU's -kernel (PVH), the image's
           boot archive as -initrd, its command line as -append: no firmware, no disk
  ovmf     QEMU spawn -> the same line; the disk image under OVMF (build/qemu.py)
  libvirt  `virsh start` -> the same line in the serial log; the VM `launch` defines, on a
           local libvirtd (--connect URI, default as `launch`); destroyed and removed after

The app's first line is its first serial line starting with "PROGRAM: " (greet: "greet: main
reached"). Also printed: the image's size. Measures only, asserts nothing.

    python3 build/bench_app.py greet [--runs 3] [--only pvh,ovmf,libvirt] [--connect URI]
"""
import argparse
import os
import re
import statistics
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import app_domain  # noqa: E402
import app_image  # noqa: E402
import app_manifest  # noqa: E402
import app_vm  # noqa: E402
import qemu  # noqa: E402


def first_app_line(r: "qemu.Result", program: str):
    hit = r.first(f"{program}: ")
    return hit[0] if hit and hit[1].startswith(f"{program}: ") else None


def qemu_run(img, m, direct: bool) -> float:
    r = qemu.boot(img.path, mem=f"{m.memory_mib}M", cmdline=img.cmdline if direct else None,
                  timeout=120, direct=direct, direct_files=(img.kernel, img.cpio), smp=m.cpus)
    t = first_app_line(r, m.name)
    if t is None:
        raise RuntimeError(f"no '{m.name}: ' line (log {r.log_path})")
    return t


def libvirt_run(m, img, uri: str) -> float:
    v = app_vm.Virsh(uri)
    dom = app_domain.domain_name(m.app)
    if v.state(dom):
        raise RuntimeError(f"{dom} exists on {uri}: ./tessera rm {m.app} first")
    # The log's path before the clock starts (virsh calls), and the image built once in main.
    log = os.path.join(app_vm.ensure_pool(v), app_domain.volume_names(m.app)[1])
    t0 = app_vm.launch(m.app, v, img=img)
    try:
        deadline = t0 + 120
        while time.monotonic() < deadline:
            try:
                with open(log, "rb") as f:
                    text = f.read().decode(errors="replace").replace("\r", "")
                # OVMF's screen-clearing escapes may lead a line: what follows the last counts
                if any(re.sub(r".*\x1b\[[0-9;=]*[A-Za-z]", "", line).startswith(f"{m.name}: ")
                       for line in text.split("\n")):
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"no '{m.name}: ' line in {log}")
    finally:
        v.run("destroy", dom, check=False)  # it may have powered itself off meanwhile
        app_vm.rm(m.app, v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bench_app.py", description=__doc__.split("\n")[0])
    ap.add_argument("app")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="pvh,ovmf,libvirt")
    ap.add_argument("--connect", default=None)
    a = ap.parse_args(argv)
    m = app_manifest.load(app_manifest.find(a.app, REPO))
    img = app_image.build(m, app_image.out_dir_of(a.app))
    print(f"{a.app}: image {img.size} bytes ({img.size / 2**20:.1f} MiB), "
          f"archive {os.path.getsize(img.cpio)} bytes, exo.elf {os.path.getsize(img.kernel)} "
          f"bytes; accel {qemu.choose_accel('auto')}")
    uri = a.connect or app_vm.default_uri()
    for way in a.only.split(","):
        runs = []
        for _ in range(a.runs):
            if way == "pvh":
                runs.append(qemu_run(img, m, True))
            elif way == "ovmf":
                runs.append(qemu_run(img, m, False))
            elif way == "libvirt":
                runs.append(libvirt_run(m, img, uri))
            else:
                ap.error(f"--only: unknown {way!r}")
        print(f"{way:<8} to '{m.name}: ' median {statistics.median(runs) * 1000:8.1f} ms  "
              f"(runs: {', '.join(f'{r * 1000:.1f}' for r in runs)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
