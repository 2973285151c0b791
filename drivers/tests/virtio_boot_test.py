#!/usr/bin/env python3
"""virtio_boot_test.py: the virtio drivers against QEMU's real devices, in one boot.

The machine gets a scratch virtio-blk disk (two request queues, serial tessera-scratch), a
virtio-rng, a virtio-net on QEMU user networking, a virtio-console whose other end is a
socket here, and a virtio-balloon, which exo must keep to itself (its requests name memory). init runs `viotest` (apps/tests/test_virtio.c), whose tests read and write the
disk, send UDP to a host echo server through QEMU's user network, read entropy and talk to the
console. Afterwards this script checks the disk image byte for byte:

  - what the guest wrote is there, exactly (one env, and two envs writing through two queues at
    once into two regions);
  - the region a refused descriptor named (a page the env does not own), or a refused chain
    against the spec, is untouched, and the other env writing beside those chains got through;
  - every block the guest only read still holds what was put there before the boot;
  - with packet filters on (exo driving the NIC, nf_send), the echo server got each env's
    datagram and the one from a port nobody claims, a frame rewritten after nf_send as it was
    given, and nothing the filters refused.

With --iommu the machine also has QEMU's VT-d unit (intel-iommu) and every virtio device goes
through it (iommu_platform=on): the same tests pass, and one env drives the disk whole with no
exo call, which also shows a DMA outside its domain blocked (exo logs the fault) and leaving the
memory it aimed at untouched; and the blk driver's direct mode (vio_blk_open_direct) writes its
own region, checked here byte for byte.

Usage: virtio_boot_test.py [--keep DIR] [--smp N] [--iommu]
"""
import argparse
import os
import re
import socket
import struct
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "build"))
import qemu  # noqa: E402

# Shared with apps/tests/test_virtio.c (VT_* there).
SCRATCH_MIB = 16
SECTOR = 512
GOLDEN = 0x9E3779B97F4A7C15
WRITE_SECTOR, WRITE_BYTES = 4096, 16384          # one env: test_virtio.c VT_WRITE_*
DUO_SECTOR = (8192, 10240)                        # two envs, one queue each: VT_DUO_*
DUO_BYTES, DUO_ROUNDS = 65536, 8
REFUSED_SECTOR = 12288                            # VT_REFUSED_SECTOR
NEIGHBOUR_SECTOR, NEIGHBOUR_BYTES = 12800, 4096   # VT_NEIGHBOUR_*
LEAK_MARK = b"#LEAK#1#"                           # test_virtio.c: exo must never print it
DIRECT_SECTOR = 14336                             # VT_DIRECT_SECTOR (with --iommu)
DRIVER_DIRECT_SECTOR, DRIVER_DIRECT_BYTES = 14400, 8192  # VT_DRIVER_DIRECT_* (with --iommu)
PARAM_IOMMU = 1 << 16                             # VT_PARAM_IOMMU
CONSOLE_GREETING = b"viotest: hello through virtio-console\n"
NF_MSG_A = b"viotest udp ring A: claimed by the default env"  # test_virtio.c NFA_MSG ...
NF_MSG_B = b"viotest udp ring B: claimed by a thread"
NF_MSG_UNCLAIMED = b"viotest udp unclaimed: the default env's"
NF_MSG_COPIED = b"viotest udp filtered: sent as copied"


def block_fill(i):
    """Block i (4 KiB) before the boot: its number times the golden ratio, then i & 0xff."""
    return struct.pack("<Q", (i * GOLDEN) & (2**64 - 1)) + bytes([i & 0xff]) * 4088


def write_pattern(off, n):
    """What the one-env write test puts at byte off of its region (VT pattern: off*7+3)."""
    return bytes(((k * 7 + 3) & 0xff) for k in range(off, off + n))


def duo_pattern(which, n):
    """Env `which` (0, 1) writes round r's byte k as (k + r*13 + which*101) & 0xff; the last
    round (DUO_ROUNDS - 1) is what stays."""
    r = DUO_ROUNDS - 1
    return bytes(((k + r * 13 + which * 101) & 0xff) for k in range(n))


