"""The effectful steps of the backup-server commands, each recorded as it goes.

Mounts: ``SvolMountRequested`` is recorded before the array call and ``SvolMounted`` after it;
a failed mount unmounts what it mounted, unlocks what it locked and ends the command failed.
Media copies: ``MediaCopyRequested`` before the first byte, ``TapeBackupRecorded`` (tape backup)
or ``BackupRecorded`` (tape restore) after the last one; a failure records ``MediaCopyAborted``
and removes the archives it wrote. Long copies report progress through ``context.progress``.
"""
from __future__ import annotations

import time
from pathlib import Path

from adapters.storage.errors import CciError, StorageError
from adapters.tape import TapeError, open_library
from events import filesystem as fs, tape
from services import messages
from services.agent.backup_server import decide
from services.agent.filesystem.pairs import live_status, ref
from services.agent.service import CommandFailure

MOUNT_FAILED = messages.MOUNT_FAILED
MEDIA_FAILED = messages.MEDIA_FAILED
PROGRESS_EVERY = 1.0


def library(context):
    """The tape library: an injected ``tape`` adapter, else the lab's simulated library."""
    found = context.adapters.get("tape")
    return found if found is not None else open_library(context.adapters["data_dir"],
                                                        context.adapters.get("lab"))


def lab_retention(context) -> int:
    spec = getattr(context.adapters.get("lab"), "tape_library", None)
    return spec.retention_days if spec is not None else 0


def svol_statuses(context) -> dict[str, str]:
    """The live P-VOL-side status of every copy group this host sees as an S-VOL."""
    storage = context.adapters["storage"]
    return {name: live_status(storage, group)
            for name, (group, _) in decide.svol_groups(context.view).items()}


def failed(code: str, text: str) -> CommandFailure:
    return CommandFailure(messages.PROCESSING_ERROR, messages.error_text(code, text))


# -- mounts ----------------------------------------------------------------------------------------
def mount_one(context, request: tape.SvolMountRequested) -> tape.SvolMounted:
    """The array part of one mount (``pairsplit -rw`` first for a writable one)."""
    group, _ = decide.svol_groups(context.view)[request.copy_group]
    storage = context.adapters["storage"]
    if request.writable:
        storage.pairsplit(ref(group.pvol), group.mu, read_write=True)
    read_only = storage.mount(ref(group.svol), Path(request.mount_point),
                              read_only=False if request.writable else None)
    return tape.SvolMounted(workflow_id=request.workflow_id, copy_group=request.copy_group,
                            mount_point=request.mount_point, backup_id=request.backup_id,
                            read_only=read_only)


def run_mount(context, events: list) -> list[tape.SvolMounted]:
    """Record the purges, locks and every mount intent in one append (a kill then leaves only
    intents, which recovery settles), then mount each S-VOL and record its outcome."""
    requests = [e for e in events if isinstance(e, tape.SvolMountRequested)]
    context.record(list(events))
    done: list[tape.SvolMounted] = []
    for request in requests:
        try:
            mounted = mount_one(context, request)
        except (StorageError, OSError) as error:
            undo_mount(context, requests, done)
            raise failed(MOUNT_FAILED, f"mounting {request.copy_group} at "
                                       f"{request.mount_point} failed: {error}") from error
        context.record([mounted])
        done.append(mounted)
    return done


def undo_mount(context, requests, done) -> None:
    """Unmount what was mounted, close every intent and release the locks the mount took."""
    storage = context.adapters["storage"]
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


def run_unmount(context, unmounts, unlocks) -> None:
    storage = context.adapters["storage"]
    for event in unmounts:
        try:
            storage.unmount(Path(event.mount_point))
        except CciError:
            pass  # unmounted by hand already (spec 04 §3.5): the state follows the fact
        context.record([event])
    context.record(list(unlocks))


# -- media copies ----------------------------------------------------------------------------------
class _Progress:
    def __init__(self, context, what: str) -> None:
        self.context, self.what, self.last = context, what, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            percent = done * 100 // total if total else 100
            self.context.progress(f"{self.what}: {percent}%")


def run_media_backup(context, request, entry) -> tape.TapeBackupRecorded:
    lib = library(context)
    settings = decide.effective_settings(context.view, lab_retention(context))
    archives = decide.archives_for(request, lib.media())
    context.record([request])
    written = []
    try:
        for name, medium, label in archives:
            source = context.view.copy_groups[name].mounted_at
            size = lib.write(medium, label, Path(source), _Progress(context, f"{name} -> {medium}"))
            written.append(tape.TapeArchive(copy_group=name, medium=medium, label=label,
                                            bytes=size))
    except (TapeError, OSError) as error:
        for archive in written:
            lib.delete(archive.medium, archive.label)
        context.record([tape.MediaCopyAborted(workflow_id=request.workflow_id,
                                              backup_id=request.backup_id, reason=str(error))])
        raise failed(MEDIA_FAILED, f"tape backup of {entry.backup_id} failed: {error}") from error
    recorded = decide.tape_recorded(entry, request, written, settings, context.clock())
    context.record([recorded])
    return recorded


def run_media_restore(context, request, superseded, entry) -> fs.BackupRecorded:
    lib = library(context)
    started = context.clock()
    context.record([request, *superseded])
    try:
        for archive in entry.archives:
            target = context.view.copy_groups[archive.copy_group].mounted_at
            lib.read(archive.medium, archive.label, Path(target),
                     _Progress(context, f"{archive.medium} -> {archive.copy_group}"))
    except (TapeError, OSError) as error:
        context.record([tape.MediaCopyAborted(workflow_id=request.workflow_id,
                                              backup_id=request.backup_id, reason=str(error))])
        raise failed(MEDIA_FAILED, f"tape restore of {entry.backup_id} failed: {error}") from error
    recorded = decide.restored_entry(entry, request, started, context.clock())
    context.record([recorded])
    return recorded
