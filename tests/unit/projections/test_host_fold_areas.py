"""The host fold by area: each event type has one mutator, registered once, and the fast path
(stored payloads, unvalidated) gives the same views as validated, typed payloads."""
from __future__ import annotations

from datetime import timedelta

import pytest

from events import REGISTRY
from events import filesystem as fs
from events import (cluster, definitions, devices, extended, pairs, snapshots, tape, transfer,
                    user_script)
from events import application as app, sqlserver as sql  # issue 13 (sql-backup)
from events.outcomes import CommandCompleted, CommandFailed, CommandRejected
from events.registry import EventRegistry
from projections.host.area import AreaFold, DuplicateMutator
from projections.host_fold import AREAS, HOST_FOLD, POSITION_ONLY, HostFold, fold
from projections.host_view import HostView
from tests.unit.agent_fs.views import HOST, MP, T0, envelopes, maps, volume
from tests.unit.sql_restore.stream import sql_restore_events  # SQL restore and logs (issue 13)

W, R, T = "w-backup", "w-restore", "w-tape"
GROUP = "VG01,VOL01"


def _row():
    return fs.ObjectRow(file=MP, file_system=MP, device="410001:256", copy_group=GROUP)


def _recorded(backup_id: str, workflow_id: str = W, **lineage):
    model = transfer.BackupImported if lineage else fs.BackupRecorded
    return model(backup_id=backup_id, original_id="0000000001", origin_host=HOST,
                 mode="ONLINE", instances=(MP,), rows=(_row(),), generation="local_0",
                 copy_groups=(GROUP,), started_at=T0, ended_at=T0 + timedelta(minutes=1),
                 workflow_id=workflow_id, **lineage)


def extended_commands_events() -> list:
    """An extended command's tag, its backup ID file, an FTP transfer, a user script command."""
    return [
        extended.OperationCommandStarted(operation_id="Op_A", operation_key="op_a",
                                         extended_command="EX_DRM_FS_BACKUP",
                                         command="BackupFileSystem"),
        extended.OperationBackupIdSet(operation_id="Op_A", backup_id="0000000001", kind="disk"),
        extended.ExportFileTransferred(operation_id="Op_A", direction="put", method="ftp",
                                       server="BK", user="admin", remote_path="s/Op_A/BK/x.drm",
                                       file_name="Op_A.drm", bytes=3, sha256="0" * 64),
        user_script.UserScriptCommandStarted(workflow_id=W, section="PRE_PROC", index=0,
                                             location="LOCAL", host=HOST, cmdline="/bin/true"),
        user_script.UserScriptCommandEnded(workflow_id=W, section="PRE_PROC", index=0,
                                           return_code=0),
    ]


