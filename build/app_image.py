#!/usr/bin/env python3
"""app_image.py: a per-app disk image from apps/APP/app.toml (`./tessera image APP`).

The image is mkimage.sh's GPT disk, cut to what the app needs: an ESP just big enough for the
loader, exo (debug info stripped) and a boot archive of init, the app, its argv (app/args, one
per line, argv[0] first), its environment (app/env, NAME=value lines), the manifest's [files], nocloud (reads a
NoCloud seed if one is attached: apps/nocloud),
and the command line init reads (\\tessera\\cmdline.txt: `init.run=PROGRAM`, plus `poweroff`
for on_exit = "poweroff"); an ext2 root only if the manifest asks for a disk. Everything is
written under out/apps/APP/: APP.img, boot.cpio (the same archive, for a PVH direct boot),
cmdline.txt. Reproducible: mkimage.sh pins every time stamp and id (build.app_image).

Library: build(manifest, out_dir) -> AppImage.   CLI: app_image.py [-o DIR] APP
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import app_manifest  # noqa: E402

MIB = 1 << 20
FONT_GZ = os.environ.get("TESSERA_FONT", "/usr/share/consolefonts/Lat15-VGA16.psf.gz")


class ImageError(RuntimeError):
    pass


@dataclass
class AppImage:
    manifest: app_manifest.Manifest
    path: str  # the disk image
    cpio: str  # its boot archive, for qemu -kernel exo.elf -initrd (PVH)
    kernel: str  # exo.elf as it is in the image (stripped)
    cmdline: str
    size: int
    sha256: str


def build_dir() -> str:
    return os.environ.get("TESSERA_BUILD_DIR", os.path.join(REPO, "out"))


def cmdline_of(m: app_manifest.Manifest) -> str:
    return f"init.run={m.name}" + (" poweroff" if m.on_exit == "poweroff" else "")


def _strip(src: str, dst: str) -> None:
    """A copy without debug info (symbols stay: exo names functions in its dumps)."""
    if not os.path.isfile(src):
        raise ImageError(f"{src} not found (build first: ./tessera image)")
    subprocess.run(["objcopy", "--strip-debug", src, dst], check=True)


def stage(m: app_manifest.Manifest, work: str) -> None:
    """work/archive (the boot archive's tree) and work/root (the ext2 root's)."""
    if m.kind == "linux":
        raise ImageError(f"{m.app}: kind = \"linux\" needs the Linux system-call personality, "
                         "which Tessera does not have yet")
    target = os.path.join(build_dir(), "target")
    archive, root = os.path.join(work, "archive"), os.path.join(work, "root")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(archive, "app"))
    os.makedirs(os.path.join(root, "etc"))
    _strip(os.path.join(target, "apps", "init"), os.path.join(archive, "init"))
    program = os.path.join(target, "apps", m.program)
    if not os.path.isfile(program):
        raise ImageError(f"{m.app}: program {m.program!r} not built ({program} missing; is it a "
                         "tessera_program in apps/CMakeLists.txt?)")
    _strip(program, os.path.join(archive, m.name))
    # first-boot configuration from a NoCloud seed, if launch attaches one (apps/nocloud)
    _strip(os.path.join(target, "apps", "nocloud"), os.path.join(archive, "nocloud"))
    with open(os.path.join(archive, "app", "args"), "w") as f:
        f.write("".join(f"{a}\n" for a in [m.name, *m.args]))
    with open(os.path.join(archive, "app", "env"), "w") as f:
        f.write("".join(f"{k}={v}\n" for k, v in m.env.items()))
    for guest, src in sorted(m.files.items()):
        dst = os.path.join(archive, guest)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
    if m.console == "serial+vga":  # exo's framebuffer console wants its font
        with open(os.path.join(archive, "font.psf"), "wb") as f:
            f.write(subprocess.run(["gzip", "-dc", FONT_GZ], check=True,
                                   stdout=subprocess.PIPE).stdout)
    with open(os.path.join(root, "etc", "hostname"), "w") as f:
        f.write(m.app + "\n")


def _archive_bytes(work: str) -> int:
    """The boot archive's size as the loader meets it: files plus a cpio header each."""
    total = 0
    for d, _, files in os.walk(os.path.join(work, "archive")):
        total += sum(os.path.getsize(os.path.join(d, f)) + 512 for f in files)
    return total


