"""``drm pg restore`` and ``drm pg recover``: put a backup back and roll it forward.

Restore: refuse before anything changes when the WAL the backup needs is not all in the log
backups (``decide.check_restorable``); stop the server (a step); reverse resync every copy group
of the entry and split again (the file-system restore's plan and workflow); lay the label, the
tablespace map and the stop information down (``ApplicationPort.restored``, a step recorded as
``PgLabelLaidDown``). The server stays stopped, as ``drmsqlrestore`` leaves a database loading.

Recover: ``ApplicationPort.apply_logs`` from the log backups to the target, then the recovery's
end (timeline, LSN, last transaction's time) as ``PgRecoveryEnded``; log backups start again
on the new timeline (``logs.streaming(fresh=True)``: a new replication slot).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from events import postgres as pg
from events.base import Payload
from events.pg_commands import RecoverPgCluster, RestorePgCluster
from services.agent.application_port import ONLINE, ApplicationError, LogBackup, Metadata
from services.agent.filesystem import decide as fs_decide
from services.agent.filesystem import workflows as fs_workflows
from services.agent.filesystem.handlers import require_storage
from services.agent.postgres import decide, logs, workflows
from services.agent.postgres.common import application, done
from services.agent.postgres.wal import format_lsn
from services.agent.runner import StepFailed, StepRunner


def restore(command: RestorePgCluster, context) -> list[Payload]:
    require_storage(context)
    app = application(context)
    backup = decide.backup_of(context.view, command.backup_id)
    cluster = decide.cluster_of(context.view, backup.cluster)
    report = None if command.force else decide.check_restorable(
        context.view, backup, logs.present(Path(cluster.log_backup_dir)))
    wf = context.envelope.workflow_id
    plan = fs_decide.plan_restore(context.view, wf, command.backup_id, (),
                                  fs_workflows.live_statuses(context), command.force)
    runner = StepRunner(context, wf)
    if hasattr(app, "stop_log_backups"):  # the keeper's receiver: restarted fresh by recover
        app.stop_log_backups(backup.cluster)
    try:
        workflows.server_step(runner, app, "stop", backup.cluster, wf, lost_is_stopped=True)
    except StepFailed as error:
        raise workflows.failure(f"restore of {command.backup_id}", error.error) from error
    fs_workflows.run_restore(context, plan)
    metadata = tuple(Metadata(database=backup.cluster, path=path, size=size, sha256=digest)
                     for path, size, digest in backup.metadata)
    try:
        runner.step("lay down the label", [],
                    lambda: app.restored(backup.cluster, (), metadata, standby=False),
                    lambda _: [pg.PgLabelLaidDown(workflow_id=wf, cluster=backup.cluster,
                                                  backup_id=backup.backup_id,
                                                  label_sha256=backup.label_sha256)],
                    errors=workflows.ERRORS)
    except StepFailed as error:
        raise workflows.failure(f"restore of {command.backup_id}", error.error) from error
    return done(command, backup_id=command.backup_id, cluster=backup.cluster,
                            log_backup_dir=cluster.log_backup_dir,
                            chain=report.as_dict() if report else None)


def recover(command: RecoverPgCluster, context) -> list[Payload]:
    app = application(context)
    cluster = decide.cluster_of(context.view, command.cluster)
    target = decide.recovery_target(context.view, command.cluster, command.target,
                                    command.target_value)
    backup_id = context.view.postgres.restored[command.cluster]
    wf = context.envelope.workflow_id
    context.record([pg.PgRecoveryRequested(workflow_id=wf, cluster=command.cluster,
                                           backup_id=backup_id, target=command.target,
                                           target_value=command.target_value)])
    area = Path(cluster.log_backup_dir)
    wal = [LogBackup(database=command.cluster, path=str(p), first_lsn=0, last_lsn=0, size=0,
                     sha256="") for p in logs.chain_files(context.view, command.cluster, area)]
    try:
        app.apply_logs(command.cluster, "", wal, finish=ONLINE, target=target)
        timeline, lsn, reached_at = _recovery_end(app, command.cluster)
    except workflows.ERRORS as error:
        context.record([pg.PgRecoveryFailed(workflow_id=wf, cluster=command.cluster,
                                            backup_id=backup_id, reason=str(error)[:2000])])
        raise workflows.failure(f"recovery of {command.cluster}", error) from error
    context.record([pg.PgRecoveryEnded(workflow_id=wf, cluster=command.cluster,
                                       backup_id=backup_id, timeline=timeline, lsn=lsn,
                                       reached_at=reached_at)])
    with logs.streaming(app, command.cluster, fresh=True):  # a new slot on the new timeline
        pass
    return done(command, cluster=command.cluster, backup_id=backup_id,
                            timeline=timeline, lsn=lsn, reached_at=reached_at,
                            target=command.target)


def _recovery_end(app, cluster: str) -> tuple[int, str, str]:
    """Where recovery ended, from an adapter that reports it (``recovery_end``: a
    ``RecoveryEnd`` of ``services.agent.application_port``)."""
    end = app.recovery_end(cluster) if hasattr(app, "recovery_end") else None
    if end is None:
        raise ApplicationError("the PostgreSQL application did not report where recovery "
                               "ended", reason="state")
    reached = (datetime.fromtimestamp(end.time, timezone.utc).isoformat() if end.time else "")
    return end.timeline, format_lsn(end.lsn), reached


PG_RESTORE_HANDLERS = ((RestorePgCluster, restore), (RecoverPgCluster, recover))
