"""Recovery of a SQL Server backup a dead agent left after its splits (issue 13).

When every split of the workflow happened and its freeze ended by a thaw in time (its own, or
recovery's while the instance still held it: the splits then all ran while frozen), the copy is
good: the entry is recorded from the workflow's own events -- its ``BackupRequested``, its
``SqlBackupRequested`` (the databases as the entry keeps them) and its ``ApplicationFrozen``
(the metafiles) -- exactly as the workflow would have recorded it. Anything else is aborted by
the caller.
"""
from __future__ import annotations

from events import REGISTRY
from events import application as app
from events import filesystem as fs
from events import sqlserver as sql
from services.agent.sqlserver.decide import entry_events


def recovered_entry(context, workflow) -> list | None:
    """``[SqlBackupDetails, BackupRecorded]`` of ``workflow`` (see the module docstring), or
    None when its events do not give them."""
    found: dict[type, object] = {}
    metafiles: list = []
    first_at = None
    for stored in context.store.read(context.host, after_seq=workflow.started_seq - 1):
        if stored.type not in ("BackupRequested", "SqlBackupRequested", "ApplicationFrozen",
                               "ApplicationThawed"):
            continue
        event = REGISTRY.load(stored)
        if getattr(event, "workflow_id", None) != workflow.workflow_id:
            continue
        first_at = first_at or stored.occurred_at
        if isinstance(event, (app.ApplicationFrozen, app.ApplicationThawed)):
            metafiles.extend(event.metadata)
        else:
            found.setdefault(type(event), event)
    request, sql_request = found.get(fs.BackupRequested), found.get(sql.SqlBackupRequested)
    if request is None or sql_request is None or not sql_request.records:
        return None
    return entry_events(context.host, request, sql_request, metafiles, first_at, context.clock())