def every_kind_of_event() -> list:
    """One host's stream touching every area: maps, a backup, a restore, locks, tape, transfer."""
    return [
        maps(volume()),
        fs.BackupRequested(workflow_id=W, backup_id="0000000001", mode="ONLINE",
                           instances=(MP,), generation="local_0", copy_groups=(GROUP,)),
        fs.PairResyncRequested(workflow_id=W, copy_group=GROUP),
        fs.PairResynced(workflow_id=W, copy_group=GROUP, direction="forward", status="PAIR"),
        fs.PairSplitRequested(workflow_id=W, copy_group=GROUP),
        fs.PairSplit(workflow_id=W, copy_group=GROUP, pvol_status="PSUS", svol_status="SSUS"),
        _recorded("0000000001"),
        CommandCompleted(command="BackupFileSystem", result={"backup_id": "0000000001"}),
        snapshots.HostViewSnapshotted(covers_seq=8, head_hash="0" * 64,
                                      content_sha256="0" * 64, size_bytes=1,
                                      format="drm-host-view", format_version=1, fold="0" * 16),
        transfer.BackupExported(backup_id="0000000001", document_sha256="0" * 64,
                                source_event_seq=7, source_event_hash="0" * 64,
                                file_format_version=1),
        *extended_commands_events(),
        transfer.ImportRequested(workflow_id=W, backup_id="0000000001", target_host="BK",
                                 command_id="c-1", document_sha256="0" * 64, document={}),
        transfer.ImportRequested(workflow_id=W, backup_id="0000000001", target_host="BK",
                                 command_id="c-2", document_sha256="0" * 64, document={}),
        transfer.ImportSent(workflow_id=W, command_id="c-1", target_host="BK",
                            consumer_present=True),
        fs.CopyGroupLocked(copy_group="VG02,VOL02", by="drmcgctl"),
        fs.CopyGroupLocked(copy_group="VG03,VOL03", by="mount", backup_id="0000000001"),
        fs.CopyGroupUnlocked(copy_group="VG02,VOL02", by="drmcgctl"),
        fs.RestoreRequested(workflow_id=R, backup_id="0000000001", instances=(MP,),
                            copy_groups=(GROUP,)),
        fs.VolumeUnmountRequested(workflow_id=R, mount_point=MP),
        fs.VolumeUnmounted(workflow_id=R, mount_point=MP),
        fs.PairResyncRequested(workflow_id=R, copy_group=GROUP, direction="reverse"),
        fs.PairStepFailed(workflow_id=R, copy_group=GROUP, operation="restore", error="x",
                          status="PSUE"),
        fs.VolumeMountRequested(workflow_id=R, mount_point=MP),
        fs.VolumeMounted(workflow_id=R, mount_point=MP),
        fs.RestoreAborted(workflow_id=R, backup_id="0000000001", reason="pair failed"),
        fs.RestoreCompleted(workflow_id="w-old", backup_id="0000000001"),
        fs.BackupAborted(workflow_id="w-unknown", backup_id="0000000009", reason="x"),
        CommandFailed(command="RestoreFileSystem", message_id="KAVX0006-E", text="failed"),
        CommandRejected(command="BackupFileSystem", message_id="KAVX0002-E", text="busy"),
        tape.TapeSettingsRegistered(product="NBU", retention_days=10),
        tape.SvolMountRequested(workflow_id=T, copy_group=GROUP, mount_point="/bk/m1"),
        tape.SvolMounted(workflow_id=T, copy_group=GROUP, mount_point="/bk/m1"),
        tape.MediaCopyRequested(workflow_id=T, kind="backup", source_backup_id="0000000001",
                                backup_id="0000000002", copy_groups=(GROUP,)),
        tape.TapeArchiveWritten(workflow_id=T, copy_group=GROUP, medium="M1", label="L1",
                                bytes=9, files=1, started_at=T0, ended_at=T0),
        tape.TapeBackupRecorded(
            backup_id="0000000002", original_id="0000000001", origin_host=HOST,
            source_backup_id="0000000001", mode="ONLINE", instances=(MP,), rows=(_row(),),
            generation="local_0", copy_groups=(GROUP,), snapshot_at=T0,
            source_ended_at=T0 + timedelta(minutes=3), recorded_at=T0,
            expires_at=T0 + timedelta(days=10),
            archives=(tape.TapeArchive(copy_group=GROUP, medium="M1", label="L1", bytes=9),),
            workflow_id=T),
        tape.SvolUnmounted(workflow_id=T, copy_group=GROUP, mount_point="/bk/m1"),
        tape.MediaCopyRequested(workflow_id="w-tape2", kind="restore",
                                source_backup_id="0000000002", backup_id="0000000003",
                                copy_groups=(GROUP,)),
        tape.TapeArchiveRead(workflow_id="w-tape2", copy_group=GROUP, medium="M1", label="L1",
                             bytes=9, files=1, started_at=T0, ended_at=T0),
        tape.MediaCopyAborted(workflow_id="w-tape2", backup_id="0000000003", reason="x"),
        tape.TapeEntryDeleted(backup_id="0000000002", reason="expired"),
        _recorded("0000000004", workflow_id="", source_host="FS2",
                  source_backup_id="0000000001", source_event_seq=7,
                  source_event_hash="0" * 64, document_sha256="0" * 64),
        fs.BackupEntryDeleted(backup_id="0000000001", reason="superseded",
                              by_backup_id="0000000004", copy_groups=(GROUP,)),
        cluster.ClusterNodeActivated(node="NodeB", virtual_server=HOST),
        *pair_command_events(),  # CCI pair commands (issue 11)
        *device_events(),
        definitions.DefinitionChecked(kind="host", file="host.dat", digest="0" * 64, side="db"),
        definitions.ConfigurationUsed(command="ResyncCopyGroups", retry_time=120,
                                      retry_wait_10ms=500),
        *sql_backup_events(),  # issue 13 (sql-backup)
        *sql_restore_events(),  # SQL restore and logs (issue 13)
    ]


