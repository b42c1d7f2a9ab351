"""Catalog area: live catalog entries (``drmfscat``) and their end."""
from __future__ import annotations

from events import filesystem as fs
from projections.host.area import AreaFold
from projections.host.common import record_backup
from projections.host.sqlserver import release_originals
from projections.host_view import HostView

fold = AreaFold("catalog")
fold.on(fs.BackupRecorded, record_backup)


@fold.on(fs.BackupEntryDeleted)
def entry_deleted(view: HostView, event: fs.BackupEntryDeleted, seq: int) -> None:
    view.sql.backups.pop(event.backup_id, None)  # issue 13: SQL details / a template go too
    entry = view.catalog.pop(event.backup_id, None)
    if entry is None:
        return
    release_originals(view, (entry.original_id, event.backup_id))  # issue 13: not kept forever
    for name in entry.copy_groups:
        state = view.copy_group(name)
        if state.backup_id == event.backup_id:
            state.backup_id = ""
