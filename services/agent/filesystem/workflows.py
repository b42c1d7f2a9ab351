"""The effectful workflows: backup (online, cold), restore, resync and the map refresh.

Each workflow records its steps as it goes (``Steps``). On a failed step it compensates
(remounts what it unmounted, always), records the abort with its reason and raises
``CommandFailure`` (``KAVX0006-E``), so the command ends ``CommandFailed``.
"""
from __future__ import annotations

from adapters.lab.discover import discover
from adapters.storage.errors import StorageError
from events import filesystem as fs
from events.maps import CopyGroupMap, DictionaryMapRefreshed, VolumeMap
from services import messages
from services.agent.filesystem import decide
from services.agent.filesystem.pairs import StepFailed, Steps, live_status
from services.agent.service import CommandFailure

COPY_FUNCS = {"SI": "ShadowImage", "TI": "ThinImage", "COW": "CopyOnWrite", "TC": "TrueCopy",
              "UR": "UniversalReplicator"}
PAIR_FAILED = messages.PAIR_FAILED


def failure(what: str, error: StepFailed) -> CommandFailure:
    return CommandFailure(messages.PROCESSING_ERROR,
                          messages.error_text(PAIR_FAILED, f"{what} aborted at {error.step}: "
                                                           f"{error.error}"))


# -- dictionary maps -----------------------------------------------------------------------------
def discovered_maps(context, reason: str = "refresh") -> DictionaryMapRefreshed:
    """What the lab shows for this host now, as a ``DictionaryMapRefreshed``."""
    lab, data_dir = context.adapters["lab"], context.adapters["data_dir"]
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
    """Pairs to PAIR, (cold: unmount), split, (cold: remount), then the catalog entry."""
    request = plan.request
    steps = Steps(context, request.workflow_id)
    started = context.clock()
    context.record(plan.first_events)
    cold = request.mode == "COLD"
    try:
        for group in plan.groups:
            steps.make_pair(group)
        with _offline(steps, plan.volumes if cold else ()):
            for group in plan.groups:
                steps.split(group)
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


class _offline:
    """Unmount ``volumes`` on enter; remount every one taken down on exit, failure or not."""

    def __init__(self, steps: Steps, volumes) -> None:
        self.steps, self.volumes, self.down = steps, list(volumes), []

    def __enter__(self):
        for volume in self.volumes:
            self.steps.unmount(volume.mount_point)
            self.down.append(volume)
        return self

    def __exit__(self, *exc) -> bool:
        problems = []
        for volume in self.down:
            try:
                self.steps.mount(volume.mount_point, volume.device)
            except StorageError as error:  # recovery retries it at the next start
                problems.append(StepFailed(f"remount {volume.mount_point}", error))
        if problems and exc[0] is None:
            raise problems[0]
        return False


# -- restore -------------------------------------------------------------------------------------
def run_restore(context, plan: decide.RestorePlan) -> fs.RestoreCompleted:
    """Unmount the P-VOLs, reverse resync (RCPY -> PAIR), split again, remount."""
    request = plan.request
    steps = Steps(context, request.workflow_id)
    context.record([request])
    volumes = list({v.mount_point: v for v in plan.volumes}.values())
    try:
        with _offline(steps, volumes):
            for group in _unique(plan.groups):
                steps.restore_pair(group)
                steps.split(group)
    except StepFailed as error:
        context.record([fs.RestoreAborted(workflow_id=request.workflow_id,
                                          backup_id=request.backup_id,
                                          reason=str(error.error), step=error.step)])
        raise failure(f"restore of {request.backup_id}", error) from error
    completed = fs.RestoreCompleted(workflow_id=request.workflow_id, backup_id=request.backup_id)
    context.record([completed])
    return completed


def _unique(groups) -> list[CopyGroupMap]:
    return list({g.copy_group: g for g in groups}.values())


# -- resync --------------------------------------------------------------------------------------
def run_resync(context, workflow_id: str, names, deleted) -> list[str]:
    """Delete the entries on the copy groups first, then resync each one to PAIR."""
    context.record(list(deleted))
    groups = _groups_by_name(context.view.volumes.values())
    steps = Steps(context, workflow_id)
    done = []
    for name in names:
        group = groups.get(name)
        if group is None:
            raise CommandFailure(messages.PROCESSING_ERROR, messages.error_text(
                decide.UNKNOWN_OBJECT, f"the copy group {name} is not in the dictionary map"))
        try:
            steps.make_pair(group)
        except StepFailed as error:
            raise failure("resync", error) from error
        done.append(name)
    return done


def _groups_by_name(volumes) -> dict[str, CopyGroupMap]:
    return {g.copy_group: g for v in volumes for g in v.copy_groups if g.role == "P-VOL"}


def live_statuses(context) -> dict[str, str]:
    """The live P-VOL-side status of every copy group in the maps."""
    storage = context.adapters["storage"]
    return {name: live_status(storage, group)
            for name, group in _groups_by_name(context.view.volumes.values()).items()}