def make_scratch(path):
    with open(path, "wb") as f:
        for i in range(SCRATCH_MIB * 256):
            f.write(block_fill(i))


class UdpEcho(threading.Thread):
    """Echoes every datagram back to its sender, prefixed with b'echo:' (virtio_tap_test.py
    uses it too, bound to the tap's address)."""

    def __init__(self, addr="127.0.0.1"):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 0))
        self.port = self.sock.getsockname()[1]
        self.got = []

    def run(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.got.append(data)
            self.sock.sendto(b"echo:" + data, peer)


class ConsoleEcho(threading.Thread):
    """The host end of the virtio-console: echoes what the guest writes."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.got = b""

    def run(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(600):  # QEMU creates the socket once it starts
            try:
                s.connect(self.path)
                break
            except OSError:
                threading.Event().wait(0.05)
        else:
            return
        while True:
            try:
                data = s.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.got += data
            s.sendall(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="keep the scratch image in this directory")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--iommu", action="store_true")
    a = ap.parse_args()
    failed = []

    def check(cond, what):
        print(("ok: " if cond else "FAIL: ") + what)
        if not cond:
            failed.append(what)

    with tempfile.TemporaryDirectory(prefix="tessera-virtio.") as tmp:
        d = a.keep or tmp
        os.makedirs(d, exist_ok=True)
        scratch = os.path.join(d, "scratch.img")
        make_scratch(scratch)
        udp = UdpEcho()
        udp.start()
        cons_path = os.path.join(tmp, "cons.sock")
        cons = ConsoleEcho(cons_path)
        cons.start()
        pci = ",disable-legacy=on" + (",iommu_platform=on" if a.iommu else "")
        extra = (["-device", "intel-iommu,aw-bits=48,intremap=on"] if a.iommu else []) + [
            "-drive", f"file={scratch},if=none,id=scratch,format=raw,cache=writeback",
            "-device", f"virtio-blk-pci,drive=scratch,serial=tessera-scratch,num-queues=2{pci}",
            "-device", f"virtio-rng-pci{pci}",
            "-netdev", "user,id=n0",
            "-device", f"virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56{pci}",
            "-chardev", f"socket,id=cons0,path={cons_path},server=on,wait=off",
            "-device", f"virtio-serial-pci{pci}",
            "-device", "virtconsole,chardev=cons0",
            "-device", f"virtio-balloon-pci{pci}",
        ]
        param = udp.port | (PARAM_IOMMU if a.iommu else 0)
        r = qemu.boot(None, direct=True, cmdline=f"poweroff init.viotest={param}",
                      timeout=180, extra=extra, smp=a.smp)
        text = r.serial_text
        names = sorted(set(re.findall(r"^EXOTEST\((\w+)\)",
                                      open(os.path.join(HERE, "..", "..", "apps", "tests",
                                                        "test_virtio.c")).read(), re.M)))
        for n in names:
            check(f"viotest: {n}: ok" in text, f"in-guest test {n}")
        check(f"viotest: {len(names)} passed, 0 failed" in text,
              f"viotest summary: {len(names)} passed")
        check("panic" not in text and "EXCEPTION" not in text, "no panic, no exception in exo")
        own = re.findall(r"^exo: virtio: dev \d+ type (\d+) .*exo's own", text, re.M)
        check(own == ["5"], f"exo keeps the balloon (type 5) and only it ({own})")
        check(LEAK_MARK.decode() not in text,
              "a buffer running into a page that is not RAM printed nothing")
        check(r.exit_code == 0 and r.powered_off, f"clean power-off (exit {r.exit_code})")
        faults = re.findall(r"^exo: iommu: fault: .*$", text, re.M)
        if a.iommu:
            check("interrupt remapping on" in text,
                  "exo found the VT-d unit and turned DMA and interrupt remapping on")
            # QEMU's unit may record the one refused write twice (the device retries it):
            # one address, one fault, however many records.
            check(len(set(faults)) == 1 and "wrote" in faults[0],
                  f"the one DMA aimed outside its domain was blocked and logged ({faults})")
        else:
            check(not faults, "no IOMMU, no fault lines")
        check(any(g.startswith(b"viotest udp ") for g in udp.got),
              f"the host echo server got the guest's datagrams ({len(udp.got)})")
        check(CONSOLE_GREETING in cons.got, "the host end of the console got the greeting")
        # nf_exo_drives_the_nic_rings_and_nf_send: what nf_send let through, and only that
        for msg, what in ((NF_MSG_A, "the default env's claimed port"),
                          (NF_MSG_B, "the thread's claimed port"),
                          (NF_MSG_UNCLAIMED, "a port nobody claims (the default env's)")):
            check(msg in udp.got, f"nf_send let a datagram from {what} through")
        check(not any(g.startswith(b"viotest udp refused") for g in udp.got),
              "no datagram the filters refused reached the host")
        check(NF_MSG_COPIED in udp.got and not any(b"REWRITTEN" in g for g in udp.got),
              "a frame rewritten after nf_send went as given (exo sent its checked copy)")

        img = open(scratch, "rb").read()
        w0 = WRITE_SECTOR * SECTOR
        check(img[w0:w0 + WRITE_BYTES] == write_pattern(0, WRITE_BYTES),
              f"{WRITE_BYTES} bytes written at sector {WRITE_SECTOR} are on the disk")
        for which, sec in enumerate(DUO_SECTOR):
            o = sec * SECTOR
            check(img[o:o + DUO_BYTES] == duo_pattern(which, DUO_BYTES),
                  f"env {which}'s last round at sector {sec} is on the disk, whole")
        ro = REFUSED_SECTOR * SECTOR
        check(img[ro:ro + 4096] == block_fill(ro // 4096),
              f"sector {REFUSED_SECTOR}, named by a refused descriptor, is untouched")
        o = NEIGHBOUR_SECTOR * SECTOR
        check(img[o:o + NEIGHBOUR_BYTES] ==
              bytes(((k * 3 + 7) & 0xff) for k in range(NEIGHBOUR_BYTES)),
              f"the other env's write at sector {NEIGHBOUR_SECTOR}, beside refused chains, "
              "is on the disk")
        writes = [(WRITE_SECTOR, WRITE_BYTES), (NEIGHBOUR_SECTOR, NEIGHBOUR_BYTES)] + \
            [(s, DUO_BYTES) for s in DUO_SECTOR]
        if a.iommu:
            o = DIRECT_SECTOR * SECTOR
            check(img[o:o + 4096] == bytes(((k * 5 + 1) & 0xff) for k in range(4096)),
                  f"the direct write at sector {DIRECT_SECTOR} is on the disk")
            writes.append((DIRECT_SECTOR, 4096))
            o = DRIVER_DIRECT_SECTOR * SECTOR
            check(img[o:o + DRIVER_DIRECT_BYTES] ==
                  bytes(((k * 11 + 5) & 0xff) for k in range(DRIVER_DIRECT_BYTES)),
                  f"the driver's direct write at sector {DRIVER_DIRECT_SECTOR} is on the disk")
            writes.append((DRIVER_DIRECT_SECTOR, DRIVER_DIRECT_BYTES))
        touched = set()
        for sec, n in writes:
            touched.update(range(sec * SECTOR // 4096, (sec * SECTOR + n + 4095) // 4096))
        bad = [i for i in range(SCRATCH_MIB * 256)
               if i not in touched and img[i * 4096:(i + 1) * 4096] != block_fill(i)]
        check(not bad, f"every other block is as before the boot ({len(bad)} differ"
                       f"{', first ' + str(bad[0]) if bad else ''})")
        print(f"serial log: {r.log_path}")
    print(f"{len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
