"""drmmount … drmtapeinit: usage errors send nothing; requests per the contract; the manual's
lines and layouts (spec 08 §3.9–§3.12, spec 04 §10.3)."""
from __future__ import annotations

import pytest

from services.cli import tape_layouts
from tests.unit.cli.fakes import FakeRunner, a_reply, completed, rejected

ID = "0000000001"
TAPE = "0000000002"

USAGE_ERRORS = [
    (["mount"], "drmmount needs exactly one of a backup ID and -copy_group"),
    (["mount", ID, "-copy_group", "VG01,VOL01"], "exactly one of a backup ID and -copy_group"),
    (["mount", "12"], "the backup ID '12' is invalid"),
    (["mount", "-copy_group", "VG01"], "the copy group 'VG01' is invalid"),
    (["mount", ID, "-mount_pt", "has space"], "-mount_pt must be a directory name without"),
    (["mount", "-copy_group", "VG01,VOL01", "-conf"], "-conf records the mounts of a backup ID"),
    (["umount"], "drmumount needs exactly one of a backup ID and -copy_group"),
    (["umount", "x"], "the backup ID 'x' is invalid"),
    (["mediabackup", "1"], "the backup ID '1' is invalid"),
    (["mediabackup", ID, "-raw"], "the option -raw is not supported yet"),
    (["mediarestore", ID, "-bup_env", "nbu.dat"], "the option -bup_env is not supported yet"),
    (["tapecat", "-backup_id", "7"], "the backup ID '7' is invalid"),
    (["tapecat", ID, "-backup_id", TAPE], "two different backup IDs were given"),
    (["tapecat", "-o", "ORACLE"], "-o takes an object type"),
    (["tapecat", "-o", "FILESYSTEM", "/a", "/b"], "-o takes an object type"),
    (["tapecat", "-delete"], "-delete needs a selection"),
    (["tapeinit"], "drmtapeinit needs -product (NBU or BEWS) and -retention_days"),
    (["tapeinit", "-product", "NBU"], "needs -product (NBU or BEWS) and -retention_days"),
    (["tapeinit", "-product", "NBU", "-retention_days", "-1"], "greater than or equal to 0"),
    (["tapeinit", "-v", "-product", "NBU"], "-v cannot be combined"),
]


