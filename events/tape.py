"""Backup-server events and commands: S-VOL mounts, tape backup and tape restore, tape catalog.

Events (past tense, on the backup server's stream):
- ``SvolMountRequested`` → ``SvolMounted`` per copy group (intent, outcome); ``SvolUnmounted``.
  A mount by backup ID also records ``CopyGroupLocked(by="mount")`` and its unmount
  ``CopyGroupUnlocked(by="mount")`` (``events.filesystem``).
- ``MediaCopyRequested`` opens a tape backup or restore (it carries the new backup ID);
  ``MediaCopyAborted`` ends one that failed; a tape backup ends with ``TapeBackupRecorded`` (a
  tape-catalog entry), a tape restore with ``BackupRecorded`` (a new disk entry, same
  ORIGINAL-ID, and the original backup's START-TIME and END-TIME, as the manual shows) after
  the superseded disk entries were deleted with the request. Each archive written or read
  records its outcome (``TapeArchiveWritten``, ``TapeArchiveRead``) with the copy's own start
  and end times, bytes and files.
- ``TapeEntryDeleted`` (reason ``expired`` | ``deleted``), ``TapeSettingsRegistered``.

Commands and queries are declared as ``events.fs_commands`` declares its own.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from events.base import Payload
from events.command_base import BACKUP_SERVER, EXCLUSIVE, QUERY, Command
from events.filesystem import BackupId, ObjectRow, OptionalBackupId
from events.fs_commands import BACKUP_ID_PATTERN
from events.names import COPY_GROUP_PATTERN, HostName, PathText
from events.registry import REGISTRY


# -- events --------------------------------------------------------------------------------------
class SvolMountRequested(Payload):
    workflow_id: str
    copy_group: str
    mount_point: str
    backup_id: OptionalBackupId = ""  # "" for a mount by -copy_group
    writable: bool = False  # a tape entry's S-VOL is mounted writable (drmmediarestore)
    device: str = ""  # drmmount -force: the S-VOL the array pairs now, not the map's


class SvolMounted(Payload):
    workflow_id: str
    copy_group: str
    mount_point: str
    backup_id: OptionalBackupId = ""
    read_only: bool = True


class SvolUnmounted(Payload):
    workflow_id: str
    copy_group: str
    mount_point: str


class TapeArchive(Payload):
    """Where one copy group's S-VOL went on tape."""

    copy_group: str
    medium: str
    label: str
    bytes: int = 0
    manifest_hash: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")  # BLAKE3 of its manifest


class MediaCopyRequested(Payload):
    workflow_id: str
    kind: Literal["backup", "restore"]
    source_backup_id: BackupId  # backup: the disk entry; restore: the tape entry
    backup_id: BackupId  # the new entry's ID (tape entry, or restored disk entry)
    copy_groups: tuple[str, ...]


class MediaCopyAborted(Payload):
    workflow_id: str
    backup_id: BackupId
    reason: str


class TapeBackupRecorded(Payload):
    """A tape-catalog entry: the S-VOL data of ``source_backup_id`` as of ``snapshot_at``."""

    backup_id: BackupId
    original_id: BackupId
    origin_host: str
    source_backup_id: BackupId
    object_type: str = "FILESYSTEM"
    mode: str
    instances: tuple[str, ...]
    rows: tuple[ObjectRow, ...]
    generation: str
    copy_groups: tuple[str, ...]
    comment: str = ""
    snapshot_at: datetime  # START-TIME of the source disk entry
    source_ended_at: datetime | None = None  # its END-TIME (a restored entry keeps both)
    recorded_at: datetime
    expires_at: datetime | None = None  # None: PERMANENT (retention 0)
    archives: tuple[TapeArchive, ...]
    workflow_id: str = ""


class _ArchiveCopied(Payload):
    workflow_id: str
    copy_group: str
    medium: str
    label: str
    bytes: int = Field(ge=0)
    files: int = Field(ge=0)
    started_at: datetime
    ended_at: datetime


class TapeArchiveWritten(_ArchiveCopied):
    """One archive of a tape backup is complete on its medium (manifest written, synced)."""


class TapeArchiveRead(_ArchiveCopied):
    """One archive of a tape restore is on its S-VOL, every file checked against the
    manifest."""


class TapeEntryDeleted(Payload):
    backup_id: BackupId
    reason: Literal["expired", "deleted"]


class TapeSettingsRegistered(Payload):
    product: str
    retention_days: int


for _model in (SvolMountRequested, SvolMounted, SvolUnmounted, MediaCopyRequested,
               MediaCopyAborted, TapeArchiveWritten, TapeArchiveRead, TapeBackupRecorded,
               TapeEntryDeleted, TapeSettingsRegistered):
    REGISTRY.register(_model.__name__, _model)


