"""A small honest fake of the PostgreSQL application (the ``ApplicationPort`` Protocol): a
server that is running or stopped, an online backup that writes a label, an empty tablespace
map and a ``backup.json`` with the stop position as the real adapter does, and log backups of
numbered segments. No MagicMock: every method keeps state and refuses what the real one
refuses."""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Sequence

from services.agent.application_port import (OFFLINE, ONLINE, RUNNING, STOPPED,
                                             ApplicationError, DatabaseFile, DatabaseInfo,
                                             Freeze, LogBackup, Metadata)


def _written(path: Path, text: str, database: str) -> Metadata:
    path.write_text(text)
    return Metadata(database, str(path), len(text.encode()),
                    hashlib.sha256(text.encode()).hexdigest())


class FakePostgres:
    kind = "postgresql"

    def __init__(self, name: str, files: Sequence[tuple[str, str]], segment: int = 2) -> None:
        self.name, self.files, self.segment = name, tuple(files), segment
        self.state, self.calls = RUNNING, []
        self._held: dict[str, tuple[Path, str, int]] = {}

    def _cluster(self, instance: str) -> None:
        if instance.lower() != self.name.lower():
            raise ApplicationError(f"no PostgreSQL cluster {instance}", reason="not-found")

    def instances(self):
        return (self.name,)

    def status(self, instance):
        self._cluster(instance)
        return self.state

    def databases(self, instance):
        self._cluster(instance)
        files = tuple(DatabaseFile(p, k) for p, k in self.files)
        state = ONLINE if self.state == RUNNING else OFFLINE
        return (DatabaseInfo(self.name, "postgres", 5, True, "FULL", state, files),)

    def freeze(self, instance, databases, timeout, metadata_dir, backup_id, *, fast=True):
        self._cluster(instance)
        if self.state != RUNNING:
            raise ApplicationError("the server is not running", reason="not-running")
        token = f"t{len(self._held) + 1}"
        self._held[token] = (Path(metadata_dir), backup_id, self.segment)
        self.calls.append("pg_backup_start" if fast else "pg_backup_start spread")
        return Freeze(token, self.name, (), time.time(), timeout), ()

    def thaw(self, freeze):
        directory, backup_id, start = self._held.pop(freeze.token)
        self.segment += 2
        self.calls.append("pg_backup_stop")
        wal = f"00000001{0:08X}{start:08X}"
        label = (f"START WAL LOCATION: 0/{start << 24 | 0x28:X} (file {wal})\n"
                 f"LABEL: drm {backup_id}\nSTART TIMELINE: 1\n")
        info = {"start_lsn": f"0/{start << 24 | 0x28:X}",
                "stop_lsn": f"0/{(start + 1) << 24 | 0x100:X}", "timeline": 1}
        return (_written(directory / f"{backup_id}_backup_label", label, self.name),
                _written(directory / f"{backup_id}_tablespace_map", "", self.name),
                _written(directory / f"{backup_id}_backup.json", json.dumps(info), self.name))

    def log_backup(self, instance, database, target_dir, *, truncate=True):
        self._cluster(instance)
        name = f"00000001{0:08X}{self.segment:08X}"
        self.segment += 1
        path = Path(target_dir) / name
        path.write_bytes(b"\0" * 64)
        return LogBackup(self.name, str(path), 0, 0, 64, hashlib.sha256(b"\0" * 64).hexdigest())

    def stop(self, instance):
        self._cluster(instance)
        self.calls.append("stop")
        self.state = STOPPED

    def start(self, instance):
        self._cluster(instance)
        self.calls.append("start")
        self.state = RUNNING

    def restored(self, instance, databases, metadata, *, standby):
        if self.state == RUNNING:
            raise ApplicationError("stop the server before a restore", reason="state")
        return self.databases(instance)

    def apply_logs(self, instance, database, logs, *, finish, target=""):
        self.state = RUNNING
        return self.databases(instance)[0]