@pytest.mark.parametrize("argv, problem", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_a_usage_error_names_the_problem_and_sends_nothing(run, argv, problem):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and ran.out == "" and runner.calls == []
    assert ran.err.startswith(f"usage: drm {argv[0]} ")
    assert ran.err.splitlines()[-1].startswith(
        "KAVX0006-E An error that stopped processing occurred. (DRM-90100:")
    assert problem in ran.err


@pytest.mark.parametrize("argv", [["tapeinit", "-product", "TSM", "-retention_days", "1"],
                                  ["tapeinit", "-product", "NBU", "-retention_days", "x"]])
def test_argparse_refuses_malformed_values(run, argv):
    ran = run(argv, FakeRunner())
    assert ran.code == 1 and "DRM-90100: argument -product/--product" in ran.err \
        or ran.code == 1 and "DRM-90100: argument -retention_days" in ran.err


def test_drmmount_by_backup_id_prints_a_mounting_pair_per_s_vol(run):
    runner = FakeRunner(completed("MountSvol", backup_id=ID, purged=[], mounts=[
        {"copy_group": "VG01,VOL01", "mount_point": "/bk/X", "read_only": True},
        {"copy_group": "VG02,VOL02", "mount_point": "/bk/Y", "read_only": True}]))
    ran = run(["mount", ID, "-mount_pt", "/bk", "--host", "BKServer"], runner)
    assert ran.code == 0
    assert runner.calls == [("MountSvol", "BKServer",
                             {"backup_id": ID, "copy_group": None, "mount_point": "/bk",
                              "conf": False, "force": False})]
    assert ran.lines == ["KAVX0001-I The drmmount command will now start.",
                         "KAVX0400-I Mounting will now start. Mount point = /bk/X",
                         "KAVX0401-I Mounting has finished. Mount point = /bk/X",
                         "KAVX0400-I Mounting will now start. Mount point = /bk/Y",
                         "KAVX0401-I Mounting has finished. Mount point = /bk/Y",
                         "KAVX0002-I The drmmount command will now end."]


def test_drmumount_by_copy_group_and_a_refusal(run):
    runner = FakeRunner(completed("UnmountSvol", backup_id="", unlocked=[], unmounts=[
        {"copy_group": "VG01,VOL01", "mount_point": "/bk/X"}]))
    ran = run(["umount", "--copy_group", "VG01,VOL01"], runner)
    assert runner.calls[0][2] == {"backup_id": None, "copy_group": "VG01,VOL01"}
    assert ran.lines[1:3] == ["KAVX0406-I Unmounting will now start. Mount point = /bk/X",
                              "KAVX0407-I Unmounting has finished. Mount point = /bk/X"]
    refusal = run(["umount", ID], FakeRunner(rejected("UnmountSvol", "KAVX0006-E", "nothing")))
    assert refusal.code == 1 and refusal.err.strip() == "KAVX0006-E nothing"
    assert refusal.lines[-1] == "KAVX0002-I The drmumount command will now end."


def test_drmmediabackup_and_drmmediarestore_print_the_new_backup_id(run):
    runner = FakeRunner(completed("BackupToTape", backup_id=TAPE, sources=["/bk/X"],
                                  media=["TP0002"], original_id=ID, source_backup_id=ID,
                                  bytes=10))
    ran = run(["mediabackup", ID], runner)
    assert runner.calls == [("BackupToTape", "FSServer", {"backup_id": ID})]
    assert ran.lines[1:4] == [
        "KAVX0402-I Backup processing will now start. Source = /bk/X",
        "KAVX0403-I Backup processing has finished. Source = /bk/X",
        f"KAVX0040-I The backup ID has been assigned as follows: Backup ID = {TAPE}"]
    runner = FakeRunner(completed("RestoreFromTape", backup_id="0000000003", targets=["/bk/X"],
                                  media=["TP0002"], original_id=ID, tape_backup_id=TAPE,
                                  superseded=[ID]))
    ran = run(["mediarestore", TAPE], runner)
    assert ran.lines[1:4] == [
        "KAVX0404-I Restoration will now start. Source = TP0002 Target = /bk/X",
        "KAVX0405-I Restoration has finished. Source = TP0002 Target = /bk/X",
        "KAVX0040-I The backup ID has been assigned as follows: Backup ID = 0000000003"]


ENTRY = {"backup_id": TAPE, "original_id": ID, "origin_host": "FSServer",
         "object_type": "FILESYSTEM", "instances": ["E:"], "copy_groups": ["VG01,VOL01"],
         "snapshot_at": "2003-08-01T19:00:00+00:00", "expires_at": "2003-11-11T19:00:00+00:00",
         "media": ["MEDIA1"], "source_backup_id": ID, "mode": "ONLINE",
         "rows": [{"kind": "F", "file": "E:", "file_system": "E:", "disk_group": "-",
                   "device": "Harddisk2", "copy_group": "VG01,VOL01"}]}


def test_tape_layouts_are_the_manuals_short_and_long_forms():
    assert tape_layouts.tape_lines([ENTRY]) == [
        "BACKUP-ID  BACKUP-OBJECT SNAPSHOT TIME       EXPIRATION TIME     BACKUP-MEDIA",
        "0000000002 FILESYSTEM    2003/08/01 19:00:00 2003/11/11 19:00:00 MEDIA1"]
    assert tape_layouts.tape_lines([ENTRY], long=True) == [
        "BACKUP-ID  ORIGINAL-ID HOSTNAME BACKUP-OBJECT INSTANCE SNAPSHOT TIME       "
        "EXPIRATION TIME     BACKUP-MEDIA",
        "0000000002 0000000001  FSServer FILESYSTEM    E:       2003/08/01 19:00:00 "
        "2003/11/11 19:00:00 MEDIA1"]
    permanent = dict(ENTRY, expires_at=None)
    assert tape_layouts.tape_lines([permanent])[1].split()[-2:] == ["PERMANENT", "MEDIA1"]
    detail = tape_layouts.tape_lines([ENTRY], detail=True)
    assert detail[2].split() == ["T", "FILE", "FS", "DG", "DEVICE", "COPY-GROUP"]
    assert detail[3].split() == ["F", "E:", "E:", "-", "Harddisk2", "VG01,VOL01"]
    assert tape_layouts.tape_lines([])[0].split() == tape_layouts.tape_lines([ENTRY])[0].split()


def test_drmtapecat_sends_its_filters_and_prints_the_long_layout(run):
    runner = FakeRunner(a_reply(entries=[ENTRY]))
    ran = run(["tapecat", "-hostname", "FSServer", "-l"], runner)
    assert runner.calls == [("ListTapeCatalog", "FSServer", {
        "hostname": "FSServer", "backup_id": None, "object_type": None, "instance": None})]
    assert ran.lines[1].startswith("BACKUP-ID  ORIGINAL-ID HOSTNAME")
    runner = FakeRunner(a_reply(entries=[ENTRY]))
    run(["tapecat", "-o", "filesystem", "/mnt/fs1/", "-backup_id", TAPE], runner)
    assert runner.calls[0][2] == {"hostname": None, "backup_id": TAPE,
                                  "object_type": "FILESYSTEM", "instance": "/mnt/fs1"}


def test_drmtapecat_delete_prints_one_message_per_entry(run):
    runner = FakeRunner(completed("DeleteTapeEntries", deleted=[TAPE]))
    ran = run(["tapecat", TAPE, "-delete"], runner)
    assert runner.calls[0][0] == "DeleteTapeEntries"
    assert ran.lines[1] == ("KAVX0424-I The backup information corresponding to the specified "
                            f"backup ID has been deleted. Backup ID = {TAPE}")


def test_drmtapeinit_registers_and_shows(run):
    runner = FakeRunner(completed("RegisterTapeSettings", product="BEWS", retention_days=10))
    ran = run(["tapeinit", "-product", "bews", "--retention_days", "10"], runner)
    assert runner.calls[0] == ("RegisterTapeSettings", "FSServer",
                               {"product": "BEWS", "retention_days": 10})
    assert ran.lines[1:3] == ["backup-product-name: BEWS",
                              "number-of-backup-catalog-storage-days: 10"]
    shown = run(["tapeinit", "-v"], FakeRunner(a_reply(product="NBU", retention_days=0,
                                                       registered=False)))
    assert shown.lines[1:3] == ["backup-product-name: NBU",
                                "number-of-backup-catalog-storage-days: 0"]
