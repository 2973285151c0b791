#!/usr/bin/env python3
"""test_kvm_fallback.py: ctest `build.kvm_fallback`. qemu.py's accelerator choice, against a stub.

TESSERA_QEMU points at a stub that behaves like QEMU on a paravirtual KVM host, where OVMF
cannot run under KVM; TESSERA_KVM_DEVICE stands in for /dev/kvm. Each case asserts the verdict,
its speed (the probe must never wait out a paused QEMU), the single note line, the cache (the
second call starts no QEMU), and that no stub process is left behind.
"""
import os
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU_PY = os.path.join(HERE, "qemu.py")
# The probe is given PROBE seconds (TESSERA_KVM_PROBE_SECONDS): a verdict slower than FAST
# means it waited for that timeout instead of reading QEMU's failure at once. Both are large,
# so a busy host (Python's start alone can take seconds) never fails the test.
PROBE = 120.0
FAST = 60.0

# Logs "pid argv" per call. -accel kvm: STUB_MODE=pause -> KVM's emulation failure on stderr,
# then stay alive (QEMU pauses the guest, it does not exit); STUB_MODE=msr -> exit at once.
STUB = r"""#!/bin/sh
echo "$$ $*" >> "$STUB_LOG"
case " $* " in
  *" --version "*) echo "QEMU emulator version 7.2.0 (stub)"; exit 0 ;;
  *" -accel kvm "*) ;;
  *) echo "stub: only -accel kvm is expected" >&2; exit 1 ;;
esac
if [ "$STUB_MODE" = pause ]; then
  printf 'KVM internal error. Suberror: 1\nemulation failure\n' >&2
  exec sleep 60
fi
echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
exit 134
"""

NOTE = "tessera: KVM cannot run OVMF here ({}); using TCG"
failures = []


def check(cond, what):
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is not alive
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


class Case:
    """A fresh build dir (probe cache), stub log and fake /dev/kvm per case."""

    def __init__(self, root, name, mode, kvm_device=True):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        stub = os.path.join(self.dir, "qemu-stub")
        with open(stub, "w") as f:
            f.write(STUB)
        os.chmod(stub, stat.S_IRWXU)
        self.log = os.path.join(self.dir, "stub.log")
        open(self.log, "w").close()
        kvm = os.path.join(self.dir, "kvm")
        if kvm_device:
            open(kvm, "w").close()  # readable and writable: "usable" as far as qemu.py can tell
        for fd in ("code.fd", "vars.fd"):
            open(os.path.join(self.dir, fd), "wb").close()
        self.env = dict(os.environ, TESSERA_QEMU=stub, TESSERA_KVM_DEVICE=kvm,
                        TESSERA_BUILD_DIR=self.dir, TESSERA_LOG_DIR=self.dir,
                        TESSERA_OVMF_CODE=os.path.join(self.dir, "code.fd"),
                        TESSERA_OVMF_VARS=os.path.join(self.dir, "vars.fd"),
                        STUB_LOG=self.log, STUB_MODE=mode, PYTHONDONTWRITEBYTECODE="1",
                        TESSERA_KVM_PROBE_SECONDS=str(PROBE))

    def run(self, *args):
        """(seconds, stdout, stderr lines, stub calls made) of one python3 invocation."""
        before = len(self.calls())
        t = time.monotonic()
        p = subprocess.run([sys.executable, *args], env=self.env, capture_output=True,
                           text=True, timeout=2 * PROBE)
        return (time.monotonic() - t, p.stdout, p.stderr.splitlines(), self.calls()[before:])

    def calls(self):
        with open(self.log) as f:
            return [l.split(" ", 1) for l in f.read().splitlines()]


def probe_case(root, mode, reason):
    c = Case(root, mode, mode)
    secs, out, err, calls = c.run(QEMU_PY, "probe")
    print(f"-- {mode}: first probe took {secs:.2f} s, stderr {err}")
    check(out == "tcg\n", f"{mode}: verdict tcg (got {out!r})")
    check(secs < FAST, f"{mode}: verdict within {FAST} s (took {secs:.2f} s)")
    check(err == [NOTE.format(reason)], f"{mode}: exactly one note line {NOTE.format(reason)!r}")
    kvm_calls = [cl for cl in calls if "-accel kvm" in cl[1]]
    check(len(calls) == 1 and len(kvm_calls) == 1,
          f"{mode}: the stub ran once, as the KVM probe (calls: {len(calls)})")
    check(not any(alive(int(pid)) for pid, _ in calls), f"{mode}: no stub process left running")
    with open(os.path.join(c.dir, "kvm-probe")) as f:
        cached = f.read().splitlines()
    check(cached[1:] == ["tcg", reason], f"{mode}: cache holds verdict and reason ({cached[1:]})")

    secs, out, err, calls = c.run(QEMU_PY, "probe")
    print(f"-- {mode}: second probe took {secs:.2f} s")
    check(out == "tcg\n" and err == [], f"{mode}: cached verdict tcg, silently (stderr {err})")
    check(calls == [], f"{mode}: the cached verdict ran no QEMU at all (calls: {calls})")


def main():
    with tempfile.TemporaryDirectory(prefix="tessera-kvm-fallback.") as root:
        probe_case(root, "pause", "emulation failure")
        probe_case(root, "msr", "QEMU exited: failed to set MSR 0x10a to 0x69")

        # No (usable) /dev/kvm: TCG without a probe and without a word.
        c = Case(root, "no-kvm-device", "pause", kvm_device=False)
        secs, out, err, calls = c.run(QEMU_PY, "probe")
        check(out == "tcg\n" and err == [] and calls == [],
              f"no /dev/kvm: tcg, no note, no QEMU run ({out!r}, {err}, {len(calls)} calls)")

        # Forced --accel tcg: no probe even though the device is there.
        c = Case(root, "forced-tcg", "pause")
        secs, out, err, calls = c.run("-c", f"import sys; sys.path.insert(0, {HERE!r}); "
                                      "import qemu; print(qemu.choose_accel('tcg'))")
        check(out == "tcg\n" and err == [] and calls == [],
              f"accel=tcg forced: tcg, no note, no QEMU run ({out!r}, {err}, {len(calls)} calls)")

        # A boot forced onto KVM that hits the emulation failure: QemuError at once, no hang.
        c = Case(root, "boot-kvm-pause", "pause")
        image = os.path.join(c.dir, "disk.img")
        open(image, "wb").close()
        secs, out, err, calls = c.run(QEMU_PY, "boot", "--accel", "kvm", "--timeout", str(PROBE),
                                      image)
        check(secs < FAST, f"boot under a failing KVM gives up within {FAST} s "
                           f"(took {secs:.2f} s)")
        check(any("KVM failed to run the guest" in l for l in err),
              f"boot reports 'KVM failed to run the guest' (stderr {err})")
        check(not any(alive(int(pid)) for pid, _ in calls), "boot: no stub process left running")
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
