"""Worked example E (spec 04 §15.1, §15.3, §15.4) with the basic commands and CCI's, on the
example lab: FSServer's file system on the P-VOL 410001:256, the TrueCopy pair ``TC01,VOL01``
(generation ``remote_0``) to BKServer's 410002:512, normally PAIR; BKServer has the tape library.

Shared by the embedded and the distributed tests. The manual's extended commands map to the basic
ones as §2 says (``EX_DRM_FS_BACKUP`` → ``drmfsbackup``, ``EX_DRM_TAPE_BACKUP`` → ``drmmount``
+ ``drmmediabackup`` + ``drmumount``, ``EX_DRM_CACHE_PURGE`` → ``drmmount``/``drmumount`` of the
copy group, ``EX_DRM_RESYNC`` → ``drmresync``); the FTP put is a copy of the export file; the
OS disk-management mount of §15.3 step 5 is ``drmmount -copy_group`` on BKServer. The CCI
commands are the manual's, typed on the host the manual names.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.e2e.conftest import Cli
from tests.e2e.fs_story import mount_point, tree

FS, BK = "FSServer", "BKServer"
TC = "TC01,VOL01"
BACKUP_ID = re.compile(r"Backup ID = (\d{10})$", re.M)
IMPORTED_ID = re.compile(r"^Imported backup ID = (\d{10})$", re.M)
CAT_ID = re.compile(r"^BACKUP-ID: (\d{10}) BACKUP-MODE: (\w+) INSTANCE: .* ORIGINAL-ID: (\d{10})$",
                    re.M)


def run(cli: Cli, program: str, *args: str, host: str = FS) -> str:
    return cli.run(*args, "--host", host, program=program, check=True).stdout


def bk_mount(cli: Cli) -> Path:
    """BKServer's mount point of the TrueCopy S-VOL (the manual's G: on the backup server)."""
    return Path(cli.env["DRM_DATA_DIR"]) / "hosts" / BK / "mnt" / "tc01"


def svol_ldev(cli: Cli) -> Path:
    """The remote S-VOL's bytes in the simulated array (what BKServer would mount)."""
    return Path(cli.env["DRM_DATA_DIR"]) / "arrays" / "410002" / "ldev" / "512"


def pair_rows(cli: Cli, host: str) -> list[tuple[str, str, str]]:
    """``pairdisplay -g TC01`` on ``host``: (serial, LDEV.P/S, status) of this host's row, then
    the other's."""
    rows = run(cli, "pairdisplay", "-g", "TC01", host=host).splitlines()[1:]
    return [tuple(row.split()[6:9]) for row in rows]


def fscat(cli: Cli, host: str) -> dict:
    """``drmfscat`` of the file system on ``host``: the IDs, the host, the copy group shown."""
    out = run(cli, "drmfscat", str(mount_point(cli)), host=host)
    backup_id, mode, original = CAT_ID.search(out).groups()
    return {"id": backup_id, "mode": mode, "original": original,
            "hostname": re.search(r"^HOSTNAME: (\S+)$", out, re.M).group(1),
            "copy_group": TC if TC in out else None}


def tape_ids(cli: Cli) -> list[str]:
    answer = json.loads(run(cli, "drmtapecat", "--json", host=BK))
    return [entry["backup_id"] for entry in answer["result"]["entries"]]


def new_id(output: str) -> str:
    return BACKUP_ID.findall(output)[-1]


def wait_pair(cli: Cli, host: str) -> None:
    run(cli, "pairevtwait", "-g", "TC01", "-s", "pair", "-t", "60", host=host)