def sql_backup_events() -> list:
    """Issue 13: drmsqlinit, a map refresh, a SQL backup with its freeze, a template."""
    wf, db = "w-sql", sql.SqlDatabaseRecord(
        name="UserDB1", database_id=5, files=(sql.SqlFileRecord(
            path=f"{MP}/UserDB1.mdf", kind="data", mount_point=MP, device="410001:256",
            copy_groups=(GROUP,)),))
    meta = app.MetadataFile(database="UserDB1", path="/meta/0000000005_0000000005.dmp",
                            size=3, sha256="0" * 64)
    freeze = dict(workflow_id=wf, kind="sqlserver", instance="DEFAULT", databases=("UserDB1",))
    return [
        sql.SqlSettingsRegistered(instance="DEFAULT", metadata_dir="/meta", vdi_timeout=300),
        sql.SqlApplicationMapRefreshed(instances=(sql.SqlInstanceMap(
            instance="DEFAULT", status="RUNNING", databases=(db,)),)),
        fs.BackupRequested(workflow_id=wf, backup_id="0000000005", mode="ONLINE",
                           instances=(MP,), generation="local_0", copy_groups=(GROUP,)),
        sql.SqlBackupRequested(workflow_id=wf, backup_id="0000000005", instance="DEFAULT",
                               databases=("UserDB1",)),
        app.FreezeRequested(**freeze, timeout=300, backup_id="0000000005"),
        app.ApplicationFrozen(**freeze, token="t1", frozen_at=1.0, timeout=300,
                              metadata=(meta,)),
        app.ApplicationThawed(**freeze),
        app.FreezeFailed(**freeze, step="thaw", reason="frozen-timeout"),
        sql.SqlBackupDetails(backup_id="0000000005", instance="DEFAULT", databases=(db,),
                             metafiles=(meta,), metadata_dir="/meta", workflow_id=wf),
        sql.SqlBackupDetails(backup_id="0000000006", instance="DEFAULT", databases=(db,),
                             template=True, online=False, recorded_at=T0),
    ]


PAIR_GROUP = "TC01,VOL01"


def pair_command_events() -> list:
    """The CCI pair commands' events (``events.pairs``) on one copy group."""
    P = "w-pair"
    return [
        pairs.PairStatusObserved(copy_group=PAIR_GROUP, previous="PSUS", status="PAIR"),
        pairs.PairDeleteRequested(workflow_id=P, copy_group=PAIR_GROUP),
        pairs.PairDeleted(workflow_id=P, copy_group=PAIR_GROUP),
        pairs.PairCreateRequested(workflow_id=P, copy_group=PAIR_GROUP, copy_type="SI", mu="0",
                                  pvol="1:1", svol="1:2"),
        pairs.PairCreated(workflow_id=P, copy_group=PAIR_GROUP, status="COPY", pvol="1:1",
                          svol="1:2"),
        pairs.PairWaitRequested(workflow_id=P, copy_groups=(PAIR_GROUP,), statuses=("PAIR",)),
        pairs.PairWaitEnded(workflow_id=P, copy_groups=(PAIR_GROUP,), reached=True, exit_code=0,
                            statuses={PAIR_GROUP: "PAIR"}),
        pairs.PairNoOperation(workflow_id=P, copy_group=PAIR_GROUP, operation="resync",
                              status="PAIR", reason="paired already"),
        pairs.PairSuspendRequested(workflow_id=P, copy_group=PAIR_GROUP),
        pairs.PairSuspended(workflow_id=P, copy_group=PAIR_GROUP),
        pairs.PairTakeoverRequested(workflow_id=P, copy_group=PAIR_GROUP),
        pairs.PairTakenOver(workflow_id=P, copy_group=PAIR_GROUP, takeover="swap", status="COPY",
                            pvol="1:2", svol="1:1"),
    ]


def device_events() -> list:
    """The backup server's devices: concealed, revealed by a mount, guarded, changed."""
    return [
        devices.SvolsConcealed(copy_groups=(GROUP, "VG02,VOL02"),
                               devices=("410001:257", "410001:258"), by="drmdevctl"),
        devices.SvolsRevealed(copy_groups=(GROUP,), devices=("410001:257",), by="mount",
                              backup_id="0000000004"),
        devices.SvolIdentityOverridden(copy_group=GROUP, backup_id="0000000004",
                                       recorded="410001:256", current="410001:300"),
        devices.ReadOnlyMountGuarded(copy_group=GROUP, mount_point="/bk/m1",
                                     device="410001:257", guard="bind", enforced=True,
                                     entries=12),
        devices.MountDefinitionUpdated(file="/bk/conf/vm/CG_MP.conf", backup_id="0000000004",
                                       copy_groups=(GROUP,), mount_points=("/bk/m1",)),
        devices.ReadOnlyMountChanged(copy_group=GROUP, mount_point="/bk/m1",
                                     device="410001:257", total=1, paths=("x (added)",)),
    ]