def check_fits(m: app_manifest.Manifest, work: str) -> None:
    """Refuses an archive the loader could not place in the VM's memory beside exo and the
    firmware (it would fail at boot with "out of memory"): at most half of memory."""
    size = _archive_bytes(work)
    if size > m.memory_mib * MIB // 2:
        raise ImageError(f"{m.app}: boot archive of {-(-size // MIB)} MiB does not fit memory = "
                         f"\"{m.memory_mib}M\" (at most half of memory): raise memory or shrink "
                         "[files]")


def _esp_mib(work: str, kernel: str) -> int:
    """Enough MiB of FAT for loader, kernel and archive, with room for FAT's own tables."""
    total = os.path.getsize(kernel) + os.path.getsize(os.path.join(build_dir(), "target", "efi",
                                                                   "BOOTX64.EFI"))
    total += _archive_bytes(work)
    return max(1, -(-(total + 128 * 1024) // MIB))


def build(m: app_manifest.Manifest, out_dir: str) -> AppImage:
    os.makedirs(out_dir, exist_ok=True)
    work = os.path.join(out_dir, "stage")
    stage(m, work)
    check_fits(m, work)
    kernel = os.path.join(out_dir, "exo.elf")
    _strip(os.path.join(build_dir(), "target", "exo", "exo.elf"), kernel)
    image = os.path.join(out_dir, f"{m.app}.img")
    cpio = os.path.join(out_dir, "boot.cpio")
    cmdline = cmdline_of(m)
    with open(os.path.join(out_dir, "cmdline.txt"), "w") as f:
        f.write(cmdline + "\n")
    r = subprocess.run(["bash", os.path.join(HERE, "mkimage.sh"),
                        "--loader", os.path.join(build_dir(), "target", "efi", "BOOTX64.EFI"),
                        "--kernel", kernel, "--archive-dir", os.path.join(work, "archive"),
                        "--root-dir", os.path.join(work, "root"), "--cmdline", cmdline,
                        "--esp-mib", str(_esp_mib(work, kernel)), "--root-mib", str(m.disk_mib),
                        "--keep-cpio", cpio, "-o", image],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise ImageError(f"mkimage.sh failed:\n{r.stderr}")
    # sparse: mkimage.sh copies the ext2 root in whole, zeros and all (the content is the same)
    subprocess.run(["fallocate", "--dig-holes", image], check=False, stderr=subprocess.DEVNULL)
    with open(image, "rb") as f:  # in chunks: a disk of GiBs is not read into memory
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return AppImage(m, image, cpio, kernel, cmdline, os.path.getsize(image), digest)


def out_dir_of(app: str) -> str:
    return os.path.join(build_dir(), "apps", app)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="tessera image", description="Build a per-app disk image.")
    ap.add_argument("-o", "--out-dir", default=None, help="default: out/apps/APP")
    ap.add_argument("app", help="an app with a manifest apps/APP/app.toml")
    a = ap.parse_args(argv)
    try:
        m = app_manifest.load(app_manifest.find(a.app, REPO))
        if os.environ.get("TESSERA_VALIDATE_ONLY"):
            return 0  # ./tessera checks the manifest before its (slow) build
        img = build(m, a.out_dir or out_dir_of(a.app))
    except (app_manifest.ManifestError, ImageError) as e:
        print(f"tessera: {e}", file=sys.stderr)
        return 1
    print(f"tessera: wrote {os.path.relpath(img.path)} ({img.size // 1024} KiB, "
          f"sha256 {img.sha256})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
