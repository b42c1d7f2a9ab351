"""Recovery at agent start for the SQL restores, recoveries and log backups a dead agent left
open (the pattern of ``services.agent.filesystem.recovery``, which runs first and settles the
pairs and mounts of a restore's volume copy).

Runs as the exclusive command ``RecoverSqlWorkflows``. Per open workflow, in order:
1. an instance the workflow stopped (for a system-database restore) is started again;
2. the live state of each of its databases is asked of the instance and recorded where it
   differs from the last recorded one (``SqlDatabaseStateChanged``, reason ``observed at
   recovery``), so the view never claims a state the instance does not have;
3. the workflow ends aborted (``reason = "agent restarted during <step>"``). A roll-forward cut
   this way stays marked as partial (the fold marks it at its intent), so the next log backup
   needs a new full backup, as after any partial roll-forward. Nothing is rolled forward from a
   request alone: which logs the instance applied is not known.
"""
from __future__ import annotations

from datetime import datetime, timezone

from events import CommandEnvelope, sql_logs as logs, sql_restore as sql
from events.outcomes import CommandCompleted
from projections.sql_log_view import SqlWorkflow, chain_key
from services.agent.application_port import ApplicationError
from services.agent.runner import StepFailed, StepRunner
from services.agent.sqlserver_restore.workflows import _start

KIND = "sqlserver"


def recover_sql_restores(agent) -> None:
    """Run ``RecoverSqlWorkflows`` on ``agent`` if its view shows unfinished SQL workflows."""
    if not agent.catch_up().sql_logs.unfinished():
        return
    agent.handle(CommandEnvelope(command=sql.RecoverSqlWorkflows(), target_host=agent.host,
                                 principal=f"recovery@{agent.host}",
                                 issued_at=datetime.now(timezone.utc)))


def recover_sql_workflows(command, context) -> list:
    ended = [_recover(context, w) for w in context.view.sql_logs.unfinished()]
    return [CommandCompleted(command=command.name, result={"workflows": ended})]


def _recover(context, workflow: SqlWorkflow) -> dict:
    step = ", ".join(sorted(workflow.open_steps)) or "between steps"
    reason = f"agent restarted during {step}"
    port = context.ports.application(KIND)
    problems = []
    if port is None:
        problems.append("this host has no SQL Server now: database states not observed")
    else:
        if workflow.stopped:
            try:
                _start(StepRunner(context, workflow.workflow_id), port, workflow.workflow_id,
                       workflow.stopped)
            except StepFailed as error:
                problems.append(f"start {workflow.stopped}: {error.error}")
        problems += _observe(context, port, workflow)
    if problems:
        reason += f"; {problems[0]}"
    context.record([_abort(workflow, reason)])
    return {"workflow_id": workflow.workflow_id, "kind": workflow.kind, "ended": "aborted"}


def _observe(context, port, workflow: SqlWorkflow) -> list[str]:
    try:
        live = {d.name.lower(): d for d in port.databases(workflow.instance)}
    except ApplicationError as error:
        return [f"the states of {workflow.instance} could not be read: {error}"]
    states = context.view.sql_logs.states
    changed = []
    for name in workflow.databases:
        info = live.get(name.lower())
        state = info.state if info is not None else "DELETED"
        recorded = states.get(chain_key(workflow.instance, name), "")
        if state != recorded and (info is not None or recorded):
            changed.append(logs.SqlDatabaseStateChanged(
                workflow_id=workflow.workflow_id, instance=workflow.instance, database=name,
                previous=recorded, state=state, reason="observed at recovery"))
    context.record(changed)
    return []


def _abort(workflow: SqlWorkflow, reason: str):
    if workflow.kind == "restore":
        return sql.SqlRestoreAborted(workflow_id=workflow.workflow_id,
                                     backup_id=workflow.backup_id, reason=reason)
    if workflow.kind == "recovery":
        return sql.SqlRecoveryAborted(workflow_id=workflow.workflow_id,
                                      instance=workflow.instance, reason=reason)
    return logs.SqlLogBackupAborted(workflow_id=workflow.workflow_id,
                                    instance=workflow.instance, database="", reason=reason)
