"""The SQL Server console commands (issue 13): drmsqlinit's prompts and options, drmsqlbackup's
options, the drmsqlcat and drmsqldisplay layouts; and fuzz tests of their parsers."""
from __future__ import annotations

import io

import pytest
from hypothesis import given, settings, strategies as st

from services.cli.errors import CliError
from services.cli.sql_args import (parse_directory, parse_vdi_timeout, read_database_file,
                                   split_databases)
from tests.fuzzing import EXTREME_TEXT, examples
from tests.unit.cli.fakes import FakeRunner, a_reply, completed, rejected

T0 = "2026-01-02T03:04:05+00:00"


# -- drmsqlinit ----------------------------------------------------------------------------------
def test_drmsqlinit_asks_the_four_questions(run, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n300\n/u/undo\n/u/tlog\n"))
    runner = FakeRunner(completed("InitSqlServer"))
    ran = run(["sqlinit", "DEFAULT"], runner)
    assert ran.code == 0, ran.err
    [(name, _, args)] = runner.calls
    assert name == "InitSqlServer" and args == {
        "instance": "DEFAULT", "metadata_dir": "", "vdi_timeout": 300, "undo_dir": "/u/undo",
        "log_backup_dir": "/u/tlog"}
    assert [p.split(" ", 1)[0] for p in ran.out.split(": ")[:4]] == [
        "KAVX1100-I", "KAVX1101-I", "KAVX1102-I", "KAVX1107-I"]
    assert ran.out.rstrip().endswith("KAVX1103-I SQL Server information has been updated.")


def test_drmsqlinit_takes_its_answers_as_options(run):
    runner = FakeRunner(completed("InitSqlServer"))
    ran = run(["sqlinit", "SQL1", "-vdi_timeout", "0", "-metadir", "/m"], runner)
    assert ran.code == 0 and runner.calls[0][2]["metadata_dir"] == "/m"
    assert runner.calls[0][2]["vdi_timeout"] == 0 and "KAVX1100-I" not in ran.out


@pytest.mark.parametrize("argv", [
    ["sqlinit", "DEFAULT", "-vdi_timeout", "3601"],
    ["sqlinit", "DEFAULT", "-vdi_timeout", "-1"],
    ["sqlinit", "DEFAULT", "-vdi_timeout", "5", "-undodir", "../etc"],
    ["sqlinit", "bad/name", "-vdi_timeout", "5"],
    ["sqlinit", "DEFAULT"],  # no answers on standard input
])
def test_drmsqlinit_refuses_bad_answers_and_sends_nothing(run, argv, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and "KAVX0006-E" in ran.err and runner.calls == []


# -- drmsqlbackup --------------------------------------------------------------------------------
def test_drmsqlbackup_prints_the_manuals_lines(run):
    runner = FakeRunner(completed("BackupSqlServer", backup_id="0000000001", template=False))
    ran = run(["sqlbackup", "DEFAULT", "-target", "DB1,DB2", "-rc", "local_1"], runner)
    assert ran.code == 0, ran.err
    assert runner.calls[0][2]["targets"] == ["DB1", "DB2"]
    assert [line.split(" ")[0] for line in ran.lines] == [
        "KAVX0001-I", "KAVX1017-I", "KAVX1207-I", "KAVX0040-I", "KAVX0002-I"]
    assert "Backup ID = 0000000001" in ran.out


PROGRESS = ("KAVX1017-I SQL Server information is being collected now.",
            "KAVX1207-I Backing up the database...",
            "KAVX1371-I Processing to freeze databases will now start.")


def test_drmsqlbackup_says_each_progress_line_once(run):
    """The agent's KAVX1017-I and KAVX1207-I are lines of drmsqlbackup's own output: printed on
    stdout as they come and not again at the end (nor on stderr); other progress stays on
    stderr. Without them (a progress line lost) the output still has them, once."""
    for progress in (PROGRESS, ()):
        runner = FakeRunner(completed("BackupSqlServer", backup_id="0000000001", template=False),
                            progress_lines=progress)
        ran = run(["sqlbackup", "DEFAULT"], runner)
        assert ran.code == 0, ran.err
        assert [line.split(" ")[0] for line in ran.lines] == [
            "KAVX0001-I", "KAVX1017-I", "KAVX1207-I", "KAVX0040-I", "KAVX0002-I"]
        said = (ran.out + ran.err).splitlines()
        assert all(said.count(line) == 1 for line in PROGRESS[:2])
        assert ran.err.splitlines() == list(progress[2:])


def test_drmsqlbackup_failing_after_its_progress_keeps_it_in_place(run):
    runner = FakeRunner(rejected("BackupSqlServer", "KAVX1301-E", "frozen too long"),
                        progress_lines=PROGRESS[:2])
    ran = run(["sqlbackup", "DEFAULT"], runner)
    assert ran.code == 1 and "KAVX1301-E" in ran.err
    assert [line.split(" ")[0] for line in ran.lines] == [
        "KAVX0001-I", "KAVX1017-I", "KAVX1207-I", "KAVX0002-I"]


def test_drmsqlbackup_json_leaves_every_progress_line_on_stderr(run):
    runner = FakeRunner(completed("BackupSqlServer", backup_id="0000000001", template=False),
                        progress_lines=PROGRESS)
    ran = run(["sqlbackup", "DEFAULT", "--json"], runner)
    assert ran.code == 0 and ran.err.splitlines() == list(PROGRESS)
    assert "KAVX1017-I" not in ran.out


def test_drmsqlbackup_template_prints_kavx0085_and_0086(run, tmp_path):
    targets = tmp_path / "dbs.txt"
    targets.write_text("# the local site's\nDB1\n\nDB2 # second\n")
    runner = FakeRunner(completed("BackupSqlServer", backup_id="0000000002", template=True))
    ran = run(["sqlbackup", "DEFAULT", "-f", str(targets), "-template"], runner)
    assert ran.code == 0 and runner.calls[0][2]["targets"] == ["DB1", "DB2"]
    assert "KAVX0085-I" in ran.out and "KAVX0086-I" in ran.out and "KAVX0040-I" not in ran.out


@pytest.mark.parametrize("argv", [
    ["sqlbackup", "DEFAULT", "-system", "-target", "DB1"],
    ["sqlbackup", "DEFAULT", "-target", ",".join(f"D{n}" for n in range(65))],
    ["sqlbackup", "DEFAULT", "-auto_import"],
    ["sqlbackup", "DEFAULT", "-s", "BK"],
    ["sqlbackup", "DEFAULT", "-target", "a b"],
    ["sqlbackup", "DEFAULT", "-svol_check"],
])
def test_drmsqlbackup_refuses_bad_options(run, argv):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and "KAVX0006-E" in ran.err and runner.calls == []


# -- drmsqlcat, drmsqldisplay ---------------------------------------------------------------------
ENTRY = {"backup_id": "0000000001", "original_id": "0000000001", "origin_host": "DBServer",
         "mode": "ONLINE", "started_at": T0, "ended_at": T0, "generation": "local_0",
         "copy_groups": ["VG01,VOL01"], "comment": "", "template": False, "rows": [
             {"kind": "M", "database": "UserDB1", "object": "METAFILE",
              "file": "/g/META_0000000005.dmp", "file_system": "-", "disk_group": "-",
              "device": "-", "copy_groups": []},
             {"kind": "D", "database": "UserDB1", "object": "DATAFILE",
              "file": "/g/UserDB1.mdf", "file_system": "/g", "disk_group": "-",
              "device": "410001:256", "copy_groups": ["VG01,VOL01"]}]}


def test_drmsqlcat_prints_the_manuals_layout(run):
    ran = run(["sqlcat", "DEFAULT"], FakeRunner(a_reply(instance="DEFAULT", entries=[ENTRY])))
    assert ran.code == 0, ran.err
    assert ran.lines[1:9] == [
        "INSTANCE: DEFAULT",
        "BACKUP-ID: 0000000001 BACKUP-MODE: ONLINE INSTANCE: DEFAULT",
        "ORIGINAL-ID: 0000000001",
        "START-TIME: 2026/01/02 03:04:05 END-TIME: 2026/01/02 03:04:05",
        "HOSTNAME: DBServer",
        "T DB      OBJECT   FILE                   FS DG DEVICE     COPY-GROUP",
        "M UserDB1 METAFILE /g/META_0000000005.dmp -  -  -          -",
        "D UserDB1 DATAFILE /g/UserDB1.mdf         /g -  410001:256 VG01,VOL01"]
    assert ran.lines[9].split() == ["-"] * 7 + ["VG01,VOL01"]


def test_drmsqlcat_without_entries_is_kavx0024(run):
    ran = run(["sqlcat", "DEFAULT", "-template"],
              FakeRunner(a_reply(instance="DEFAULT", entries=[])))
    assert ran.code == 1 and "KAVX0024-E" in ran.err


DISPLAYED = {"refreshed": True, "instances": [{"instance": "DEFAULT", "status": "RUNNING",
    "databases": [{"name": "UserDB1", "database_id": 5, "system": False,
                   "recovery_model": "FULL", "state": "ONLINE", "files": [{
                       "path": "/g/UserDB1.mdf", "kind": "data", "mount_point": "/g",
                       "device": "410001:256", "copy_groups": [{
                           "copy_group": "SI01,SQL01", "copy_func": "ShadowImage",
                           "copy_type": "SI", "generation": "local_0", "mu": "0",
                           "pvol": {"serial": "410001", "ldev": 256, "port": "CL1-A",
                                    "target": 0, "lun": 0},
                           "svol": {"serial": "410001", "ldev": 257, "port": "CL1-B",
                                    "target": 0, "lun": 1}}, {
                           "copy_group": "TC01,SQL11", "copy_func": "TrueCopy",
                           "copy_type": "TC", "generation": "remote_0", "mu": "",
                           "pvol": {"serial": "410001", "ldev": 256, "port": "CL1-A",
                                    "target": 0, "lun": 0},
                           "svol": {"serial": "410002", "ldev": 512, "port": "CL3-A",
                                    "target": 0, "lun": 0}}]}]}]}]}


def test_drmsqldisplay_refresh_cf(run):
    runner = FakeRunner(completed("RefreshSqlMap", instances=["DEFAULT"]), a_reply(**DISPLAYED))
    ran = run(["sqldisplay", "DEFAULT", "-refresh", "-cf"], runner)
    assert ran.code == 0, ran.err
    assert [c[0] for c in runner.calls] == ["RefreshSqlMap", "DisplaySqlServer"]
    assert ran.lines[1] == "KAVX0023-I Dictionary map file was updated."
    assert ran.lines[3].split() == ["T", "DB", "OBJECT", "FILE", "FS", "DG", "DEVICE",
                                    "COPY-GROUP", "COPY-FUNC", "GEN-NAME"]
    assert ran.lines[4].split()[-3:] == ["SI01,SQL01", "ShadowImage", "local_0"]
    assert ran.lines[6].split()[-3:] == ["TC01,SQL11", "TrueCopy", "remote_0"]


def test_drmsqldisplay_remote_shows_p_s_and_c_lines(run):
    ran = run(["sqldisplay", "DEFAULT", "-remote"], FakeRunner(a_reply(**DISPLAYED)))
    assert ran.code == 0, ran.err
    rows = [line.split() for line in ran.lines[3:6]]
    assert rows[0][-3:] == ["256", "P", "410001"] and rows[0][6] == "CL1-A"
    assert rows[1][4] == "SI01,SQL01" and rows[1][-3:] == ["257", "S", "410001"]
    assert rows[2][5] == "TC01,SQL11#0" and rows[2][-3:] == ["512", "C", "410002"]


# -- fuzz: the parsers never fail but with a usage error ------------------------------------------
@settings(max_examples=examples(200), deadline=None)
@given(text=st.one_of(EXTREME_TEXT, st.text(max_size=300)))
def test_the_sql_parsers_take_any_text(text):
    for parse in (split_databases, parse_vdi_timeout,
                  lambda value: parse_directory(value, "directory")):
        try:
            value = parse(text)
        except CliError as error:
            assert "KAVX0006-E" in f"{error.message_id} {error}"
            continue
        if parse is parse_vdi_timeout:
            assert 0 <= value <= 3600
        elif parse is split_databases:
            assert 1 <= len(value) <= 64 and all(name.strip() for name in value)


@settings(max_examples=examples(50), deadline=None)
@given(body=st.binary(max_size=400))
def test_the_target_definition_file_parser_takes_any_bytes(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("f") / "targets.txt"
    path.write_bytes(body)
    try:
        names = read_database_file(path)
    except CliError:
        return
    assert 1 <= len(names) <= 64
