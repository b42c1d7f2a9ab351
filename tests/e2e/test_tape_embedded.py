"""The backup server's tape story through the console commands on the example lab, agents
in-process: backup on FSServer, the entry handed to BKServer (drmdbexport/drmdbimport), then on
BKServer drmmount → drmmediabackup → drmumount, the S-VOL changes, drmmount <tape-ID> →
drmmediarestore → drmumount gives back the bytes; IDs and ORIGINAL-IDs as spec 04 §10.1."""
from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.fs_story import backup, mount_point, tree

ASSIGNED = re.compile(r"Backup ID = (\d{10})$", re.M)
TIMES = re.compile(r"^START-TIME: ?(.+?) END-TIME: ?(.+?)$", re.M)


def times_of(catalog: str, backup_id: str) -> tuple[str, str]:
    """START-TIME and END-TIME of ``backup_id`` in a ``drmfscat`` listing."""
    record = catalog[catalog.index(f"BACKUP-ID: {backup_id}"):]
    found = TIMES.search(record)
    return found.group(1), found.group(2)


def bk_run(cli, program: str, *args: str, check: bool = True):
    return cli.run(*args, "--host", "BKServer", program=program, check=check)


def framed(result, program: str) -> list[str]:
    lines = result.stdout.splitlines()
    assert lines[0] == f"KAVX0001-I The {program} command will now start."
    assert lines[-1] == f"KAVX0002-I The {program} command will now end."
    return lines[1:-1]


def test_tape_backup_and_tape_restore_on_the_backup_server(embedded_cli, tmp_path):
    cli = embedded_cli
    cli.run("lab", "init", "--example", check=True)
    data = Path(cli.env["DRM_DATA_DIR"])
    original = tree(mount_point(cli))
    assert backup(cli) == "0000000001"
    export = tmp_path / "fs1.drm"
    cli.run("0000000001", "-f", str(export), program="drmdbexport", check=True)
    imported = bk_run(cli, "drmdbimport", "-f", str(export))
    assert "Imported backup ID = 0000000001" in imported.stdout
    svol = data / "hosts" / "BKServer" / "mnt" / "vg01"
    first = times_of(bk_run(cli, "drmfscat", str(mount_point(cli))).stdout, "0000000001")

    assert framed(bk_run(cli, "drmmount", "0000000001"), "drmmount") == [
        f"KAVX0400-I Mounting will now start. Mount point = {svol}",
        f"KAVX0401-I Mounting has finished. Mount point = {svol}"]
    taped = framed(bk_run(cli, "drmmediabackup", "0000000001"), "drmmediabackup")
    assert taped[0] == f"KAVX0402-I Backup processing will now start. Source = {svol}"
    assert ASSIGNED.search("\n".join(taped)).group(1) == "0000000002"
    assert framed(bk_run(cli, "drmumount", "0000000001"), "drmumount")[1] == \
        f"KAVX0407-I Unmounting has finished. Mount point = {svol}"
    short = framed(bk_run(cli, "drmtapecat"), "drmtapecat")
    assert short[0].split() == ["BACKUP-ID", "BACKUP-OBJECT", "SNAPSHOT", "TIME", "EXPIRATION",
                                "TIME", "BACKUP-MEDIA"]
    assert short[1].split()[:2] == ["0000000002", "FILESYSTEM"] and short[1].endswith("TP0002")
    long = framed(bk_run(cli, "drmtapecat", "-hostname", "FSServer", "-l"), "drmtapecat")
    assert long[1].split()[:4] == ["0000000002", "0000000001", "FSServer", "FILESYSTEM"]
    none = framed(bk_run(cli, "drmtapecat", "-hostname", "DBServer", "-l"), "drmtapecat")
    assert len(none) == 1 and none[0].split() == long[0].split()

    (mount_point(cli) / "docs" / "readme.txt").write_text("changed after the tape backup\n")
    cli.run("-copy_group", "VG01,VOL01", program="drmresync", check=True)
    paired = bk_run(cli, "drmmount", "0000000002", check=False)
    assert paired.returncode == 1 and "PAIR" in paired.stderr
    backup(cli, "-rc", "local_0")
    assert tree(data / "arrays" / "410001" / "ldev" / "257") != original

    bk_run(cli, "drmmount", "0000000002")
    restored = framed(bk_run(cli, "drmmediarestore", "0000000002"), "drmmediarestore")
    assert restored[0] == f"KAVX0404-I Restoration will now start. Source = TP0002 Target = {svol}"
    assert ASSIGNED.search("\n".join(restored)).group(1) == "0000000003"
    bk_run(cli, "drmumount", "0000000002")
    assert tree(data / "arrays" / "410001" / "ldev" / "257") == original
    catalog = bk_run(cli, "drmfscat", str(mount_point(cli))).stdout
    assert "BACKUP-ID: 0000000003" in catalog and "ORIGINAL-ID: 0000000001" in catalog
    assert "BACKUP-ID: 0000000001 " not in catalog  # superseded on VG01
    assert times_of(catalog, "0000000003") == first  # the original backup's times (manual)

    missing = bk_run(cli, "drmmediarestore", "0000000009", check=False)
    assert missing.returncode == 1 and "KAVX0024-E" in missing.stderr
    usage = bk_run(cli, "drmmount", check=False)
    assert usage.returncode == 1 and "DRM-90100" in usage.stderr
