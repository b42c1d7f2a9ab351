"""The example lab of ``drm lab init --example``.

FSServer has one file system (``hosts/FSServer/mnt/fs1``) on P-VOL 410001:256; three
ShadowImage generations VG01..VG03 (MU# 0..2, local_0..local_2) on 410001:257..259; one
TrueCopy pair TC01 to array 410002 (remote_0); BKServer knows mount points for the S-VOLs.
"""
from __future__ import annotations

from pathlib import Path

from adapters.lab.model import Lab
from adapters.lab.provision import mount_path

EXAMPLE_TOML = '''\
# Example lab: one file server, a backup server, two arrays (local and remote site).
name = "example"

[[hosts]]
name = "FSServer"
role = "FS"
  [[hosts.mounts]]
  path = "hosts/FSServer/mnt/fs1"
  array = 410001
  ldev = 256

[[hosts]]
name = "BKServer"
role = "BK"
{bk_mounts}
[[arrays]]
serial = 410001
model = "VSP"
  [[arrays.ldevs]]
  id = 256
  size = "64MiB"
  port = "CL1-A"
  target = 0
  lu = 0
{si_ldevs}
[[arrays]]
serial = 410002
model = "VSP"
  [[arrays.ldevs]]
  id = 512
  size = "64MiB"
  port = "CL3-A"
  target = 0
  lu = 0
{groups}
[[copy_groups]]
group = "TC01"
device = "VOL01"
copy_type = "TC"
pvol = {{ array = 410001, ldev = 256 }}
svol = {{ array = 410002, ldev = 512 }}
generation = "remote_0"

[tape_library]
name = "LIB01"
drives = 2
slots = 24
media = ["TP0001", "TP0002", "TP0003", "TP0004"]
retention_days = 30
'''


def example_toml() -> str:
    bk = "".join(f'  [[hosts.mounts]]\n  path = "hosts/BKServer/mnt/vg0{n}"\n  array = 410001\n'
                 f"  ldev = {256 + n}\n  mounted = false\n" for n in (1, 2, 3))
    bk += '  [[hosts.mounts]]\n  path = "hosts/BKServer/mnt/tc01"\n  array = 410002\n  ldev = 512\n  mounted = false\n'
    ldevs = "".join(f'  [[arrays.ldevs]]\n  id = {256 + n}\n  size = "64MiB"\n  port = "CL1-B"\n'
                    f"  target = 0\n  lu = {n}\n" for n in (1, 2, 3))
    groups = "".join(f'\n[[copy_groups]]\ngroup = "VG0{n}"\ndevice = "VOL0{n}"\ncopy_type = "SI"\nmu = {n - 1}\n'
                     f"pvol = {{ array = 410001, ldev = 256 }}\nsvol = {{ array = 410001, ldev = {256 + n} }}\n"
                     f'generation = "local_{n - 1}"\n' for n in (1, 2, 3))
    return EXAMPLE_TOML.format(bk_mounts=bk, si_ldevs=ldevs, groups=groups)


def write_example(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_toml(), encoding="utf-8")
    return path


def populate_example(lab: Lab, data_dir: Path) -> None:
    """Sample files in FSServer's file system, written through its mount point."""
    fs_host = next(h for h in lab.hosts if h.name == "FSServer")
    root = mount_path(data_dir, fs_host.mounts[0].path)
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "readme.txt").write_text("Sample file system of FSServer.\n")
    (root / "docs" / "orders.csv").write_text("".join(f"{i},item-{i},{i * 7 % 100}\n" for i in range(1000)))
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "blob.bin").write_bytes(bytes(range(256)) * 4096)
