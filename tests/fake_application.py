"""A small SQL Server stand-in that honours ``ApplicationPort`` with real files (issue 13).

Databases are files under mount points the test gives; a freeze writes real metafiles (in the
metadata directory or beside the first data file, on the P-VOL) and is held until thawed or
until its timeout passes on the fake's clock (``advance``), after which ``thaw`` raises
``frozen-timeout`` as the instance would. ``fail_freeze`` makes the next freeze fail. Used until
the simulated instance (``adapters.sqlserver``) is available to a test, and by unit tests that
need a clock they control.
"""
from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from services.agent.application_port import (ONLINE, RUNNING, STOPPED, ApplicationError,
                                             DatabaseFile, DatabaseInfo, Freeze, LogBackup,
                                             Metadata)

SYSTEM = ("master", "model", "msdb", "tempdb")


class FakeSqlServer:
    kind = "sqlserver"

    def __init__(self) -> None:
        self._instances: dict[str, dict[str, DatabaseInfo]] = {}
        self._status: dict[str, str] = {}
        self._holds: dict[str, Freeze] = {}
        self._tokens = itertools.count(1)
        self.now = 1000.0
        self.fail_freeze = ""
        self.calls: list[str] = []

    # -- set-up --------------------------------------------------------------------------------
    def add_instance(self, name: str, system_root: Path) -> None:
        key = name.lower()
        self._instances[key], self._status[key] = {}, RUNNING
        for number, db in enumerate(SYSTEM, start=1):
            self.add_database(name, db, system_root, database_id=number, system=True)

    def add_database(self, instance: str, name: str, data: Path, log: Path | None = None, *,
                     database_id: int | None = None, system: bool = False,
                     state: str = ONLINE, recovery_model: str = "FULL") -> DatabaseInfo:
        dbs = self._instances[instance.lower()]
        database_id = database_id or max([d.database_id for d in dbs.values()] + [4]) + 1
        data.mkdir(parents=True, exist_ok=True)
        files = [DatabaseFile(str(data / f"{name}_Data.mdf"), "data")]
        log_dir = log or data
        log_dir.mkdir(parents=True, exist_ok=True)
        files.append(DatabaseFile(str(log_dir / f"{name}_Log.ldf"), "log"))
        for f in files:
            Path(f.path).write_bytes(f"{name} {f.kind}\n".encode())
        info = DatabaseInfo(instance, name, database_id, system, recovery_model, state,
                            tuple(files))
        dbs[name.lower()] = info
        return info

    def set_state(self, instance: str, database: str, state: str) -> None:
        dbs = self._instances[instance.lower()]
        dbs[database.lower()] = replace(dbs[database.lower()], state=state)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    # -- the port ------------------------------------------------------------------------------
    def instances(self) -> tuple[str, ...]:
        return tuple(self._instances)

    def status(self, instance: str) -> str:
        try:
            return self._status[instance.lower()]
        except KeyError:
            raise ApplicationError(f"no instance {instance}", reason="not-found") from None

    def databases(self, instance: str) -> tuple[DatabaseInfo, ...]:
        self.status(instance)
        return tuple(self._instances[instance.lower()].values())

    def freeze(self, instance: str, databases: Sequence[str], timeout: float,
               metadata_dir: Path | None, backup_id: str):
        self.calls.append(f"freeze {instance} {','.join(databases)}")
        if self.status(instance) != RUNNING:
            raise ApplicationError(f"{instance} is not running", reason="not-running")
        if self.fail_freeze:
            reason, self.fail_freeze = self.fail_freeze, ""
            raise ApplicationError(f"VDI refused the freeze ({reason})", reason=reason)
        known = self._instances[instance.lower()]
        metadata = []
        for name in databases:
            db = known.get(name.lower())
            if db is None:
                raise ApplicationError(f"no database {name}", reason="not-found")
            if metadata_dir is None:
                path = Path(db.files[0].path).parent / f"META_{db.database_id:010d}.dmp"
            else:
                path = metadata_dir / f"{backup_id}_{db.database_id:010d}.dmp"
            body = f"VDI {instance} {name} {backup_id}\n".encode()
            path.write_bytes(body)
            metadata.append(Metadata(name, str(path), len(body),
                                     hashlib.sha256(body).hexdigest()))
        held = Freeze(f"vdi-{next(self._tokens)}", instance, tuple(databases), self.now, timeout)
        self._holds[held.token] = held
        return held, tuple(metadata)

    def thaw(self, freeze: Freeze) -> tuple[Metadata, ...]:
        self.calls.append(f"thaw {freeze.instance}")
        held = self._holds.pop(freeze.token, None)
        if held is None or self.now > held.frozen_at + held.timeout:
            raise ApplicationError(f"the freeze of {freeze.instance} had timed out "
                                   f"(VDI timeout {freeze.timeout:g} s)", reason="frozen-timeout")
        return ()

    def holding(self) -> list[str]:
        """Tokens still held and not timed out (what a test checks is empty)."""
        return [t for t, h in self._holds.items() if self.now <= h.frozen_at + h.timeout]

    def stop(self, instance: str) -> None:
        self._status[instance.lower()] = STOPPED

    def start(self, instance: str) -> None:
        self._status[instance.lower()] = RUNNING

    def log_backup(self, instance, database, target_dir, *, truncate=True) -> LogBackup:
        raise ApplicationError("log backups are not faked", reason="io")

    def restored(self, instance, databases, metadata, *, standby):
        raise ApplicationError("restores are not faked", reason="io")

    def apply_logs(self, instance, database, logs, *, finish, target=""):
        raise ApplicationError("roll-forward is not faked", reason="io")
