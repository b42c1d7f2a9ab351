"""What the restore side reads of the SQL backup side's view, as small frozen facts.

The SQL details of a catalog entry (``SqlBackupDetails``), the instance settings (``drmsqlinit``)
and the latest full backup of an instance are kept by the backup slice in ``HostView.sql``
(``projections.sql_view``). The restore side reads them only here, so its ``decide`` functions
take plain facts and can be tested without that slice's events.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.agent.sqlserver_restore.chain import StartPoint


@dataclass(frozen=True)
class DatabaseFacts:
    name: str
    database_id: int
    system: bool
    recovery_model: str
    mount_points: tuple[str, ...]
    copy_groups: tuple[str, ...]
    data_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetafileFacts:
    database: str
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class EntryFacts:
    """A SQL Server catalog entry (or template) as a restore needs it."""

    backup_id: str
    original_id: str
    origin_host: str
    instance: str
    databases: tuple[DatabaseFacts, ...]
    metafiles: tuple[MetafileFacts, ...]
    metadata_dir: str
    template: bool
    copy_groups: tuple[str, ...]
    # this host's own data back under another ID (the tape route of spec 05 §5.2) and already
    # restored once: used up (manual Fig. 6-3)
    used_up: bool = False

    def database(self, name: str) -> DatabaseFacts | None:
        return next((d for d in self.databases if d.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class SettingsFacts:
    """``drmsqlinit``: "" = not registered."""

    metadata_dir: str = ""
    undo_dir: str = ""
    log_backup_dir: str = ""


def _sql(view):
    return getattr(view, "sql", None)


def entry_facts(view, backup_id: str) -> EntryFacts | None:
    """The SQL entry ``backup_id`` of ``view`` (None: no such entry, or not a SQL one). An
    entry of this host's own data that came back under another ID (imported, restored from
    tape) has the details recorded for its original ID (``SqlView.for_entry``)."""
    sql = _sql(view)
    if sql is None:
        return None
    entry = view.catalog.get(backup_id)
    details = sql.for_entry(entry, view.host) if entry is not None else sql.backup(backup_id)
    if details is None or (entry is None and not details.template):
        return None  # no SQL details, or the catalog entry is gone: nothing to restore
    databases = tuple(DatabaseFacts(
        d.name, d.database_id, d.system, d.recovery_model,
        tuple(dict.fromkeys(f.mount_point for f in d.files if f.mount_point)),
        tuple(dict.fromkeys(g for f in d.files for g in f.copy_groups)),
        tuple(f.path for f in d.files if f.kind == "data"))
        for d in details.databases)
    metafiles = tuple(MetafileFacts(m.database, m.path, m.size, m.sha256)
                      for m in details.metafiles)
    return EntryFacts(backup_id, entry.original_id if entry else backup_id,
                      entry.origin_host if entry else "", details.instance, databases,
                      metafiles, details.metadata_dir, details.template,
                      tuple(entry.copy_groups) if entry else  # a template: its files' groups
                      tuple(dict.fromkeys(g for d in databases for g in d.copy_groups)),
                      used_up(view, entry))


def used_up(view, entry) -> bool:
    """Manual Fig. 6-3: an entry of this host's own data that came back under another ID (from
    a tape restore, through the backup server's export) is used up by its first restore; its
    volumes are restored again only from the tape."""
    logs = getattr(view, "sql_logs", None)
    return (entry is not None and logs is not None
            and entry.backup_id in logs.restored_entries
            and entry.origin_host.lower() == view.host.lower()
            and entry.original_id != entry.backup_id)


def settings_facts(view, instance: str) -> SettingsFacts | None:
    sql = _sql(view)
    found = sql.settings_of(instance) if sql is not None else None
    if found is None:
        return None
    return SettingsFacts(found.metadata_dir, found.undo_dir, found.log_backup_dir)


def start_point(view, instance: str) -> StartPoint | None:
    """The latest full (non-template) backup of ``instance`` that has a live catalog entry."""
    sql = _sql(view)
    if sql is None:
        return None
    live = [b for b in sql.entries_of(instance) if b.backup_id in view.catalog]
    if not live:
        return None
    latest = max(live, key=lambda b: b.recorded_seq)
    entry = view.catalog[latest.backup_id]
    return StartPoint(latest.backup_id, entry.original_id, latest.recorded_seq,
                      frozenset(d.name.lower() for d in latest.databases))
