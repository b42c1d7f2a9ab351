"""What each command line sends: the contract's command name, host and arguments."""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from services.cli import main
from tests.unit.cli.fakes import FakeRunner, a_reply, completed

MP = "/mnt/fs1"
ID = "0000000003"
NO_PACE = {"copy_size": None, "copy_parameters": None, "copy_group_list": None}
NO_AUTO_IMPORT = {"backup_server": None, "auto_import": False, "auto_mount": None,
                  "copy_parameters": None, "script": None}


def sent(run, argv, *answers):
    runner = FakeRunner(*answers)
    ran = run(argv, runner)
    assert ran.code == 0, ran.err
    return runner.calls


def test_backup_defaults_to_online_with_the_agent_choosing_the_generation(run):
    calls = sent(run, ["fsbackup", MP], completed("BackupFileSystem", backup_id=ID))
    assert calls == [("BackupFileSystem", "FSServer",
                      {"targets": [MP], "mode": "online", "generation": None, "comment": "",
                       **NO_AUTO_IMPORT})]


def test_backup_takes_gnu_long_options_and_the_host(run):
    calls = sent(run, ["fsbackup", MP + "/", "--mode", "cold", "--rc", "local_1",
                       "--comment", "before upgrade", "--host", "BKServer"],
                 completed("BackupFileSystem", backup_id=ID))
    assert calls == [("BackupFileSystem", "BKServer",
                      {"targets": [MP], "mode": "cold", "generation": "local_1",
                       "comment": "before upgrade", **NO_AUTO_IMPORT})]


def test_bare_rc_means_the_first_remote_generation(run):
    calls = sent(run, ["fsbackup", MP, "-rc"], completed("BackupFileSystem", backup_id=ID))
    assert calls[0][2]["generation"] == "remote_0"


def test_a_target_list_file_expands_to_its_mount_points(run, tmp_path):
    listing = tmp_path / "mp_on_dg01.dat"
    listing.write_text("# file systems of DG01\n/mnt/a\n\n  /mnt/b   # second\n/mnt/c/\n")
    calls = sent(run, ["fsbackup", str(listing), "-mode", "cold"],
                 completed("BackupFileSystem", backup_id=ID))
    assert calls[0][2]["targets"] == ["/mnt/a", "/mnt/b", "/mnt/c"]


def test_restore_of_some_mount_points_with_force(run):
    calls = sent(run, ["fsrestore", ID, "-resync", "-target", "/mnt/a,/mnt/b", "-force"],
                 completed("RestoreFileSystem"))
    assert calls == [("RestoreFileSystem", "FSServer",
                      {"backup_id": ID, "targets": ["/mnt/a", "/mnt/b"], "force": True,
                       "copy_parameters": None})]


def test_restore_targets_from_a_file_and_whole_backup_by_default(run, tmp_path):
    listing = tmp_path / "targets.txt"
    listing.write_text("/mnt/a\n")
    calls = sent(run, ["fsrestore", ID, "--resync", "-f", str(listing)],
                 completed("RestoreFileSystem"))
    assert calls[0][2]["targets"] == ["/mnt/a"]
    calls = sent(run, ["fsrestore", ID, "-resync"], completed("RestoreFileSystem"))
    assert calls[0][2] == {"backup_id": ID, "targets": [], "force": False,
                           "copy_parameters": None}


@pytest.mark.parametrize("argv, expected", [
    (["resync", "-backup_id", ID], {"backup_id": ID, "copy_group": None, **NO_PACE}),
    (["resync", "--copy_group", "VG01,VOL01"], {"backup_id": None, "copy_group": "VG01,VOL01",
                                                **NO_PACE}),
])
def test_resync_by_backup_or_copy_group(run, argv, expected):
    assert sent(run, argv, completed("ResyncCopyGroups")) == [
        ("ResyncCopyGroups", "FSServer", expected)]


def test_lock_and_unlock(run):
    calls = sent(run, ["cgctl", "-backup_id", ID, "-mode", "lock"], completed("SetCopyGroupLock"))
    assert calls[0][:1] == ("SetCopyGroupLock",)
    assert calls[0][2] == {"backup_id": ID, "copy_group": None, "mode": "lock"}
    calls = sent(run, ["cgctl", "--copy_group", "VG02,VOL02", "--mode", "unlock"],
                 completed("SetCopyGroupLock"))
    assert calls[0][2] == {"backup_id": None, "copy_group": "VG02,VOL02", "mode": "unlock"}


