"""Workflow area: backups and restores from request to end, and the volume (un)mount steps
they take (a restore unmounts the P-VOL, then mounts it again)."""
from __future__ import annotations

from events import filesystem as fs
from projections.host.area import AreaFold
from projections.host.common import close_step, end_workflow, open_step
from projections.host_view import HostView, Workflow

fold = AreaFold("workflows")


@fold.on(fs.BackupRequested)
def backup_requested(view: HostView, event: fs.BackupRequested, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    view.workflows[event.workflow_id] = Workflow(
        event.workflow_id, "backup", event.backup_id, tuple(event.copy_groups),
        tuple(event.instances), seq)


@fold.on(fs.RestoreRequested)
def restore_requested(view: HostView, event: fs.RestoreRequested, seq: int) -> None:
    view.workflows[event.workflow_id] = Workflow(
        event.workflow_id, "restore", event.backup_id, tuple(event.copy_groups),
        tuple(event.instances), seq)


@fold.on(fs.BackupAborted)
def backup_aborted(view: HostView, event: fs.BackupAborted, seq: int) -> None:
    end_workflow(view, event.workflow_id, "aborted")


@fold.on(fs.RestoreCompleted)
def restore_completed(view: HostView, event: fs.RestoreCompleted, seq: int) -> None:
    end_workflow(view, event.workflow_id, "completed")


@fold.on(fs.RestoreAborted)
def restore_aborted(view: HostView, event: fs.RestoreAborted, seq: int) -> None:
    end_workflow(view, event.workflow_id, "aborted")


@fold.on(fs.VolumeUnmountRequested)
def unmount_requested(view: HostView, event: fs.VolumeUnmountRequested, seq: int) -> None:
    open_step(view, event.workflow_id, f"unmount:{event.mount_point}", "VolumeUnmountRequested")


@fold.on(fs.VolumeUnmounted)
def unmounted(view: HostView, event: fs.VolumeUnmounted, seq: int) -> None:
    workflow = close_step(view, event.workflow_id, f"unmount:{event.mount_point}")
    if workflow is not None:
        workflow.unmounted.add(event.mount_point)


@fold.on(fs.VolumeMountRequested)
def mount_requested(view: HostView, event: fs.VolumeMountRequested, seq: int) -> None:
    open_step(view, event.workflow_id, f"mount:{event.mount_point}", "VolumeMountRequested")


@fold.on(fs.VolumeMounted)
def mounted(view: HostView, event: fs.VolumeMounted, seq: int) -> None:
    workflow = close_step(view, event.workflow_id, f"mount:{event.mount_point}")
    if workflow is not None:
        workflow.unmounted.discard(event.mount_point)
