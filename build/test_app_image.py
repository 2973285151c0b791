#!/usr/bin/env python3
"""test_app_image.py: ctest `build.app_image`. Manifests and per-app images, without booting.

1. Bad manifests: each gets exactly one error naming the file, the line and the field.
2. greet's image built twice, a second apart, into two directories: same sha256; at most
   4 MiB; a valid GPT with the ESP only (no disk asked for); the ESP's cmdline.txt and the boot
   archive's file list and app/args, app/env exactly what the manifest says.
3. A kind = "linux" manifest is accepted but its image refused, saying why; a boot archive
   over half of memory is refused at build, word for word.
4. The domain XML of a manifest using every option passes virt-xml-validate (kvm and qemu);
   its image (disk = 16) is sparse and its sha256 right.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import app_domain  # noqa: E402
import app_image  # noqa: E402
import app_manifest  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


# (manifest text, error after "PATH:")
BAD = [
    ('kind = "tessera"\n', '1: program: missing (the one required field)'),
    ('program = "greet"\nmemroy = "64M"\n',
     '2: memroy: unknown field (known: args, console, cpus, disk, env, files, forwards, kind, '
     'memory, network, on_exit, program)'),
    ('program = "greet"\n\nmemory = "lots"\n', '3: memory: expected a size like "64M", got "lots"'),
    ('program = "greet"\nmemory = "8M"\n', '2: memory: expected whole MiB from 64M to 64G, got "8M"'),
    ('program = "greet"\nmemory = "63M"\n', '2: memory: expected whole MiB from 64M to 64G, got "63M"'),
    ('program = "greet"\nmemory = "65537M"\n',
     '2: memory: expected whole MiB from 64M to 64G, got "65537M"'),
    ('program = "greet"\ncpus = "2"\n', '2: cpus: expected a number, got "2"'),
    ('program = "greet"\ncpus = 0\n', '2: cpus: expected 1 to 64, got 0'),
    ('program = "greet"\ncpus = true\n', '2: cpus: expected a number, got true'),
    ('program = "Hello World"\n',
     '1: program: expected a program name (lower case, digits, - and _), got "Hello World"'),
    ('program = "greet"\nkind = "elf"\n', '2: kind: expected one of tessera, linux, got "elf"'),
    ('program = "greet"\nargs = "world"\n', '2: args: expected a list of strings, got "world"'),
    ('program = "greet"\nargs = ["a", 3]\n', '2: args: expected strings without newlines, got 3'),
    ('program = "greet"\nenv = { "1X" = "y" }\n',
     '2: env.1X: not a variable name (letters, digits, _)'),
    ('program = "greet"\n[env]\nA = "1"\nB = 2\n', '4: env.B: expected a string without newlines, got 2'),
    ('program = "greet"\nconsole = "vga"\n',
     '2: console: expected one of serial, serial+vga, got "vga"'),
    ('program = "greet"\nnetwork = "bridge"\n', '2: network: expected one of none, user, got "bridge"'),
    ('program = "greet"\nforwards = ["tcp:8080:80"]\n', '2: forwards: port forwards need network = "user"'),
    ('program = "greet"\nnetwork = "user"\nforwards = ["tcp:8080"]\n',
     '3: forwards: expected "tcp|udp:HOSTPORT:GUESTPORT", got "tcp:8080"'),
    ('program = "greet"\ndisk = -1\n', '2: disk: expected 0 (none) to 4096 MiB, got -1'),
    ('program = "greet"\ndisk = 4097\n', '2: disk: expected 0 (none) to 4096 MiB, got 4097'),
    ('program = "greet"\non_exit = "reboot"\n', '2: on_exit: expected one of poweroff, halt, got "reboot"'),
    ('program = "greet"\n[files]\n"etc/x" = "missing.txt"\n',
     '3: files.etc/x: no such file in {dir}: "missing.txt"'),
    ('program = "greet"\n[files]\n"../x" = "app.toml"\n',
     '3: files.../x: guest path must be relative, of letters, digits, . _ - and /, without . or .. '
     'parts'),
    ('program = "greet"\n[files]\n"." = "app.toml"\n',
     '3: files..: guest path must be relative, of letters, digits, . _ - and /, without . or .. '
     'parts'),
    ('program = "greet"\n[files]\n"etc/./x" = "app.toml"\n',
     '3: files.etc/./x: guest path must be relative, of letters, digits, . _ - and /, without . or '
     '.. parts'),
    ('program = "greet"\n[files]\n"etc//x" = "app.toml"\n',
     '3: files.etc//x: guest path must be relative, of letters, digits, . _ - and /, without . or '
     '.. parts'),
    ('program = "greet"\n[files]\n"" = "app.toml"\n',
     '3: files.: guest path must be relative, of letters, digits, . _ - and /, without . or .. '
     'parts'),
    ('program = "greet"\n[files]\n"app/args" = "app.toml"\n',
     '3: files.app/args: reserved name in the boot archive'),
    ('program = "greet"\n[files]\n"nocloud" = "app.toml"\n',
     '3: files.nocloud: reserved name in the boot archive'),
    ('program = "greet"\n[files]\n"init" = "app.toml"\n',
     '3: files.init: reserved name in the boot archive'),
    ('program = "greet"\n[files]\n"font.psf" = "app.toml"\n',
     '3: files.font.psf: reserved name in the boot archive'),
    ('program = "greet"\n[files]\n"greet/x" = "app.toml"\n',
     '3: files.greet/x: reserved name in the boot archive'),
    ('program = "greet"\n[files]\n"etc" = "app.toml"\n"etc/greeting" = "app.toml"\n',
     '4: files.etc/greeting: clashes with "etc": a path cannot be both a file and a directory'),
    ('program = "greet"\n[files]\n"etc/a/b" = "app.toml"\n"etc/a" = "app.toml"\n',
     '4: files.etc/a: clashes with "etc/a/b": a path cannot be both a file and a directory'),
    ('program = "greet"\n[files]\n"etc/greeting" = "../../../../../../../../etc/passwd"\n',
     '3: files.etc/greeting: file outside {dir}: "../../../../../../../../etc/passwd"'),
    ('program = "greet"\n[files]\n"etc/x" = "../outside.txt"\n',
     '3: files.etc/x: file outside {dir}: "../outside.txt"'),
    ('program = "greet"\n[files]\n"etc/x" = "link.txt"\n',
     '3: files.etc/x: file outside {dir}: "link.txt"'),
    ('program = "greet"\nmemory = \n', '2: syntax: Invalid value'),
    ('program = "greet"\nprogram = "again"\n', '2: syntax: Cannot overwrite a value'),
    ('kind = "linux"\nprogram = "bin/app"\n', '2: program: no such file in {dir}: "bin/app"'),
]


def manifests(tmp):
    d = os.path.join(tmp, "apps", "bad")
    os.makedirs(d)
    path = os.path.join(d, "app.toml")
    rel = os.path.relpath(d)
    with open(os.path.join(tmp, "apps", "outside.txt"), "w") as f:  # beside apps/bad, not in it
        f.write("secret\n")
    os.symlink(os.path.join(tmp, "apps", "outside.txt"), os.path.join(d, "link.txt"))
    for text, want in BAD:
        with open(path, "w") as f:
            f.write(text)
        try:
            app_manifest.load(path)
            got = "(accepted)"
        except app_manifest.ManifestError as e:
            got = str(e)
        want = f"{path}:{want.format(dir=rel)}"
        check(got == want, f"manifest {text!r}: {got}" + ("" if got == want else f" != {want}"))
    with open(path, "w") as f:
        f.write('kind = "linux"\nprogram = "app"\n')
    with open(os.path.join(d, "app"), "wb") as f:
        f.write(b"\x7fELF")
    try:
        app_image.stage(app_manifest.load(path), os.path.join(tmp, "linux-stage"))
        got = "(built)"
    except app_image.ImageError as e:
        got = str(e)
    check(got == 'bad: kind = "linux" needs the Linux system-call personality, which Tessera '
          'does not have yet', f"kind linux: {got}")
    # an archive over half of memory: refused at build, not by the loader at boot
    with open(path, "w") as f:
        f.write('program = "greet"\nmemory = "64M"\n[files]\n"big" = "big.bin"\n')
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.truncate(32 << 20)  # with init, greet and nocloud: just over 32 MiB
    try:
        app_image.build(app_manifest.load(path), os.path.join(tmp, "big-out"))
        got = "(built)"
    except app_image.ImageError as e:
        got = str(e)
    check(got == 'bad: boot archive of 33 MiB does not fit memory = "64M" (at most half of '
          'memory): raise memory or shrink [files]', f"archive > memory/2: {got}")
    shutil.rmtree(os.path.join(tmp, "big-out"))
    os.remove(os.path.join(d, "big.bin"))
    try:
        app_manifest.find("nosuch", REPO)
        got = "(found)"
    except app_manifest.ManifestError as e:
        got = str(e)
    check(got.startswith("no app 'nosuch': apps/nosuch/app.toml missing (apps: ") and
          "greet" in got, f"unknown app: {got}")


def domain_xml(tmp):
    """Every device and option a manifest can ask for gives XML libvirt's schema accepts."""
    d = os.path.join(tmp, "apps", "full")
    os.makedirs(d)
    with open(os.path.join(d, "app.toml"), "w") as f:
        f.write('program = "greet"\nmemory = "1G"\ncpus = 4\nconsole = "serial+vga"\n'
                'disk = 16\nnetwork = "user"\nforwards = ["tcp:8080:80", "udp:5353:53"]\n')
    m = app_manifest.load(os.path.join(d, "app.toml"))
    for dtype in ("qemu", "kvm"):
        xml = app_domain.domain_xml(m, dtype, "/var/lib/libvirt/images/tessera/x.serial.log",
                                    seed=True)
        try:
            app_domain.validate(xml)
            why = ""
        except ValueError as e:
            why = str(e)
        check(why == "" and f"<domain type='{dtype}'>" in xml and
              "<range start='8080' to='80'/>" in xml and "<backend type='passt'/>" in xml and
              "<vcpu>4</vcpu>" in xml and "<memory unit='MiB'>1024</memory>" in xml and
              "<serial>cidata</serial>" in xml,
              f"domain XML ({dtype}, every option) passes virt-xml-validate {why}")
    img = app_image.build(m, os.path.join(tmp, "full-out"))
    r = subprocess.run(["sgdisk", "-p", img.path], capture_output=True, text=True)
    parts = [l.split()[5] for l in r.stdout.splitlines() if l.strip()[:1].isdigit()]
    check(parts == ["EF00", "8300"] and img.size == (1 + 1 + 16 + 1) << 20,
          f"disk = 16: an ESP and a 16 MiB ext2 root: {parts}, {img.size} bytes")
    used = os.stat(img.path).st_blocks * 512
    check(used < 4 << 20, f"disk = 16: the image is sparse ({used} of {img.size} bytes stored)")
    check(img.sha256 == sha256(img.path), "disk = 16: the image's sha256 (read in chunks)")
    check(subprocess.run(["cpio", "-t", "--quiet"], stdin=open(img.cpio, "rb"),
                         capture_output=True, text=True).stdout.split()[-3:] == ["greet", "init", "nocloud"]
          and b"font.psf" in open(img.cpio, "rb").read(), "serial+vga: font.psf in the archive")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def images(tmp):
    m = app_manifest.load(app_manifest.find("greet", REPO))
    a = app_image.build(m, os.path.join(tmp, "a"))
    time.sleep(1.1)  # a different "now", and fresh mtimes on every staged file: no matter
    b = app_image.build(m, os.path.join(tmp, "b"))
    print(f"sha256 {a.sha256} {a.path}\nsha256 {b.sha256} {b.path}")
    check(a.sha256 == b.sha256 == sha256(a.path) == sha256(b.path), "greet image reproducible")
    check(a.size <= 4 << 20, f"greet image {a.size} bytes <= 4 MiB")
    r = subprocess.run(["sgdisk", "-v", a.path], capture_output=True, text=True)
    check(r.returncode == 0 and "No problems found" in r.stdout, "sgdisk -v: no problems")
    r = subprocess.run(["sgdisk", "-p", a.path], capture_output=True, text=True)
    parts = [l.split()[5] for l in r.stdout.splitlines() if l.strip()[:1].isdigit()]
    check(parts == ["EF00"], f"one partition, the ESP: {parts}")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    r = subprocess.run(["mtype", "-i", f"{a.path}@@1M", "::/tessera/cmdline.txt"],
                       capture_output=True, text=True, env=env)
    check(r.stdout == "init.run=greet poweroff\n", f"cmdline.txt: {r.stdout!r} {r.stderr!r}")
    r = subprocess.run(["cpio", "-t", "--quiet"], stdin=open(a.cpio, "rb"), capture_output=True,
                       text=True)
    names = r.stdout.split()
    check(names == ["app", "app/args", "app/env", "etc", "etc/greeting", "greet", "init",
                     "nocloud"],
          f"boot archive: {names}")
    stage = os.path.join(tmp, "a", "stage", "archive")
    with open(os.path.join(stage, "app", "args")) as f:
        args = f.read()
    with open(os.path.join(stage, "app", "env")) as f:
        envs = f.read()
    check(args == "greet\nworld\ntwo words\n" and envs == "GREETING=hi\nLANG=C\n",
          f"app/args {args!r}, app/env {envs!r}")


def main():
    with tempfile.TemporaryDirectory(prefix="tessera-app-image.") as tmp:
        manifests(tmp)
        domain_xml(tmp)
        images(tmp)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