def test_listing_commands_are_queries(run):
    assert sent(run, ["cgctl"], a_reply(copy_groups=[])) == [("ListCopyGroups", "FSServer", {})]
    assert sent(run, ["appcat"], a_reply(entries=[])) == [
        ("ListCatalog", "FSServer", {"targets": [], "backup_id": None, "comment": None})]
    assert sent(run, ["fscat", MP, "-backup_id", ID, "-comment", "nightly"],
                a_reply(entries=[{"backup_id": ID, "mode": "ONLINE", "instances": [MP],
                                  "rows": []}])) == [
        ("ListFileSystemCatalog", "FSServer",
         {"targets": [MP], "backup_id": ID, "comment": "nightly"})]


def test_delete_an_entry(run):
    assert sent(run, ["appcat", ID, "-delete"], completed("DeleteCatalogEntry")) == [
        ("DeleteCatalogEntry", "FSServer", {"backup_id": ID})]


def test_display_refresh_only_sends_the_refresh(run):
    assert sent(run, ["fsdisplay", "-refresh"], completed("RefreshDictionaryMaps")) == [
        ("RefreshDictionaryMaps", "FSServer", {})]


def test_display_refresh_with_cf_refreshes_then_shows(run):
    calls = sent(run, ["fsdisplay", "-refresh", "-cf"], completed("RefreshDictionaryMaps"),
                 a_reply(volumes=[], refreshed_seq=3))
    assert [name for name, _, _ in calls] == ["RefreshDictionaryMaps", "DisplayDictionaryMaps"]
    assert calls[1][2] == {"target": None}


def test_every_console_alias_is_declared_and_runs_its_command(monkeypatch, capsys):
    scripts = tomllib.loads(Path(main.__file__).parents[2].joinpath("pyproject.toml")
                            .read_text())["project"]["scripts"]
    for command in ("fsbackup", "fsrestore", "fscat", "fsdisplay", "resync", "cgctl", "appcat"):
        assert scripts[f"drm{command}"] == f"services.cli.main:drm{command}"
        monkeypatch.setattr("sys.argv", [f"drm{command}", "--help"])
        with pytest.raises(SystemExit) as exit_info:
            getattr(main, f"drm{command}")()
        assert exit_info.value.code == 0
        assert f"drm{command}: " in capsys.readouterr().out


def test_a_relative_mount_point_that_exists_here_is_sent_absolute(run, tmp_path, monkeypatch):
    (tmp_path / "mnt" / "fs1").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    calls = sent(run, ["fsbackup", "mnt/fs1/"], completed("BackupFileSystem", backup_id=ID))
    assert calls[0][2]["targets"] == [str(tmp_path / "mnt" / "fs1")]
    calls = sent(run, ["fsbackup", "E:"], completed("BackupFileSystem", backup_id=ID))
    assert calls[0][2]["targets"] == ["E:"]


def test_resync_of_a_copy_group_list_file_with_pace_and_copy_parameters(run, tmp_path):
    listed = tmp_path / "CG01.txt"
    listed.write_text("# generation 1\nVG01,VOL01\nVG02,VOL02\n")
    runner = FakeRunner(completed("ResyncCopyGroups"), completed("ResyncCopyGroups"))
    ran = run(["resync", "-cg_file", str(listed), "-copy_size", "7", "-pf", "remote.dat"], runner)
    assert ran.code == 0
    digest = hashlib.sha256(listed.read_bytes()).hexdigest()
    assert [call[2] for call in runner.calls] == [
        {"backup_id": None, "copy_group": group, "copy_size": 7, "copy_parameters": "remote.dat",
         "copy_group_list": {"file": str(listed), "digest": digest}}
        for group in ("VG01,VOL01", "VG02,VOL02")]


def test_a_bad_copy_group_list_file_sends_nothing(run, tmp_path):
    listed = tmp_path / "CG01.txt"
    listed.write_text("VG01,VOL01\n VG02,VOL02\n")
    runner = FakeRunner()
    ran = run(["resync", "-cg_file", str(listed)], runner)
    assert ran.code == 1 and runner.calls == [] and "CG01.txt line 2" in ran.err
