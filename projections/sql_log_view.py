"""The SQL Server restore/log part of a host's view: log chains, roll-forwards, database states
and the SQL workflows in progress (folded by ``projections.host.sql_logs``).

Chains are keyed by ``chain_key(instance, database)`` (instance names compare case-
insensitively); each holds its log backups in the order they were taken, which is apply order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


def chain_key(instance: str, database: str) -> str:
    return f"{instance.lower()}/{database}"


@dataclass(slots=True)
class SqlLogRecord:
    instance: str
    database: str
    path: str
    first_lsn: int
    last_lsn: int
    chain_seq: int
    backup_id: str
    original_id: str
    truncated: bool
    sha256: str
    size: int
    taken_at: datetime
    recorded_seq: int


@dataclass(slots=True)
class SqlRollForward:
    """The last roll-forward (or its intent) of one database since its last restore."""

    seq: int
    last_lsn: int  # 0: not known (only the intent is recorded)
    original_id: str
    chain_complete: bool
    finish: str


@dataclass(slots=True)
class SqlRestoreMark:
    """The last restore of one database: which full backup it holds now."""

    backup_id: str
    original_id: str
    seq: int


@dataclass(slots=True)
class SqlWorkflow:
    """A SQL restore, recovery or log backup from its request to its end."""

    workflow_id: str
    kind: str  # restore | recovery | logbackup
    instance: str
    backup_id: str
    databases: tuple[str, ...]
    started_seq: int
    stopped: str = ""  # an instance this workflow stopped and has not started again
    open_steps: dict[str, str] = field(default_factory=dict)
    ended: str = ""


@dataclass(slots=True)
class SqlLogView:
    chains: dict[str, list[SqlLogRecord]] = field(default_factory=dict)
    roll_forwards: dict[str, SqlRollForward] = field(default_factory=dict)
    restores: dict[str, SqlRestoreMark] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)  # chain key -> last recorded state
    workflows: dict[str, SqlWorkflow] = field(default_factory=dict)
    # backup ID -> seq of the first restore completed from it (manual Fig. 6-3, sql-gaps)
    restored_entries: dict[str, int] = field(default_factory=dict)

    def chain(self, instance: str, database: str) -> list[SqlLogRecord]:
        return self.chains.get(chain_key(instance, database), [])

    def unfinished(self) -> list[SqlWorkflow]:
        return [w for w in self.workflows.values() if not w.ended]
