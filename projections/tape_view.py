"""The backup server's part of ``HostView``: tape entries, tape settings, media copies, mounts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from projections.catalog_rows import CatalogRow


@dataclass(frozen=True, slots=True)
class Archive:
    copy_group: str
    medium: str
    label: str
    manifest_hash: str = ""  # "" for an archive recorded before it was kept


@dataclass(slots=True)
class TapeEntry:
    """One ``drmtapecat`` record: the S-VOL data of ``source_backup_id`` on tape."""

    backup_id: str
    original_id: str
    origin_host: str
    source_backup_id: str
    object_type: str
    mode: str
    instances: tuple[str, ...]
    rows: tuple[CatalogRow, ...]
    generation: str
    copy_groups: tuple[str, ...]
    comment: str
    snapshot_at: datetime
    recorded_at: datetime
    expires_at: datetime | None  # None: PERMANENT
    archives: tuple[Archive, ...]
    recorded_seq: int
    source_ended_at: datetime | None = None  # END-TIME of the source disk entry

    @property
    def media(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.medium for a in self.archives))

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class TapeSettingsView:
    product: str = "NBU"
    retention_days: int = 0
    registered: bool = False  # False: the lab's defaults, drmtapeinit never ran here


@dataclass(slots=True)
class MediaCopy:
    """A tape backup or restore that started and has not ended (recovery ends it)."""

    workflow_id: str
    kind: str
    backup_id: str
    source_backup_id: str
    copy_groups: tuple[str, ...]


@dataclass(slots=True)
class BackupServerView:
    tape: dict[str, TapeEntry] = field(default_factory=dict)
    settings: TapeSettingsView | None = None
    media_copies: dict[str, MediaCopy] = field(default_factory=dict)
    mounts_requested: dict[str, str] = field(default_factory=dict)  # copy group -> mount point
