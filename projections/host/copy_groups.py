"""Copy-group area: pair status from resync and split steps, and locks (``drmcgctl``, mounts).

A pair step's intent opens the step ``<operation>:<copy group>`` on its workflow; its outcome
(or failure) closes it and sets the status the outcome reports.
"""
from __future__ import annotations

from events import filesystem as fs
from projections.host.area import AreaFold
from projections.host.common import close_step, open_step
from projections.host_view import HostView

fold = AreaFold("copy groups")


@fold.on(fs.PairResyncRequested)
def resync_requested(view: HostView, event: fs.PairResyncRequested, seq: int) -> None:
    open_step(view, event.workflow_id, f"resync:{event.copy_group}", "PairResyncRequested")
    view.copy_group(event.copy_group).status = "RCPY" if event.direction == "reverse" else "COPY"


@fold.on(fs.PairResynced)
def resynced(view: HostView, event: fs.PairResynced, seq: int) -> None:
    close_step(view, event.workflow_id, f"resync:{event.copy_group}")
    view.copy_group(event.copy_group).status = event.status


@fold.on(fs.PairSplitRequested)
def split_requested(view: HostView, event: fs.PairSplitRequested, seq: int) -> None:
    open_step(view, event.workflow_id, f"split:{event.copy_group}", "PairSplitRequested")


@fold.on(fs.PairSplit)
def split(view: HostView, event: fs.PairSplit, seq: int) -> None:
    workflow = close_step(view, event.workflow_id, f"split:{event.copy_group}")
    if workflow is not None:
        workflow.split_done.add(event.copy_group)
    state = view.copy_group(event.copy_group)
    state.status = event.pvol_status
    state.last_split_seq, state.last_split_workflow = seq, event.workflow_id  # issue 14


@fold.on(fs.PairStepFailed)
def pair_step_failed(view: HostView, event: fs.PairStepFailed, seq: int) -> None:
    close_step(view, event.workflow_id, f"{event.operation}:{event.copy_group}")
    close_step(view, event.workflow_id, f"resync:{event.copy_group}")
    if event.status:
        view.copy_group(event.copy_group).status = event.status


@fold.on(fs.CopyGroupLocked)
def locked(view: HostView, event: fs.CopyGroupLocked, seq: int) -> None:
    state = view.copy_group(event.copy_group)
    state.locked_by, state.lock_backup_id = event.by, event.backup_id


@fold.on(fs.CopyGroupUnlocked)
def unlocked(view: HostView, event: fs.CopyGroupUnlocked, seq: int) -> None:
    state = view.copy_group(event.copy_group)
    state.locked_by, state.lock_backup_id = "", ""
