"""The effectful SQL workflows: restore, recovery (roll-forward) and log backup.

Every call to the application port is a step of the one ``StepRunner`` (intent event, port
call, outcome event; ``ApplicationError`` recorded as the failure). A restore's storage part is
the file-system restore's plan (unmount the P-VOLs, reverse resync, split, mount again) run
under the same workflow, so the file-system recovery settles it after a crash; an instance this
workflow stopped is started again on any failure. Each workflow ends with its completion or its
abort (with the step and reason) and a failure raises ``CommandFailure`` (``KAVX0006-E``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from events import filesystem as fs, sql_logs as logs, sql_restore as sql
from services import messages
from services.agent.application_port import ApplicationError, LogBackup, Metadata
from services.agent.errors import failed
from services.agent.filesystem import decide as fs_decide
from services.agent.runner import StepFailed, StepRunner
from services.agent.sqlserver_restore import chain
from services.agent.sqlserver_restore.decide import RollForward, SqlRestorePlan
from services.agent.sqlserver_restore.facts import SettingsFacts

APP_ERRORS = (ApplicationError, OSError)


def _detail(error: StepFailed) -> str:
    reason = getattr(error.error, "reason", "")
    return messages.SQL_LOG_CHAIN if reason == "log-chain" else messages.SQL_APPLICATION


def app_step(runner: StepRunner, name: str, intent, call: Callable, outcome: Callable):
    return runner.step(name, intent, call, outcome, errors=APP_ERRORS)


# -- restore -------------------------------------------------------------------------------------
def run_sql_restore(context, plan: SqlRestorePlan, port, storage_plan, locate):
    """``storage_plan``: the file-system restore plan of the entry's volumes (None with
    ``-no_resync``); ``locate()``: the metafiles to apply, found after the volume copy
    (``ApplicationError`` when one is missing)."""
    request = plan.request
    wf, instance = request.workflow_id, request.target_instance
    runner = StepRunner(context, wf)
    context.record([request])
    stopped = False
    try:
        if plan.stop_instance:
            app_step(runner, f"stop {instance}",
                     [sql.SqlInstanceStopRequested(workflow_id=wf, instance=instance)],
                     lambda: port.stop(instance),
                     lambda _: [sql.SqlInstanceStopped(workflow_id=wf, instance=instance)])
            stopped = True
        if storage_plan is not None:
            _restore_volumes(context, runner, storage_plan)
        if stopped:
            _start(runner, port, wf, instance)
            stopped = False
        before = _states(port, instance)
        metadata = runner.step("find the VDI metafiles", [], locate, lambda _: [],
                               errors=APP_ERRORS)
        app_step(runner, "apply the VDI metafiles",
                 [sql.SqlMetadataApplyRequested(workflow_id=wf, instance=instance,
                                                databases=request.databases,
                                                metafiles=tuple(m.path for m in metadata),
                                                standby=request.standby)],
                 lambda: port.restored(instance, request.databases, metadata,
                                       standby=request.standby),
                 lambda infos: [logs.SqlDatabaseStateChanged(
                     workflow_id=wf, instance=instance, database=info.name,
                     previous=before.get(info.name.lower(), ""), state=info.state,
                     reason="restored") for info in infos])
    except StepFailed as error:
        if stopped:
            try:
                _start(runner, port, wf, instance)
            except StepFailed:
                pass  # recorded; recovery starts it at the next agent start
        context.record([sql.SqlRestoreAborted(workflow_id=wf, backup_id=request.backup_id,
                                              reason=str(error.error), step=error.step)])
        raise failed(_detail(error), f"restore of {request.backup_id} aborted at "
                                     f"{error.step}: {error.error}") from error
    completed = sql.SqlRestoreCompleted(workflow_id=wf, backup_id=request.backup_id,
                                        original_id=request.original_id,
                                        target_instance=instance, databases=request.databases)
    context.record([completed])
    return completed


def _states(port, instance: str) -> dict[str, str]:
    """The databases' states before the metafiles are applied ({} when the instance does not
    answer: the apply step then fails with the reason)."""
    try:
        return {d.name.lower(): d.state for d in port.databases(instance)}
    except ApplicationError:
        return {}


def _start(runner: StepRunner, port, wf: str, instance: str) -> None:
    app_step(runner, f"start {instance}",
             [sql.SqlInstanceStartRequested(workflow_id=wf, instance=instance)],
             lambda: port.start(instance),
             lambda _: [sql.SqlInstanceStarted(workflow_id=wf, instance=instance)])


def _restore_volumes(context, runner: StepRunner, storage_plan: fs_decide.RestorePlan) -> None:
    """The file-system restore under this workflow: its bracket lets the file-system recovery
    settle the pairs and mounts after a crash."""
    request = storage_plan.request
    context.record([request])
    try:
        runner.run_plan(storage_plan.steps)
    except StepFailed as error:
        context.record([fs.RestoreAborted(workflow_id=request.workflow_id,
                                          backup_id=request.backup_id,
                                          reason=str(error.error), step=error.step)])
        raise
    context.record([fs.RestoreCompleted(workflow_id=request.workflow_id,
                                        backup_id=request.backup_id)])


def metadata_of(plan: SqlRestorePlan) -> tuple[Metadata, ...]:
    wanted = {d.lower() for d in plan.request.databases}
    return tuple(Metadata(m.database, m.path, m.size, m.sha256) for m in plan.entry.metafiles
                 if m.database.lower() in wanted)


# -- recovery ------------------------------------------------------------------------------------
def run_recovery(context, instance: str, finish: str, plans: Sequence[RollForward], port,
                 databases_before: dict[str, str]):
    wf = context.envelope.workflow_id
    runner = StepRunner(context, wf)
    context.record([sql.SqlRecoveryRequested(
        workflow_id=wf, instance=instance, databases=tuple(p.database for p in plans),
        finish=finish, logs=sum(len(p.records) for p in plans))])
    try:
        for plan in plans:
            _roll_forward(runner, port, wf, instance, plan,
                          databases_before.get(plan.database.lower(), ""))
    except StepFailed as error:
        context.record([sql.SqlRecoveryAborted(workflow_id=wf, instance=instance,
                                               reason=str(error.error), step=error.step)])
        raise failed(_detail(error), f"recovery of {instance} aborted at {error.step}: "
                                     f"{error.error}") from error
    context.record([sql.SqlRecoveryCompleted(workflow_id=wf, instance=instance,
                                             databases=tuple(p.database for p in plans))])


def _roll_forward(runner: StepRunner, port, wf: str, instance: str, plan: RollForward,
                  previous: str) -> None:
    backups = [LogBackup(r.database, r.path, r.first_lsn, r.last_lsn, r.size, r.sha256,
                         r.truncated) for r in plan.records]
    first = plan.records[0].first_lsn if plan.records else 0
    last = plan.records[-1].last_lsn if plan.records else 0
    app_step(runner, f"roll forward {plan.database}", [plan.intent(wf, instance)],
             lambda: port.apply_logs(instance, plan.database, backups, finish=plan.finish),
             lambda info: [
                 logs.SqlRollForwardApplied(
                     workflow_id=wf, instance=instance, database=plan.database,
                     files=tuple(r.path for r in plan.records), first_lsn=first,
                     last_lsn=last, finish=plan.finish, original_id=plan.original_id,
                     chain_complete=plan.chain_complete),
                 logs.SqlDatabaseStateChanged(workflow_id=wf, instance=instance,
                                              database=plan.database, previous=previous,
                                              state=info.state, reason="recovered")])


# -- log backup ----------------------------------------------------------------------------------
def run_log_backup(context, instance: str, databases: Sequence[str], truncate: bool,
                   start: chain.StartPoint | None, settings: SettingsFacts, port) -> list:
    wf = context.envelope.workflow_id
    runner = StepRunner(context, wf)
    backup_id, original_id = (start.backup_id, start.original_id) if start else ("", "")
    context.record([logs.SqlLogBackupRequested(
        workflow_id=wf, instance=instance, databases=tuple(databases), truncate=truncate,
        no_cat=start is None, backup_id=backup_id, original_id=original_id)])
    taken = []
    for database in databases:
        seq = chain.next_chain_seq(context.view.sql_logs, instance, database, original_id)
        try:
            taken.append(runner.step(
                f"log backup {database}", [],
                lambda db=database: port.log_backup(instance, db,
                                                    Path(settings.log_backup_dir),
                                                    truncate=truncate),
                lambda made, seq=seq: [logs.SqlLogBackupRecorded(
                    workflow_id=wf, instance=instance, database=made.database,
                    path=made.path, first_lsn=made.first_lsn, last_lsn=made.last_lsn,
                    size=made.size, sha256=made.sha256, truncated=made.truncated,
                    chain_seq=seq, backup_id=backup_id, original_id=original_id,
                    taken_at=context.clock())],
                lambda error, db=database: [logs.SqlLogBackupAborted(
                    workflow_id=wf, instance=instance, database=db, reason=str(error))],
                errors=APP_ERRORS))
        except StepFailed as error:
            raise failed(_detail(error), f"log backup of {database} failed: "
                                         f"{error.error}") from error
    context.record([logs.SqlLogBackupCompleted(workflow_id=wf, instance=instance,
                                               files=len(taken))])
    return taken
