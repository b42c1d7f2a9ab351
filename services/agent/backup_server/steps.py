"""The effectful steps of the backup-server commands, run by the one ``StepRunner``.

Mounts: ``SvolMountRequested`` is recorded before the array call and ``SvolMounted`` after it;
a failed mount unmounts what it mounted, unlocks what it locked and ends the command failed.
Media copies: ``MediaCopyRequested`` before the first byte, ``TapeArchiveWritten`` or
``TapeArchiveRead`` (with the copy's own times) after each archive, ``TapeBackupRecorded`` (tape
backup) or ``BackupRecorded`` (tape restore: the original backup's START-TIME and END-TIME)
after the last one; a failure records ``MediaCopyAborted`` and removes the archives it wrote.
Long copies report progress through ``context.progress``.
"""
from __future__ import annotations

from pathlib import Path

from adapters.storage.errors import CciError, StorageError
from events import filesystem as fs, tape
from services import messages
from services.agent.backup_server import decide
from services.agent.errors import failed, reject
from services.agent.runner import StepFailed, StepRunner, live_status

MOUNT_FAILED = messages.MOUNT_FAILED
MEDIA_FAILED = messages.MEDIA_FAILED
NO_LIBRARY = messages.NO_LIBRARY


def library(context):
    """The host's tape library port; a host without one refuses the command."""
    if context.ports.tape is None:
        raise reject(NO_LIBRARY, f"the host {context.host} has no tape library")
    return context.ports.tape


def lab_retention(context) -> int:
    spec = getattr(context.ports.lab, "tape_library", None)
    return spec.retention_days if spec is not None else 0


def svol_statuses(context) -> dict[str, str]:
    """The live P-VOL-side status of every copy group this host sees as an S-VOL."""
    storage = context.ports.storage
    return {name: live_status(storage, group)
            for name, (group, _) in decide.svol_groups(context.view).items()}


# -- mounts ----------------------------------------------------------------------------------------
def run_mount(context, events: list) -> list[tape.SvolMounted]:
    """Record the purges, locks and every mount intent in one append (a kill then leaves only
    intents, which recovery settles), then mount each S-VOL (``MountSvol`` steps)."""
    steps = decide.mount_steps(events)
    requests = [step.request for step in steps]
    context.record(list(events))
    done: list[tape.SvolMounted] = []
    for step in steps:
        request = step.request
        try:
            mounted = StepRunner(context, request.workflow_id).run(step)
        except StepFailed as error:
            undo_mount(context, requests, done)
            raise failed(MOUNT_FAILED, f"mounting {request.copy_group} at "
                                       f"{request.mount_point} failed: {error.error}") from error
        done.append(mounted)
    return done


def undo_mount(context, requests, done) -> None:
    """Unmount what was mounted, close every intent and release the locks the mount took."""
    storage = context.ports.storage
    for mounted in done:
        try:
            storage.unmount(Path(mounted.mount_point))
        except StorageError:
            pass
    closing: list = [tape.SvolUnmounted(workflow_id=r.workflow_id, copy_group=r.copy_group,
                                        mount_point=r.mount_point) for r in requests]
    closing += [fs.CopyGroupUnlocked(copy_group=r.copy_group, by="mount") for r in requests
                if r.backup_id and context.view.copy_groups[r.copy_group].locked_by == "mount"
                and context.view.copy_groups[r.copy_group].lock_backup_id == r.backup_id]
    context.record(closing)


def run_unmount(context, unmounts, unlocks) -> list:
    """Unmount each; ``(SvolUnmounted, what storage.unmount returned)`` pairs (the changes
    found in a read-only S-VOL, ``services.agent.devices``)."""
    storage, found = context.ports.storage, []
    for event in unmounts:
        try:
            found.append((event, storage.unmount(Path(event.mount_point))))
        except CciError:
            pass  # unmounted by hand already (spec 04 §3.5): the state follows the fact
        context.record([event])
    context.record(list(unlocks))
    return found


# -- media copies ----------------------------------------------------------------------------------
def run_media_backup(context, request, entry) -> tape.TapeBackupRecorded:
    lib = library(context)
    settings = decide.effective_settings(context.view, lab_retention(context))
    steps = decide.write_steps(context.view, request, lib.media())
    context.record([request])
    runner, written = StepRunner(context, request.workflow_id), []
    try:
        for step in steps:
            copy = runner.run(step)
            written.append(tape.TapeArchive(copy_group=step.copy_group, medium=step.medium,
                                            label=step.label, bytes=copy.bytes,
                                            manifest_hash=copy.manifest_hash))
    except StepFailed as failure:
        error = failure.error
        for archive in written:
            lib.delete(archive.medium, archive.label)
        context.record([tape.MediaCopyAborted(workflow_id=request.workflow_id,
                                              backup_id=request.backup_id, reason=str(error))])
        raise failed(MEDIA_FAILED, f"tape backup of {entry.backup_id} failed: {error}") from error
    recorded = decide.tape_recorded(entry, request, written, settings, context.clock())
    context.record([recorded])
    return recorded


def run_media_restore(context, request, superseded, entry) -> fs.BackupRecorded:
    library(context)  # refuses a host without one before anything is recorded
    details = decide.restored_sql_details(context.view, entry, request.backup_id)
    context.record([request, *superseded])
    runner = StepRunner(context, request.workflow_id)
    try:
        for step in decide.read_steps(context.view, entry):
            runner.run(step)
    except StepFailed as failure:
        error = failure.error
        context.record([tape.MediaCopyAborted(workflow_id=request.workflow_id,
                                              backup_id=request.backup_id, reason=str(error))])
        raise failed(MEDIA_FAILED, f"tape restore of {entry.backup_id} failed: {error}") from error
    recorded = decide.restored_entry(entry, request)
    context.record([recorded, *details])
    return recorded
