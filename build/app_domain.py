#!/usr/bin/env python3
"""app_domain.py: the libvirt domain XML of a per-app VM, from its manifest.

q35, OVMF through libvirt's firmware selection (<os firmware='efi'>, secure boot off: the
loader is not signed), the image as a virtio disk (a volume of the `tessera` storage pool, so a
remote libvirtd finds it where `launch` uploaded it), a virtio-net NIC on user-mode networking
if the manifest asks (port forwards through passt), virtio-rng, and the serial console on a
pty (virsh console) logged to a file. Domain type 'kvm' or 'qemu' is the caller's choice
(app_vm.domain_type detects it). validate() runs virt-xml-validate.
"""
import os
import subprocess
from html import escape  # not xml.sax.saxutils: it imports urllib, slowing every command


PREFIX = "tessera-"  # domain and volume names: tessera-APP, tessera-APP.img, .serial.log
POOL = "tessera"
NS = "https://github.com/tessera-os/tessera/app"  # our <metadata> element's namespace


def domain_name(app: str) -> str:
    return PREFIX + app


def volume_names(app: str):
    """(disk image volume, serial log volume, NoCloud seed volume)."""
    return f"{PREFIX}{app}.img", f"{PREFIX}{app}.serial.log", f"{PREFIX}{app}.seed.img"


def domain_xml(m: "app_manifest.Manifest", dom_type: str, log_path: str,
               seed: bool = False) -> str:
    """seed: attach volume tessera-APP.seed.img read-only, serial "cidata" (app_seed.py)."""
    disk_vol, _, seed_vol = volume_names(m.app)
    seed_disk = ""
    if seed:
        seed_disk = f"""
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='{POOL}' volume='{seed_vol}'/>
      <target dev='vdb' bus='virtio'/>
      <serial>cidata</serial>
      <readonly/>
    </disk>"""
    # TCG: QEMU's 'max' CPU, as build/qemu.py boots it; KVM: the host's.
    cpu = ("<cpu mode='host-passthrough'/>" if dom_type == "kvm" else "<cpu mode='maximum'/>")
    net = ""
    if m.network == "user":
        fwd = ""
        for f in m.forwards:
            proto, host, guest = f.split(":")
            fwd += (f"\n      <portForward proto='{proto}'>"
                    f"<range start='{host}' to='{guest}'/></portForward>")
        backend = "\n      <backend type='passt'/>" if m.forwards else ""
        net = f"""
    <interface type='user'>
      <model type='virtio'/>{backend}{fwd}
    </interface>"""
    vga = ""
    if m.console == "serial+vga":
        vga = """
    <graphics type='vnc' listen='127.0.0.1' autoport='yes'/>
    <video><model type='vga'/></video>"""
    return f"""<domain type='{dom_type}'>
  <name>{domain_name(m.app)}</name>
  <description>Tessera per-app VM of apps/{escape(m.app)} (./tessera launch)</description>
  <metadata>
    <tessera:app xmlns:tessera='{NS}' name='{escape(m.app)}' program='{escape(m.program)}'/>
  </metadata>
  <memory unit='MiB'>{m.memory_mib}</memory>
  <vcpu>{m.cpus}</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <firmware>
      <feature enabled='no' name='secure-boot'/>
      <feature enabled='no' name='enrolled-keys'/>
    </firmware>
    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/></features>
  {cpu}
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='{POOL}' volume='{disk_vol}'/>
      <target dev='vda' bus='virtio'/>
    </disk>{seed_disk}{net}
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
    <serial type='pty'>
      <log file='{escape(log_path)}' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>{vga}
    <memballoon model='none'/>
  </devices>
</domain>
"""


def validate(xml: str) -> None:
    """virt-xml-validate against libvirt's domain schema; ValueError with its message."""
    import tempfile  # here, not at the top: keeps every other command quick to start
    with tempfile.NamedTemporaryFile("w", suffix=".xml", prefix="tessera-domain.") as f:
        f.write(xml)
        f.flush()
        r = subprocess.run(["virt-xml-validate", f.name, "domain"], capture_output=True,
                           text=True)
    if r.returncode != 0:
        raise ValueError(f"virt-xml-validate rejected the domain XML:\n{r.stdout}{r.stderr}")


if __name__ == "__main__":  # print and validate an app's XML: app_domain.py APP [kvm|qemu]
    import sys
    import app_manifest
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    man = app_manifest.load(app_manifest.find(sys.argv[1], repo))
    x = domain_xml(man, sys.argv[2] if len(sys.argv) > 2 else "qemu", "/tmp/serial.log")
    validate(x)
    print(x, end="")
