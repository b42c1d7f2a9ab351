"""What a manual command prints reaches the host's drm_output.log and drm_pp_trace<n>.log; a
backup command mails per mail.conf; other commands and --json data are not logged; a log that
cannot be written never changes the result."""
from __future__ import annotations

import os
from pathlib import Path

from tests.unit.cli.fakes import FakeRunner, completed, rejected

RESULT = {"file": "/d/_op.dat", "digest": "0" * 64, "directories": []}


def host_log(name: str = "drm_output.log") -> Path:
    return Path(os.environ["DRM_DATA_DIR"]) / "hosts" / "FSServer" / "log" / name


def known_host() -> None:
    host_log().parent.parent.mkdir(parents=True, exist_ok=True)


def test_a_manual_command_is_logged_with_its_command_line(run):
    known_host()
    ran = run(["EX_DRM_FS_DEF_CHECK", "op", "-db"],
              FakeRunner(completed("CheckOperationDefinition", **RESULT)))
    assert ran.code == 0
    records = host_log().read_text().splitlines()
    assert records[0].endswith(") EX_DRM_FS_DEF_CHECK op -db")
    assert records[1].endswith(") DRMX0610-I The definition file is valid: /d/_op.dat")
    trace = host_log("drm_pp_trace1.log").read_text()
    assert " EX_DRM_FS_DEF_CHECK " in trace and " DRMX0610-I IF " in trace


def test_a_failure_is_logged_from_stderr_and_traced_as_an_error(run):
    known_host()
    ran = run(["dbsetup", "-i"], FakeRunner(rejected("SetUpDataFiles", "KAVX0006-E", "no")))
    assert ran.code == 1
    assert host_log().read_text().splitlines()[-1].endswith(") KAVX0006-E no")
    assert " KAVX0006-E ER " in host_log("drm_pp_trace1.log").read_text()


def test_json_data_and_local_commands_are_not_messages(run):
    known_host()
    run(["EX_DRM_FS_DEF_CHECK", "op", "-db", "--json"],
        FakeRunner(completed("CheckOperationDefinition", **RESULT)))
    assert len(host_log().read_text().splitlines()) == 1  # the command line only
    run(["log", "--json"], FakeRunner())
    assert len(host_log().read_text().splitlines()) == 1


def test_an_unwritable_log_does_not_change_the_result(run):
    log_dir = host_log().parent
    log_dir.parent.mkdir(parents=True, exist_ok=True)
    log_dir.write_text("not a directory")
    ran = run(["EX_DRM_FS_DEF_CHECK", "op", "-db"],
              FakeRunner(completed("CheckOperationDefinition", **RESULT)))
    assert ran.code == 0 and "DRMX0612-W The operator log could not be written" in ran.err


def test_an_unknown_host_gets_no_log_directory(run):
    run(["EX_DRM_FS_DEF_CHECK", "op", "-db", "--host", "Nope"],
        FakeRunner(completed("CheckOperationDefinition", **RESULT)))
    assert not (Path(os.environ["DRM_DATA_DIR"]) / "hosts" / "Nope").exists()
