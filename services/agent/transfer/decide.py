"""Pure decisions of the catalog transfer: the view and a checked export document in, events
or a ``CommandRejection`` out (DESIGN §10, spec 04 §3.5, §10.1).

Import rules:
- every copy group of the entry must be known to this host's dictionary maps (either side of
  the pair); the rejection names each unknown one (``DRM-10011``);
- no copy group of the entry may be mounted or locked on this host (``DRM-10031``): the
  manual's "drmdbimport fails while drmmount has the volume mounted" (§3.5), and a locked copy
  group is one a mount or an operator holds (§10.9);
- the entry gets this host's next backup ID; ``original_id`` and ``origin_host`` are kept;
- every live local entry on one of its copy groups is superseded, in the same append.
"""
from __future__ import annotations

from dataclasses import dataclass

from events import filesystem as fs
from events.export_document import ExportDocument
from events.transfer import BackupImported
from projections.host_view import CatalogEntry, HostView
from services import messages
from services.agent.errors import reject
from services.agent.filesystem.decide import MOUNTED
from services.agent.postgres.transfer import returning_pg_details  # issue 14 (pg-more)
from services.agent.sqlserver.transfer import imported_details

UNKNOWN_COPY_GROUP = messages.UNKNOWN_COPY_GROUP


def known_copy_groups(view: HostView) -> set[str]:
    return {g.copy_group for volume in view.volumes.values() for g in volume.copy_groups}


@dataclass(frozen=True)
class ImportPlan:
    superseded: tuple[fs.BackupEntryDeleted, ...]
    imported: BackupImported
    details: tuple = ()  # issue 13: a SQL Server entry's SqlBackupDetails, before the entry
    pg_details: tuple = ()  # issue 14 (pg-more): a PostgreSQL backup coming home, after it

    @property
    def events(self) -> list:
        return [*self.superseded, *self.details, self.imported, *self.pg_details]


def plan_import(view: HostView, document: ExportDocument) -> ImportPlan:
    body = document.body
    entry = body.entry
    known = known_copy_groups(view)
    unknown = [name for name in entry.copy_groups if name not in known]
    if unknown:
        raise reject(UNKNOWN_COPY_GROUP, f"this host does not know the copy group(s) "
                                         f"{', '.join(unknown)} of backup {entry.backup_id} of "
                                         f"{body.source_host}; nothing was imported")
    for name in entry.copy_groups:
        state = view.copy_groups.get(name)
        if state is not None and (state.mounted_at or state.locked):
            how = f"mounted at {state.mounted_at}" if state.mounted_at else \
                f"locked ({state.locked_by})"
            raise reject(MOUNTED, f"the copy group {name} is {how} on this host; unmount "
                                  f"(drmumount) or unlock it, then import again")
    backup_id = view.next_backup_id
    imported = BackupImported(
        **entry.model_dump(exclude={"backup_id"}), backup_id=backup_id,
        source_host=body.source_host, source_backup_id=body.source_backup_id,
        source_event_seq=body.source_event_seq, source_event_hash=body.source_event_hash,
        document_sha256=document.body_sha256)
    superseded = tuple(
        fs.BackupEntryDeleted(backup_id=e.backup_id, reason="superseded", by_backup_id=backup_id,
                              copy_groups=e.copy_groups)
        for e in sorted(view.entries_on(entry.copy_groups), key=lambda e: e.backup_id))
    return ImportPlan(superseded, imported,
                      tuple(imported_details(body.sql, backup_id, entry.original_id)),
                      tuple(returning_pg_details(view, entry.origin_host, entry.original_id,
                                                 backup_id)))


def entry_fields(entry: CatalogEntry) -> dict:
    """The exportable fields of a live entry (``BackupRecorded`` shape, no workflow)."""
    return {
        "backup_id": entry.backup_id, "original_id": entry.original_id,
        "origin_host": entry.origin_host, "mode": entry.mode, "object_type": entry.object_type,
        "instances": entry.instances, "generation": entry.generation,
        "copy_groups": entry.copy_groups, "started_at": entry.started_at,
        "ended_at": entry.ended_at, "comment": entry.comment, "media": entry.media,
        "rows": [r._asdict() for r in entry.rows],
    }
