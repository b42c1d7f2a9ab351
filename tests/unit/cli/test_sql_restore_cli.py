"""What the SQL restore command lines send, and what they print: the manual's messages, the
transaction log list file of ``drmsqllogbackup -v`` (which ``drmsqlrecover`` reads back),
``drmsqlrecovertool``'s dialog."""
from __future__ import annotations

import argparse

import pytest

from services.cli import sqlrecovertool
from tests.unit.cli.fakes import FakeRunner, a_reply, completed

ID = "0000000001"
SECTION = {"original_id": ID, "backup_id": ID, "database": "DB1", "instance": "default",
           "files": ["/l/DB1_20260101000000_0001.bk", "/l/DB1_20260101000100_0002.bk"],
           "logs": []}


def sent(run, argv, *answers):
    runner = FakeRunner(*answers)
    ran = run(argv, runner)
    assert ran.code == 0, ran.err
    return runner.calls, ran.out


def test_restore_sends_its_options_and_prints_the_manuals_lines(run):
    calls, out = sent(run, ["sqlrestore", ID, "-no_resync", "-undo", "-nochk_host",
                            "-target", "DB1,DB2", "-instance", "instB"],
                      completed("RestoreSqlDatabases"))
    assert calls == [("RestoreSqlDatabases", "FSServer", {
        "backup_id": ID, "resync": False, "undo": True, "nochk_host": True, "template": False,
        "targets": ["DB1", "DB2"], "instance": "instB"})]
    assert out.splitlines()[1:4] == ["KAVX1316-I Performing restore pre-processing...",
                                     "KAVX1000-I Logged on to the SQL Server system.",
                                     "KAVX1300-I Restore processing will now start."]


@pytest.mark.parametrize("argv", [["sqlrestore", ID], ["sqlrestore", ID, "-resync",
                                                          "-no_resync"],
                                  ["sqlrestore", "12", "-resync"]])
def test_restore_refuses_a_bad_command_line_sending_nothing(run, argv):
    runner = FakeRunner()
    assert run(argv, runner).code == 1 and runner.calls == []


def test_logbackup_v_prints_a_list_file_that_recover_reads_back(run, tmp_path):
    calls, out = sent(run, ["sqllogbackup", "default", "-v"], a_reply(sections=[SECTION]))
    assert calls == [("ListSqlLogBackups", "FSServer", {
        "instance": "default", "original_id": None, "backup_id": None, "targets": [],
        "start_points": False})]
    listing = tmp_path / "SQLTXLOG.txt"
    listing.write_text(out)  # as "drmsqllogbackup default -v > file" leaves it
    assert out.splitlines()[1:4] == [f"# ORIGINAL-ID:{ID}", f"BACKUP-ID:{ID}", "[DB1]"]
    calls, out = sent(run, ["sqlrecover", "default", "-transact_log_list", str(listing)],
                      completed("RecoverSqlDatabases"))
    assert calls[0][2]["log_list"] == [{"original_id": ID, "backup_id": ID, "database": "DB1",
                                        "files": SECTION["files"]}]
    assert "KAVX1303-I Recovery processing has finished." in out


def test_logbackup_forms(run):
    calls, _ = sent(run, ["sqllogbackup", "default", "-no_truncate", "-target", "DB1"],
                    completed("BackupSqlLogs"))
    assert calls[0][2] == {"instance": "default", "truncate": False, "no_cat": False,
                           "targets": ["DB1"]}
    calls, _ = sent(run, ["sqllogbackup", f"0:{ID}", "-d"], completed("DeleteSqlLogInfo"))
    assert calls[0][:2] == ("DeleteSqlLogInfo", "FSServer") and calls[0][2]["original_id"] == ID
    calls, out = sent(run, ["sqllogbackup", "default", "-v", "BACKUP-ID"], a_reply(
        start_points=[{"original_id": ID, "backup_id": ID, "database": "DB1"}]))
    assert calls[0][2]["start_points"] and out.splitlines()[1:3] == [
        "ORIGINAL-ID BACKUP_ID DB", f"{ID} {ID} DB1"]


def test_a_bad_list_file_is_refused_naming_the_line(run, tmp_path):
    listing = tmp_path / "bad.txt"
    listing.write_text("[DB1]\n/l/a.bk\n")
    runner = FakeRunner()
    ran = run(["sqlrecover", "default", "-transact_log_list", str(listing)], runner)
    assert ran.code == 1 and "line 1" in ran.err and runner.calls == []


def test_the_recovery_tool_asks_the_dialogs_questions():
    answers = iter(["DB1", "/l/DB1_20260101000000_0001.bk,/l/DB1_20260101000100_0002.bk",
                    "Standby", "Yes"])
    args = argparse.Namespace(instance="default", target=None, logs=None, mode=None,
                              roll_forward=None)
    sqlrecovertool.dialog(args, read=lambda question: next(answers))
    assert (args.target, args.mode, args.roll_forward) == ("DB1", "standby", True)
    [entry] = sqlrecovertool.log_entries(tuple(args.logs.split(",")))
    assert entry.database == "DB1" and len(entry.files) == 2


def test_the_recovery_tool_takes_its_choices_as_options(run):
    calls, _ = sent(run, ["sqlrecovertool", "default", "-target", "DB1", "-mode", "Loading",
                          "-logs", "/l/DB1_20260101000000_0001.bk"],
                    completed("RecoverSqlDatabases"))
    assert calls[0][2]["tool"] and calls[0][2]["finish"] == "loading"
    assert calls[0][2]["log_list"][0]["database"] == "DB1"
