"""PostgreSQL protection events (issue 14): the cluster's set-up, the online backup's start and
stop around the split, its application details beside the catalog entry, WAL log backups, their
release, and the recovery's end.

An online backup is the file-system backup's workflow (``BackupRequested`` … ``BackupRecorded``
of ``events.filesystem``, instances = the cluster's mount points) with ``PgBackupRequested``
beside its request and the application-neutral freeze inside it (``events.application``:
``FreezeRequested`` → ``ApplicationFrozen`` is ``pg_backup_start``, ``ApplicationThawed`` is
``pg_backup_stop`` with the label's hash), then ``PgBackupDetails`` right after the
``BackupRecorded`` it belongs to. A cold backup stops and starts the server
(``PgServerStop…``/``PgServerStart…``) around the splits. Events carry the label's hash and
where it is stored, never its text.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from events.application import MetadataFile
from events.base import Payload
from events.names import PathText
from events.registry import REGISTRY

CLUSTER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
LSN_PATTERN = r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$"
WAL_NAME_PATTERN = r"^[0-9A-F]{24}$"
WAL_FILE_PATTERN = r"^([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_WAL_FILES_PER_EVENT = 10_000

ClusterName = Annotated[str, Field(pattern=CLUSTER_PATTERN)]
Lsn = Annotated[str, Field(pattern=LSN_PATTERN)]
WalName = Annotated[str, Field(pattern=WAL_NAME_PATTERN)]
WalFileName = Annotated[str, Field(pattern=WAL_FILE_PATTERN)]
Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN)]
Timeline = Annotated[int, Field(ge=1, le=0xFFFFFFFF)]


def _power_of_two(size: int) -> int:
    """initdb's ``--wal-segsize`` is a power of two: WAL names and LSNs split on it."""
    if size & (size - 1):
        raise ValueError("a WAL segment size is a power of two (1 MiB to 1 GiB)")
    return size


SegmentSize = Annotated[int, Field(ge=1 << 20, le=1 << 30), AfterValidator(_power_of_two)]
FileKind = Literal["data", "wal", "tablespace"]
WalKind = Literal["segment", "partial", "history", "backup"]
TargetKind = Literal["latest", "time", "lsn", "name", "immediate"]


class PgClusterFile(Payload):
    """A directory of the cluster (data, WAL or a tablespace) and the copy group holding it."""

    path: PathText
    kind: FileKind
    mount_point: PathText
    copy_groups: tuple[str, ...] = ()  # the P-VOL's copy groups, every generation


class PgClusterConfigured(Payload):
    """``drm pg init``: the cluster, where its files live and where its log backups and
    backup labels go (directories of this host)."""

    cluster: ClusterName
    files: tuple[PgClusterFile, ...] = Field(min_length=1, max_length=256)
    log_backup_dir: PathText
    metadata_dir: PathText
    segment_size: SegmentSize = 16 << 20  # initdb --wal-segsize


# -- a backup workflow's PostgreSQL facts ----------------------------------------------------------
class PgBackupRequested(Payload):
    """Recorded with the workflow's ``BackupRequested``: from here the generation on
    ``copy_groups`` holds no usable copy until this backup's ``PgBackupDetails`` (a backup that
    fails or is ended by restart recovery leaves it unusable until the next backup)."""

    workflow_id: str
    backup_id: str = Field(pattern=r"^[0-9]{10}$")
    cluster: ClusterName
    mode: Literal["ONLINE", "COLD"]
    copy_groups: tuple[str, ...]


class PgServerStopRequested(Payload):
    workflow_id: str
    cluster: ClusterName


class PgServerStopped(Payload):
    workflow_id: str
    cluster: ClusterName


class PgServerStartRequested(Payload):
    workflow_id: str
    cluster: ClusterName


class PgServerStarted(Payload):
    workflow_id: str
    cluster: ClusterName


class PgBackupDetails(Payload):
    """The application half of a PostgreSQL catalog entry, recorded right after its
    ``BackupRecorded``. ``mode`` ONLINE has a label (application-consistent); COLD was taken
    with the server cleanly shut down and needs none."""

    backup_id: str = Field(pattern=r"^[0-9]{10}$")
    workflow_id: str
    cluster: ClusterName
    mode: Literal["ONLINE", "COLD"]
    generation: str
    copy_groups: tuple[str, ...]
    start_lsn: Lsn
    stop_lsn: Lsn
    timeline: Timeline
    start_wal: WalName
    stop_wal: WalName
    label_path: PathText | None = None
    label_sha256: Sha256 | None = None
    tablespace_map_path: PathText | None = None
    tablespace_map_sha256: Sha256 | None = None
    metadata: tuple[MetadataFile, ...] = Field((), max_length=16)  # all pg_backup_stop wrote


# -- WAL log backups -----------------------------------------------------------------------------
class TimelineSwitch(Payload):
    """One line of a timeline history file: the history left ``parent`` at ``lsn``."""

    parent: Timeline
    lsn: Lsn


class PgWalArchived(Payload):
    """One file reached the log backup area: a WAL segment, a timeline history file or a backup
    history file; ``backup_id`` is the full backup it belongs to (the latest live one). A
    history file carries its switches, so the chain check needs no file."""

    cluster: ClusterName
    file_name: WalFileName
    kind: WalKind
    timeline: Timeline
    size: int = Field(ge=0, le=1 << 34)
    sha256: Sha256
    backup_id: str = Field("", pattern=r"^([0-9]{10})?$")
    switches: tuple[TimelineSwitch, ...] = Field((), max_length=1000)


class PgWalReleased(Payload):
    """Log backups no live backup needs any more (retention tied to the catalog)."""

    cluster: ClusterName
    file_names: tuple[WalFileName, ...] = Field(max_length=MAX_WAL_FILES_PER_EVENT)
    reason: str = Field(max_length=200)


# -- restore and recovery ------------------------------------------------------------------------
class PgLabelLaidDown(Payload):
    """The restored data directory got the backup's label (and tablespace map) back and a
    recovery configuration reading our log backups."""

    workflow_id: str
    cluster: ClusterName
    backup_id: str
    label_sha256: Sha256 | None = None


class PgRecoveryRequested(Payload):
    workflow_id: str
    cluster: ClusterName
    backup_id: str
    target: TargetKind
    target_value: str = Field("", max_length=200)


class PgRecoveryEnded(Payload):
    """The server came up: recovery reached ``lsn`` on ``timeline`` (``reached_at``: the time
    of the last transaction replayed, ISO 8601, when the server reports it)."""

    workflow_id: str
    cluster: ClusterName
    backup_id: str
    timeline: Timeline
    lsn: Lsn
    reached_at: str = Field("", max_length=64)


class PgRecoveryFailed(Payload):
    workflow_id: str
    cluster: ClusterName
    backup_id: str
    reason: str = Field(max_length=2000)


PG_EVENTS = (PgClusterConfigured, PgBackupRequested, PgServerStopRequested, PgServerStopped,
             PgServerStartRequested, PgServerStarted, PgBackupDetails, PgWalArchived,
             PgWalReleased, PgLabelLaidDown, PgRecoveryRequested, PgRecoveryEnded,
             PgRecoveryFailed)
for _model in PG_EVENTS:
    REGISTRY.register(_model.__name__, _model)
