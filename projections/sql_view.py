"""The application parts of ``HostView`` (issue 13): freezes held by workflows, and SQL Server's
settings (``drmsqlinit``), application map (``drmsqldisplay -refresh``) and the SQL details of
catalog entries (``SqlBackupDetails``), including template entries.

Plain slotted dataclasses of strings, numbers and tuples, so the snapshot codec
(``projections.host_snapshot``) encodes them like the rest of the view. Instances are keyed by
their name in lower case (``DEFAULT`` is ``default``); ``SqlView.instance_key`` makes the key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class ApplicationHold:
    """A freeze a workflow asked for. ``state``: requested (intent, no outcome yet), frozen,
    thawed, released (the instance had let go), failed (freeze refused or thaw too late)."""

    kind: str
    instance: str
    databases: tuple[str, ...]
    state: str = "requested"
    token: str = ""
    frozen_at: float = 0.0
    timeout: float = 0.0

    @property
    def holding(self) -> bool:
        """True while the instance may still hold writes for this workflow."""
        return self.state in ("requested", "frozen")


@dataclass(frozen=True, slots=True)
class SqlFile:
    path: str
    kind: str  # data | log
    mount_point: str
    device: str
    copy_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SqlDatabase:
    name: str
    database_id: int
    system: bool
    recovery_model: str
    state: str
    files: tuple[SqlFile, ...]


@dataclass(frozen=True, slots=True)
class Metafile:
    """A VDI metafile (or other per-database restore metadata) with its size and SHA-256."""

    database: str
    path: str
    size: int
    sha256: str


@dataclass(slots=True)
class SqlSettings:
    """``drmsqlinit``: "" = not registered (metafiles then lie on the P-VOL)."""

    instance: str
    metadata_dir: str
    vdi_timeout: int
    undo_dir: str
    log_backup_dir: str


@dataclass(slots=True)
class SqlInstance:
    """An instance of the application map, as the last ``drmsqldisplay -refresh`` saw it."""

    instance: str
    status: str
    databases: tuple[SqlDatabase, ...]
    refreshed_seq: int


@dataclass(slots=True)
class SqlBackup:
    """The SQL details of catalog entry ``backup_id`` (a template when ``template``)."""

    backup_id: str
    instance: str
    databases: tuple[SqlDatabase, ...]
    metafiles: tuple[Metafile, ...]
    metadata_dir: str
    online: bool
    template: bool
    system: bool
    recorded_at: datetime | None
    comment: str
    workflow_id: str
    recorded_seq: int

    def metafile_of(self, database: str) -> Metafile | None:
        return next((m for m in self.metafiles if m.database == database), None)


@dataclass(slots=True)
class SqlView:
    settings: dict[str, SqlSettings] = field(default_factory=dict)
    instances: dict[str, SqlInstance] = field(default_factory=dict)
    backups: dict[str, SqlBackup] = field(default_factory=dict)  # backup ID -> details
    # original ID -> the details this host recorded for it, kept after the entry goes: an
    # entry of the same data imported back (tape restore, EX_DRM_DB_IMPORT) finds them here;
    # the fold drops them once no catalog entry, tape entry or media copy can ask for them
    # (``projections.host.sqlserver.release_originals``)
    originals: dict[str, SqlBackup] = field(default_factory=dict)

    @staticmethod
    def instance_key(name: str) -> str:
        return name.lower()

    def settings_of(self, instance: str) -> SqlSettings | None:
        return self.settings.get(instance.lower())

    def backup(self, backup_id: str) -> SqlBackup | None:
        """The SQL details of a live entry or a template, or None (not a SQL Server entry)."""
        return self.backups.get(backup_id)

    def for_entry(self, entry, host: str) -> SqlBackup | None:
        """The SQL details of catalog entry ``entry`` (a ``CatalogEntry``): its own, else --
        for an entry of this host's own data that came back under another ID (imported, or
        restored from tape) -- those recorded for its original ID; None for a file-system
        entry or one whose details never were on this host."""
        own = self.backups.get(entry.backup_id)
        if own is not None or entry.object_type != "MSSQL" \
                or entry.origin_host.lower() != host.lower():
            return own
        return self.originals.get(entry.original_id)

    def entries_of(self, instance: str, *, template: bool = False) -> list[SqlBackup]:
        """Details of ``instance``'s entries (templates with ``template``), oldest first."""
        key = instance.lower()
        return [b for b in self.backups.values()
                if b.instance.lower() == key and b.template == template]
