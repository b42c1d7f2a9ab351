"""The SQL Server backup workflow: the plan's first events, its steps through the one
``StepRunner`` (pairs to PAIR; KAVX1371-I; freeze, split, thaw; KAVX1372-I), then the catalog
entry -- ``SqlBackupDetails`` and ``BackupRecorded`` in one append.

A failed step ends the workflow with ``BackupAborted`` (the runner has already thawed and
recorded the thaw) and the command with ``KAVX0006-E``: ``DRM-11105`` when the freeze
outlived the VDI generation timeout (the copy cannot be vouched for: no entry), ``DRM-11111``
when the instance refused to freeze, the pair failure's code otherwise.
"""
from __future__ import annotations

from events import filesystem as fs
from events import sqlserver as sql
from services import messages
from services.agent.application.steps import metadata_files
from services.agent.errors import CommandFailure, failed
from services.agent.runner import StepFailed, StepRunner
from services.agent.sqlserver.decide import SqlBackupPlan, chosen_records, entry_rows


def failure(plan: SqlBackupPlan, error: StepFailed) -> CommandFailure:
    backup_id, reason = plan.request.backup_id, getattr(error.error, "reason", "")
    if reason == "frozen-timeout":
        return failed(messages.SQL_FROZEN_TIMEOUT, f"backup {backup_id}: {error.error}; the VDI "
                      f"generation timeout is {plan.freeze.timeout:g} s (drmsqlinit)")
    if error.step.startswith("freeze"):
        return failed(messages.SQL_FREEZE_FAILED, f"backup {backup_id}: {error.error}")
    return failed(messages.PAIR_FAILED, f"backup {backup_id} aborted at {error.step}: "
                                        f"{error.error}")


def run_sql_backup(context, plan: SqlBackupPlan, comment: str = "") -> tuple[fs.BackupRecorded,
                                                                            sql.SqlBackupDetails]:
    request = plan.request
    runner = StepRunner(context, request.workflow_id)
    started = context.clock()
    context.record(plan.first_events)
    try:
        runner.run_plan(plan.resync_steps)
        context.progress(messages.line(messages.SQL_FREEZE_START))
        runner.run_plan(plan.frozen_steps)
        context.progress(messages.line(messages.SQL_THAW_END))
    except StepFailed as error:
        context.record([fs.BackupAborted(workflow_id=request.workflow_id,
                                         backup_id=request.backup_id,
                                         reason=str(error.error)[:2048], step=error.step)])
        raise failure(plan, error) from error
    ended = context.clock()
    freeze = plan.freeze
    details = sql.SqlBackupDetails(
        backup_id=request.backup_id, instance=freeze.instance, databases=chosen_records(plan),
        metafiles=metadata_files(runner.application_metadata),
        metadata_dir=str(freeze.metadata_dir or ""), online=True,
        system=plan.sql_request.system, recorded_at=ended, comment=comment,
        workflow_id=request.workflow_id)
    recorded = fs.BackupRecorded(
        backup_id=request.backup_id, original_id=request.backup_id, origin_host=context.host,
        mode="ONLINE", object_type="MSSQL", instances=(freeze.instance,),
        rows=entry_rows(plan), generation=request.generation, copy_groups=request.copy_groups,
        started_at=started, ended_at=ended, comment=comment, workflow_id=request.workflow_id)
    context.record([details, recorded])
    return recorded, details
