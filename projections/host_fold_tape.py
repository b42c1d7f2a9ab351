"""Fold mutators of the backup-server events (``events.tape``), registered with
``host_fold._on``: mounts (``CopyGroupState.mounted_at``), media copies and the tape catalog.
Imported at the bottom of ``projections.host_fold``; same rules (pure, no invented values)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from events import tape
from projections.host_fold import Fields, _on
from projections.host_view import CatalogRow, HostView
from projections.tape_view import Archive, MediaCopy, TapeEntry, TapeSettingsView


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


@_on(tape.SvolMountRequested)
def _mount_requested(view: HostView, event: Fields, seq: int) -> None:
    view.backup_server.mounts_requested[event.copy_group] = event.mount_point


@_on(tape.SvolMounted)
def _mounted(view: HostView, event: Fields, seq: int) -> None:
    view.backup_server.mounts_requested.pop(event.copy_group, None)
    view.copy_group(event.copy_group).mounted_at = event.mount_point


@_on(tape.SvolUnmounted)
def _unmounted(view: HostView, event: Fields, seq: int) -> None:
    view.backup_server.mounts_requested.pop(event.copy_group, None)
    view.copy_group(event.copy_group).mounted_at = ""


@_on(tape.MediaCopyRequested)
def _media_copy_requested(view: HostView, event: Fields, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    view.backup_server.media_copies[event.workflow_id] = MediaCopy(
        event.workflow_id, event.kind, event.backup_id, event.source_backup_id,
        tuple(event.copy_groups))


@_on(tape.MediaCopyAborted)
def _media_copy_aborted(view: HostView, event: Fields, seq: int) -> None:
    view.backup_server.media_copies.pop(event.workflow_id, None)


@_on(tape.TapeBackupRecorded)
def _tape_recorded(view: HostView, event: Fields, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    rows = tuple(CatalogRow(r["kind"], r["file"], r["file_system"], r["disk_group"],
                            r["device"], r["copy_group"]) for r in event.rows)
    archives = tuple(Archive(a["copy_group"], a["medium"], a["label"]) for a in event.archives)
    view.backup_server.tape[event.backup_id] = TapeEntry(
        event.backup_id, event.original_id, event.origin_host, event.source_backup_id,
        event.object_type, event.mode, tuple(event.instances), rows, event.generation,
        tuple(event.copy_groups), event.comment, _time(event.snapshot_at),
        _time(event.recorded_at), _time(event.expires_at), archives, seq)
    if event.workflow_id:
        view.backup_server.media_copies.pop(event.workflow_id, None)


@_on(tape.TapeEntryDeleted)
def _tape_deleted(view: HostView, event: Fields, seq: int) -> None:
    view.backup_server.tape.pop(event.backup_id, None)


@_on(tape.TapeSettingsRegistered)
def _settings(view: HostView, event: Fields, seq: int) -> None:
    view.backup_server.settings = TapeSettingsView(event.product, event.retention_days, True)

