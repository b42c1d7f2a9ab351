"""SQL Server area (issue 13): ``HostView.sql`` -- settings, application map, entry details.

``SqlBackupDetails`` of a live backup lands beside its catalog entry (``BackupRecorded``, same
batch); a template's advances the backup numbering, as an entry would. The catalog area drops
the details with the entry (``BackupEntryDeleted``); ``originals`` keeps an original's details
only while something can still ask for them (``release_originals``).
"""
from __future__ import annotations

from typing import Any, Iterable

from events import sqlserver as sql
from projections.host.area import AreaFold
from projections.host.common import item_fields, parse_time
from projections.host_view import HostView
from projections.sql_view import (Metafile, SqlBackup, SqlDatabase, SqlFile, SqlInstance,
                                  SqlSettings)

fold = AreaFold("sqlserver")


def databases(items: Iterable[Any]) -> tuple[SqlDatabase, ...]:
    """``SqlDatabaseRecord`` items (stored or validated) as the view's ``SqlDatabase``s."""
    found = []
    for item in items:
        d = item_fields(item)
        files = tuple(SqlFile(f["path"], f["kind"], f["mount_point"], f["device"],
                              tuple(f["copy_groups"]))
                      for f in map(item_fields, d["files"]))
        found.append(SqlDatabase(d["name"], d["database_id"], d["system"],
                                 d["recovery_model"], d["state"], files))
    return tuple(found)


def metafiles(items: Iterable[Any]) -> tuple[Metafile, ...]:
    return tuple(Metafile(m["database"], m["path"], m["size"], m["sha256"])
                 for m in map(item_fields, items))


@fold.on(sql.SqlSettingsRegistered)
def settings_registered(view: HostView, event: sql.SqlSettingsRegistered, seq: int) -> None:
    view.sql.settings[event.instance.lower()] = SqlSettings(
        event.instance, event.metadata_dir, event.vdi_timeout, event.undo_dir,
        event.log_backup_dir)


@fold.on(sql.SqlApplicationMapRefreshed)
def map_refreshed(view: HostView, event: sql.SqlApplicationMapRefreshed, seq: int) -> None:
    if event.whole:
        view.sql.instances.clear()
    for item in event.instances:
        i = item_fields(item)
        view.sql.instances[i["instance"].lower()] = SqlInstance(
            i["instance"], i["status"], databases(i["databases"]), seq)


@fold.on(sql.SqlBackupRequested)
def backup_requested(view: HostView, event: sql.SqlBackupRequested, seq: int) -> None:
    """The workflow itself is opened by its ``BackupRequested``; nothing more to keep."""


@fold.on(sql.SqlBackupDetails)
def backup_details(view: HostView, event: sql.SqlBackupDetails, seq: int) -> None:
    if event.template:
        view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    details = view.sql.backups[event.backup_id] = SqlBackup(
        event.backup_id, event.instance, databases(event.databases), metafiles(event.metafiles),
        event.metadata_dir, event.online, event.template, event.system,
        parse_time(event.recorded_at), event.comment, event.workflow_id, seq)
    if not event.template:  # an imported entry's details name their original ID
        view.sql.originals[event.original_id or event.backup_id] = details


def needed_original(view: HostView, original_id: str) -> bool:
    """Whether anything this view holds may still ask for ``originals[original_id]``: a
    catalog entry of that data (``SqlView.for_entry``), a tape entry of it (a tape restore's
    details, ``restored_sql_details``), or a media copy in progress from the entry whose
    details these are (its tape entry, once recorded, names the original)."""
    if any(e.original_id == original_id or e.backup_id == original_id
           for e in view.catalog.values()):
        return True
    if any(e.original_id == original_id for e in view.backup_server.tape.values()):
        return True
    details = view.sql.originals.get(original_id)
    return details is not None and any(
        c.source_backup_id == details.backup_id
        for c in view.backup_server.media_copies.values())


def release_originals(view: HostView, original_ids: Iterable[str]) -> None:
    """Drop the originals among ``original_ids`` nothing can need any more (``needed_original``),
    so the view keeps one per backup still around rather than one per backup ever made. Called
    by the fold where a reference goes (an entry deleted, a tape entry deleted, a media copy
    ended); pure and in event order, so a replay prunes the same."""
    for original_id in dict.fromkeys(original_ids):
        if original_id in view.sql.originals and not needed_original(view, original_id):
            del view.sql.originals[original_id]


def originals_of_source(view: HostView, source_backup_id: str) -> list[str]:
    """The originals whose details are those of entry ``source_backup_id``."""
    return [key for key, details in view.sql.originals.items()
            if details.backup_id == source_backup_id]
