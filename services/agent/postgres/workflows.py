"""The effectful PostgreSQL workflows: backup (online, cold), log backup, restore, recovery.

Every server call is a step of the one ``StepRunner`` (intent, port call, outcome); the pair
steps are the file-system plan's. A failure after ``pg_backup_start`` always ends the backup on
the server (thaw) and records ``PgBackupAbandoned`` and ``BackupAborted``: no catalog entry, the
generation marked unusable. A cold backup that stopped the server starts it again whatever
happened.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from events import filesystem as fs
from events import postgres as pg
from services import messages
from services.agent.application_port import ApplicationError, Metadata
from services.agent.errors import failed
from services.agent.filesystem import decide as fs_decide
from services.agent.plan import MakePair, Split
from services.agent.postgres.decide import PgBackupPlan
from services.agent.postgres.wal import (DEFAULT_SEGMENT_SIZE, LabelFacts, WalFormatError,
                                         format_lsn, parse_label, parse_segment)
from services.agent.runner import StepFailed, StepRunner

FREEZE_TIMEOUT = 3600.0  # pg_backup_start holds nothing: the limit is the session's life
ERRORS = (ApplicationError, WalFormatError, OSError)


def _failure(what: str, error: Exception):
    return failed(messages.PG_FAILED, f"{what}: {error}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def label_facts(metadata: tuple[Metadata, ...]) -> LabelFacts:
    """The start (and stop) the label and backup history texts ``thaw`` returned say."""
    start = stop = None
    for item in metadata:
        text = Path(item.path).read_text(encoding="utf-8", errors="replace")
        if "START WAL LOCATION" not in text:
            continue
        facts = parse_label(text)
        start = start or facts
        if facts.stop_lsn is not None:
            stop = facts
    if start is None:
        raise WalFormatError("pg_backup_stop returned no backup label")
    if stop is None:
        raise WalFormatError("pg_backup_stop returned no stop location (backup history text)")
    return LabelFacts(start.start_lsn, start.start_wal, start.timeline, stop.stop_lsn,
                      stop.stop_wal, start.label)


# -- backup ----------------------------------------------------------------------------------------
def run_backup(context, app, plan: PgBackupPlan) -> tuple[fs.BackupRecorded, pg.PgBackupDetails]:
    volume_plan, cluster = plan.volume_plan, plan.cluster.cluster
    runner = StepRunner(context, plan.workflow_id)
    started = context.clock()
    context.record(volume_plan.first_events)
    stopped = None
    try:
        runner.run_plan(tuple(MakePair(g) for g in volume_plan.groups))
        if plan.mode == "ONLINE":
            stopped = _online_split(context, app, runner, plan)
        else:
            _cold_split(app, runner, plan)
    except StepFailed as error:
        context.record([fs.BackupAborted(workflow_id=plan.workflow_id,
                                         backup_id=plan.backup_id, reason=str(error.error),
                                         step=error.step)])
        raise _failure(f"backup {plan.backup_id} aborted at {error.step}", error.error) from error
    return _record(context, plan, started, stopped)


def _online_split(context, app, runner: StepRunner, plan: PgBackupPlan):
    cluster, wf = plan.cluster.cluster, plan.workflow_id
    label = f"drm {plan.backup_id}"
    freeze, _ = runner.step(
        "pg_backup_start", [pg.PgBackupStartRequested(workflow_id=wf, cluster=cluster,
                                                      label=label)],
        lambda: app.freeze(cluster, (), FREEZE_TIMEOUT, Path(plan.cluster.metadata_dir),
                           plan.backup_id),
        lambda held: [pg.PgBackupStarted(workflow_id=wf, cluster=cluster,
                                         token=held[0].token[:256])],
        lambda error: [pg.PgBackupAbandoned(workflow_id=wf, cluster=cluster,
                                            reason=str(error)[:2000])],
        errors=ERRORS)
    try:
        runner.run_plan(tuple(Split(g) for g in plan.volume_plan.groups))
    except StepFailed as error:
        _thaw_quietly(app, freeze)
        context.record([pg.PgBackupAbandoned(workflow_id=wf, cluster=cluster,
                                             reason=f"{error.step}: {error.error}"[:2000])])
        raise
    return runner.step(
        "pg_backup_stop", [pg.PgBackupStopRequested(workflow_id=wf, cluster=cluster)],
        lambda: _stop(app, freeze, wf, cluster),
        lambda stopped: [stopped],
        lambda error: [pg.PgBackupAbandoned(workflow_id=wf, cluster=cluster,
                                            reason=str(error)[:2000])],
        errors=ERRORS)


def _stop(app, freeze, workflow_id: str, cluster: str) -> pg.PgBackupStopped:
    metadata = app.thaw(freeze)
    return _stopped(workflow_id, cluster, metadata, label_facts(metadata))


def _thaw_quietly(app, freeze) -> None:
    try:
        app.thaw(freeze)
    except ERRORS:
        pass  # the server ends a backup whose session went away by itself


def _stopped(workflow_id: str, cluster: str, metadata, facts: LabelFacts) -> pg.PgBackupStopped:
    label = next(m for m in metadata if "START WAL LOCATION" in Path(m.path).read_text(
        encoding="utf-8", errors="replace"))
    spcmap = next((m for m in metadata if m.path.endswith("tablespace_map")), None)
    return pg.PgBackupStopped(
        workflow_id=workflow_id, cluster=cluster, start_lsn=format_lsn(facts.start_lsn),
        stop_lsn=format_lsn(facts.stop_lsn), timeline=facts.timeline, start_wal=facts.start_wal,
        stop_wal=facts.stop_wal, label_path=label.path, label_sha256=label.sha256,
        tablespace_map_path=spcmap.path if spcmap else None,
        tablespace_map_sha256=spcmap.sha256 if spcmap else None)


def _cold_split(app, runner: StepRunner, plan: PgBackupPlan) -> None:
    cluster, wf = plan.cluster.cluster, plan.workflow_id
    server_step(runner, app, "stop", cluster, wf)
    try:
        runner.run_plan(tuple(Split(g) for g in plan.volume_plan.groups))
    finally:
        server_step(runner, app, "start", cluster, wf)


def server_step(runner: StepRunner, app, action: str, cluster: str, workflow_id: str) -> None:
    intent, outcome = ((pg.PgServerStopRequested, pg.PgServerStopped) if action == "stop"
                       else (pg.PgServerStartRequested, pg.PgServerStarted))
    runner.step(f"server {action}", [intent(workflow_id=workflow_id, cluster=cluster)],
                lambda: getattr(app, action)(cluster),
                lambda _: [outcome(workflow_id=workflow_id, cluster=cluster)], errors=ERRORS)


def _record(context, plan: PgBackupPlan, started, stopped) -> tuple:
    request, volume_plan = plan.volume_plan.request, plan.volume_plan
    recorded = fs.BackupRecorded(
        backup_id=request.backup_id, original_id=request.backup_id, origin_host=context.host,
        mode=request.mode, instances=request.instances,
        rows=fs_decide.object_rows(volume_plan.volumes, volume_plan.groups),
        generation=request.generation, copy_groups=request.copy_groups, started_at=started,
        ended_at=context.clock(), comment=request.comment, workflow_id=request.workflow_id)
    facts = ({k: getattr(stopped, k) for k in ("start_lsn", "stop_lsn", "timeline", "start_wal",
                                               "stop_wal", "label_path", "label_sha256",
                                               "tablespace_map_path", "tablespace_map_sha256")}
             if stopped else _cold_facts(context, plan))
    details = pg.PgBackupDetails(backup_id=request.backup_id, workflow_id=plan.workflow_id,
                                 cluster=plan.cluster.cluster, mode=plan.mode,
                                 generation=request.generation,
                                 copy_groups=request.copy_groups, **facts)
    context.record([recorded, details])
    return recorded, details


def _cold_facts(context, plan: PgBackupPlan) -> dict:
    """A cold backup has no label: its position is the end of the newest WAL backed up."""
    files = context.view.postgres.wal.get(plan.cluster.cluster, {}).values()
    segments = sorted(f.file_name for f in files if f.kind == "segment")
    wal = segments[-1] if segments else "000000010000000000000001"
    timeline, number = parse_segment(wal)
    lsn = format_lsn(number * DEFAULT_SEGMENT_SIZE)
    return {"start_lsn": lsn, "stop_lsn": lsn, "timeline": timeline, "start_wal": wal,
            "stop_wal": wal}
