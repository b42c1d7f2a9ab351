"""File-system protection events: backup, restore and resync workflows, catalog, locks.

A workflow is bracketed by its request and its end (``…Completed`` or ``…Aborted``), and every
storage step is an intent before the adapter call and an outcome after it, all carrying the
``workflow_id`` (the id of the command that started it). An agent that restarts finds the
workflows without an end and compensates them (DESIGN §5).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from events.base import Payload
from events.fs_commands import BACKUP_ID_PATTERN
from events.registry import REGISTRY

FULL_REASON_MAX = 512

BackupId = Annotated[str, Field(pattern=BACKUP_ID_PATTERN)]
"""A catalog entry's ID: 10 ASCII digits, the commands' rule (the host view reads it as a
number). Every ID the product ever wrote is of this form, so stored events still decode."""
OptionalBackupId = Annotated[str, Field(pattern=rf"^({BACKUP_ID_PATTERN[1:-1]})?$")]
"""A backup ID or "" (none)."""


# -- workflow brackets --------------------------------------------------------------------------
class BackupRequested(Payload):
    workflow_id: str
    backup_id: BackupId  # assigned by decide
    mode: str  # ONLINE | COLD
    instances: tuple[str, ...]  # mount points backed up
    generation: str
    copy_groups: tuple[str, ...]
    comment: str = ""


class BackupAborted(Payload):
    workflow_id: str
    backup_id: BackupId
    reason: str
    step: str = ""


class RestoreRequested(Payload):
    workflow_id: str
    backup_id: BackupId
    instances: tuple[str, ...]
    copy_groups: tuple[str, ...]
    forced: bool = False


class RestoreCompleted(Payload):
    workflow_id: str
    backup_id: BackupId


class RestoreAborted(Payload):
    workflow_id: str
    backup_id: BackupId
    reason: str
    step: str = ""


# -- storage steps: intent, then outcome --------------------------------------------------------
class PairResyncRequested(Payload):
    workflow_id: str
    copy_group: str
    direction: str = "forward"  # forward: P-VOL -> S-VOL; reverse (restore): S-VOL -> P-VOL


class PairResynced(Payload):
    """A pair copy ended (version 2 says how it compared the volumes, ADR 0008).

    ``comparison`` is ``journal`` when the array's change journal vouched for the whole period
    since the pair's last copy (only the paths it names were compared), ``full`` when every
    entry of both volumes was compared; then ``full_reason`` says why the journal could not
    vouch. Empty when unknown (a copy whose end a recovery recorded). Version 1 events were
    written when every copy compared everything: they read as ``full``.
    """

    workflow_id: str
    copy_group: str
    direction: str
    status: str  # PAIR when the copy finished
    bytes_copied: int = 0
    comparison: Literal["journal", "full", ""] = ""
    full_reason: str = Field("", max_length=FULL_REASON_MAX)


class PairSplitRequested(Payload):
    workflow_id: str
    copy_group: str


class PairSplit(Payload):
    workflow_id: str
    copy_group: str
    pvol_status: str  # PSUS
    svol_status: str  # SSUS
    option: str = ""  # pairsplit: "" or "r" (S-VOL read-only), "rw" (S-VOL writable)


class PairStepFailed(Payload):
    """A pair operation failed; ``status`` is what the pair shows now (often PSUE)."""

    workflow_id: str
    copy_group: str
    operation: str  # resync | split | restore
    error: str
    status: str = ""


class VolumeUnmountRequested(Payload):
    workflow_id: str
    mount_point: str


class VolumeUnmounted(Payload):
    workflow_id: str
    mount_point: str


class VolumeMountRequested(Payload):
    workflow_id: str
    mount_point: str


class VolumeMounted(Payload):
    workflow_id: str
    mount_point: str


# -- catalog -------------------------------------------------------------------------------------
class ObjectRow(Payload):
    """One row of a catalog entry: ``T FILE FS DG DEVICE COPY-GROUP``."""

    kind: str = "F"
    file: str
    file_system: str
    disk_group: str = "-"
    device: str
    copy_group: str


class BackupRecorded(Payload):
    """A live catalog entry. ``original_id``/``origin_host`` follow the data across hosts."""

    backup_id: BackupId
    original_id: BackupId
    origin_host: str
    mode: str  # ONLINE | COLD | VSS
    object_type: str = "FILESYSTEM"
    instances: tuple[str, ...]
    rows: tuple[ObjectRow, ...]
    generation: str
    copy_groups: tuple[str, ...]
    started_at: datetime
    ended_at: datetime
    comment: str = ""
    media: str = "DISK"
    workflow_id: str = ""


class BackupEntryDeleted(Payload):
    """A catalog entry stops being live. ``reason``: superseded | resync | deleted | restored-over."""

    backup_id: BackupId
    reason: str
    by_backup_id: OptionalBackupId = ""
    copy_groups: tuple[str, ...] = ()


# -- locks ---------------------------------------------------------------------------------------
class CopyGroupLocked(Payload):
    copy_group: str
    by: str  # drmcgctl | mount
    backup_id: OptionalBackupId = ""


class CopyGroupUnlocked(Payload):
    copy_group: str
    by: str


for _model in (BackupRequested, BackupAborted, RestoreRequested, RestoreCompleted, RestoreAborted,
               PairResyncRequested, PairSplitRequested, PairSplit, PairStepFailed,
               VolumeUnmountRequested, VolumeUnmounted, VolumeMountRequested, VolumeMounted,
               BackupRecorded, BackupEntryDeleted, CopyGroupLocked, CopyGroupUnlocked):
    REGISTRY.register(_model.__name__, _model)
REGISTRY.register("PairResynced", PairResynced, version=2)


@REGISTRY.upcaster("PairResynced", from_version=1)
def _resynced_v1(payload: dict) -> dict:
    """Every copy compared everything before the change journal (ADR 0008)."""
    return {**payload, "comparison": "full"}
