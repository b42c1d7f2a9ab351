"""The pure rules of the backup-server commands, on views folded from events."""
from __future__ import annotations

from datetime import timedelta

import pytest

from events import filesystem as fs, tape
from projections.tape_view import TapeSettingsView
from services.agent.backup_server import decide
from services.agent.filesystem import decide as fs_decide
from services.agent.errors import CommandRejection
from tests.unit.agent_fs.views import T0, group, maps, recorded, view_of, volume

VG1, VG2 = "VG01,VOL01", "VG02,VOL02"
BK = "BKServer"
SPLIT = {VG1: "PSUS", VG2: "PSUS"}
NOW = T0 + timedelta(days=1)


def bk_maps():
    return maps(volume("/bk/vg01", "410001:257", (group(0, role="S-VOL"),)),
                volume("/bk/vg02", "410001:258", (group(1, role="S-VOL"),)))


def bk_view(*payloads):
    return view_of(bk_maps(), *payloads, host=BK)


def mounted(name=VG1, point="/bk/vg01", backup_id="0000000001"):
    events = [tape.SvolMounted(workflow_id="w", copy_group=name, mount_point=point,
                               backup_id=backup_id)]
    if backup_id:
        events.insert(0, fs.CopyGroupLocked(copy_group=name, by="mount", backup_id=backup_id))
    return events


def a_tape(backup_id="0000000002", groups=(VG1,), expires=T0 + timedelta(days=30)):
    return tape.TapeBackupRecorded(
        backup_id=backup_id, original_id="0000000001", origin_host="FSServer",
        source_backup_id="0000000001", mode="ONLINE", instances=("/fs1",), rows=(),
        generation="local_0", copy_groups=groups, snapshot_at=T0,
        source_ended_at=T0 + timedelta(minutes=3), recorded_at=T0, expires_at=expires,
        archives=(tape.TapeArchive(copy_group=VG1, medium="TP0001", label=f"{backup_id}.0"),))


def rejection(call, *args, **kwargs) -> CommandRejection:
    with pytest.raises(CommandRejection) as caught:
        call(*args, **kwargs)
    return caught.value


class TestMount:
    def test_by_backup_id_locks_and_mounts_at_the_s_vols_own_mount_point(self):
        view = bk_view(recorded("0000000001", [VG1]))
        events = decide.plan_mount(view, "w", "0000000001", None, None, SPLIT, NOW)
        assert events == [
            fs.CopyGroupLocked(copy_group=VG1, by="mount", backup_id="0000000001"),
            tape.SvolMountRequested(workflow_id="w", copy_group=VG1, mount_point="/bk/vg01",
                                    backup_id="0000000001")]

    def test_several_s_vols_go_under_the_given_directory(self):
        view = bk_view(recorded("0000000001", [VG1, VG2]))
        events = decide.plan_mount(view, "w", "0000000001", None, "/mnt/W", SPLIT, NOW)
        points = [e.mount_point for e in events if isinstance(e, tape.SvolMountRequested)]
        assert points == ["/mnt/W/vg01", "/mnt/W/vg02"]

    def test_one_copy_group_goes_exactly_where_asked_and_is_not_locked(self):
        events = decide.plan_mount(bk_view(), "w", None, VG1, "/mnt/W", SPLIT, NOW)
        assert events == [tape.SvolMountRequested(workflow_id="w", copy_group=VG1,
                                                  mount_point="/mnt/W")]

    def test_a_tape_entry_is_mounted_writable(self):
        events = decide.plan_mount(bk_view(a_tape()), "w", "0000000002", None, None, SPLIT, NOW)
        assert events[-1].writable is True

    @pytest.mark.parametrize("status", ["PAIR", "COPY", "RCPY"])
    def test_a_copy_group_not_split_is_refused(self, status):
        error = rejection(decide.plan_mount, bk_view(), "w", None, VG1, None, {VG1: status}, NOW)
        assert "DRM-10030" in error.text and status in error.text

    def test_an_unknown_copy_group_or_backup_is_refused(self):
        assert "DRM-10010" in rejection(decide.plan_mount, bk_view(), "w", None, "X,Y", None,
                                        SPLIT, NOW).text
        missing = rejection(decide.plan_mount, bk_view(), "w", "0000000009", None, None, SPLIT,
                            NOW)
        assert missing.message_id == "KAVX0024-E"

    def test_neither_or_both_targets_are_refused(self):
        assert "exactly one" in rejection(decide.plan_mount, bk_view(), "w", None, None, None,
                                          SPLIT, NOW).text

    def test_an_already_mounted_copy_group_is_refused(self):
        view = bk_view(recorded("0000000001", [VG1]), *mounted())
        assert "already mounted" in rejection(decide.plan_mount, view, "w", None, VG1, None,
                                              SPLIT, NOW).text

    def test_a_drmcgctl_lock_is_left_alone(self):
        view = bk_view(recorded("0000000001", [VG1]),
                       fs.CopyGroupLocked(copy_group=VG1, by="drmcgctl"))
        events = decide.plan_mount(view, "w", "0000000001", None, None, SPLIT, NOW)
        assert not any(isinstance(e, fs.CopyGroupLocked) for e in events)

    def test_expired_tape_entries_are_purged_and_an_expired_one_cannot_be_mounted(self):
        view = bk_view(recorded("0000000001", [VG1]), a_tape(expires=T0))
        events = decide.plan_mount(view, "w", "0000000001", None, None, SPLIT, NOW)
        assert events[0] == tape.TapeEntryDeleted(backup_id="0000000002", reason="expired")
        assert "DRM-10034" in rejection(decide.plan_mount, view, "w", "0000000002", None, None,
                                        SPLIT, NOW).text

    def test_two_s_vols_on_one_mount_point_are_refused(self):
        view = view_of(maps(volume("/bk/a/vg", "410001:257", (group(0, role="S-VOL"),)),
                            volume("/bk/b/vg", "410001:258", (group(1, role="S-VOL"),))),
                       recorded("0000000001", [VG1, VG2]), host=BK)
        assert "DRM-10036" in rejection(decide.plan_mount, view, "w", "0000000001", None, "/W",
                                        SPLIT, NOW).text