def run_example_e(cli: Cli, workdir: Path) -> dict:
    """Every step of §15.1, §15.3 and §15.4, in the manual's order; what each step showed."""
    seen: dict = {"pairs": {}}
    root = mount_point(cli)
    # 15.1 backup to the remote site, local
    run(cli, "drmfsdisplay", "-refresh")
    seen["display"] = run(cli, "drmfsdisplay", "-cf")
    seen["pairs"]["start"] = pair_rows(cli, FS)
    seen["backup"] = new_id(run(cli, "drmfsbackup", str(root), "-mode", "cold",
                                "-rc", "remote_0"))
    seen["at_backup"] = tree(root)
    seen["fs_cat"] = fscat(cli, FS)
    run(cli, "drmdbexport", seen["backup"], "-f", str(workdir / "fs-op.drm"))
    moved = workdir / "bk-ftp" / "op.drm"  # the FTP put
    moved.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(workdir / "fs-op.drm", moved)
    # remote
    seen["bk_import"] = IMPORTED_ID.search(run(cli, "drmdbimport", "-f", str(moved),
                                               host=BK)).group(1)
    seen["bk_cat_import"] = fscat(cli, BK)
    run(cli, "drmmount", seen["bk_import"], host=BK)
    seen["bk_tape"] = new_id(run(cli, "drmmediabackup", seen["bk_import"], host=BK))
    run(cli, "drmumount", seen["bk_import"], host=BK)
    seen["tapecat_1"] = tape_ids(cli)
    run(cli, "drmmount", "-copy_group", TC, host=BK)  # cache purge
    run(cli, "drmumount", "-copy_group", TC, host=BK)
    # local: back to PAIR; the file system lives on, mirrored to the remote site
    run(cli, "drmresync", "-copy_group", TC)
    seen["pairs"]["resynced"] = pair_rows(cli, FS)
    (root / "docs" / "readme.txt").write_text("changed after the tape backup\n")
    (root / "data" / "blob.bin").unlink()
    (root / "lost-with-the-local-site.txt").write_text("written after the tape backup\n")
    seen["before_failure"] = tree(root)
    # 15.3 restore at the remote site (local site failed)
    run(cli, "pairsplit", "-g", "TC01", "-d", "VOL01", "-S", host=BK)
    seen["pairs"]["dissolved"] = pair_rows(cli, BK)
    seen["tapecat_2"] = tape_ids(cli)
    seen["svol_before_restore"] = tree(svol_ldev(cli))  # TrueCopy mirrored the failed site's
    run(cli, "drmmount", seen["bk_tape"], host=BK)
    seen["bk_restore"] = new_id(run(cli, "drmmediarestore", seen["bk_tape"], host=BK))
    run(cli, "drmumount", seen["bk_tape"], host=BK)
    seen["bk_cat_restore"] = fscat(cli, BK)
    run(cli, "drmmount", "-copy_group", TC, host=BK)  # BKServer serves the file system
    seen["served_at_remote"] = tree(bk_mount(cli))
    (bk_mount(cli) / "docs" / "written-at-the-remote-site.txt").write_text("while FS was down\n")
    seen["remote_at_recovery"] = tree(bk_mount(cli))
    # 15.4 recover from the remote site back to the local site
    run(cli, "drmumount", "-copy_group", TC, host=BK)
    run(cli, "paircreate", "-g", "TC01", "-d", "VOL01", "-vl", "-f", "never", host=BK)
    wait_pair(cli, BK)
    seen["pairs"]["remote_primary"] = pair_rows(cli, BK)
    run(cli, "pairresync", "-g", "TC01", "-d", "VOL01", "-swaps")
    wait_pair(cli, FS)
    seen["pairs"]["local_primary"] = pair_rows(cli, FS)
    seen["recovered"] = tree(root)
    return seen


def check_example_e(seen: dict) -> None:
    """The manual's IDs (spec 04 §15: FS #1, BK import #1, tape #2, BK restore #3 with
    ORIGINAL-ID #1), the pair states and the bytes at each restore."""
    assert "TC01,VOL01" in seen["display"] and "remote_0" in seen["display"]
    pvol, svol = ("410001", "256.P-VOL", "PAIR"), ("410002", "512.S-VOL", "PAIR")
    assert seen["pairs"]["start"] == [pvol, svol]
    assert seen["backup"] == "0000000001"
    assert seen["fs_cat"] == {"id": "0000000001", "mode": "COLD", "original": "0000000001",
                              "hostname": FS, "copy_group": TC}
    assert seen["bk_import"] == "0000000001"
    assert seen["bk_cat_import"] == {"id": "0000000001", "mode": "COLD",
                                     "original": "0000000001", "hostname": FS,
                                     "copy_group": TC}
    assert seen["bk_tape"] == "0000000002"
    assert seen["tapecat_1"] == seen["tapecat_2"] == ["0000000002"]
    assert seen["pairs"]["resynced"] == [pvol, svol]
    assert seen["pairs"]["dissolved"] == [("410002", "512.-", "SMPL"), ("410001", "256.-", "SMPL")]
    assert seen["svol_before_restore"] == seen["before_failure"] != seen["at_backup"]
    assert seen["bk_restore"] == "0000000003"
    assert seen["bk_cat_restore"] == {"id": "0000000003", "mode": "COLD",
                                      "original": "0000000001", "hostname": FS,
                                      "copy_group": TC}
    assert seen["served_at_remote"] == seen["at_backup"]  # the tape's bytes, byte for byte
    assert seen["pairs"]["remote_primary"] == [("410002", "512.P-VOL", "PAIR"),
                                               ("410001", "256.S-VOL", "PAIR")]
    assert seen["pairs"]["local_primary"] == [pvol, svol]
    assert seen["recovered"] == seen["remote_at_recovery"]  # the remote site's work came home
    assert "docs/written-at-the-remote-site.txt" in seen["recovered"]
