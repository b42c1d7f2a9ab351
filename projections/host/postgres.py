"""PostgreSQL area (issue 14): clusters, backups' application details, WAL log backups, the
usability mark of each generation, restores laid down and recoveries.

The backup workflow's own brackets and pair steps are folded by the catalog, copy-group and
workflow areas; this area folds only the ``events.postgres`` payloads.
"""
from __future__ import annotations

from events import postgres as pg
from projections.host.area import AreaFold
from projections.host.common import close_step, item_fields, open_step
from projections.host_view import HostView
from projections.pg_view import (APPLICATION, COLD, UNUSABLE, PgBackupState, PgClusterState,
                                 PgGenerationMark, PgRecoveryState, PgWalFile)

fold = AreaFold("postgres")


@fold.on(pg.PgClusterConfigured)
def configured(view: HostView, event: pg.PgClusterConfigured, seq: int) -> None:
    files = tuple((f["path"], f["kind"], f["mount_point"], tuple(f["copy_groups"]))
                  for f in map(item_fields, event.files))
    view.postgres.clusters[event.cluster] = PgClusterState(
        event.cluster, event.log_backup_dir, event.metadata_dir, files, event.segment_size, seq)


@fold.on(pg.PgBackupRequested)
def backup_requested(view: HostView, event: pg.PgBackupRequested, seq: int) -> None:
    """From a backup's request its generation holds no usable copy until its details."""
    view.postgres.started[event.workflow_id] = (event.cluster, tuple(event.copy_groups))
    for name in event.copy_groups:
        view.postgres.marks[name] = PgGenerationMark(
            UNUSABLE, event.workflow_id, event.backup_id, seq,
            f"the backup {event.backup_id} started and was not recorded")


for _intent, _key in ((pg.PgServerStopRequested, "pg-server-stop"),
                      (pg.PgServerStartRequested, "pg-server-start")):
    fold.on(_intent, lambda view, event, seq, key=_key, kind=_intent.__name__: open_step(
        view, event.workflow_id, f"{key}:{event.cluster}", kind))


@fold.on(pg.PgServerStopped)
def server_stopped(view: HostView, event: pg.PgServerStopped, seq: int) -> None:
    close_step(view, event.workflow_id, f"pg-server-stop:{event.cluster}")
    view.postgres.down[event.workflow_id] = event.cluster


@fold.on(pg.PgServerStarted)
def server_started(view: HostView, event: pg.PgServerStarted, seq: int) -> None:
    close_step(view, event.workflow_id, f"pg-server-start:{event.cluster}")
    view.postgres.down.pop(event.workflow_id, None)


@fold.on(pg.PgBackupDetails)
def details(view: HostView, event: pg.PgBackupDetails, seq: int) -> None:
    view.postgres.backups[event.backup_id] = PgBackupState(
        event.backup_id, event.workflow_id, event.cluster, event.mode, event.generation,
        tuple(event.copy_groups), event.start_lsn, event.stop_lsn, event.timeline,
        event.start_wal, event.stop_wal, event.label_path, event.label_sha256,
        event.tablespace_map_path, event.tablespace_map_sha256, seq,
        tuple((m["path"], m["size"], m["sha256"]) for m in map(item_fields, event.metadata)))
    view.postgres.started.pop(event.workflow_id, None)
    view.postgres.down.pop(event.workflow_id, None)
    state = APPLICATION if event.mode == "ONLINE" else COLD
    for name in event.copy_groups:
        view.postgres.marks[name] = PgGenerationMark(state, event.workflow_id, event.backup_id,
                                                     seq)


@fold.on(pg.PgWalArchived)
def wal_archived(view: HostView, event: pg.PgWalArchived, seq: int) -> None:
    switches = tuple((s["parent"], s["lsn"]) for s in map(item_fields, event.switches))
    view.postgres.wal.setdefault(event.cluster, {})[event.file_name] = PgWalFile(
        event.file_name, event.kind, event.timeline, event.size, event.sha256, event.backup_id,
        seq, switches)


@fold.on(pg.PgWalReleased)
def wal_released(view: HostView, event: pg.PgWalReleased, seq: int) -> None:
    files = view.postgres.wal.get(event.cluster, {})
    for name in event.file_names:
        files.pop(name, None)


@fold.on(pg.PgLabelLaidDown)
def label_laid_down(view: HostView, event: pg.PgLabelLaidDown, seq: int) -> None:
    view.postgres.restored[event.cluster] = event.backup_id


@fold.on(pg.PgRecoveryRequested)
def recovery_requested(view: HostView, event: pg.PgRecoveryRequested, seq: int) -> None:
    view.postgres.recoveries[event.workflow_id] = PgRecoveryState(
        event.workflow_id, event.cluster, event.backup_id, event.target, event.target_value, seq)


@fold.on(pg.PgRecoveryEnded)
def recovery_ended(view: HostView, event: pg.PgRecoveryEnded, seq: int) -> None:
    view.postgres.restored.pop(event.cluster, None)
    recovery = view.postgres.recoveries.get(event.workflow_id)
    if recovery is not None:
        recovery.ended, recovery.timeline, recovery.lsn = "ended", event.timeline, event.lsn
        recovery.reached_at = event.reached_at


@fold.on(pg.PgRecoveryFailed)
def recovery_failed(view: HostView, event: pg.PgRecoveryFailed, seq: int) -> None:
    recovery = view.postgres.recoveries.get(event.workflow_id)
    if recovery is not None:
        recovery.ended, recovery.reason = "failed", event.reason
