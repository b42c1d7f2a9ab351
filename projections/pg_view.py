"""The PostgreSQL part of a host's view (issue 14): clusters, the application half of each
backup, the WAL log backups per cluster, and how usable each generation's copy is.

Plain data changed only by ``projections.host.postgres``. Whether a backup is still live is
the catalog's answer (``HostView.catalog``), not kept twice here. A copy group's
``PgGenerationMark`` says what the last PostgreSQL workflow that touched it left there
(``unusable`` from the backup's request until its details are recorded, ``application`` or
``cold`` after); ``services.agent.postgres.consistency`` combines it with the copy group's last
split to tell a raw ``pairsplit`` (crash-consistent) apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

UNUSABLE, APPLICATION, COLD, CRASH, NONE = ("unusable", "application-consistent",
                                            "cold-consistent", "crash-consistent", "none")


@dataclass(slots=True)
class PgClusterState:
    cluster: str
    log_backup_dir: str
    metadata_dir: str
    files: tuple[tuple[str, str, str, tuple[str, ...]], ...]  # (path, kind, mount point, CGs)
    segment_size: int = 16 << 20
    configured_seq: int = 0

    @property
    def copy_groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(cg for *_, groups in self.files for cg in groups))


@dataclass(slots=True)
class PgBackupState:
    backup_id: str
    workflow_id: str
    cluster: str
    mode: str
    generation: str
    copy_groups: tuple[str, ...]
    start_lsn: str
    stop_lsn: str
    timeline: int
    start_wal: str
    stop_wal: str
    label_path: str | None
    label_sha256: str | None
    tablespace_map_path: str | None
    tablespace_map_sha256: str | None
    recorded_seq: int
    metadata: tuple[tuple[str, int, str], ...] = ()  # (path, size, sha256) of each file


@dataclass(slots=True)
class PgWalFile:
    file_name: str
    kind: str
    timeline: int
    size: int
    sha256: str
    backup_id: str
    seq: int
    switches: tuple[tuple[int, str], ...] = ()


@dataclass(slots=True)
class PgGenerationMark:
    state: str  # UNUSABLE | APPLICATION | COLD
    workflow_id: str
    backup_id: str
    seq: int
    reason: str = ""


@dataclass(slots=True)
class PgRecoveryState:
    workflow_id: str
    cluster: str
    backup_id: str
    target: str
    target_value: str
    requested_seq: int
    ended: str = ""  # "" | ended | failed
    timeline: int = 0
    lsn: str = ""
    reached_at: str = ""
    reason: str = ""


@dataclass(slots=True)
class PgView:
    clusters: dict[str, PgClusterState] = field(default_factory=dict)
    backups: dict[str, PgBackupState] = field(default_factory=dict)  # by backup ID
    wal: dict[str, dict[str, PgWalFile]] = field(default_factory=dict)  # cluster -> name -> file
    marks: dict[str, PgGenerationMark] = field(default_factory=dict)  # copy group -> mark
    started: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # ^ workflow ID -> (cluster, copy groups) of a backup started and not yet ended
    down: dict[str, str] = field(default_factory=dict)  # workflow ID -> cluster it stopped
    restored: dict[str, str] = field(default_factory=dict)  # cluster -> backup ID laid down
    recoveries: dict[str, PgRecoveryState] = field(default_factory=dict)  # by workflow ID
