"""The manual's worked examples that use extended commands (spec 04 §11, §12, §14), on a lab
shaped like the manual's: FSServer's file system "E" on one P-VOL, one ShadowImage pair
``VG01,vol01`` (the manual's copy group, "normally split": it starts PSUS), BKServer with the
S-VOL and a tape library, the operation ``Operation_A`` defined on both hosts. Shared by the embedded tests and the demo's
checks; the command lines are the manual's, in its order.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from tests.e2e.conftest import Cli

OPERATION = "Operation_A"
LAB = '''\
name = "manual"

[[hosts]]
name = "FSServer"
role = "FS"
  [[hosts.mounts]]
  path = "hosts/FSServer/mnt/E"
  array = 410001
  ldev = 256

[[hosts]]
name = "BKServer"
role = "BK"
  [[hosts.mounts]]
  path = "hosts/BKServer/mnt/E"
  array = 410001
  ldev = 257
  mounted = false

[[arrays]]
serial = 410001
model = "VSP"
  [[arrays.ldevs]]
  id = 256
  size = "16MiB"
  port = "CL1-A"
  target = 0
  lu = 0
  [[arrays.ldevs]]
  id = 257
  size = "16MiB"
  port = "CL1-B"
  target = 0
  lu = 1

[[copy_groups]]
group = "VG01"
device = "vol01"
copy_type = "SI"
mu = 0
pvol = { array = 410001, ldev = 256 }
svol = { array = 410001, ldev = 257 }
generation = "local_0"
initial_status = "PSUS"

[tape_library]
name = "LIB01"
drives = 1
slots = 8
media = ["MEDIA1", "MEDIA2"]
retention_days = 92
'''
DEFINITION = """BACKUP_OBJECT=FILESYSTEM
DB_SERVER_NAME=FSServer
INSTANCE_NAME={instance}
TARGET_NAME=
FTP_HOME_DIR={ftp_home}
FTP_SUB_DIR=script
SET_DRM_HOSTNAME=0
"""
FILES = {"docs/readme.txt": b"Files of E: on FSServer.\n",
         "docs/orders.csv": b"".join(b"%d,item-%d\n" % (i, i) for i in range(500)),
         "data/blob.bin": bytes(range(256)) * 512}


def svol_ldev(cli: Cli) -> Path:
    """The S-VOL's bytes in the simulated array (the tests damage them to restore from tape)."""
    return data_dir(cli) / "arrays" / "410001" / "ldev" / "257"


def data_dir(cli: Cli) -> Path:
    return Path(cli.env["DRM_DATA_DIR"])


def mount_point(cli: Cli) -> Path:
    return data_dir(cli) / "hosts" / "FSServer" / "mnt" / "E"


def svol(cli: Cli) -> Path:
    return data_dir(cli) / "hosts" / "BKServer" / "mnt" / "E"


def ftp_root(cli: Cli) -> Path:
    """The FTP service's home directory on BKServer (FTP_HOME_DIR)."""
    return data_dir(cli) / "hosts" / "BKServer" / "ftp_root"


def temp_dir(cli: Cli, host: str) -> Path:
    if host == "BKServer":
        return ftp_root(cli) / "script" / OPERATION / "BK"
    return data_dir(cli) / "hosts" / host / "script_work" / OPERATION / "DB"


def backup_id_file(cli: Cli, host: str) -> str:
    return (temp_dir(cli, host) / f"{OPERATION}.bid").read_text()


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def set_up(cli: Cli, tmp: Path, check: bool = True) -> None:
    """Load the manual's lab, write its files on E, define Operation_A on both hosts and check
    it there (which creates the temporary directories), as the manual prepares it."""
    lab = tmp / "manual-lab.toml"
    lab.write_text(LAB)
    cli.run("lab", "init", str(lab), check=True)
    write_files(mount_point(cli), FILES)
    definition = DEFINITION.format(instance=mount_point(cli), ftp_home=ftp_root(cli))
    for host in ("FSServer", "BKServer"):
        conf = data_dir(cli) / "hosts" / host / "script" / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / f"_{OPERATION}.dat").write_text(definition)
    ftp_root(cli).mkdir(parents=True, exist_ok=True)
    if check:
        check_definitions(cli)


def check_definitions(cli: Cli) -> None:
    cli.run(OPERATION, "-db", program="EX_DRM_FS_DEF_CHECK", check=True)
    cli.run(OPERATION, "-bk", "--host", "BKServer", program="EX_DRM_FS_DEF_CHECK", check=True)


def ex(cli: Cli, name: str, *args: str, host: str = "FSServer", check: bool = True):
    """``<host> > EX_DRM_<name> Operation_A <args>``; the framing checked."""
    result = cli.run(OPERATION, *args, "--host", host, program=f"EX_DRM_{name}", check=check)
    if result.returncode == 0:
        lines = result.stdout.splitlines()
        assert lines[0] == f"KAVX0450-I The EX_DRM_{name} command will now start."
        assert lines[-1] == f"KAVX0451-I The EX_DRM_{name} command will now end."
    return result
