"""What the user sees: the manual's layouts and messages, --json, failures and progress."""
from __future__ import annotations

import json

from services.cli.catalog_layouts import show_time
from tests.unit.cli.fakes import FakeRunner, a_reply, completed, rejected

MP = "/mnt/fs1"
START = "KAVX0001-I The {} command will now start."
END = "KAVX0002-I The {} command will now end."


def an_entry(backup_id="0000000001", mode="ONLINE", instances=(MP,), copy_group="VG01,VOL01",
             **extra):
    entry = {"backup_id": backup_id, "original_id": backup_id, "origin_host": "FSServer",
             "mode": mode, "object_type": "FILESYSTEM", "instances": list(instances),
             "generation": "local_0", "copy_groups": [copy_group],
             "started_at": "2002-06-01T10:00:00Z", "ended_at": "2002-06-01T10:03:00+00:00",
             "comment": "", "media": "DISK",
             "rows": [{"kind": "F", "file": MP, "file_system": MP, "disk_group": "-",
                       "device": "410001:256", "copy_group": copy_group}]}
    entry.update(extra)
    return entry


def test_backup_prints_the_assigned_id_inside_the_framing(run):
    runner = FakeRunner(completed("BackupFileSystem", backup_id="0000000004"),
                        progress_lines=("KAVX5108-I Resynchronizing a copy group. 40%",))
    ran = run(["fsbackup", MP], runner)
    assert ran.code == 0
    assert ran.lines == [
        START.format("drmfsbackup"),
        "KAVX0040-I The backup ID has been assigned as follows: Backup ID = 0000000004",
        END.format("drmfsbackup")]
    assert "KAVX5108-I Resynchronizing a copy group. 40%" in ran.err


def test_a_rejected_command_shows_the_agents_message_on_stderr_and_exits_1(run):
    runner = FakeRunner(rejected("BackupFileSystem", "KAVX0006-E",
                                 "An error that stopped processing occurred. (every generation "
                                 "is locked)"))
    ran = run(["fsbackup", MP], runner)
    assert ran.code == 1
    assert ran.err.strip() == ("KAVX0006-E An error that stopped processing occurred. (every "
                               "generation is locked)")
    assert ran.lines == [START.format("drmfsbackup"), END.format("drmfsbackup")]


def test_json_prints_the_outcome_event_without_framing(run):
    ran = run(["fsbackup", MP, "--json"],
              FakeRunner(completed("BackupFileSystem", backup_id="0000000002")))
    event = json.loads(ran.out)
    assert event["type"] == "CommandCompleted"
    assert event["payload"]["result"]["backup_id"] == "0000000002"


def test_restore_and_resync_print_only_the_framing(run):
    ran = run(["fsrestore", "0000000001", "-resync"], FakeRunner(completed("RestoreFileSystem")))
    assert ran.lines == [START.format("drmfsrestore"), END.format("drmfsrestore")]
    ran = run(["resync", "-backup_id", "0000000001"], FakeRunner(completed("ResyncCopyGroups")))
    assert ran.lines == [START.format("drmresync"), END.format("drmresync")]


def test_fscat_layout_of_the_manual(run):
    ran = run(["fscat", MP], FakeRunner(a_reply(entries=[an_entry()])))
    assert ran.lines == [
        START.format("drmfscat"),
        f"INSTANCE: {MP}",
        f"BACKUP-ID: 0000000001 BACKUP-MODE: ONLINE INSTANCE: {MP} ORIGINAL-ID: 0000000001",
        "START-TIME: 2002/06/01 10:00:00 END-TIME: 2002/06/01 10:03:00",
        "HOSTNAME: FSServer",
        "T FILE     FS       DG DEVICE     COPY-GROUP",
        f"F {MP} {MP} -  410001:256 VG01,VOL01",
        "-                                 VG01,VOL01",
        END.format("drmfscat")]


def test_fscat_lists_each_entry_under_each_requested_instance(run):
    entries = [an_entry("0000000001"), an_entry("0000000002", "COLD", copy_group="VG02,VOL02"),
               an_entry("0000000003", instances=("/mnt/other",))]
    ran = run(["fscat", MP], FakeRunner(a_reply(entries=entries)))
    assert [line for line in ran.lines if line.startswith(("INSTANCE", "BACKUP-ID"))] == [
        f"INSTANCE: {MP}",
        f"BACKUP-ID: 0000000001 BACKUP-MODE: ONLINE INSTANCE: {MP} ORIGINAL-ID: 0000000001",
        f"BACKUP-ID: 0000000002 BACKUP-MODE: COLD INSTANCE: {MP} ORIGINAL-ID: 0000000002"]


def test_fscat_without_a_match_is_kavx0024(run):
    ran = run(["fscat", MP, "-backup_id", "0000000009"], FakeRunner(a_reply(entries=[])))
    assert ran.code == 1
    assert ran.err.strip() == "KAVX0024-E The specified backup data does not exist."


