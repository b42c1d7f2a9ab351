"""Every bad command line is refused before anything is sent to an agent."""
from __future__ import annotations

import pytest

from tests.unit.cli.fakes import FakeRunner

MP = "/mnt/fs1"
ID = "0000000001"

USAGE_ERRORS = [
    (["fsbackup", MP, "-mode", "vss"], "the option -mode vss is not supported yet"),
    (["fsbackup", MP, "--mode", "vss"], "the option -mode vss is not supported yet"),
    (["fsbackup", MP, "-svol_check"], "the option -svol_check is not supported yet"),
    (["fsbackup", MP, "-s", "BKServer"], "the option -s is used with -auto_import"),
    (["fsbackup", MP, "-auto_import"], "-auto_import needs -s <backup-server>"),
    (["fsbackup", MP, "-auto_mount", "W:"], "-auto_mount needs -auto_import"),
    (["fsbackup", MP, "-s", "BK", "-auto_mount"], "the option -s is used with -auto_import"),
    (["fsbackup", MP, "-svol_check"], "the option -svol_check is not supported yet"),
    (["fsbackup", MP, "-pf", "../copy.dat"], "'..' is not allowed"),
    (["fsbackup", MP, "-vf", "vss.dat"], "the option -vf is not supported yet"),
    (["fsrestore", "123", "-resync"], "the backup ID '123' is invalid"),
    (["fsrestore", "000000000A", "-resync"], "the backup ID '000000000A' is invalid"),
    (["fsrestore", ID], "give -resync"),
    (["fsrestore", ID, "-resync", "-target", MP, "-f", "list.txt"], "cannot be given together"),
    (["fsrestore", ID, "-resync", "-target", ","], "-target names no mount point"),
    (["fsrestore", ID, "-resync", "-nochk_host"], "the option -nochk_host is not supported yet"),
    (["fsrestore", ID, "-resync", "-pf", ""], "copy_parameters"),
    (["resync"], "drmresync needs exactly one of -backup_id or -copy_group or -cg_file "
                 "(neither was given)"),
    (["resync", "-backup_id", ID, "-copy_group", "VG01,VOL01"], "(both were given)"),
    (["resync", "-backup_id", "1"], "the backup ID '1' is invalid"),
    (["resync", "-copy_group", "VG01"], "the copy group 'VG01' is invalid"),
    (["resync", "-copy_group", "VG01,VOL01", "-copy_size", "16"], "less than or equal to 15"),
    (["resync", "-copy_group", "VG01,VOL01", "-copy_size", "x"], "invalid int value"),
    (["resync", "-cg_file", "groups.txt"], "the copy-group list file groups.txt does not exist"),
    (["resync", "-cg_file", "g.txt", "-copy_group", "VG01,VOL01"], "(both were given)"),
    (["cgctl", "-mode", "lock"], "drmcgctl -mode needs exactly one of -backup_id or -copy_group"),
    (["cgctl", "-backup_id", ID], "needs -mode lock or -mode unlock"),
    (["cgctl", "-copy_group", "VG01,VOL01"], "needs -mode lock or -mode unlock"),
    (["cgctl", "-backup_id", ID, "-copy_group", "VG01,VOL01", "-mode", "unlock"],
     "(both were given)"),
    (["cgctl", "-copy_group", "VG01 VOL01", "-mode", "lock"], "is invalid"),
    (["cgctl", "-backup_id", "00001", "-mode", "lock"], "the backup ID '00001' is invalid"),
    (["appcat", "-delete"], "-delete needs the backup ID of the entry to delete"),
    (["appcat", "12", "-delete"], "the backup ID '12' is invalid"),
    (["appcat", "12"], "the backup ID '12' is invalid"),
    (["fscat", MP, "-backup_id", "x"], "the backup ID 'x' is invalid"),
]


@pytest.mark.parametrize("argv, problem", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_a_usage_error_names_the_problem_and_sends_nothing(run, argv, problem):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1
    assert ran.err.startswith(f"usage: drm {argv[0]} ")  # the sub-command's own usage first
    assert ran.err.splitlines()[-1].startswith(
        "KAVX0006-E An error that stopped processing occurred. (DRM-90100:")
    assert problem in ran.err
    assert ran.out == ""
    assert runner.calls == []


def test_an_empty_target_list_file_is_a_usage_error(run, tmp_path):
    listing = tmp_path / "targets.txt"
    listing.write_text("# nothing here\n\n   # still nothing\n")
    runner = FakeRunner()
    ran = run(["fsbackup", str(listing)], runner)
    assert ran.code == 1 and "names no mount point" in ran.err and runner.calls == []


def test_a_missing_restore_target_file_is_a_usage_error(run, tmp_path):
    runner = FakeRunner()
    ran = run(["fsrestore", ID, "-resync", "-f", str(tmp_path / "absent.txt")], runner)
    assert ran.code == 1 and "cannot be read" in ran.err and runner.calls == []


@pytest.mark.parametrize("argv", [
    ["fsbackup"],
    ["fsbackup", MP, "-mode", "warm"],
    ["cgctl", "-copy_group", "VG01,VOL01", "-mode", "frozen"],
    ["fscat", MP, "-backup"],
])
def test_argparse_refuses_malformed_lines_as_usage_errors_with_exit_code_1(run, argv):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and ran.out == "" and runner.calls == []
    assert ran.err.startswith(f"usage: drm {argv[0]} ")
    assert ran.err.splitlines()[-1].startswith("KAVX0006-E An error that stopped processing "
                                               "occurred. (DRM-90100: ")
