"""The pure rules of the file-system commands, on views folded from events."""
from __future__ import annotations

import pytest

from events import filesystem as fs
from services.agent.filesystem import decide
from services.agent.errors import CommandRejection
from tests.unit.agent_fs.views import (MP, group, locked, maps, recorded, view_of, volume)

VG1, VG2, VG3, TC = "VG01,VOL01", "VG02,VOL02", "VG03,VOL03", "TC01,VOL01"


def rejection(call, *args, **kwargs) -> CommandRejection:
    with pytest.raises(CommandRejection) as caught:
        call(*args, **kwargs)
    return caught.value


class TestTargets:
    def test_unknown_mount_point_is_rejected(self):
        error = rejection(decide.plan_backup, view_of(maps()), "w", ["/nowhere"], "online", None)
        assert error.message_id == "KAVX0006-E" and decide.UNKNOWN_OBJECT in error.text

    def test_two_mount_points_on_one_volume_fail_with_drm_10064(self):
        view = view_of(maps(volume(), volume("/lab/other")))
        error = rejection(decide.plan_backup, view, "w", [MP], "online", None)
        assert error.message_id == "KAVX0006-E" and "DRM-10064" in error.text

    def test_mount_point_with_lower_level_mount_of_another_volume_fails_with_drm_10062(self):
        view = view_of(maps(volume(), volume(MP + "/sub", device="410001:300", groups=())))
        error = rejection(decide.plan_backup, view, "w", [MP], "online", None)
        assert "DRM-10062" in error.text

    def test_the_lowest_level_mount_point_may_be_backed_up(self):
        inner = volume(MP + "/sub", device="410001:300",
                       groups=(group(0, device="410001:300"),))
        view = view_of(maps(volume(), inner))
        plan = decide.plan_backup(view, "w", [MP + "/sub"], "online", None)
        assert plan.request.instances == (MP + "/sub",)


class TestGeneration:
    def test_first_backup_uses_local_0_and_id_1(self):
        plan = decide.plan_backup(view_of(maps()), "w", [MP], "online", None, "c")
        assert (plan.request.backup_id, plan.request.generation) == ("0000000001", "local_0")
        assert plan.request.copy_groups == (VG1,) and plan.request.comment == "c"

    def test_rotation_picks_the_least_recently_backed_up(self):
        view = view_of(maps(), recorded("0000000001", [VG1]), recorded("0000000002", [VG2]),
                       recorded("0000000003", [VG3]))
        assert decide.plan_backup(view, "w", [MP], "online", None).request.generation == "local_0"

    def test_rotation_skips_a_locked_generation(self):
        view = view_of(maps(), recorded("0000000001", [VG1]), locked(VG2))
        assert decide.plan_backup(view, "w", [MP], "online", None).request.generation == "local_2"

    def test_all_locked_is_rejected(self):
        view = view_of(maps(), locked(VG1), locked(VG2), locked(VG3))
        error = rejection(decide.plan_backup, view, "w", [MP], "online", None)
        assert decide.GENERATION_LOCKED in error.text

    def test_rc_names_a_generation(self):
        plan = decide.plan_backup(view_of(maps()), "w", [MP], "online", "remote_0")
        assert plan.request.copy_groups == (TC,)

    def test_rc_naming_a_locked_generation_is_rejected(self):
        error = rejection(decide.plan_backup, view_of(maps(), locked(VG2)), "w", [MP], "online",
                          "local_1")
        assert decide.GENERATION_LOCKED in error.text

    def test_rc_naming_an_unknown_generation_is_rejected(self):
        error = rejection(decide.plan_backup, view_of(maps()), "w", [MP], "online", "local_9")
        assert decide.NO_GENERATION in error.text


class TestBackupId:
    def test_ids_are_never_reused_after_an_abort_or_a_deletion(self):
        view = view_of(maps(), fs.BackupRequested(
            workflow_id="w1", backup_id="0000000001", mode="ONLINE", instances=(MP,),
            generation="local_0", copy_groups=(VG1,)),
            fs.BackupAborted(workflow_id="w1", backup_id="0000000001", reason="x"),
            recorded("0000000002", [VG2]),
            fs.BackupEntryDeleted(backup_id="0000000002", reason="deleted"))
        assert decide.plan_backup(view, "w", [MP], "online", None).request.backup_id \
            == "0000000003"


