"""The effectful workflows: backup (online, cold), restore, resync and the map refresh.

Each workflow records its first events, then runs its plan's steps through the one
``StepRunner`` (intent, port call, outcome). On a failed step the runner compensates (mounts
again what it unmounted, always); the workflow records the abort with its reason and raises
``CommandFailure`` (``KAVX0006-E``), so the command ends ``CommandFailed``.
"""
from __future__ import annotations

from adapters.lab.discover import discover
from events import filesystem as fs
from events.maps import CopyGroupMap, DictionaryMapRefreshed, VolumeMap
from services import messages
from services.agent.errors import CommandFailure, failed
from services.agent.filesystem import decide
from services.agent.plan import MakePair
from services.agent.runner import StepFailed, StepRunner, live_status

COPY_FUNCS = {"SI": "ShadowImage", "TI": "ThinImage", "COW": "CopyOnWrite", "TC": "TrueCopy",
              "UR": "UniversalReplicator"}
PAIR_FAILED = messages.PAIR_FAILED


def failure(what: str, error: StepFailed) -> CommandFailure:
    return failed(PAIR_FAILED, f"{what} aborted at {error.step}: {error.error}")


# -- dictionary maps -----------------------------------------------------------------------------
def discovered_maps(context, reason: str = "refresh") -> DictionaryMapRefreshed:
    """What the lab shows for this host now, as a ``DictionaryMapRefreshed``."""
    lab, data_dir = context.ports.lab, context.ports.data_dir
    volumes = []
    for found in discover(lab, context.host, data_dir):
        groups = tuple(CopyGroupMap(
            copy_group=f"{g.dev_group},{g.dev_name}", copy_type=g.copy_type.value,
            copy_func=COPY_FUNCS.get(g.copy_type.value, g.copy_type.value), mu=g.mu,
            generation=g.generation, role=g.role, pvol=f"{g.pvol_serial}:{g.pvol_ldev}",
            svol=f"{g.svol_serial}:{g.svol_ldev}") for g in found.copy_groups)
        volumes.append(VolumeMap(mount_point=found.mount_point,
                                 device=f"{found.serial}:{found.ldev}", copy_groups=groups))
    return DictionaryMapRefreshed(volumes=tuple(volumes), reason=reason)


# -- backup --------------------------------------------------------------------------------------
def run_backup(context, plan: decide.BackupPlan) -> fs.BackupRecorded:
    """The plan's first events, its steps (``plan.steps``), then the catalog entry."""
    request = plan.request
    runner = StepRunner(context, request.workflow_id)
    started = context.clock()
    context.record(plan.first_events)
    try:
        runner.run_plan(plan.steps)
    except StepFailed as error:
        context.record([fs.BackupAborted(workflow_id=request.workflow_id,
                                         backup_id=request.backup_id,
                                         reason=str(error.error), step=error.step)])
        raise failure(f"backup {request.backup_id}", error) from error
    recorded = fs.BackupRecorded(
        backup_id=request.backup_id, original_id=request.backup_id, origin_host=context.host,
        mode=request.mode, instances=request.instances,
        rows=decide.object_rows(plan.volumes, plan.groups), generation=request.generation,
        copy_groups=request.copy_groups, started_at=started, ended_at=context.clock(),
        comment=request.comment, workflow_id=request.workflow_id)
    context.record([recorded])
    return recorded


# -- restore -------------------------------------------------------------------------------------
def run_restore(context, plan: decide.RestorePlan) -> fs.RestoreCompleted:
    """The request, the plan's steps (``plan.steps``), then ``RestoreCompleted``."""
    request = plan.request
    context.record([request])
    try:
        StepRunner(context, request.workflow_id).run_plan(plan.steps)
    except StepFailed as error:
        context.record([fs.RestoreAborted(workflow_id=request.workflow_id,
                                          backup_id=request.backup_id,
                                          reason=str(error.error), step=error.step)])
        raise failure(f"restore of {request.backup_id}", error) from error
    completed = fs.RestoreCompleted(workflow_id=request.workflow_id, backup_id=request.backup_id)
    context.record([completed])
    return completed


# -- resync --------------------------------------------------------------------------------------
def run_resync(context, workflow_id: str, names, deleted) -> list[str]:
    """Delete the entries on the copy groups first, then resync each one to PAIR."""
    context.record(list(deleted))
    groups = _groups_by_name(context.view.volumes.values())
    runner = StepRunner(context, workflow_id)
    done = []
    for name in names:
        group = groups.get(name)
        if group is None:
            raise failed(decide.UNKNOWN_OBJECT,
                         f"the copy group {name} is not in the dictionary map")
        try:
            runner.run(MakePair(group))
        except StepFailed as error:
            raise failure("resync", error) from error
        done.append(name)
    return done


def _groups_by_name(volumes) -> dict[str, CopyGroupMap]:
    return {g.copy_group: g for v in volumes for g in v.copy_groups if g.role == "P-VOL"}


def live_statuses(context) -> dict[str, str]:
    """The live P-VOL-side status of every copy group in the maps."""
    storage = context.ports.storage
    return {name: live_status(storage, group)
            for name, group in _groups_by_name(context.view.volumes.values()).items()}