# -- commands ------------------------------------------------------------------------------------
class MountSvol(Command, console=("drmmount", "EX_DRM_MOUNT", "EX_DRM_CACHE_PURGE",
                                  "EX_DRM_TAPE_BACKUP", "EX_DRM_TAPE_RESTORE"),
                concurrency=EXCLUSIVE):
    """``drmmount { backup-ID | -copy_group CG } [-mount_pt path] [-conf] [-force]``: exactly
    one target; ``conf`` (backup ID only) records the mounts in ``CG_MP.conf``, ``force``
    mounts despite volumes that differ from the backup's (``events.devices``)."""

    name: Literal["MountSvol"] = "MountSvol"
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    copy_group: str | None = Field(default=None, pattern=COPY_GROUP_PATTERN)
    mount_point: PathText | None = None
    conf: bool = False
    force: bool = False


class UnmountSvol(Command, console=("drmumount", "EX_DRM_UMOUNT", "EX_DRM_CACHE_PURGE",
                                    "EX_DRM_TAPE_BACKUP", "EX_DRM_TAPE_RESTORE"),
                  concurrency=EXCLUSIVE):
    """``drmumount { backup-ID | -copy_group CG }``."""

    name: Literal["UnmountSvol"] = "UnmountSvol"
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    copy_group: str | None = Field(default=None, pattern=COPY_GROUP_PATTERN)


class BackupToTape(Command, console=("drmmediabackup", "EX_DRM_TAPE_BACKUP"),
                   concurrency=EXCLUSIVE, roles=BACKUP_SERVER):
    """``drmmediabackup <disk-backup-ID>``."""

    name: Literal["BackupToTape"] = "BackupToTape"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)


class RestoreFromTape(Command, console=("drmmediarestore", "EX_DRM_TAPE_RESTORE"),
                      concurrency=EXCLUSIVE, roles=BACKUP_SERVER):
    """``drmmediarestore <tape-backup-ID>``."""

    name: Literal["RestoreFromTape"] = "RestoreFromTape"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)


class RegisterTapeSettings(Command, console=("drmtapeinit",), concurrency=EXCLUSIVE,
                           roles=BACKUP_SERVER):
    """``drmtapeinit``: the answers to KAVX0411-I (product) and KAVX0417-I (retention days)."""

    name: Literal["RegisterTapeSettings"] = "RegisterTapeSettings"
    product: Literal["NBU", "BEWS"]
    retention_days: int = Field(ge=0, le=36500)


class _TapeSelection(Command):
    """``drmtapecat`` filters (all optional, combined with AND)."""

    hostname: HostName | None = None
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    object_type: Literal["FILESYSTEM", "MSSQL", "MSEXCHANGE"] | None = None
    instance: PathText | None = None


class DeleteTapeEntries(_TapeSelection, console=("drmtapecat",), concurrency=EXCLUSIVE,
                        roles=BACKUP_SERVER):
    """``drmtapecat … -delete``: the entries the filters select."""

    name: Literal["DeleteTapeEntries"] = "DeleteTapeEntries"


class RecoverBackupServer(Command, concurrency=EXCLUSIVE, roles=BACKUP_SERVER):
    """Sent by a backup server's agent to itself at start: end what a dead agent left open."""

    name: Literal["RecoverBackupServer"] = "RecoverBackupServer"


class ListTapeCatalog(_TapeSelection, console=("drmtapecat",), concurrency=QUERY,
                      roles=BACKUP_SERVER):
    """``drmtapecat``. Result: ``{"entries": [{"backup_id", "original_id", "origin_host",
    "object_type", "instances", "copy_groups", "snapshot_at", "expires_at" (ISO 8601 UTC or
    None = PERMANENT), "media" ([medium…]), "source_backup_id", "rows": [row…]}]}`` (expired
    entries left out)."""

    name: Literal["ListTapeCatalog"] = "ListTapeCatalog"


class ShowTapeSettings(Command, console=("drmtapeinit",), concurrency=QUERY,
                       roles=BACKUP_SERVER):
    """``drmtapeinit -v``. Result: ``{"product", "retention_days", "registered" (bool)}``."""

    name: Literal["ShowTapeSettings"] = "ShowTapeSettings"


TAPE_COMMANDS = (MountSvol, UnmountSvol, BackupToTape, RestoreFromTape, RegisterTapeSettings,
                 DeleteTapeEntries, RecoverBackupServer, ListTapeCatalog, ShowTapeSettings)