class TestUnmount:
    def test_by_backup_id_unmounts_and_unlocks(self):
        view = bk_view(recorded("0000000001", [VG1]), *mounted())
        unmounts, unlocks = decide.plan_unmount(view, "w", "0000000001", None)
        assert unmounts == [tape.SvolUnmounted(workflow_id="w", copy_group=VG1,
                                               mount_point="/bk/vg01")]
        assert unlocks == [fs.CopyGroupUnlocked(copy_group=VG1, by="mount")]

    def test_by_copy_group_refuses_a_mount_by_backup_id(self):
        view = bk_view(recorded("0000000001", [VG1]), *mounted())
        assert "drmumount 0000000001" in rejection(decide.plan_unmount, view, "w", None,
                                                   VG1).text

    def test_nothing_mounted_is_refused(self):
        view = bk_view(recorded("0000000001", [VG1]))
        assert "DRM-10033" in rejection(decide.plan_unmount, view, "w", "0000000001", None).text
        assert "DRM-10033" in rejection(decide.plan_unmount, view, "w", None, VG1).text
        assert rejection(decide.plan_unmount, view, "w", "0000000009",
                         None).message_id == "KAVX0024-E"

    def test_an_entry_deleted_while_mounted_still_unmounts_by_its_id(self):
        view = bk_view(recorded("0000000001", [VG1]), *mounted(),
                       fs.BackupEntryDeleted(backup_id="0000000001", reason="deleted"))
        unmounts, unlocks = decide.plan_unmount(view, "w", "0000000001", None)
        assert [u.copy_group for u in unmounts] == [VG1] and len(unlocks) == 1


class TestMediaBackup:
    def test_makes_the_next_id_and_keeps_the_original_id_and_snapshot_time(self):
        view = bk_view(recorded("0000000001", [VG1], minutes=5), *mounted())
        request, entry = decide.plan_media_backup(view, "w", "0000000001", SPLIT)
        assert (request.backup_id, request.kind, request.copy_groups) == \
            ("0000000002", "backup", (VG1,))
        archives = decide.archives_for(request, ("TP0001", "TP0002"))
        assert archives == [(VG1, "TP0002", "0000000002.0")]
        recorded_ = decide.tape_recorded(entry, request, (), TapeSettingsView("NBU", 10), NOW)
        assert recorded_.snapshot_at == T0 + timedelta(minutes=5)
        assert recorded_.expires_at == NOW + timedelta(days=10)
        assert recorded_.original_id == "0000000001" and recorded_.origin_host == "FSServer"
        forever = decide.tape_recorded(entry, request, (), TapeSettingsView("NBU", 0), NOW)
        assert forever.expires_at is None

    def test_needs_every_copy_group_mounted_and_split(self):
        view = bk_view(recorded("0000000001", [VG1]))
        assert "drmmount first" in rejection(decide.plan_media_backup, view, "w", "0000000001",
                                             SPLIT).text
        view = bk_view(recorded("0000000001", [VG1]), *mounted())
        assert "DRM-10030" in rejection(decide.plan_media_backup, view, "w", "0000000001",
                                        {VG1: "PAIR"}).text
        assert rejection(decide.plan_media_backup, view, "w", "0000000007",
                         SPLIT).message_id == "KAVX0024-E"

    def test_a_copy_group_in_another_media_copy_is_refused(self):
        view = bk_view(recorded("0000000001", [VG1]), *mounted(), tape.MediaCopyRequested(
            workflow_id="x", kind="backup", source_backup_id="0000000001",
            backup_id="0000000002", copy_groups=(VG1,)))
        assert "DRM-10035" in rejection(decide.plan_media_backup, view, "w", "0000000001",
                                        SPLIT).text