class TestSupersession:
    def test_a_backup_on_a_used_copy_group_deletes_the_whole_earlier_entry(self):
        other = volume("/lab/fs2", "410001:300", (group(0, device="410001:300"),))
        view = view_of(maps(volume(), other),
                       recorded("0000000001", [VG1, "VG01,VOL02"], [MP, "/lab/fs2"]),
                       locked(VG2), locked(VG3))
        plan = decide.plan_backup(view, "w", [MP], "online", None)
        assert [(d.backup_id, d.reason, d.by_backup_id) for d in plan.superseded] == \
            [("0000000001", "superseded", "0000000002")]
        assert plan.first_events[0] is plan.request

    def test_no_supersession_on_a_fresh_generation(self):
        view = view_of(maps(), recorded("0000000001", [VG1]))
        assert decide.plan_backup(view, "w", [MP], "online", None).superseded == ()


class TestRestore:
    ok = {VG1: "PSUS", VG2: "PSUS", VG3: "SMPL", TC: "PSUS"}

    def view(self):
        row = fs.ObjectRow(file=MP, file_system=MP, device="410001:256", copy_group=VG1)
        entry = recorded("0000000001", [VG1]).model_copy(update={"rows": (row,)})
        return view_of(maps(), entry)

    def test_unknown_backup_id(self):
        error = rejection(decide.plan_restore, self.view(), "w", "0000000009", (), self.ok)
        assert error.message_id == "KAVX0024-E"
        assert "The specified backup data does not exist." in error.text

    def test_plans_the_copy_groups_of_the_entry(self):
        plan = decide.plan_restore(self.view(), "w", "0000000001", (), self.ok)
        assert plan.request.copy_groups == (VG1,) and plan.request.instances == (MP,)

    def test_target_copy_group_must_be_psus(self):
        error = rejection(decide.plan_restore, self.view(), "w", "0000000001", (),
                          {**self.ok, VG1: "PAIR"})
        assert decide.BAD_PAIR_STATUS in error.text

    def test_related_copy_groups_must_be_psus_or_smpl(self):
        error = rejection(decide.plan_restore, self.view(), "w", "0000000001", (),
                          {**self.ok, TC: "PAIR"})
        assert TC in error.text

    def test_a_target_outside_the_entry_is_rejected(self):
        error = rejection(decide.plan_restore, self.view(), "w", "0000000001", ("/lab/x",),
                          self.ok)
        assert decide.UNKNOWN_OBJECT in error.text

    def test_a_mounted_copy_group_is_rejected(self):
        view = self.view()
        view.copy_groups[VG1].locked_by = "mount"
        error = rejection(decide.plan_restore, view, "w", "0000000001", (), self.ok)
        assert decide.MOUNTED in error.text


class TestResyncLockDelete:
    def test_resync_by_backup_id_deletes_the_entry(self):
        names, deleted = decide.plan_resync(view_of(maps(), recorded("0000000001", [VG1])),
                                            "0000000001", None)
        assert names == (VG1,) and [d.reason for d in deleted] == ["resync"]

    def test_resync_of_a_copy_group_deletes_the_entry_living_on_it(self):
        _, deleted = decide.plan_resync(view_of(maps(), recorded("0000000001", [VG1])),
                                        None, VG1)
        assert [d.backup_id for d in deleted] == ["0000000001"]

    def test_resync_of_a_locked_copy_group_is_rejected(self):
        error = rejection(decide.plan_resync, view_of(maps(), locked(VG1)), None, VG1)
        assert decide.LOCKED in error.text

    def test_exactly_one_of_backup_id_and_copy_group(self):
        assert "exactly one" in rejection(decide.plan_resync, view_of(maps()), None, None).text

    def test_unknown_copy_group(self):
        error = rejection(decide.plan_lock, view_of(maps()), None, "XX,YY", "lock")
        assert decide.UNKNOWN_OBJECT in error.text

    def test_lock_by_backup_id_locks_its_copy_groups_once(self):
        view = view_of(maps(), recorded("0000000001", [VG1]))
        names, events = decide.plan_lock(view, "0000000001", None, "lock")
        assert names == (VG1,) and events[0].backup_id == "0000000001"
        assert decide.plan_lock(view_of(maps(), locked(VG1)), None, VG1, "lock")[1] == []

    def test_unlock(self):
        _, events = decide.plan_lock(view_of(maps(), locked(VG1)), None, VG1, "unlock")
        assert isinstance(events[0], fs.CopyGroupUnlocked)

    def test_delete_unknown_backup(self):
        assert rejection(decide.plan_delete, view_of(maps()), "0000000001").message_id \
            == "KAVX0024-E"

    def test_delete(self):
        event = decide.plan_delete(view_of(maps(), recorded("0000000001", [VG1])), "0000000001")
        assert (event.reason, event.copy_groups) == ("deleted", (VG1,))
