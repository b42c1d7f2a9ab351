"""The views of one host, kept by its agent and rebuilt by any replay of its stream.

``HostView`` holds the catalog, the copy groups (status, lock, mount, rotation), the dictionary
maps, the workflows in progress and, for each ended workflow, little more than how it ended
(a long history's view would otherwise carry one whole ``Workflow`` per backup ever taken: a
third of what an agent snapshot decodes at start). It is plain data: the fold
(``projections.host_fold``, whose areas live in ``projections.host``) is the only code that
changes it, and it never invents a value (backup IDs, generations and supersessions come from
the events). Its dataclasses use ``__slots__``: a long history's view holds hundreds of
thousands of them, which take less memory and are built ~15% faster when the agent loads a
snapshot (``projections.host_snapshot``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from events.maps import VolumeMap
from projections.catalog_rows import CatalogRow
from projections.device_view import DeviceView
from projections.pg_view import PgView
from projections.sql_view import ApplicationHold, SqlView
from projections.tape_view import BackupServerView
from projections.sql_log_view import SqlLogView  # SQL restore and logs (issue 13)

BACKUP_ID_DIGITS = 10


def format_backup_id(number: int) -> str:
    return f"{number:0{BACKUP_ID_DIGITS}d}"


@dataclass(slots=True)
class CatalogEntry:
    backup_id: str
    original_id: str
    origin_host: str
    mode: str
    object_type: str
    instances: tuple[str, ...]
    rows: tuple[CatalogRow, ...]
    generation: str
    copy_groups: tuple[str, ...]
    started_at: datetime
    ended_at: datetime
    comment: str
    media: str
    recorded_seq: int


@dataclass(slots=True)
class CopyGroupState:
    copy_group: str
    copy_type: str = ""
    generation: str = ""
    mount_point: str = ""  # the P-VOL's mount point on this host
    status: str = "UNKNOWN"  # last status this host's events know (PAIR, PSUS, PSUE, …)
    locked_by: str = ""  # "" | drmcgctl | mount
    lock_backup_id: str = ""
    mounted_at: str = ""  # where the S-VOL is mounted on this host (backup server), if anywhere
    backup_id: str = ""  # the live catalog entry on this copy group
    last_backup_at: datetime | None = None
    last_backup_seq: int = 0  # rotation: the generation backed up longest ago goes next
    last_split_seq: int = 0  # PostgreSQL (issue 14): which split made the S-VOL's copy
    last_split_workflow: str = ""

    @property
    def locked(self) -> bool:
        return bool(self.locked_by)


@dataclass(slots=True)
class Workflow:
    """A backup or restore that has started. ``open_steps`` are intents without outcome."""

    workflow_id: str
    kind: str  # backup | restore
    backup_id: str
    copy_groups: tuple[str, ...]
    instances: tuple[str, ...]
    started_seq: int
    open_steps: dict[str, str] = field(default_factory=dict)  # step key -> event type
    unmounted: set[str] = field(default_factory=set)  # P-VOL mount points taken down
    split_done: set[str] = field(default_factory=set)
    ended: str = ""  # "" | completed | aborted
    # issue 13 (sql-backup): the application freezes this workflow asked for, by
    # "<kind>:<instance>"; recovery thaws the ones still holding (``ApplicationHold.holding``)
    applications: dict[str, ApplicationHold] = field(default_factory=dict)


class EndedWorkflow(NamedTuple):
    """What the view keeps of an ended workflow (a snapshot holds one per backup ever taken).
    A step opened on it later (an import sent after its backup) brings it back into
    ``HostView.workflows`` with these fields until the step closes."""

    how: str  # completed | aborted
    kind: str
    backup_id: str
    started_seq: int


@dataclass(slots=True)
class HostView:
    host: str
    seq: int = 0
    next_backup_number: int = 1
    catalog: dict[str, CatalogEntry] = field(default_factory=dict)
    copy_groups: dict[str, CopyGroupState] = field(default_factory=dict)
    volumes: dict[str, VolumeMap] = field(default_factory=dict)
    maps_refreshed_seq: int = 0
    workflows: dict[str, Workflow] = field(default_factory=dict)  # in progress
    ended_workflows: dict[str, EndedWorkflow] = field(default_factory=dict)
    backup_server: BackupServerView = field(default_factory=BackupServerView)  # tape, mounts
    devices: DeviceView = field(default_factory=DeviceView)  # concealed S-VOLs, mount guards
    postgres: PgView = field(default_factory=PgView)  # PostgreSQL (issue 14: pg-commands)
    sql: SqlView = field(default_factory=SqlView)  # issue 13: SQL Server settings, map, details
    sql_logs: SqlLogView = field(default_factory=SqlLogView)  # SQL restore and logs (issue 13)

    @property
    def next_backup_id(self) -> str:
        return format_backup_id(self.next_backup_number)

    @property
    def tape(self) -> dict:
        """The tape catalog (``drmtapecat``): backup ID -> ``tape_view.TapeEntry``."""
        return self.backup_server.tape

    def unfinished_workflows(self) -> list[Workflow]:
        return [w for w in self.workflows.values() if not w.ended]

    def how_ended(self, workflow_id: str) -> str:
        """``completed`` | ``aborted`` for an ended workflow; ``""`` for one in progress or
        unknown."""
        workflow = self.workflows.get(workflow_id)
        if workflow is not None:
            return workflow.ended
        ended = self.ended_workflows.get(workflow_id)
        return ended.how if ended is not None else ""

    def entries_on(self, copy_groups) -> list[CatalogEntry]:
        """Live entries that use any of ``copy_groups``."""
        wanted = set(copy_groups)
        return [e for e in self.catalog.values() if wanted & set(e.copy_groups)]

    def copy_group(self, name: str) -> CopyGroupState:
        state = self.copy_groups.get(name)
        if state is None:
            state = self.copy_groups[name] = CopyGroupState(name)
        return state