class TestMediaRestore:
    def test_supersedes_the_disk_entries_and_takes_the_next_id(self):
        view = bk_view(recorded("0000000001", [VG1]), a_tape(),
                       *mounted(backup_id="0000000002"))
        request, superseded, entry = decide.plan_media_restore(view, "w", "0000000002", SPLIT,
                                                               NOW)
        assert request.backup_id == "0000000003" and request.kind == "restore"
        assert superseded == [fs.BackupEntryDeleted(backup_id="0000000001", reason="superseded",
                                                    by_backup_id="0000000003",
                                                    copy_groups=(VG1,))]
        disk = decide.restored_entry(entry, request)
        assert (disk.backup_id, disk.original_id, disk.media) == ("0000000003", "0000000001",
                                                                  "DISK")
        # the manual: the restored entry shows the original backup's START-TIME and END-TIME
        assert (disk.started_at, disk.ended_at) == (T0, T0 + timedelta(minutes=3))

    def test_a_tape_entry_without_end_time_gives_its_start_time_for_both(self):
        old = a_tape().model_copy(update={"source_ended_at": None})
        view = bk_view(old, *mounted(backup_id="0000000002"))
        request, _, entry = decide.plan_media_restore(view, "w", "0000000002", SPLIT, NOW)
        disk = decide.restored_entry(entry, request)
        assert (disk.started_at, disk.ended_at) == (T0, T0)

    def test_an_expired_or_deleted_tape_entry_is_refused(self):
        expired = bk_view(a_tape(expires=T0), *mounted(backup_id="0000000002"))
        assert "DRM-10034" in rejection(decide.plan_media_restore, expired, "w", "0000000002",
                                        SPLIT, NOW).text
        deleted = bk_view(a_tape(), tape.TapeEntryDeleted(backup_id="0000000002",
                                                          reason="deleted"))
        assert rejection(decide.plan_media_restore, deleted, "w", "0000000002", SPLIT,
                         NOW).message_id == "KAVX0024-E"

    def test_needs_the_mount_by_the_tape_id(self):
        view = bk_view(recorded("0000000001", [VG1]), a_tape(), *mounted())
        assert "drmmount 0000000002" in rejection(decide.plan_media_restore, view, "w",
                                                  "0000000002", SPLIT, NOW).text

    def test_pair_is_refused(self):
        view = bk_view(a_tape(), *mounted(backup_id="0000000002"))
        assert "DRM-10030" in rejection(decide.plan_media_restore, view, "w", "0000000002",
                                        {VG1: "PAIR"}, NOW).text


class TestTapeCatalog:
    def test_filters_combine_and_expired_entries_are_left_out(self):
        view = bk_view(a_tape(), a_tape("0000000003", expires=None),
                       a_tape("0000000004", expires=T0))
        assert [e.backup_id for e in decide.select_tape(view, NOW)] == ["0000000002",
                                                                        "0000000003"]
        assert [e.backup_id for e in decide.select_tape(view, NOW, hostname="fsserver",
                                                        backup_id="0000000003")] == ["0000000003"]
        assert decide.select_tape(view, NOW, hostname="Other") == []
        assert decide.select_tape(view, NOW, object_type="MSSQL") == []
        assert len(decide.select_tape(view, NOW, instance="/fs1")) == 2

    def test_delete_needs_a_match(self):
        view = bk_view(a_tape())
        assert decide.plan_tape_delete(view, NOW, backup_id="0000000002") == [
            tape.TapeEntryDeleted(backup_id="0000000002", reason="deleted")]
        assert rejection(decide.plan_tape_delete, view, NOW,
                         backup_id="0000000009").message_id == "KAVX0024-E"


class TestResyncRule8:
    def test_resync_is_refused_while_mounted_by_copy_group(self):
        view = bk_view(*mounted(backup_id=""))
        assert "is mounted at" in rejection(fs_decide.plan_resync, view, None, VG1).text

    def test_resync_is_refused_during_a_media_copy(self):
        view = bk_view(recorded("0000000001", [VG1]), tape.MediaCopyRequested(
            workflow_id="x", kind="backup", source_backup_id="0000000001",
            backup_id="0000000002", copy_groups=(VG1,)))
        assert "tape backup or restore" in rejection(fs_decide.plan_resync, view, None, VG1).text


def test_the_fold_keeps_tape_entries_settings_and_next_id():
    view = bk_view(a_tape(), tape.TapeSettingsRegistered(product="BEWS", retention_days=7))
    assert view.next_backup_id == "0000000003" and view.tape["0000000002"].media == ("TP0001",)
    assert decide.effective_settings(view) == TapeSettingsView("BEWS", 7, True)
    assert decide.effective_settings(bk_view(), 30) == TapeSettingsView("NBU", 30, False)
    aborted = bk_view(tape.MediaCopyRequested(workflow_id="x", kind="restore",
                                              source_backup_id="0000000002",
                                              backup_id="0000000005", copy_groups=(VG1,)),
                      tape.MediaCopyAborted(workflow_id="x", backup_id="0000000005", reason="r"))
    assert aborted.backup_server.media_copies == {} and aborted.next_backup_id == "0000000006"
