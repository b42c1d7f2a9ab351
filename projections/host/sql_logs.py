"""SQL restore and log area: log chains, roll-forwards, restores, database states and the SQL
workflows (``projections.sql_log_view``). Records what the events say, never decides: chain
rules are checked by ``services.agent.sqlserver_restore.chain`` before anything is recorded.

A roll-forward is marked at its intent (``SqlRollForwardRequested``) as incomplete, and only an
outcome that says so makes it complete: a crash between the two leaves the chain treated as
rolled forward part-way (the next log backup needs a new full backup), never as whole.
"""
from __future__ import annotations

from events import sql_logs as logs, sql_restore as sql
from projections.host.area import AreaFold
from projections.host.common import parse_time
from projections.host_view import HostView
from projections.sql_log_view import (SqlLogRecord, SqlRestoreMark, SqlRollForward,
                                      SqlWorkflow, chain_key)

fold = AreaFold("sql_logs")


def _start(view: HostView, workflow_id: str, kind: str, instance: str, backup_id: str,
           databases, seq: int) -> None:
    view.sql_logs.workflows[workflow_id] = SqlWorkflow(
        workflow_id, kind, instance, backup_id, tuple(databases), seq)


def _end(view: HostView, workflow_id: str, how: str) -> None:
    workflow = view.sql_logs.workflows.get(workflow_id)
    if workflow is not None:
        workflow.ended = how
        workflow.open_steps.clear()


def _step(view: HostView, workflow_id: str, key: str, kind: str | None) -> SqlWorkflow | None:
    workflow = view.sql_logs.workflows.get(workflow_id)
    if workflow is not None:
        if kind is None:
            workflow.open_steps.pop(key, None)
        else:
            workflow.open_steps[key] = kind
    return workflow


# -- log backups ---------------------------------------------------------------------------------
@fold.on(logs.SqlLogBackupRequested)
def log_backup_requested(view: HostView, event: logs.SqlLogBackupRequested, seq: int) -> None:
    _start(view, event.workflow_id, "logbackup", event.instance, event.backup_id,
           event.databases, seq)


@fold.on(logs.SqlLogBackupRecorded)
def log_backup_recorded(view: HostView, event: logs.SqlLogBackupRecorded, seq: int) -> None:
    key = chain_key(event.instance, event.database)
    view.sql_logs.chains.setdefault(key, []).append(SqlLogRecord(
        event.instance, event.database, event.path, event.first_lsn, event.last_lsn,
        event.chain_seq, event.backup_id, event.original_id, event.truncated, event.sha256,
        event.size, parse_time(event.taken_at), seq))
    view.sql_logs.roll_forwards.pop(key, None)  # the chain goes on from here


@fold.on(logs.SqlLogBackupCompleted)
def log_backup_completed(view: HostView, event: logs.SqlLogBackupCompleted, seq: int) -> None:
    _end(view, event.workflow_id, "completed")


@fold.on(logs.SqlLogBackupAborted)
def log_backup_aborted(view: HostView, event: logs.SqlLogBackupAborted, seq: int) -> None:
    _end(view, event.workflow_id, "aborted")


@fold.on(logs.SqlLogInfoDeleted)
def log_info_deleted(view: HostView, event: logs.SqlLogInfoDeleted, seq: int) -> None:
    for database in event.databases:
        key = chain_key(event.instance, database)
        kept = [r for r in view.sql_logs.chains.get(key, [])
                if r.original_id != event.original_id]
        if kept:
            view.sql_logs.chains[key] = kept
        else:
            view.sql_logs.chains.pop(key, None)


# -- roll-forward and states ---------------------------------------------------------------------
@fold.on(logs.SqlRollForwardRequested)
def roll_forward_requested(view: HostView, event: logs.SqlRollForwardRequested, seq: int) -> None:
    key = chain_key(event.instance, event.database)
    restored = view.sql_logs.restores.get(key)
    previous = view.sql_logs.roll_forwards.get(key)
    view.sql_logs.roll_forwards[key] = SqlRollForward(
        seq, previous.last_lsn if previous else 0,
        restored.original_id if restored else "", False, event.finish)
    _step(view, event.workflow_id, f"rollforward:{event.database}", "SqlRollForwardRequested")