def test_a_query_answered_with_an_error_fails_with_its_message(run):
    ran = run(["fscat", "/nowhere"], FakeRunner(a_reply(error={
        "message_id": "KAVX0006-E", "text": "unknown mount point /nowhere"})))
    assert ran.code == 1 and ran.err.strip() == "KAVX0006-E unknown mount point /nowhere"


def test_fsdisplay_cf_layout_of_the_manual(run):
    volumes = [{"mount_point": "G:", "device": "Harddisk1", "file_system": "simfs",
                "copy_groups": [
                    {"copy_group": "SI01,FS01", "copy_func": "ShadowImage",
                     "generation": "local_0"},
                    {"copy_group": "TC01,FS11", "copy_func": "TrueCopy",
                     "generation": "remote_0"}]}]
    ran = run(["fsdisplay", "-cf"], FakeRunner(a_reply(volumes=volumes, refreshed_seq=1)))
    assert ran.lines[1:-1] == [
        "INSTANCE: G:",
        "T FILE FS DG DEVICE    COPY-GROUP COPY-FUNC   GENNAME",
        "F G:   G: -  Harddisk1 SI01,FS01  ShadowImage local_0",
        "-                      SI01,FS01  ShadowImage local_0",
        "F G:   G: -  Harddisk1 TC01,FS11  TrueCopy    remote_0",
        "-                      TC01,FS11  TrueCopy    remote_0"]
    plain = run(["fsdisplay"], FakeRunner(a_reply(volumes=volumes, refreshed_seq=1)))
    assert plain.lines[2] == "T FILE FS DG DEVICE    COPY-GROUP"


def test_fsdisplay_refresh_prints_kavx0023(run):
    ran = run(["fsdisplay", "-refresh"], FakeRunner(completed("RefreshDictionaryMaps")))
    assert ran.lines == [START.format("drmfsdisplay"),
                         "KAVX0023-I Dictionary map file was updated.",
                         END.format("drmfsdisplay")]


def test_cgctl_list_layout_of_the_manual(run):
    groups = [{"copy_group": "VG01,VOL11", "locked": True, "backup_id": "0000000004"},
              {"copy_group": "VG02,VOL21", "locked": False, "backup_id": "0000000002"},
              {"copy_group": "VG03,VOL31", "locked": False, "backup_id": ""}]
    ran = run(["cgctl"], FakeRunner(a_reply(copy_groups=groups)))
    assert ran.lines[1:-1] == ["COPY GROUP LOCK STATUS BACKUP-ID",
                               "VG01,VOL11 LOCKED      0000000004",
                               "VG02,VOL21 UNLOCKED    0000000002",
                               "VG03,VOL31 UNLOCKED    -"]


def test_cgctl_lock_and_unlock_messages(run):
    ran = run(["cgctl", "-backup_id", "0000000004", "-mode", "lock"],
              FakeRunner(completed("SetCopyGroupLock")))
    assert ran.lines[1] == ("KAVX0302-I The copy group(s) associated with the specified "
                            "backup ID were locked.")
    ran = run(["cgctl", "-copy_group", "VG01,VOL11", "-mode", "unlock"],
              FakeRunner(completed("SetCopyGroupLock")))
    assert ran.lines[1] == ("KAVX0303-I The copy group(s) associated with the specified "
                            "backup ID were unlocked.")  # the manual's one text, also for -cg


def test_appcat_list_and_delete(run):
    ran = run(["appcat"], FakeRunner(a_reply(entries=[an_entry("0000000004")])))
    assert ran.lines[1:-1] == [
        "BACKUP-ID  BACKUP-MODE BACKUP-OBJECT START-TIME          END-TIME",
        "0000000004 ONLINE      FILESYSTEM    2002/06/01 10:00:00 2002/06/01 10:03:00"]
    ran = run(["appcat", "0000000004", "-delete"], FakeRunner(completed("DeleteCatalogEntry")))
    assert ran.lines[1] == ("KAVX0424-I The backup information corresponding to the "
                            "specified backup ID has been deleted. Backup ID = 0000000004")


def test_appcat_of_an_unknown_id_is_kavx0024(run):
    ran = run(["appcat", "0000000042"], FakeRunner(a_reply(entries=[])))
    assert ran.code == 1 and "KAVX0024-E" in ran.err


def test_times_are_shown_in_local_time(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    assert show_time("2002-06-01T01:00:00Z") == "2002/06/01 10:00:00"
    assert show_time(None) == "-"


def test_fsdisplay_of_a_mount_point_the_maps_do_not_know_is_an_error(run):
    ran = run(["fsdisplay", "/nowhere"], FakeRunner(a_reply(volumes=[], refreshed_seq=1)))
    assert ran.code == 1
    assert ran.err.startswith("KAVX0006-E") and "/nowhere is not in the dictionary map" in ran.err
