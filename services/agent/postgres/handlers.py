"""Handlers of the PostgreSQL commands (``events.pg_commands``): check, decide (pure, in
``decide``), then run the steps (``workflows``, ``logs``). The server is the host's
``postgresql`` application port; a host without one refuses the command, changing nothing.
"""
from __future__ import annotations

from pathlib import Path

from events import postgres as pg
from events.base import Payload
from events.outcomes import CommandCompleted
from events.pg_commands import (BackupPgCluster, BackupPgLogs, ConfigurePgCluster,
                                RecoverPgCluster, RestorePgCluster)
from services import messages
from services.agent.application_port import ONLINE, ApplicationError, LogBackup, Metadata
from services.agent.errors import reject
from services.agent.filesystem import decide as fs_decide
from services.agent.filesystem import workflows as fs_workflows
from services.agent.filesystem.handlers import ensure_maps, require_storage
from services.agent.postgres import decide, logs, workflows
from services.agent.runner import StepFailed, StepRunner
from services.agent.service import AgentContext

KIND = "postgresql"


def application(context: AgentContext):
    app = context.ports.application(KIND)
    if app is None:
        raise reject(messages.NO_LAB, "this host runs no PostgreSQL application (the agent was "
                                      "started without one)")
    return app


def _done(command, **result) -> list[Payload]:
    return [CommandCompleted(command=command.name, result=result)]


def configure(command: ConfigurePgCluster, context: AgentContext) -> list[Payload]:
    app = application(context)
    ensure_maps(context)
    try:
        found = {d.name: d for d in app.databases(command.cluster)}
    except ApplicationError as error:
        raise reject(messages.UNKNOWN_OBJECT, f"the cluster {command.cluster}: {error}") from None
    files = tuple(dict.fromkeys((f.path, f.kind) for d in found.values() for f in d.files))
    event = decide.plan_configure(context.view, command.cluster, files, command.log_backup_dir,
                                  command.metadata_dir)
    for directory in (command.log_backup_dir, command.metadata_dir):
        Path(directory).mkdir(parents=True, exist_ok=True)
    context.record([event])
    return _done(command, cluster=command.cluster, files=[f.path for f in event.files],
                 copy_groups=list(dict.fromkeys(g for f in event.files for g in f.copy_groups)))


def backup(command: BackupPgCluster, context: AgentContext) -> list[Payload]:
    require_storage(context)
    app = application(context)
    plan = decide.plan_backup(context.view, context.envelope.workflow_id, command.cluster,
                              command.mode, command.generation, command.comment)
    recorded, details = workflows.run_backup(context, app, plan)
    result = dict(backup_id=recorded.backup_id, generation=recorded.generation,
                  copy_groups=list(recorded.copy_groups), mode=recorded.mode,
                  cluster=command.cluster, start_lsn=details.start_lsn,
                  stop_lsn=details.stop_lsn, timeline=details.timeline,
                  superseded=[d.backup_id for d in plan.volume_plan.superseded])
    released = logs.released(context.view, command.cluster)
    if released is not None:
        context.record([released])
        logs.delete_released(Path(plan.cluster.log_backup_dir), released)
        result["released"] = len(released.file_names)
    return _done(command, **result)


def log_backup(command: BackupPgLogs, context: AgentContext) -> list[Payload]:
    app = application(context)
    cluster = decide.cluster_of(context.view, command.cluster)
    area = Path(cluster.log_backup_dir)
    try:
        app.log_backup(command.cluster, "", area)
    except ApplicationError as error:
        raise workflows._failure(f"log backup of {command.cluster}", error) from error
    archived = logs.new_files(context.view, command.cluster, area)
    context.record(archived)
    return _done(command, cluster=command.cluster, files=[a.file_name for a in archived],
                 backup_id=logs.latest_backup_id(context.view, command.cluster))


