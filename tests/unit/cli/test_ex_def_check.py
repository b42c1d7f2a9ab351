"""EX_DRM_FS_DEF_CHECK, EX_DRM_CG_DEF_CHECK, EX_DRM_HOST_DEF_CHECK: the options become one typed
command; a usage error sends nothing; ``drm ex`` spellings reach the same entry."""
from __future__ import annotations

import pytest

from tests.unit.cli.fakes import FakeRunner, completed

RESULT = {"file": "/d/_op.dat", "digest": "0" * 64, "directories": ["/d/script_work/op/DB"]}


@pytest.mark.parametrize("argv", [
    ["EX_DRM_FS_DEF_CHECK", "op", "-db"], ["ex", "fs-def-check", "op", "-db"],
    ["ex", "fs_def_check", "op", "--db"], ["ex", "EX_DRM_FS_DEF_CHECK", "op", "-db"]])
def test_fs_def_check_spellings(run, argv):
    runner = FakeRunner(completed("CheckOperationDefinition", **RESULT))
    ran = run(argv, runner)
    assert ran.code == 0, ran.err
    assert runner.calls == [("CheckOperationDefinition", "FSServer",
                             {"operation_id": "op", "side": "db",
                              "backup_object": "FILESYSTEM"})]
    assert ran.lines == ["DRMX0610-I The definition file is valid: /d/_op.dat",
                         "DRMX0611-I Temporary directory = /d/script_work/op/DB"]


@pytest.mark.parametrize("argv, problem", [
    (["EX_DRM_FS_DEF_CHECK", "op"], "exactly one of -db and -bk"),
    (["EX_DRM_FS_DEF_CHECK", "op", "-db", "-bk"], "exactly one of -db and -bk"),
    (["EX_DRM_FS_DEF_CHECK", ".", "-db"], "is not allowed"),
    (["EX_DRM_FS_DEF_CHECK", "a" * 65, "-db"], "longer than 64"),
    (["EX_DRM_CG_DEF_CHECK", "op"], "needs -cg_file"),
    (["EX_DRM_HOST_DEF_CHECK", "-db"], "needs -f"),
    (["EX_DRM_HOST_DEF_CHECK", "-f", "host.dat"], "exactly one of -db and -bk"),
])
def test_usage_errors_send_nothing(run, argv, problem):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and runner.calls == [] and problem in ran.err


def test_host_and_cg_checks_send_their_files(run):
    runner = FakeRunner(completed("CheckHostSettings", file="/d/host.dat", digest="0" * 64),
                        completed("CheckCopyGroupList", file="/d/CG01.txt", digest="0" * 64))
    assert run(["EX_DRM_HOST_DEF_CHECK", "-bk", "-f", "host.dat"], runner).code == 0
    assert run(["ex", "cg-def-check", "op", "-cg_file", "CG01.txt"], runner).code == 0
    assert runner.calls == [("CheckHostSettings", "FSServer", {"side": "bk", "file": "host.dat"}),
                            ("CheckCopyGroupList", "FSServer",
                             {"operation_id": "op", "file": "CG01.txt"})]
