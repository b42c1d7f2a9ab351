"""Export/import, auto-import and lineage as console programs, agents in-process."""
from __future__ import annotations

import json

import orjson
import pytest

from tests.e2e.fs_story import backup, mount_point
from tests.e2e.transfer_story import (BK, FS, catalog, check_example_b, check_lineage,
                                      check_replay, load_split_lab, run, run_example_b)


@pytest.fixture
def cli(embedded_cli, tmp_path):
    load_split_lab(embedded_cli, tmp_path)
    return embedded_cli


def stream_length(cli, host: str) -> int:
    return len(cli.run("log", "--host", host, check=True).stdout.splitlines())


def exported(cli, tmp_path) -> tuple[str, dict]:
    run(cli, "drmresync", "-copy_group", "VG01,VOL01")
    backup_id = backup(cli)
    path = tmp_path / f"{backup_id}.drm"
    lines = run(cli, "drmdbexport", backup_id, "-f", str(path)).splitlines()
    assert lines == ["KAVX0001-I The drmdbexport command will now start.",
                     "KAVX0002-I The drmdbexport command will now end."]
    return backup_id, orjson.loads(path.read_bytes())


def test_worked_example_b_with_the_backup_id_table(cli, tmp_path):
    check_example_b(run_example_b(cli, tmp_path))
    check_replay(cli)
    check_lineage(cli)


def test_drmdbimport_prints_the_imported_id(cli, tmp_path):
    _, document = exported(cli, tmp_path)
    result = cli.run("-f", str(tmp_path / "0000000001.drm"), "--host", BK,
                     program="drmdbimport", check=True)
    assert result.stdout.splitlines() == [
        "KAVX0001-I The drmdbimport command will now start.",
        "KAVX0418-I Backup information from the specified file was imported into the backup "
        "catalog.", "Imported backup ID = 0000000001",
        "KAVX0002-I The drmdbimport command will now end."]
    assert document["body"]["source_host"] == FS


@pytest.mark.parametrize("damage, detail", [
    (lambda data: data[: len(data) // 3], "DRM-10070"),
    (lambda data: data.replace(b'"ONLINE"', b'"COLD"'), "DRM-10072"),
    (lambda data: data.replace(b'"format_version": 1', b'"format_version": 7'), "DRM-10071"),
])
def test_a_damaged_file_is_refused_and_nothing_reaches_the_agent(cli, tmp_path, damage, detail):
    exported(cli, tmp_path)
    path = tmp_path / "0000000001.drm"
    path.write_bytes(damage(path.read_bytes()))
    result = cli.run("-f", str(path), "--host", BK, program="drmdbimport")
    assert result.returncode == 1 and detail in result.stderr
    assert result.stderr.startswith("KAVX0006-E") and str(path) in result.stderr
    assert not (tmp_path / "data" / "hosts" / BK / "events.db").exists()


def test_a_missing_file_and_a_missing_entry_are_errors(cli, tmp_path):
    missing = cli.run("-f", str(tmp_path / "nope.drm"), program="drmdbimport")
    assert missing.returncode == 1 and "DRM-10073" in missing.stderr
    no_entry = cli.run("0000000042", "-f", str(tmp_path / "x.drm"), program="drmdbexport")
    assert no_entry.returncode == 1 and "KAVX0024-E" in no_entry.stderr
    assert not (tmp_path / "x.drm").exists()
    bad_id = cli.run("42", "-f", str(tmp_path / "x.drm"), program="drmdbexport")
    assert bad_id.returncode == 1 and "10 digits" in bad_id.stderr


def test_an_import_while_the_copy_group_is_mounted_is_refused(cli, tmp_path):
    exported(cli, tmp_path)
    run(cli, "drmmount", "-copy_group", "VG01,VOL01", host=BK)
    refused = cli.run("-f", str(tmp_path / "0000000001.drm"), "--host", BK,
                      program="drmdbimport")
    assert refused.returncode == 1 and "is mounted at" in refused.stderr
    run(cli, "drmumount", "-copy_group", "VG01,VOL01", host=BK)
    assert "Imported backup ID = 0000000001" in run(
        cli, "drmdbimport", "-f", str(tmp_path / "0000000001.drm"), host=BK)


def test_auto_import_shows_the_imported_id_and_auto_mount_mounts_it(cli):
    run(cli, "drmresync", "-copy_group", "VG01,VOL01")
    out = run(cli, "drmfsbackup", str(mount_point(cli)), "-s", BK, "-auto_import",
              "-auto_mount")
    lines = out.splitlines()
    start = lines.index("KAVX5156-I The backup catalog will now be exported.")
    assert lines[start - 1].endswith("Backup ID = 0000000001")
    assert lines[start + 2] == f"KAVX5158-I The backup catalog will now be imported. " \
                               f"Host name = {BK}"
    assert lines[start + 3] == "KAVX5159-I The backup catalog has been imported."
    assert lines[start + 5] == "Imported backup ID = 0000000001"
    assert lines[start + 6].startswith("KAVX5162-I") and lines[-2].startswith("KAVX5163-I")
    assert catalog(cli, BK) == {"0000000001": ("0000000001", FS)}
    groups = json.loads(run(cli, "drmcgctl", "--json", host=BK))["result"]["copy_groups"]
    vg1 = next(g for g in groups if g["copy_group"] == "VG01,VOL01")
    assert vg1["locked"] and vg1["mounted_at"].endswith("mnt/vg01")


def test_lineage_of_an_unknown_backup_is_an_error(cli):
    result = cli.run("lineage", "0000000009")
    assert result.returncode == 1 and result.stderr.startswith("KAVX0024-E")
