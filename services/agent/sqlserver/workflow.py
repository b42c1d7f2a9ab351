"""The SQL Server backup workflow: the plan's first events, its steps through the one
``StepRunner``, then the catalog entry -- ``SqlBackupDetails`` and ``BackupRecorded`` in one
append. With a user script, its sections run where the manual puts them (spec 05 §2.10):

    pairs to PAIR, [RESYNC_PROC], KAVX1371-I, freeze, [SPLIT_PROC], split, thaw, KAVX1372-I,
    entry, [FINISH_PROC]

A failed step or a section that stops before the entry ends the workflow with
``BackupAborted`` (every freeze thawed first, on any exception) and the command with
``KAVX0006-E``: ``DRM-11105`` when the freeze outlived the VDI generation timeout (the copy
cannot be vouched for: no entry), ``DRM-11111`` when the instance refused to freeze,
``DRM-10604`` for a script section, the pair failure's code otherwise. A ``[FINISH_PROC]``
that stops fails the command after the entry is recorded.
"""
from __future__ import annotations

from typing import Callable

from events import filesystem as fs
from events import sqlserver as sql
from services import messages
from services.agent.application import steps as application_steps
from services.agent.application.steps import metadata_files
from services.agent.errors import CommandFailure, failed
from services.agent.runner import StepFailed, StepRunner
from services.agent.sqlserver.decide import SqlBackupPlan, entry_events

Sections = Callable[[StepRunner, str], object]  # runs one script section: a SectionRun


class SectionStopped(Exception):
    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"[{name}] stopped: {why}")
        self.step = name


def failure(plan: SqlBackupPlan, error: StepFailed) -> CommandFailure:
    backup_id, reason = plan.request.backup_id, getattr(error.error, "reason", "")
    if reason == "frozen-timeout":
        return failed(messages.SQL_FROZEN_TIMEOUT, f"backup {backup_id}: {error.error}; the VDI "
                      f"generation timeout is {plan.freeze.timeout:g} s (drmsqlinit)")
    if error.step.startswith("freeze"):
        return failed(messages.SQL_FREEZE_FAILED, f"backup {backup_id}: {error.error}")
    return failed(messages.PAIR_FAILED, f"backup {backup_id} aborted at {error.step}: "
                                        f"{error.error}")


class _Run:
    """One backup's steps and script sections (``shown``: the sections that ran)."""

    def __init__(self, context, plan: SqlBackupPlan, sections: Sections | None) -> None:
        self.context, self.plan, self.sections = context, plan, sections
        self.runner = StepRunner(context, plan.request.workflow_id)
        self.shown: list[dict] = []

    def section(self, name: str) -> None:
        if self.sections is None:
            return
        run = self.sections(self.runner, name)
        self.shown.append(run.shown())
        if run.stopped:
            raise SectionStopped(name, run.stopped)

    def steps(self) -> None:
        runner, plan, progress = self.runner, self.plan, self.context.progress
        runner.run_plan(plan.resync_steps)
        self.section("RESYNC_PROC")
        progress(messages.line(messages.SQL_FREEZE_START))
        try:
            runner.run(plan.freeze)
            self.section("SPLIT_PROC")
            runner.run_plan(plan.split_steps)
        except BaseException:
            application_steps.thaw_all(runner)  # never leave the instance frozen
            raise
        progress(messages.line(messages.SQL_THAW_END))


def run_sql_backup(context, plan: SqlBackupPlan, sections: Sections | None = None
                   ) -> tuple[fs.BackupRecorded, sql.SqlBackupDetails, list[dict]]:
    """The backup; returns the entry, its details and the script sections that ran."""
    request = plan.request
    run = _Run(context, plan, sections)
    started = context.clock()
    context.record(plan.first_events)
    try:
        run.steps()
    except (StepFailed, SectionStopped) as error:
        context.record([fs.BackupAborted(workflow_id=request.workflow_id,
                                         backup_id=request.backup_id,
                                         reason=str(getattr(error, "error", error))[:2048],
                                         step=error.step)])
        if isinstance(error, SectionStopped):
            raise failed(messages.SCRIPT_FAILED, f"{error}; nothing was recorded") from error
        raise failure(plan, error) from error
    details, recorded = entry_events(
        context.host, request, plan.sql_request,
        metadata_files(run.runner.application_metadata), started, context.clock())
    context.record([details, recorded])
    try:
        run.section("FINISH_PROC")
    except SectionStopped as error:
        raise failed(messages.SCRIPT_FAILED, f"{error}; the backup {request.backup_id} is "
                                             "recorded") from error
    return recorded, details, run.shown