def fold_with(host_fold: HostFold, payloads) -> HostView:
    view = HostView(HOST)
    for envelope in envelopes(payloads):
        host_fold.apply_raw(view, envelope.seq, envelope.type, envelope.version,
                            envelope.payload)
    return view


class TestRegistration:
    def test_an_area_refuses_a_second_mutator_for_one_event_type(self):
        area = AreaFold("catalog")
        area.on(fs.BackupEntryDeleted, lambda view, event, seq: None)
        with pytest.raises(DuplicateMutator, match="BackupEntryDeleted"):
            @area.on(fs.BackupEntryDeleted)
            def again(view, event, seq):
                pass
        assert len(area.mutators) == 1

    def test_the_assembly_refuses_two_areas_claiming_one_event_type(self):
        first, second = AreaFold("catalog"), AreaFold("tape")
        first.on(fs.BackupRecorded, lambda view, event, seq: None)
        second.on(fs.BackupRecorded, lambda view, event, seq: None)
        with pytest.raises(DuplicateMutator, match="'catalog' and 'tape'"):
            HostFold([first, second])

    def test_the_assembly_refuses_a_model_the_registry_does_not_know(self):
        area = AreaFold("catalog")
        area.on(fs.BackupRecorded, lambda view, event, seq: None)
        with pytest.raises(ValueError, match="not a registered event type"):
            HostFold([area], registry=EventRegistry())

    def test_every_registered_event_type_has_one_mutator_or_only_moves_the_position(self):
        claims = {}
        for area in AREAS:
            for model in area.mutators:
                claims.setdefault(REGISTRY.draft_type(model), []).append(area.name)
        position_only = {REGISTRY.draft_type(model) for model in POSITION_ONLY}
        assert {name: areas for name, areas in claims.items() if len(areas) != 1} == {}
        assert set(claims) & position_only == set()
        assert set(REGISTRY.names()) == set(claims) | position_only


class TestStoredAndTypedPayloads:
    def test_the_test_stream_touches_every_event_type(self):
        types = {envelope.type for envelope in envelopes(every_kind_of_event())}
        assert types == set(REGISTRY.names())

    def test_stored_payloads_fold_into_the_same_view_as_validated_ones(self):
        typed = fold_with(HostFold(AREAS, typed=True), every_kind_of_event())
        fast = fold_with(HOST_FOLD, every_kind_of_event())
        assert fast == typed
        assert fast == fold(HOST, envelopes(every_kind_of_event()))

    def test_the_stream_leaves_what_each_area_says(self):
        view = fold(HOST, envelopes(every_kind_of_event()))
        assert list(view.catalog) == ["0000000004"]  # recorded, superseded by an import
        assert view.catalog["0000000004"].rows[0].device == "410001:256"
        assert view.catalog["0000000004"].ended_at == T0 + timedelta(minutes=1)
        assert view.copy_group(GROUP).status == "PSUE" and view.copy_group(GROUP).mounted_at == ""
        assert view.copy_group(PAIR_GROUP).status == "COPY"  # the takeover's outcome, last
        assert view.copy_group("VG03,VOL03").locked_by == "mount"
        assert not view.copy_group("VG02,VOL02").locked
        assert view.workflows[W].open_steps == {"import:c-2": "ImportRequested"}
        assert view.workflows[R].ended == "aborted" and not view.workflows[R].unmounted
        assert view.tape == {} and view.backup_server.media_copies == {}
        assert view.backup_server.settings.retention_days == 10
        assert view.next_backup_id == "0000000007"  # 5: a SQL backup, 6: its template
        assert view.seq == len(every_kind_of_event())
        # issue 13 (sql-backup): the freeze ended, the SQL details and the template are kept
        assert view.workflows["w-sql"].applications["sqlserver:default"].state == "failed"
        assert not view.workflows["w-sql"].open_steps
        assert view.sql.backup("0000000005").metafile_of("UserDB1").size == 3
        assert list(view.sql.originals) == ["0000000005"]  # not the template
        assert [b.backup_id for b in view.sql.entries_of("default", template=True)] == [
            "0000000006"]
        assert view.sql.settings_of("default").vdi_timeout == 300
        assert view.sql.instances["default"].databases[0].files[0].copy_groups == (GROUP,)
