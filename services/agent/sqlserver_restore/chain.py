"""The log-chain rules of spec 05 §2.7 over the host view, pure.

- A log backup belongs to the latest full backup of its instance (``start_point``); with
  ``-no_cat`` to none.
- After a roll-forward of log backups that did not apply the whole chain, the next log backup
  is refused until a new full backup is recorded (Figure 6-7; ``log_backup_problem``).
- A roll-forward names known log backups of each database; they must follow one another
  without a gap in LSNs, start where the restored backup's chain (or the last roll-forward)
  left off, and none may be given twice (``check_roll_forward``): a missing log is refused
  before anything is applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from projections.sql_log_view import SqlLogRecord, SqlLogView, chain_key


class ChainError(ValueError):
    """A log-chain rule forbids the operation; the text says which and why."""


@dataclass(frozen=True)
class StartPoint:
    """The full backup log backups chain onto: the latest of the instance. ``databases``: the
    (lower-case) names it holds; empty: not known."""

    backup_id: str
    original_id: str
    recorded_seq: int
    databases: frozenset[str] = frozenset()

    def holds(self, database: str) -> bool:
        return not self.databases or database.lower() in self.databases


def next_chain_seq(logs: SqlLogView, instance: str, database: str, original_id: str) -> int:
    """The number the next log backup of ``database`` under ``original_id`` gets (from 1)."""
    return 1 + sum(1 for r in logs.chain(instance, database) if r.original_id == original_id)


def log_backup_problem(logs: SqlLogView, instance: str, database: str,
                       start: StartPoint | None) -> str | None:
    """Why a log backup of ``database`` may not be taken now (None: it may)."""
    mark = logs.roll_forwards.get(chain_key(instance, database))
    if mark is None or mark.chain_complete:
        return None
    if start is not None and start.recorded_seq > mark.seq:
        return None  # a new full backup was taken after the roll-forward
    return (f"the log backups of {database} were rolled forward only in part; apply every "
            f"log backup, or take a new backup, before the next log backup")


def resolve(logs: SqlLogView, instance: str, database: str,
            paths: Sequence[str]) -> tuple[SqlLogRecord, ...]:
    """The recorded log backups ``paths`` name, in the order given."""
    known = {r.path: r for r in logs.chain(instance, database)}
    found = []
    for path in paths:
        record = known.get(path)
        if record is None:
            raise ChainError(f"{path} is not a log backup of {database} this host recorded")
        found.append(record)
    return tuple(found)


def check_roll_forward(logs: SqlLogView, instance: str, database: str,
                       records: Sequence[SqlLogRecord]) -> None:
    """Refuse a gap, a repeat or a wrong start in ``records`` (see the module docstring)."""
    if not records:
        return
    key = chain_key(instance, database)
    seen: set[str] = set()
    for before, after in zip(records, records[1:]):
        if after.first_lsn != before.last_lsn:
            raise ChainError(f"a log backup is missing between {before.path} and {after.path} "
                             f"(LSN {before.last_lsn} to {after.first_lsn})")
    for record in records:
        if record.path in seen:
            raise ChainError(f"{record.path} is given twice")
        seen.add(record.path)
    first = records[0]
    mark = logs.roll_forwards.get(key)
    if mark is not None and mark.last_lsn:
        if first.first_lsn != mark.last_lsn:
            raise ChainError(f"{first.path} does not follow the last log applied to {database} "
                             f"(LSN {mark.last_lsn})")
        return
    restored = logs.restores.get(key)
    if restored is not None and restored.original_id:
        own = [r for r in logs.chain(instance, database) if r.original_id == restored.original_id]
        if own and first.path != own[0].path:
            raise ChainError(f"the first log backup after the backup {restored.backup_id} of "
                             f"{database} is {own[0].path}, not {first.path}")


def chain_after_restore(logs: SqlLogView, instance: str, database: str) -> list[SqlLogRecord]:
    """Every log backup taken after the restored backup of ``database``: its own chain and
    those of later full backups, in apply order (the whole chain when no restore is known)."""
    chain = logs.chain(instance, database)
    restored = logs.restores.get(chain_key(instance, database))
    if restored is None or not restored.original_id:
        return list(chain)
    for index, record in enumerate(chain):
        if record.original_id == restored.original_id:
            return list(chain[index:])
    return []


def completes_chain(logs: SqlLogView, instance: str, database: str,
                    records: Sequence[SqlLogRecord]) -> bool:
    """True when ``records`` end at the last log backup the chain knows."""
    chain = chain_after_restore(logs, instance, database)
    if not chain:
        return True
    return bool(records) and records[-1].path == chain[-1].path
