"""Worked example E (spec 04 §15.1, §15.3, §15.4) with the extended commands, on a lab shaped
like the manual's: FSServer's file system "G" on the P-VOL 410001:256, the ShadowImage pair
``SI01,FS01`` (``local_0``, split) and the TrueCopy pair ``TC01,FS11`` (``remote_0``, normally
PAIR) to 410002:512, which BKServer mounts on its own "G" when needed; BKServer has the tape
library and the FTP service; the operation ``Operation_A`` is defined on both hosts.

The command lines are the manual's, in its order, on the host it names; the OS disk-management
mounts of §15.3 step 5 and §15.4 are ``drmmount``/``drmumount -copy_group`` on BKServer.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import Cli
from tests.e2e.ex_story import (DEFINITION, FILES, OPERATION, backup_id_file, check_definitions,
                                data_dir, ex, ftp_root, tree, write_files)
from tests.ftp_server import ftp_server

FS, BK = "FSServer", "BKServer"
TC = "TC01,FS11"
LAB = '''\
name = "manual-remote"

[[hosts]]
name = "FSServer"
role = "FS"
  [[hosts.mounts]]
  path = "hosts/FSServer/mnt/G"
  array = 410001
  ldev = 256

[[hosts]]
name = "BKServer"
role = "BK"
  [[hosts.mounts]]
  path = "hosts/BKServer/mnt/G"
  array = 410002
  ldev = 512
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

[[arrays]]
serial = 410002
model = "VSP"
  [[arrays.ldevs]]
  id = 512
  size = "16MiB"
  port = "CL3-A"
  target = 0
  lu = 0

[[copy_groups]]
group = "SI01"
device = "FS01"
copy_type = "SI"
mu = 0
pvol = { array = 410001, ldev = 256 }
svol = { array = 410001, ldev = 257 }
generation = "local_0"
initial_status = "PSUS"

[[copy_groups]]
group = "TC01"
device = "FS11"
copy_type = "TC"
pvol = { array = 410001, ldev = 256 }
svol = { array = 410002, ldev = 512 }
generation = "remote_0"

[tape_library]
name = "LIB01"
drives = 1
slots = 8
media = ["MEDIA1", "MEDIA2"]
retention_days = 92
'''
CAT_ID = re.compile(r"^BACKUP-ID: ?(\d{10}) BACKUP-MODE: ?(\w+) INSTANCE: .* ORIGINAL-ID: ?(\d{10})$",
                    re.M)


def g_drive(cli: Cli, host: str = FS) -> Path:
    return data_dir(cli) / "hosts" / host / "mnt" / "G"


def set_up(cli: Cli, tmp: Path) -> None:
    """Load the lab, write G:'s files, define Operation_A on both hosts and check it there."""
    lab = tmp / "manual-remote-lab.toml"
    lab.write_text(LAB)
    cli.run("lab", "init", str(lab), check=True)
    write_files(g_drive(cli), FILES)
    definition = DEFINITION.format(instance=g_drive(cli), ftp_home=ftp_root(cli))
    for host in (FS, BK):
        conf = data_dir(cli) / "hosts" / host / "script" / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / f"_{OPERATION}.dat").write_text(definition)
    ftp_root(cli).mkdir(parents=True, exist_ok=True)
    check_definitions(cli)


def run(cli: Cli, program: str, *args: str, host: str = FS) -> str:
    return cli.run(*args, "--host", host, program=program, check=True).stdout


def fscat(cli: Cli, host: str) -> tuple:
    """``<host> > drmfscat G:``: (ID, mode, ORIGINAL-ID, HOSTNAME, copy group shown)."""
    out = run(cli, "drmfscat", str(g_drive(cli)), host=host)
    hostname = re.search(r"^HOSTNAME: (\S+)$", out, re.M).group(1)
    return (*CAT_ID.search(out).groups(), hostname, TC in out)


def tapecat(cli: Cli) -> list[str]:
    answer = json.loads(run(cli, "drmtapecat", "--json", host=BK))
    return [entry["backup_id"] for entry in answer["result"]["entries"]]


def pair_rows(cli: Cli, host: str) -> list[tuple[str, ...]]:
    rows = run(cli, "pairdisplay", "-g", "TC01", host=host).splitlines()[1:]
    return [tuple(row.split()[6:9]) for row in rows]


def ftp(cli: Cli, name: str) -> None:
    ex(cli, name, "-server", BK, "-user", "admin", "-password", "password")


