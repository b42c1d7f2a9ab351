"""Worked example B (spec 04 §12) through the console commands, FSServer and BKServer.

Shared by the embedded and the distributed tests. The lab is the example lab with every copy
group split at the start (the manual's "normally split" policy: resync before the backup) and
sample files on FSServer's file system. ``pairsplit`` stands for the operator's CCI command the
manual asks for before a tape restore onto a resynced S-VOL (§3.5: no drmmount in PAIR).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from adapters.lab.example import example_toml
from adapters.lab.provision import open_storage, volume
from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from projections.host_fold import rebuild
from services.agent.filesystem.queries import select_entries
from tests.e2e.conftest import Cli
from tests.e2e.fs_story import mount_point, tree

FS, BK = "FSServer", "BKServer"
VG1 = "VG01,VOL01"
BACKUP_ID = re.compile(r"Backup ID = (\d{10})$", re.M)
IMPORTED_ID = re.compile(r"^Imported backup ID = (\d{10})$", re.M)


def split_lab(path: Path) -> Path:
    path.write_text(example_toml().replace('generation = "',
                                           'initial_status = "PSUS"\ngeneration = "'))
    return path


def load_split_lab(cli: Cli, workdir: Path) -> None:
    cli.run("lab", "init", str(split_lab(workdir / "lab-split.toml")), check=True)
    root = mount_point(cli)
    (root / "docs").mkdir()
    (root / "docs" / "readme.txt").write_text("Sample file system of FSServer.\n")
    (root / "docs" / "orders.csv").write_text("".join(f"{i},item-{i}\n" for i in range(2000)))
    (root / "data").mkdir()
    (root / "data" / "blob.bin").write_bytes(bytes(range(256)) * 4096)


def pairsplit(cli: Cli, copy_group_mu: str = "0") -> None:
    """The operator's CCI ``pairsplit`` of VG01 (P-VOL 410001:256, MU# 0)."""
    open_storage(Path(cli.env["DRM_DATA_DIR"])).pairsplit(volume("410001", 256), copy_group_mu)


def run(cli: Cli, program: str, *args: str, host: str = FS) -> str:
    return cli.run(*args, "--host", host, program=program, check=True).stdout


def new_id(output: str) -> str:
    return BACKUP_ID.findall(output)[-1]


def imported(output: str) -> str:
    return IMPORTED_ID.search(output).group(1)


def catalog(cli: Cli, host: str) -> dict[str, tuple[str, str]]:
    answer = json.loads(run(cli, "drmappcat", "--json", host=host))
    return {e["backup_id"]: (e["original_id"], e["origin_host"])
            for e in answer["result"]["entries"]}


def cache_purge(cli: Cli) -> None:
    run(cli, "drmmount", "-copy_group", VG1, host=BK)
    run(cli, "drmumount", "-copy_group", VG1, host=BK)


