"""The effectful PostgreSQL backup workflow: online (freeze = ``pg_backup_start``, split every
copy group of the cluster, thaw = ``pg_backup_stop``) or cold (clean shutdown, split, start).

The steps are the plan steps every workflow uses (``services.agent.plan``: ``MakePair``,
``Freeze``, ``Split``, ``Thaw``), run by the one ``StepRunner``; the runner thaws a held freeze
whenever a later step fails, and restart recovery thaws one a dead agent left
(``services.agent.application.recovery``). Only the server stop and start of a cold backup
and of a restore are PostgreSQL's own steps (``server_step``). A backup that fails records
``BackupAborted``: no catalog entry, the generation unusable (``PgBackupRequested`` marked it).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from events import filesystem as fs
from events import postgres as pg
from services import messages
from services.agent.application_port import ApplicationError, Metadata
from services.agent.errors import failed
from services.agent.filesystem import decide as fs_decide
from services.agent.plan import Freeze, MakePair, Split, Thaw
from services.agent.postgres.decide import PgBackupPlan
from services.agent.postgres.wal import (WalFormatError, format_lsn, parse_label, parse_lsn,
                                         parse_segment, segment_name, segment_of)
from services.agent.application.steps import metadata_files
from services.agent.runner import StepFailed, StepRunner

KIND = "postgresql"
FREEZE_TIMEOUT = 3600.0  # pg_backup_start holds no writes: the limit is the session's life
ERRORS = (ApplicationError, WalFormatError, OSError, ValueError)
MAX_METADATA_BYTES = 1 << 20


def failure(what: str, error: Exception):
    return failed(messages.PG_FAILED, f"{what}: {error}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text(item: Metadata) -> str:
    with open(item.path, "rb") as stream:
        return stream.read(MAX_METADATA_BYTES).decode("utf-8", errors="replace")


def label_facts(metadata, segment_size: int) -> dict:
    """The ``PgBackupDetails`` fields ``pg_backup_stop``'s files give: the label (start LSN,
    timeline; its path and hash), the tablespace map, and the stop LSN (from the adapter's
    ``backup.json`` or a backup history text's ``STOP WAL LOCATION``)."""
    facts: dict = {}
    for item in metadata:
        text = _text(item)
        if item.path.endswith(".json"):
            info = json.loads(text)
            facts.setdefault("stop_lsn", parse_lsn(info["stop_lsn"]))
        elif "START WAL LOCATION" in text:
            label = parse_label(text)
            if label.stop_lsn is not None:
                facts.setdefault("stop_lsn", label.stop_lsn)
            if "label_path" not in facts and "STOP WAL LOCATION" not in text:
                facts.update(start_lsn=label.start_lsn, timeline=label.timeline,
                             start_wal=label.start_wal, label_path=item.path,
                             label_sha256=item.sha256)
        elif item.path.endswith("tablespace_map") and text.strip():
            facts.update(tablespace_map_path=item.path, tablespace_map_sha256=item.sha256)
    facts["metadata"] = metadata_files(metadata)
    if "label_path" not in facts or "stop_lsn" not in facts:
        raise WalFormatError("pg_backup_stop returned no backup label or no stop location")
    stop = facts["stop_lsn"]
    facts["stop_wal"] = segment_name(facts["timeline"], segment_of(
        max(stop - 1, facts["start_lsn"]), segment_size), segment_size)
    facts["start_lsn"], facts["stop_lsn"] = format_lsn(facts["start_lsn"]), format_lsn(stop)
    return facts


# -- backup ----------------------------------------------------------------------------------------
def run_backup(context, plan: PgBackupPlan) -> tuple[fs.BackupRecorded, pg.PgBackupDetails]:
    volume_plan, cluster = plan.volume_plan, plan.cluster.cluster
    runner = StepRunner(context, plan.workflow_id)
    started = context.clock()
    context.record([volume_plan.request, pg.PgBackupRequested(
        workflow_id=plan.workflow_id, backup_id=plan.backup_id, cluster=cluster,
        mode=plan.mode, copy_groups=volume_plan.request.copy_groups), *volume_plan.superseded])
    pairs = tuple(MakePair(g) for g in volume_plan.groups)
    splits = tuple(Split(g) for g in volume_plan.groups)
    try:
        if plan.mode == "ONLINE":
            spread = () if plan.fast else (("fast", False),)
            runner.run_plan((*pairs, Freeze(KIND, cluster, (), FREEZE_TIMEOUT,
                                            Path(plan.cluster.metadata_dir), plan.backup_id,
                                            spread),
                             *splits))
            metadata = runner.run(Thaw(KIND, cluster))
            facts = _facts_or_fail(metadata, plan.cluster.segment_size)
        else:
            runner.run_plan(pairs)
            _cold_split(context, runner, plan, splits)
            facts = _cold_facts(context, plan)
    except StepFailed as error:
        context.record([fs.BackupAborted(workflow_id=plan.workflow_id,
                                         backup_id=plan.backup_id, reason=str(error.error),
                                         step=error.step)])
        raise failure(f"backup {plan.backup_id} aborted at {error.step}", error.error) from error
    return _record(context, plan, started, facts)


def _facts_or_fail(metadata, segment_size: int) -> dict:
    try:
        return label_facts(metadata, segment_size)
    except (WalFormatError, OSError, ValueError, KeyError) as error:
        raise StepFailed("read the backup label", ApplicationError(str(error))) from error


def _cold_split(context, runner: StepRunner, plan: PgBackupPlan, splits) -> None:
    app, cluster, wf = context.ports.application(KIND), plan.cluster.cluster, plan.workflow_id
    server_step(runner, app, "stop", cluster, wf)
    try:
        runner.run_plan(splits)
    finally:
        server_step(runner, app, "start", cluster, wf)


def server_step(runner: StepRunner, app, action: str, cluster: str, workflow_id: str,
                lost_is_stopped: bool = False) -> None:
    """Stop or start the server as one step (intent, port call, outcome). With
    ``lost_is_stopped`` (a restore), a cluster whose data directory is gone (the disaster the
    restore repairs: ``ApplicationError`` ``not-found``) counts as stopped."""
    intent, outcome = ((pg.PgServerStopRequested, pg.PgServerStopped) if action == "stop"
                       else (pg.PgServerStartRequested, pg.PgServerStarted))

    def call() -> None:
        try:
            getattr(app, action)(cluster)
        except ApplicationError as error:
            if not (lost_is_stopped and action == "stop" and error.reason == "not-found"):
                raise

    runner.step(f"server {action}", [intent(workflow_id=workflow_id, cluster=cluster)], call,
                lambda _: [outcome(workflow_id=workflow_id, cluster=cluster)], errors=ERRORS)


def _cold_facts(context, plan: PgBackupPlan) -> dict:
    """A cold copy needs no WAL: its position is the start of the segment after the newest
    one backed up (where the server goes on writing), on that segment's timeline."""
    size = plan.cluster.segment_size
    files = context.view.postgres.wal.get(plan.cluster.cluster, {}).values()
    segments = [parse_segment(f.file_name, size) for f in files if f.kind == "segment"]
    timeline, number = max(segments, key=lambda s: (s[1], s[0]), default=(1, 0))
    wal = segment_name(timeline, number, size)
    lsn = format_lsn(number * size)
    return {"start_lsn": lsn, "stop_lsn": lsn, "timeline": timeline, "start_wal": wal,
            "stop_wal": wal}


def _record(context, plan: PgBackupPlan, started, facts: dict) -> tuple:
    request, volume_plan = plan.volume_plan.request, plan.volume_plan
    recorded = fs.BackupRecorded(
        backup_id=request.backup_id, original_id=request.backup_id, origin_host=context.host,
        mode=request.mode, instances=request.instances,
        rows=fs_decide.object_rows(volume_plan.volumes, volume_plan.groups),
        generation=request.generation, copy_groups=request.copy_groups, started_at=started,
        ended_at=context.clock(), comment=request.comment, workflow_id=request.workflow_id)
    details = pg.PgBackupDetails(backup_id=request.backup_id, workflow_id=plan.workflow_id,
                                 cluster=plan.cluster.cluster, mode=plan.mode,
                                 generation=request.generation,
                                 copy_groups=request.copy_groups, **facts)
    context.record([recorded, details])
    return recorded, details
