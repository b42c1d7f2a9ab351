"""The example lab of ``drm lab init --example``.

FSServer has one file system (``hosts/FSServer/mnt/fs1``) on P-VOL 410001:256; three
ShadowImage generations VG01..VG03 (MU# 0..2, local_0..local_2) on 410001:257..259; one
TrueCopy pair TC01 to array 410002 (remote_0); BKServer knows mount points for the S-VOLs.

DBServer runs the simulated SQL Server (``adapters.sqlserver``): instance ``default`` with
the user databases UserDB1 (``hosts/DBServer/mnt/sql1``, P-VOL 410001:300) and UserDB2
(``hosts/DBServer/mnt/sql2``, P-VOL 410001:301), 100 numbered rows each at init; three
ShadowImage generations SI01..SI03 (MU# 0..2, local_0..local_2, devices sql01 and sql02) on
410001:302..307; its SQL Server information is set as after ``drmsqlinit default``
(metafiles on the P-VOL, VDI timeout 300 s, undo and log backup directories under
``hosts/DBServer/mssql/default``). BKServer knows mount points for those S-VOLs too.
"""
from __future__ import annotations

from pathlib import Path

from adapters.lab.model import Lab
from adapters.lab.provision import mount_path
from adapters.sqlserver.lab import populate_instances

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

{db_server}
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
{si_ldevs}{db_ldevs}
[[arrays]]
serial = 410002
model = "VSP"
  [[arrays.ldevs]]
  id = 512
  size = "64MiB"
  port = "CL3-A"
  target = 0
  lu = 0
{groups}{db_groups}
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
    bk += "".join(f'  [[hosts.mounts]]\n  path = "hosts/BKServer/mnt/sql_si0{n}_{v}"\n  array = 410001\n'
                  f"  ldev = {_db_svol(n, v)}\n  mounted = false\n" for n in (1, 2, 3) for v in (1, 2))
    return EXAMPLE_TOML.format(bk_mounts=bk, si_ldevs=ldevs, groups=groups, **_db_parts())


DB_SERVER = '''
[[hosts]]
name = "DBServer"
role = "DB"
  [[hosts.mounts]]
  path = "hosts/DBServer/mnt/sql1"
  array = 410001
  ldev = 300
  [[hosts.mounts]]
  path = "hosts/DBServer/mnt/sql2"
  array = 410001
  ldev = 301
  [[hosts.sql_instances]]
  name = "default"
  metafile_dir = ""
  vdi_timeout = 300
  undo_dir = "hosts/DBServer/mssql/default/undo"
  log_backup_dir = "hosts/DBServer/mssql/default/tlog"
    [[hosts.sql_instances.databases]]
    name = "UserDB1"
    data = ["hosts/DBServer/mnt/sql1"]
    log = "hosts/DBServer/mnt/sql1"
    rows = 100
    [[hosts.sql_instances.databases]]
    name = "UserDB2"
    data = ["hosts/DBServer/mnt/sql2"]
    log = "hosts/DBServer/mnt/sql2"
    rows = 100
'''


def _db_svol(generation: int, volume: int) -> int:
    return 300 + 2 * generation + volume - 1


def _db_parts() -> dict[str, str]:
    """DBServer, its P-VOLs 300-301 and S-VOLs 302-307, and its generations SI01..SI03."""
    ldevs = "".join(f'  [[arrays.ldevs]]\n  id = {ldev}\n  size = "64MiB"\n  port = "CL1-C"\n'
                    f"  target = 0\n  lu = {ldev - 300}\n" for ldev in range(300, 308))
    groups = "".join(f'\n[[copy_groups]]\ngroup = "SI0{n}"\ndevice = "sql0{v}"\ncopy_type = "SI"\n'
                     f"mu = {n - 1}\npvol = {{ array = 410001, ldev = {299 + v} }}\n"
                     f"svol = {{ array = 410001, ldev = {_db_svol(n, v)} }}\n"
                     f'generation = "local_{n - 1}"\n' for n in (1, 2, 3) for v in (1, 2))
    return {"db_server": DB_SERVER, "db_ldevs": ldevs, "db_groups": groups}


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
    populate_instances(lab, data_dir)  # DBServer's SQL Server databases (slice sql-instance)