def restore(command: RestorePgCluster, context: AgentContext) -> list[Payload]:
    require_storage(context)
    app = application(context)
    backup = decide.backup_of(context.view, command.backup_id)
    report = decide.check_restorable(context.view, backup) if not command.force else None
    cluster = decide.cluster_of(context.view, backup.cluster)
    wf = context.envelope.workflow_id
    runner = StepRunner(context, wf)
    try:
        workflows.server_step(runner, app, "stop", backup.cluster, wf)
    except StepFailed as error:
        raise workflows._failure(f"restore of {command.backup_id}", error.error) from error
    plan = fs_decide.plan_restore(context.view, wf, command.backup_id, (),
                                  fs_workflows.live_statuses(context), command.force)
    fs_workflows.run_restore(context, plan)
    metadata = _metadata(backup)
    runner.step("lay down the label", [], lambda: app.restored(backup.cluster, (), metadata,
                                                               standby=False),
                lambda _: [pg.PgLabelLaidDown(workflow_id=wf, cluster=backup.cluster,
                                              backup_id=backup.backup_id,
                                              label_sha256=backup.label_sha256)],
                errors=workflows.ERRORS)
    return _done(command, backup_id=command.backup_id, cluster=backup.cluster,
                 log_backup_dir=cluster.log_backup_dir,
                 chain=report.as_dict() if report else None)


def _metadata(backup) -> tuple[Metadata, ...]:
    items = []
    for path, digest in ((backup.label_path, backup.label_sha256),
                         (backup.tablespace_map_path, backup.tablespace_map_sha256)):
        if path:
            items.append(Metadata(database="", path=path, size=Path(path).stat().st_size
                                  if Path(path).exists() else 0, sha256=digest or ""))
    return tuple(items)


def recover(command: RecoverPgCluster, context: AgentContext) -> list[Payload]:
    app = application(context)
    cluster = decide.cluster_of(context.view, command.cluster)
    target = decide.recovery_target(context.view, command.cluster, command.target,
                                    command.target_value)
    backup_id = context.view.postgres.restored[command.cluster]
    wf = context.envelope.workflow_id
    context.record([pg.PgRecoveryRequested(workflow_id=wf, cluster=command.cluster,
                                           backup_id=backup_id, target=command.target,
                                           target_value=command.target_value)])
    wal = [LogBackup(database="", path=str(p), first_lsn=0, last_lsn=0, size=0, sha256="")
           for p in logs.chain_files(context.view, command.cluster, Path(cluster.log_backup_dir))]
    try:
        app.apply_logs(command.cluster, "", wal, finish=ONLINE, target=target)
        timeline, lsn, reached_at = _recovery_end(app, command.cluster)
    except workflows.ERRORS as error:
        context.record([pg.PgRecoveryFailed(workflow_id=wf, cluster=command.cluster,
                                            backup_id=backup_id, reason=str(error)[:2000])])
        raise workflows._failure(f"recovery of {command.cluster}", error) from error
    ended = pg.PgRecoveryEnded(workflow_id=wf, cluster=command.cluster, backup_id=backup_id,
                               timeline=timeline, lsn=lsn, reached_at=reached_at)
    context.record([ended])
    return _done(command, cluster=command.cluster, backup_id=backup_id, timeline=timeline,
                 lsn=lsn, reached_at=reached_at, target=command.target)


def _recovery_end(app, cluster: str) -> tuple[int, str, str]:
    """Where recovery ended, from an application that reports it (``RecoveryReport`` of
    ``services.agent.application_port``)."""
    report = getattr(app, "recovery_end", None)
    if report is None:
        raise ApplicationError("the PostgreSQL application does not report where recovery "
                               "ended", reason="state")
    return report(cluster)


PG_COMMAND_HANDLERS = (
    (ConfigurePgCluster, configure), (BackupPgCluster, backup), (BackupPgLogs, log_backup),
    (RestorePgCluster, restore), (RecoverPgCluster, recover),
)