def run_example_e(cli: Cli) -> dict:
    """§15.1, §15.3 and §15.4 in the manual's order; what each step showed."""
    seen: dict = {"pairs": {}}
    with ftp_server(ftp_root(cli), "admin", "password") as address:
        cli.env["DRM_FTP_ADDRESSES"] = json.dumps({BK: address})
        # 15.1 backup to the remote site; local
        run(cli, "drmfsdisplay", "-refresh")
        seen["display"] = run(cli, "drmfsdisplay", "-cf")
        seen["pairs"]["start"] = pair_rows(cli, FS)
        ex(cli, "FS_BACKUP", "-mode", "cold", "-rc", "remote_0")
        seen["fs_bid"] = backup_id_file(cli, FS)
        seen["at_backup"] = tree(g_drive(cli))
        seen["fs_cat"] = fscat(cli, FS)
        ex(cli, "DB_EXPORT")
        ftp(cli, "FTP_PUT")
        # remote
        ex(cli, "DB_IMPORT", host=BK)
        seen["bk_bid_import"] = backup_id_file(cli, BK)
        seen["bk_cat_import"] = fscat(cli, BK)
        ex(cli, "TAPE_BACKUP", "-mount_pt", str(g_drive(cli, BK)), host=BK)
        seen["tapecat_1"] = tapecat(cli)
        ex(cli, "CACHE_PURGE", host=BK)
        # local
        ex(cli, "RESYNC")
        seen["pairs"]["resynced"] = pair_rows(cli, FS)
    (g_drive(cli) / "docs" / "readme.txt").write_text("changed after the tape backup\n")
    (g_drive(cli) / "data" / "blob.bin").unlink()
    seen["before_failure"] = tree(g_drive(cli))
    # 15.3 restore at the remote site (local site failed); remote
    run(cli, "pairsplit", "-g", "TC01", "-d", "FS11", "-S", host=BK)
    seen["pairs"]["dissolved"] = pair_rows(cli, BK)
    seen["tapecat_2"] = tapecat(cli)
    ex(cli, "TAPE_RESTORE", "-backup_id", "0000000002", "-mount_pt", str(g_drive(cli, BK)),
       host=BK)
    seen["bk_bid_restore"] = backup_id_file(cli, BK)
    seen["bk_cat_restore"] = fscat(cli, BK)
    run(cli, "drmmount", "-copy_group", TC, "-mount_pt", str(g_drive(cli, BK)), host=BK)
    seen["served_at_remote"] = tree(g_drive(cli, BK))
    (g_drive(cli, BK) / "docs" / "remote.txt").write_text("written while FSServer was down\n")
    seen["remote_at_recovery"] = tree(g_drive(cli, BK))
    # 15.4 recover from the remote site back to the local site
    run(cli, "drmumount", "-copy_group", TC, host=BK)
    run(cli, "paircreate", "-g", "TC01", "-d", "FS11", "-vl", "-f", "never", host=BK)
    run(cli, "pairevtwait", "-g", "TC01", "-s", "pair", "-t", "60", host=BK)
    seen["pairs"]["remote_primary"] = pair_rows(cli, BK)
    run(cli, "pairresync", "-g", "TC01", "-d", "FS11", "-swaps")
    run(cli, "pairevtwait", "-g", "TC01", "-s", "pair", "-t", "60")
    seen["pairs"]["local_primary"] = pair_rows(cli, FS)
    seen["recovered"] = tree(g_drive(cli))
    return seen


def check_example_e(seen: dict) -> None:
    """The manual's IDs (FS #1; BK import #1, tape #2, tape restore #3, all ORIGINAL-ID #1),
    the pair states along the way and the bytes at each restore."""
    assert TC in seen["display"] and "remote_0" in seen["display"]
    pvol, svol = ("410001", "256.P-VOL", "PAIR"), ("410002", "512.S-VOL", "PAIR")
    assert seen["pairs"]["start"] == [pvol, svol]
    assert seen["fs_bid"] == "0000000001\n"
    assert seen["fs_cat"] == ("0000000001", "COLD", "0000000001", FS, True)
    assert seen["bk_bid_import"] == "0000000001\n"
    assert seen["bk_cat_import"] == ("0000000001", "COLD", "0000000001", FS, True)
    assert seen["tapecat_1"] == seen["tapecat_2"] == ["0000000002"]
    assert seen["pairs"]["resynced"] == [pvol, svol]
    assert seen["pairs"]["dissolved"] == [("410002", "512.-", "SMPL"), ("410001", "256.-", "SMPL")]
    assert seen["bk_bid_restore"] == "0000000003\n"
    assert seen["bk_cat_restore"] == ("0000000003", "COLD", "0000000001", FS, True)
    assert seen["before_failure"] != seen["at_backup"]
    assert seen["served_at_remote"] == seen["at_backup"]  # the tape's bytes, byte for byte
    assert seen["pairs"]["remote_primary"] == [("410002", "512.P-VOL", "PAIR"),
                                               ("410001", "256.S-VOL", "PAIR")]
    assert seen["pairs"]["local_primary"] == [pvol, svol]
    assert seen["recovered"] == seen["remote_at_recovery"]  # the remote site's work came home
    assert "docs/remote.txt" in seen["recovered"]
