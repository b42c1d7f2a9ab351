"""The application port: one database product on a host, as the agent drives it.

SQL Server (simulated, ``adapters.sqlserver``) is the first implementation, a real PostgreSQL
(``adapters.postgres``) the second; Exchange would be a third. The agent never learns which one
answers: it lists instances and databases with their files, maps the files to mount points (and
so to copy groups), freezes I/O around a split and thaws it, stores the per-database metadata a
restore needs, takes and applies log backups, and reads and changes database states.

Values that cross the port are the frozen dataclasses below (plain strings, ints and paths), so
an event can carry them without holding an adapter object. Every failure the application
reports is an ``ApplicationError`` whose text says what went wrong; the agent turns it into the
manual's message.

This module imports no adapter: the Protocol describes what the agent asks, not who answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

ONLINE, OFFLINE, LOADING, STANDBY, UNCONFIRMED = ("ONLINE", "OFFLINE", "LOADING", "STANDBY",
                                                  "UNCONFIRMED")
"""Database states (manual table 6-2: Online, Offline, Reading = loading, Read-only = standby,
Unconfirmed = suspect). A combined state is several of them joined by ``+``."""

RUNNING, STOPPED = "RUNNING", "STOPPED"
"""Instance (service) states (manual table 6-1)."""


class ApplicationError(Exception):
    """The application refused or failed an operation; the text says what and why.
    ``reason`` is a short machine word (``frozen-timeout``, ``log-chain``, ``not-running``,
    ``state``, ``not-found``, ``io``) the agent maps to a message ID."""

    def __init__(self, text: str, reason: str = "io") -> None:
        super().__init__(text)
        self.reason = reason


@dataclass(frozen=True)
class DatabaseFile:
    """One file of a database: ``kind`` is ``data``, ``log`` (SQL Server), ``wal`` or
    ``tablespace`` (PostgreSQL); ``path`` is absolute on this host."""

    path: str
    kind: str


@dataclass(frozen=True)
class DatabaseInfo:
    """A database as the instance reports it now."""

    instance: str
    name: str
    database_id: int
    system: bool
    recovery_model: str  # FULL, BULK_LOGGED, SIMPLE (PostgreSQL: FULL when archiving WAL)
    state: str  # one of the states above, or several joined by "+"
    files: tuple[DatabaseFile, ...]


@dataclass(frozen=True)
class Freeze:
    """A held freeze: writes to ``databases`` of ``instance`` wait until it is thawed, or until
    ``timeout`` seconds after ``frozen_at`` (epoch seconds) when the instance thaws by itself
    and the backup that asked for it fails."""

    token: str
    instance: str
    databases: tuple[str, ...]
    frozen_at: float
    timeout: float


@dataclass(frozen=True)
class Metadata:
    """The per-database file a restore needs (a VDI metafile, a PostgreSQL backup label),
    written at ``path`` with its size and SHA-256."""

    database: str
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class LogBackup:
    """One transaction log backup (a SQL Server ``.bk`` file, a WAL segment) covering the log
    sequence numbers ``first_lsn`` up to but not including ``last_lsn``."""

    database: str
    path: str
    first_lsn: int
    last_lsn: int
    size: int
    sha256: str
    truncated: bool = True
    timeline: int = 1


@dataclass(frozen=True)
class RecoveryEnd:
    """Where a roll-forward ended (added for PostgreSQL, whose recovery can stop at a time,
    LSN or restore point and then opens a new timeline: a restore must report which).
    ``timeline`` is the timeline the database now writes on, ``lsn`` the end of replay (the
    switch point when a new timeline began), ``time`` the commit time (epoch seconds) of the
    last transaction replayed, 0 when none was. SQL Server's port does not produce it; the
    PostgreSQL adapter offers it through ``recovery_end(instance)`` beside the port, which is
    why the ``ApplicationPort`` Protocol itself is unchanged."""

    instance: str
    timeline: int
    lsn: int
    time: float
    target: str = ""


@runtime_checkable
class ApplicationPort(Protocol):
    """One database product on this host. ``kind`` is ``sqlserver`` or ``postgresql``.
    Instance names compare case-insensitively (``DEFAULT`` is ``default``)."""

    kind: str

    def instances(self) -> tuple[str, ...]:
        """The instance names this host runs (running or stopped)."""

    def status(self, instance: str) -> str:
        """``RUNNING`` or ``STOPPED``; raises ``ApplicationError(reason="not-found")``."""

    def databases(self, instance: str) -> tuple[DatabaseInfo, ...]:
        """Every database of ``instance`` with its files and state."""

    def freeze(self, instance: str, databases: Sequence[str], timeout: float,
               metadata_dir: Path | None, backup_id: str) -> tuple[Freeze, tuple[Metadata, ...]]:
        """Hold the writes of ``databases`` and write each one's metadata: in ``metadata_dir``
        as ``<backup_id>_<database-ID>.dmp`` or, with None, beside the data on its P-VOL (so
        the split copies it). The instance itself releases a freeze that outlives ``timeout``
        or whose client went away.

        Issue 14 (pg-more), additive: an implementation may take keyword options of its own
        (PostgreSQL: ``fast``, the checkpoint of ``pg_backup_start``); the agent passes one
        only to the application whose commands offer it (``plan.Freeze.options``)."""

    def thaw(self, freeze: Freeze) -> tuple[Metadata, ...]:
        """Release the writes. Raises ``ApplicationError(reason="frozen-timeout")`` when the
        instance had already thawed by itself (the copy cannot be vouched for). Returns any
        metadata only known at the end (PostgreSQL's backup label); SQL Server returns ()."""

    def log_backup(self, instance: str, database: str, target_dir: Path, *,
                   truncate: bool = True) -> LogBackup:
        """Back up the log since the last log backup into ``target_dir``; ``truncate=False`` is
        the tail-log backup that works on a damaged database."""

    def stop(self, instance: str) -> None:
        """Stop the instance (cleanly); stopping a stopped one is no error."""

    def start(self, instance: str) -> None:
        """Start the instance; starting a running one is no error."""

    def restored(self, instance: str, databases: Sequence[str],
                 metadata: Sequence[Metadata], *, standby: bool) -> tuple[DatabaseInfo, ...]:
        """The P-VOL now holds the backup's files again: load them with their metadata and
        leave each database LOADING (or STANDBY when ``standby``). Returns the new states."""

    def apply_logs(self, instance: str, database: str, logs: Sequence[LogBackup], *,
                   finish: str, target: str = "") -> DatabaseInfo:
        """Roll ``logs`` forward in order (a gap in the chain raises
        ``ApplicationError(reason="log-chain")`` before anything is applied), then leave the
        database ``finish``: ONLINE (recovered), LOADING or STANDBY. ``target`` stops the
        roll-forward early where the product supports it (PostgreSQL: ``time:<iso>``,
        ``lsn:<lsn>``, ``name:<restore point>``, ``immediate``); SQL Server refuses any but
        ``""`` (the manual supports no point-in-time roll-forward)."""

