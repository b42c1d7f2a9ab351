"""drmdevctl, and the device lines of drmmount/drmumount: usage errors send nothing; the
manual's silent -detach; -conf's KAVX0443-I; the warnings of read-only mounts."""
from __future__ import annotations

import pytest

from tests.unit.cli.fakes import FakeRunner, a_reply, completed

ID = "0000000001"


@pytest.mark.parametrize("argv, problem", [
    (["devctl", "-detach", "-attach"], "give one of -detach and -attach"),
    (["devctl", ID, "-detach"], "give no backup ID"),
    (["devctl", "12"], "the backup ID '12' is invalid"),
    (["devctl", ID, "-sigview"], "the option -sigview is not supported yet"),
])
def test_a_usage_error_names_the_problem_and_sends_nothing(run, argv, problem):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and runner.calls == [] and problem in ran.err


def test_detach_prints_nothing_on_success_as_the_manual_shows(run):
    runner = FakeRunner(completed("ConcealSvols", concealed=["VG01,VOL01"]))
    ran = run(["devctl", "-detach", "--host", "BKServer"], runner)
    assert (ran.code, ran.out) == (0, "")
    assert runner.calls == [("ConcealSvols", "BKServer", {})]


def test_without_an_option_it_lists_the_svols_and_their_state(run):
    runner = FakeRunner(a_reply("BKServer", device_detach="ENABLE", devices=[
        {"copy_group": "VG01,VOL01", "device": "410001:257", "concealed": False,
         "mounted_at": "/bk/vg01", "guard": "modes", "enforced": False},
        {"copy_group": "VG02,VOL02", "device": "410001:258", "concealed": True,
         "mounted_at": "", "guard": "", "enforced": None}]))
    ran = run(["devctl", "--host", "BKServer"], runner)
    assert ran.lines == [
        "DEVICE_DETACH: ENABLE",
        "COPY-GROUP DEVICE     STATE     MOUNT-POINT GUARD",
        "VG01,VOL01 410001:257 REVEALED  /bk/vg01    modes(not enforced)",
        "VG02,VOL02 410001:258 CONCEALED -           -"]


def test_mount_conf_and_force_are_sent_and_the_definition_file_is_named(run):
    runner = FakeRunner(completed(
        "MountSvol", backup_id=ID, purged=[], revealed=[], definition_file="/bk/conf/CG_MP.conf",
        mounts=[{"copy_group": "VG01,VOL01", "mount_point": "/bk/X", "read_only": True}],
        guards=[{"copy_group": "VG01,VOL01", "mount_point": "/bk/X", "guard": "modes",
                 "enforced": False}]))
    ran = run(["mount", ID, "-conf", "-force", "--host", "BKServer"], runner)
    assert runner.calls[0][2] == {"backup_id": ID, "copy_group": None, "mount_point": None,
                                  "conf": True, "force": True}
    assert ran.lines[1:-1] == [
        "KAVX0400-I Mounting will now start. Mount point = /bk/X",
        "KAVX0401-I Mounting has finished. Mount point = /bk/X",
        "DRMX0491-W The S-VOL is mounted read-only, but this host cannot refuse writes by root "
        "(guard modes): drmumount reports any change. Mount point = /bk/X",
        "KAVX0443-I The copy group mount definition file was updated. "
        "File name = /bk/conf/CG_MP.conf"]


def test_umount_warns_of_a_change_made_to_a_read_only_svol(run):
    runner = FakeRunner(completed(
        "UnmountSvol", backup_id=ID, unlocked=["VG01,VOL01"], concealed=[],
        unmounts=[{"copy_group": "VG01,VOL01", "mount_point": "/bk/X"}],
        changed=[{"copy_group": "VG01,VOL01", "mount_point": "/bk/X", "total": 2,
                  "paths": ["a (added)", "b (modified)"]}]))
    ran = run(["umount", ID, "--host", "BKServer"], runner)
    assert ran.code == 0
    assert ran.lines[-2] == ("DRMX0490-W The S-VOL was changed while it was mounted read-only: "
                             "2 entries differ from the mount (a (added), b (modified)). "
                             "Mount point = /bk/X")
