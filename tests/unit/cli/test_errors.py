"""Every error exits 1 (spec 08 §1.1); usage errors show the sub-command's usage; ``-help``
works; ``--json`` prints a failure as a JSON object on stdout; an unknown host is named."""
from __future__ import annotations

import json

import pytest

from services.cli import main
from tests.unit.cli.fakes import FakeRunner, rejected

MP = "/mnt/fs1"


@pytest.mark.parametrize("argv", [["fscat", "-help"], ["fscat", "-h"], ["fscat", "--help"],
                                  ["-help"], ["report", "catalog", "-help"]])
def test_help_answers_to_all_three_spellings(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main.run(argv)
    assert exit_info.value.code == 0
    assert "usage: drm" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["report"], ["audit"], ["lab"]])
def test_a_command_line_without_a_command_prints_help_and_exits_1(argv, capsys):
    assert main.run(argv) == 1
    assert "usage: drm" in capsys.readouterr().out


def test_an_unknown_command_is_a_usage_error(capsys):
    assert main.run(["nosuchcommand"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("usage: drm ") and "DRM-90100: argument <command>: invalid choice" in err


def test_a_usage_error_with_json_prints_the_error_object_on_stdout(run):
    ran = run(["fsrestore", "123", "-resync", "--json"], FakeRunner())
    assert ran.code == 1
    assert json.loads(ran.out) == {"error": {
        "message_id": "KAVX0006-E", "detail": "DRM-90100",
        "text": "An error that stopped processing occurred. (DRM-90100: the backup ID '123' is "
                "invalid: a backup ID is 10 digits, such as 0000000001)"}, "exit_code": 1}
    assert ran.err.splitlines()[-1].startswith("KAVX0006-E")


def test_a_rejected_command_with_json_prints_the_agents_message_as_json(run):
    runner = FakeRunner(rejected("BackupFileSystem", "KAVX0006-E", "An error that stopped "
                                 "processing occurred. (DRM-10031: every generation is locked)"))
    ran = run(["fsbackup", MP, "--json"], runner)
    assert ran.code == 1
    assert json.loads(ran.out)["error"] == {
        "message_id": "KAVX0006-E", "detail": "DRM-10031",
        "text": "An error that stopped processing occurred. (DRM-10031: every generation is "
                "locked)"}
    assert "every generation is locked" in ran.err


def test_an_error_without_a_detail_code_has_a_null_detail(run):
    ran = run(["fscat", MP, "--json"], FakeRunner(rejected("ListFileSystemCatalog",
                                                          "KAVX0024-E", "no data")))
    assert json.loads(ran.out)["error"]["detail"] is None


class Interrupted(FakeRunner):
    def call(self, command, host, timeout=30.0, progress=None):
        raise KeyboardInterrupt


def test_ctrl_c_exits_1_with_a_message(run):
    ran = run(["fsbackup", MP], Interrupted())
    assert ran.code == 1 and "Interrupted by the user" in ran.err


def test_an_unknown_host_is_named_and_nothing_is_created(capsys, tmp_path):
    assert main.run(["fscat", MP, "--host", "Nope"]) == 1
    captured = capsys.readouterr()
    assert "KAVX0006-E" in captured.err and "the host Nope is unknown" in captured.err
    assert "backup data does not exist" not in captured.err
    assert not (tmp_path / "data" / "hosts" / "Nope").exists()


@pytest.mark.parametrize("argv", [["log", "--host", "Nope"], ["verify", "--host", "Nope"],
                                  ["lineage", "0000000001", "--host", "Nope"]])
def test_commands_reading_stores_name_an_unknown_host(argv, capsys, tmp_path):
    assert main.run(argv) == 1
    assert "the host Nope is unknown" in capsys.readouterr().err
    assert not (tmp_path / "data" / "hosts" / "Nope").exists()


def test_a_host_with_a_store_and_the_own_host_are_known(capsys):
    assert main.run(["log"]) == 0  # DRM_HOSTNAME: its store is made on first use
    assert main.run(["log", "--host", "FSServer"]) == 0
    assert main.run(["hostinfo", "--json"]) == 0
    capsys.readouterr()


def test_a_host_of_the_lab_is_known_before_it_has_a_store(capsys, tmp_path):
    assert main.run(["lab", "init", "--example"]) == 0
    assert not (tmp_path / "data" / "hosts" / "BKServer" / "events.db").exists()
    assert main.run(["log", "--host", "BKServer"]) == 0
    capsys.readouterr()
