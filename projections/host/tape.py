"""Backup-server area (``events.tape``): S-VOL mounts (``CopyGroupState.mounted_at``), media
copies in progress, the tape catalog (``drmtapecat``) and the tape settings."""
from __future__ import annotations

from events import tape
from projections.host.area import AreaFold
from projections.host.common import catalog_rows, item_fields, parse_time
from projections.host.sqlserver import originals_of_source, release_originals
from projections.host_view import HostView
from projections.tape_view import Archive, MediaCopy, TapeEntry, TapeSettingsView

fold = AreaFold("backup server")


@fold.on(tape.SvolMountRequested)
def mount_requested(view: HostView, event: tape.SvolMountRequested, seq: int) -> None:
    view.backup_server.mounts_requested[event.copy_group] = event.mount_point


@fold.on(tape.SvolMounted)
def mounted(view: HostView, event: tape.SvolMounted, seq: int) -> None:
    view.backup_server.mounts_requested.pop(event.copy_group, None)
    view.copy_group(event.copy_group).mounted_at = event.mount_point


@fold.on(tape.SvolUnmounted)
def unmounted(view: HostView, event: tape.SvolUnmounted, seq: int) -> None:
    view.backup_server.mounts_requested.pop(event.copy_group, None)
    view.copy_group(event.copy_group).mounted_at = ""


@fold.on(tape.MediaCopyRequested)
def media_copy_requested(view: HostView, event: tape.MediaCopyRequested, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    view.backup_server.media_copies[event.workflow_id] = MediaCopy(
        event.workflow_id, event.kind, event.backup_id, event.source_backup_id,
        tuple(event.copy_groups))


@fold.on(tape.MediaCopyAborted)
def media_copy_aborted(view: HostView, event: tape.MediaCopyAborted, seq: int) -> None:
    ended_copy(view, event.workflow_id)


def ended_copy(view: HostView, workflow_id: str) -> None:
    """A media copy is over: the SQL originals it alone kept go (``release_originals``)."""
    copy = view.backup_server.media_copies.pop(workflow_id, None)
    if copy is not None:
        release_originals(view, originals_of_source(view, copy.source_backup_id))


@fold.on(tape.TapeBackupRecorded)
def tape_recorded(view: HostView, event: tape.TapeBackupRecorded, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    archives = tuple(Archive(a["copy_group"], a["medium"], a["label"],
                             a.get("manifest_hash", ""))
                     for a in map(item_fields, event.archives))
    view.backup_server.tape[event.backup_id] = TapeEntry(
        event.backup_id, event.original_id, event.origin_host, event.source_backup_id,
        event.object_type, event.mode, tuple(event.instances), catalog_rows(event.rows),
        event.generation, tuple(event.copy_groups), event.comment, parse_time(event.snapshot_at),
        parse_time(event.recorded_at), parse_time(event.expires_at), archives, seq,
        parse_time(getattr(event, "source_ended_at", None)))  # absent from older events
    if event.workflow_id:
        ended_copy(view, event.workflow_id)


@fold.on(tape.TapeArchiveWritten)
@fold.on(tape.TapeArchiveRead)
def archive_copied(view: HostView, event, seq: int) -> None:
    """An archive's outcome within a media copy: the copy stays open until its entry."""


@fold.on(tape.TapeEntryDeleted)
def tape_entry_deleted(view: HostView, event: tape.TapeEntryDeleted, seq: int) -> None:
    entry = view.backup_server.tape.pop(event.backup_id, None)
    if entry is not None:
        release_originals(view, (entry.original_id,))


@fold.on(tape.TapeSettingsRegistered)
def settings_registered(view: HostView, event: tape.TapeSettingsRegistered, seq: int) -> None:
    view.backup_server.settings = TapeSettingsView(event.product, event.retention_days, True)