def transfer(source: Path, target: Path) -> Path:
    """The manual's FTP put/get: the export file lands in the other host's directory."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def run_example_b(cli: Cli, workdir: Path) -> dict:
    """Every step of §12.1 and §12.3; the IDs and files each step gave."""
    ids, root = {}, mount_point(cli)
    fs_dir, bk_dir = workdir / "fs-temp", workdir / "bk-temp"
    fs_dir.mkdir(exist_ok=True)
    cache_purge(cli)
    run(cli, "drmresync", "-copy_group", VG1)
    ids["fs_backup"] = new_id(run(cli, "drmfsbackup", str(root)))
    at_backup = tree(root)
    ids["fs_catalog_1"] = catalog(cli, FS)
    run(cli, "drmdbexport", ids["fs_backup"], "-f", str(fs_dir / "op.drm"))
    moved = transfer(fs_dir / "op.drm", bk_dir / "op.drm")
    ids["bk_import"] = imported(run(cli, "drmdbimport", "-f", str(moved), host=BK))
    ids["bk_catalog_1"] = catalog(cli, BK)
    run(cli, "drmmount", ids["bk_import"], host=BK)
    ids["bk_tape"] = new_id(run(cli, "drmmediabackup", ids["bk_import"], host=BK))
    run(cli, "drmumount", ids["bk_import"], host=BK)
    ids["tapecat"] = json.loads(run(cli, "drmtapecat", "-hostname", FS, "-l", "--json",
                                    host=BK))
    # the P-VOL lives on; the S-VOL is refreshed from it (cache purge, resync), then split
    (root / "docs" / "readme.txt").write_text("changed after the tape backup\n")
    (root / "data" / "blob.bin").unlink()
    (root / "added.txt").write_text("new after the tape backup\n")
    cache_purge(cli)
    run(cli, "drmresync", "-copy_group", VG1)
    pairsplit(cli)
    run(cli, "drmmount", ids["bk_tape"], host=BK)
    ids["bk_restore"] = new_id(run(cli, "drmmediarestore", ids["bk_tape"], host=BK))
    run(cli, "drmumount", ids["bk_tape"], host=BK)
    ids["bk_catalog_2"] = catalog(cli, BK)
    run(cli, "drmdbexport", ids["bk_restore"], "-f", str(bk_dir / "op.drm"), host=BK)
    moved = transfer(bk_dir / "op.drm", fs_dir / "back.drm")
    ids["fs_import"] = imported(run(cli, "drmdbimport", "-f", str(moved)))
    ids["fs_catalog_2"] = catalog(cli, FS)
    before_restore = tree(root)
    run(cli, "drmfsrestore", ids["fs_import"], "-resync")
    return {"ids": ids, "at_backup": at_backup, "before_restore": before_restore,
            "restored": tree(root)}


def check_example_b(story: dict) -> None:
    """The backup-ID table of spec 04 §10.1 and the bytes."""
    ids = story["ids"]
    assert ids["fs_backup"] == "0000000001"
    assert ids["fs_catalog_1"] == {"0000000001": ("0000000001", FS)}
    assert ids["bk_import"] == "0000000001"
    assert ids["bk_catalog_1"] == {"0000000001": ("0000000001", FS)}
    assert ids["bk_tape"] == "0000000002"
    [tape] = ids["tapecat"]["result"]["entries"]
    assert (tape["backup_id"], tape["original_id"], tape["origin_host"]) == \
        ("0000000002", "0000000001", FS)
    assert ids["bk_restore"] == "0000000003"
    assert ids["bk_catalog_2"] == {"0000000003": ("0000000001", FS)}  # #1 superseded
    assert ids["fs_import"] == "0000000002"
    assert ids["fs_catalog_2"] == {"0000000002": ("0000000001", FS)}  # #1 died with the resync
    assert story["before_restore"] != story["at_backup"]
    assert story["restored"] == story["at_backup"]


def check_replay(cli: Cli, hosts=(FS, BK)) -> None:
    """Each host's stream, replayed from seq 1, gives the catalog its live agent answers."""
    data_dir = Path(cli.env["DRM_DATA_DIR"])
    for host in hosts:
        engine = make_engine(f"sqlite:///{data_dir / 'hosts' / host / 'events.db'}")
        try:
            view = rebuild(SqlEventStore(engine), host)
        finally:
            engine.dispose()
        live = json.loads(run(cli, "drmappcat", "--json", host=host))["result"]["entries"]
        assert select_entries(view) == live  # every field of every entry, from seq 1
        assert view.tape.keys() == {e["backup_id"] for e in json.loads(run(
            cli, "drmtapecat", "--json", host=host))["result"]["entries"]}
        assert cli.run("verify", "--host", host).returncode == 0


def check_lineage(cli: Cli) -> None:
    answer = json.loads(run(cli, "drm", "lineage", "0000000002", "--json"))
    steps = [(e["host"], e["backup_id"], e["event_type"], e["live"]) for e in answer["lineage"]]
    assert steps == [(FS, "0000000001", "BackupRecorded", False),
                     (BK, "0000000001", "BackupImported", False),
                     (BK, "0000000002", "TapeBackupRecorded", True),
                     (BK, "0000000003", "BackupRecorded", True),
                     (FS, "0000000002", "BackupImported", True)]
    assert all(len(e["event_hash"]) == 64 for e in answer["lineage"])
    assert answer["lineage"][-1]["source_host"] == BK