@fold.on(logs.SqlRollForwardApplied)
def roll_forward_applied(view: HostView, event: logs.SqlRollForwardApplied, seq: int) -> None:
    key = chain_key(event.instance, event.database)
    previous = view.sql_logs.roll_forwards.get(key)
    view.sql_logs.roll_forwards[key] = SqlRollForward(
        seq, event.last_lsn or (previous.last_lsn if previous else 0), event.original_id,
        event.chain_complete, event.finish)
    _step(view, event.workflow_id, f"rollforward:{event.database}", None)


@fold.on(logs.SqlDatabaseStateChanged)
def state_changed(view: HostView, event: logs.SqlDatabaseStateChanged, seq: int) -> None:
    view.sql_logs.states[chain_key(event.instance, event.database)] = event.state


# -- restore -------------------------------------------------------------------------------------
@fold.on(sql.SqlRestoreRequested)
def restore_requested(view: HostView, event: sql.SqlRestoreRequested, seq: int) -> None:
    _start(view, event.workflow_id, "restore", event.target_instance, event.backup_id,
           event.databases, seq)


@fold.on(sql.SqlInstanceStopRequested)
def stop_requested(view: HostView, event: sql.SqlInstanceStopRequested, seq: int) -> None:
    workflow = _step(view, event.workflow_id, f"stop:{event.instance}", "SqlInstanceStopRequested")
    if workflow is not None:
        workflow.stopped = event.instance


@fold.on(sql.SqlInstanceStopped)
def stopped(view: HostView, event: sql.SqlInstanceStopped, seq: int) -> None:
    _step(view, event.workflow_id, f"stop:{event.instance}", None)


@fold.on(sql.SqlInstanceStartRequested)
def start_requested(view: HostView, event: sql.SqlInstanceStartRequested, seq: int) -> None:
    _step(view, event.workflow_id, f"start:{event.instance}", "SqlInstanceStartRequested")


@fold.on(sql.SqlInstanceStarted)
def started(view: HostView, event: sql.SqlInstanceStarted, seq: int) -> None:
    workflow = _step(view, event.workflow_id, f"start:{event.instance}", None)
    if workflow is not None and workflow.stopped.lower() == event.instance.lower():
        workflow.stopped = ""


@fold.on(sql.SqlMetadataApplyRequested)
def metadata_requested(view: HostView, event: sql.SqlMetadataApplyRequested, seq: int) -> None:
    _step(view, event.workflow_id, "metadata", "SqlMetadataApplyRequested")


@fold.on(sql.SqlRestoreCompleted)
def restore_completed(view: HostView, event: sql.SqlRestoreCompleted, seq: int) -> None:
    for database in event.databases:
        key = chain_key(event.target_instance, database)
        view.sql_logs.restores[key] = SqlRestoreMark(event.backup_id, event.original_id, seq)
        view.sql_logs.roll_forwards.pop(key, None)
    view.sql_logs.restored_entries.setdefault(event.backup_id, seq)  # Fig. 6-3 (sql-gaps)
    _end(view, event.workflow_id, "completed")


@fold.on(sql.SqlRestoreAborted)
def restore_aborted(view: HostView, event: sql.SqlRestoreAborted, seq: int) -> None:
    _end(view, event.workflow_id, "aborted")


# -- recovery ------------------------------------------------------------------------------------
@fold.on(sql.SqlRecoveryRequested)
def recovery_requested(view: HostView, event: sql.SqlRecoveryRequested, seq: int) -> None:
    _start(view, event.workflow_id, "recovery", event.instance, "", event.databases, seq)


@fold.on(sql.SqlRecoveryCompleted)
def recovery_completed(view: HostView, event: sql.SqlRecoveryCompleted, seq: int) -> None:
    _end(view, event.workflow_id, "completed")


@fold.on(sql.SqlRecoveryAborted)
def recovery_aborted(view: HostView, event: sql.SqlRecoveryAborted, seq: int) -> None:
    _end(view, event.workflow_id, "aborted")
