"""Non-exclusive online backups: ``pg_backup_start`` and ``pg_backup_stop`` on one held
connection.

PostgreSQL ties a non-exclusive backup to the session that started it: closing that session
aborts the backup. So ``start`` keeps the connection open (the "freeze"), ``stop`` calls
``pg_backup_stop`` on the same connection and writes what it returns, and a timer closes the
connection when the freeze outlives its timeout: the backup is then aborted by the server and
``stop`` raises ``ApplicationError(reason="frozen-timeout")``. An agent that dies closes the
connection with its process, which PostgreSQL treats the same way: no backup stays "in
progress" after its client is gone. (Writes never actually wait: a copy taken between start and
stop is made consistent by WAL replay from the label's start LSN to the stop LSN.)
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from adapters.postgres.server import ClusterSpec
from adapters.postgres.wal import format_lsn, parse_lsn
from services.agent.application_port import ApplicationError, Freeze, Metadata

LABEL, TABLESPACE_MAP, STOP_INFO = "backup_label", "tablespace_map", "backup.json"
"""Suffixes of the metadata files a backup leaves: ``<backup_id>_<suffix>``."""


@dataclass
class _Held:
    connection: psycopg.Connection
    timer: threading.Timer
    spec: ClusterSpec
    metadata_dir: Path
    backup_id: str
    start_lsn: int
    timeline: int
    expired: bool = False


def write_metadata(directory: Path, name: str, database: str, data: bytes) -> Metadata:
    """Write ``data`` to ``directory/name`` (0600, flushed) and describe it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    tmp = path.with_name(f".{name}.tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
    tmp.chmod(0o600)
    tmp.replace(path)
    return Metadata(database, str(path), len(data), hashlib.sha256(data).hexdigest())


class OnlineBackups:
    """The backups in progress of this process, by freeze token."""

    def __init__(self) -> None:
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def start(self, spec: ClusterSpec, label: str, timeout: float, metadata_dir: Path,
              backup_id: str, fast: bool = True) -> Freeze:
        """``pg_backup_start(label, fast => <fast>)`` on a new connection that stays open."""
        try:
            connection = psycopg.connect(spec.conninfo(), autocommit=True,
                                         application_name="drm-backup")
            row = connection.execute(
                "SELECT pg_backup_start(%s, fast => %s)::text, "
                "substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)",
                (label[:1000], bool(fast))).fetchone()
        except psycopg.Error as error:
            raise ApplicationError(f"cluster {spec.name}: pg_backup_start failed: {error}",
                                   reason="not-running") from None
        token = uuid.uuid4().hex
        timer = threading.Timer(timeout, self._expire, (token,))
        timer.daemon = True
        held = _Held(connection, timer, spec, metadata_dir, backup_id, parse_lsn(row[0]),
                     int(row[1], 16))
        with self._lock:
            self._held[token] = held
        timer.start()
        return Freeze(token, spec.name, ("*",), time.time(), timeout)

    def start_lsn(self, token: str) -> int:
        with self._lock:
            return self._held[token].start_lsn

    def _expire(self, token: str) -> None:
        with self._lock:
            held = self._held.get(token)
            if held is None:
                return
            held.expired = True
        held.connection.close()  # the server aborts the backup with its session

    def stop(self, freeze: Freeze) -> tuple[tuple[Metadata, ...], dict]:
        """``pg_backup_stop()`` on the held connection; writes the label, the tablespace
        map and ``backup.json`` (start/stop LSN, timeline, times) to the metadata directory."""
        with self._lock:
            held = self._held.pop(freeze.token, None)
        if held is None:
            raise ApplicationError(f"no backup in progress for freeze {freeze.token}",
                                   reason="state")
        held.timer.cancel()
        try:
            if held.expired or held.connection.closed:
                raise ApplicationError(
                    f"cluster {held.spec.name}: the backup outlived its {freeze.timeout:g} s "
                    "freeze timeout and was aborted", reason="frozen-timeout")
            try:
                lsn, label, tablespace_map = held.connection.execute(
                    "SELECT lsn::text, labelfile, spcmapfile "
                    "FROM pg_backup_stop(wait_for_archive => false)").fetchone()
            except psycopg.Error as error:
                raise ApplicationError(f"cluster {held.spec.name}: pg_backup_stop failed: "
                                       f"{error}", reason="frozen-timeout") from None
        finally:
            held.connection.close()
        info = {"cluster": held.spec.name, "backup_id": held.backup_id,
                "start_lsn": format_lsn(held.start_lsn), "stop_lsn": lsn,
                "timeline": held.timeline, "started_at": freeze.frozen_at,
                "stopped_at": time.time(), "segment_size": held.spec.segment_size}
        name = held.spec.name
        written = (
            write_metadata(held.metadata_dir, f"{held.backup_id}_{LABEL}", name, label.encode()),
            write_metadata(held.metadata_dir, f"{held.backup_id}_{TABLESPACE_MAP}", name,
                           (tablespace_map or "").encode()),
            write_metadata(held.metadata_dir, f"{held.backup_id}_{STOP_INFO}", name,
                           json.dumps(info, sort_keys=True).encode()),
        )
        return written, info

    def abort_all(self) -> None:
        """Close every held connection (the server aborts those backups)."""
        with self._lock:
            held, self._held = list(self._held.values()), {}
        for entry in held:
            entry.timer.cancel()
            entry.connection.close()
