"""Recovery at agent start: end every workflow a dead agent left open (DESIGN §5).

Runs as the command ``RecoverWorkflows`` under the principal ``recovery@<host>``, inside the
host's command slot, so it never touches a workflow another live process is running: it waits
for the slot, catches up, and only then looks at ``view.unfinished_workflows()``.

Per workflow, in order:
0. applications (issue 13): a freeze without a thaw is thawed (``application.recovery``);
   PostgreSQL (issue 14): a server a cold backup stopped is started; a PostgreSQL backup is
   always aborted (``postgres.recovery``);
1. pairs: a copy still running (COPY/RCPY; the array resumes copies of dead processes) is
   waited out; a split whose outcome is missing is confirmed from the live status (PSUS);
   for a restore, a pair back in PAIR after the reverse copy is split again, so that the
   catalog entry (still live) keeps its S-VOL data;
2. mounts: every P-VOL mount point the workflow unmounted (or may have) is mounted again;
3. the end: when every copy group of the workflow is split by it (the S-VOLs prove the
   backup/restore happened), a backup is recorded (``BackupRecorded``) and a restore completed
   (roll forward); otherwise ``BackupAborted``/``RestoreAborted`` with
   ``reason = "agent restarted during <step>"``. Superseded entries were deleted before the
   first pair operation, so no entry is left lying about an S-VOL. An application backup
   (one that froze an instance) is recorded only when its freezes ended in a thaw in time and
   its application rebuilds the entry (``application.recovery.entry_events``), else aborted.
"""
from __future__ import annotations

from datetime import datetime, timezone

from adapters.storage.errors import StorageError
from events import REGISTRY, CommandEnvelope, filesystem as fs
from events.fs_commands import RecoverWorkflows
from events.outcomes import CommandCompleted
from projections.host_view import Workflow
from services.agent.application import recovery as application_recovery  # issue 13
from services.agent.postgres import recovery as pg_recovery  # issue 14 (pg-commands)
from services.agent.filesystem import decide
from services.agent.plan import Mount, Split
from services.agent.runner import StepFailed, StepRunner, live_status, wait


def recover(agent) -> None:
    """Run ``RecoverWorkflows`` on ``agent`` if its view shows unfinished workflows."""
    if agent.ports.storage is None or not agent.catch_up().unfinished_workflows():
        return
    agent.handle(CommandEnvelope(command=RecoverWorkflows(), target_host=agent.host,
                                 principal=f"recovery@{agent.host}",
                                 issued_at=datetime.now(timezone.utc)))


def recover_workflows(command, context) -> list:
    ended = [_recover(context, workflow) for workflow in context.view.unfinished_workflows()]
    return [CommandCompleted(command=command.name, result={"workflows": ended})]


def _recover(context, workflow: Workflow) -> dict:
    step = ", ".join(sorted(workflow.open_steps)) or "between steps"
    steps = StepRunner(context, workflow.workflow_id)
    groups = _groups(context.view, workflow.copy_groups)
    thawed = application_recovery.thaw_left(context, workflow)  # issue 13: thaw first
    problems = _settle_pairs(steps, workflow, groups)
    problems += _remount(steps, context.view, workflow)
    pg_problems, pg_abort = pg_recovery.settle(context, workflow)  # issue 14: start, abort
    done = not problems and all(name in workflow.split_done for name in workflow.copy_groups)
    if application_recovery.needs_abort(workflow) or pg_abort:
        done, problems = False, problems + thawed + pg_problems
    how = _finish(context, workflow, done, f"agent restarted during {step}"
                  + (f"; {problems[0]}" if problems else ""))
    return {"workflow_id": workflow.workflow_id, "kind": workflow.kind,
            "backup_id": workflow.backup_id, "ended": how}


def _groups(view, names) -> dict:
    return {g.copy_group: g for v in view.volumes.values() for g in v.copy_groups
            if g.role == "P-VOL" and g.copy_group in names}


def _settle_pairs(steps: StepRunner, workflow: Workflow, groups: dict) -> list[str]:
    problems = []
    for name, group in groups.items():
        try:
            status = live_status(steps.storage, group)
            if status in ("COPY", "RCPY"):
                wait(steps, group, "PAIR")
                steps.record(fs.PairResynced(
                    workflow_id=workflow.workflow_id, copy_group=name, status="PAIR",
                    direction="reverse" if status == "RCPY" else "forward"))
                status = "PAIR"
            if f"split:{name}" in workflow.open_steps and status == "PSUS":
                steps.record(fs.PairSplit(workflow_id=workflow.workflow_id, copy_group=name,
                                          pvol_status="PSUS", svol_status="SSUS"))
            elif workflow.kind == "restore" and status == "PAIR":
                steps.run(Split(group))
        except (StorageError, StepFailed) as error:
            problems.append(f"{name}: {error}")
    return problems


def _remount(steps: StepRunner, view, workflow: Workflow) -> list[str]:
    points = set(workflow.unmounted) | {key.partition(":")[2] for key in workflow.open_steps
                                        if key.startswith(("unmount:", "mount:"))}
    problems = []
    for point in sorted(points):
        volume = view.volumes.get(point)
        if volume is None:
            problems.append(f"{point}: not in the dictionary map")
            continue
        try:
            steps.run(Mount(point, volume.device))
        except StepFailed as error:
            problems.append(f"{point}: {error.error}")
    return problems


def _finish(context, workflow: Workflow, done: bool, reason: str) -> str:
    if workflow.kind == "restore":
        context.record([fs.RestoreCompleted(workflow_id=workflow.workflow_id,
                                            backup_id=workflow.backup_id) if done else
                        fs.RestoreAborted(workflow_id=workflow.workflow_id,
                                          backup_id=workflow.backup_id, reason=reason)])
        return "completed" if done else "aborted"
    if done and application_recovery.is_application_backup(workflow):  # issue 13
        entry = application_recovery.entry_events(context, workflow)
        if entry is not None:
            context.record(entry)
            return "completed"
        reason += "; the application's entry cannot be rebuilt from its events"
    elif done:
        context.record([_recorded(context, workflow)])
        return "completed"
    context.record([fs.BackupAborted(workflow_id=workflow.workflow_id,
                                     backup_id=workflow.backup_id, reason=reason)])
    return "aborted"


def _recorded(context, workflow: Workflow) -> fs.BackupRecorded:
    """The entry of a backup whose every split happened, from its ``BackupRequested``."""
    first = context.store.read(context.host, after_seq=workflow.started_seq - 1, limit=1)[0]
    request = REGISTRY.load(first)
    volumes = [context.view.volumes[i] for i in request.instances]
    groups = _groups(context.view, request.copy_groups)
    ordered = [next(g for g in v.copy_groups if g.copy_group in groups) for v in volumes]
    return fs.BackupRecorded(
        backup_id=request.backup_id, original_id=request.backup_id, origin_host=context.host,
        mode=request.mode, instances=request.instances,
        rows=decide.object_rows(volumes, ordered), generation=request.generation,
        copy_groups=request.copy_groups, started_at=first.occurred_at,
        ended_at=context.clock(), comment=request.comment, workflow_id=request.workflow_id)
