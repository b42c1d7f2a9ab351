"""The agent's side of the instance process: ``SqlServerClient`` is an ``ApplicationPort``
(kind ``sqlserver``) that sends each call over the unix socket of ``adapters.sqlserver.server``.

One connection, opened on first use and kept; a freeze belongs to it, so when this process
exits or is killed the instance releases the freeze by itself. Calls on one client are
serialised (a lock): a ``write_rows`` waiting on a freeze held by the same client would wait
for ever, so the workload uses a client of its own. A missing or dead instance process is
``ApplicationError(reason="not-running")``.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Sequence

from adapters.sqlserver.protocol import (MAX_LINE, encode, freeze_from, info_from,
                                         log_backup_from, metadata_from)
from adapters.sqlserver.server import connect
from services.agent.application_port import (ApplicationError, DatabaseInfo, Freeze, LogBackup,
                                             Metadata)


class NotConnected(ApplicationError):
    """No instance process answers on the socket (nothing was sent)."""

    def __init__(self, text: str) -> None:
        super().__init__(text, reason="not-running")


class SqlServerClient:
    """``ApplicationPort`` over the instance process's socket at ``socket_path``."""

    kind = "sqlserver"

    def __init__(self, socket_path: Path, timeout: float | None = None) -> None:
        self.socket_path = Path(socket_path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._sock = None
        self._reader = None
        self._next_id = 0

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._reader.close()
                self._sock.close()
            except OSError:
                pass
        self._sock = self._reader = None

    def call(self, op: str, **args: Any) -> Any:
        """Send one request and return its result; an error reply is raised as
        ``ApplicationError`` with the server's reason."""
        with self._lock:
            if self._sock is None:
                try:
                    self._sock = connect(self.socket_path, self.timeout)
                except OSError as error:
                    raise NotConnected(f"the SQL Server instance process is not running "
                                       f"({error.strerror or error})") from None
                self._reader = self._sock.makefile("rb")
            self._next_id += 1
            line = json.dumps({"id": self._next_id, "op": op, "args": encode(args)}).encode()
            try:
                self._sock.sendall(line + b"\n")
                reply = self._reader.readline(MAX_LINE * 64)
            except OSError as error:
                self._drop()
                raise ApplicationError(f"the SQL Server instance process went away "
                                       f"({error})", reason="not-running") from None
            if not reply:
                self._drop()
                raise ApplicationError("the SQL Server instance process closed the connection",
                                       reason="not-running")
            try:
                body = json.loads(reply) if reply.endswith(b"\n") else None
            except (ValueError, RecursionError):
                body = None
            if not isinstance(body, dict):
                self._drop()
                raise ApplicationError("the SQL Server instance process sent a damaged reply",
                                       reason="io") from None
            if body.get("id") != self._next_id:  # a reply to the connection, not the request:
                self._drop()  # the server closes it
        if not body.get("ok"):
            raise ApplicationError(str(body.get("error", "failed")), str(body.get("reason", "io")))
        return body.get("result")

    # -- ApplicationPort ---------------------------------------------------------------------
    def instances(self) -> tuple[str, ...]:
        return tuple(self.call("instances"))

    def status(self, instance: str) -> str:
        return self.call("status", instance=instance)

    def databases(self, instance: str) -> tuple[DatabaseInfo, ...]:
        return tuple(info_from(d) for d in self.call("databases", instance=instance))

    def freeze(self, instance: str, databases: Sequence[str], timeout: float,
               metadata_dir: Path | None, backup_id: str) -> tuple[Freeze, tuple[Metadata, ...]]:
        freeze, metadata = self.call("freeze", instance=instance, databases=list(databases),
                                     timeout=float(timeout), backup_id=backup_id,
                                     metadata_dir=None if metadata_dir is None else str(metadata_dir))
        return freeze_from(freeze), tuple(metadata_from(m) for m in metadata)

    def thaw(self, freeze: Freeze) -> tuple[Metadata, ...]:
        return tuple(metadata_from(m) for m in self.call("thaw", freeze=freeze))

    def log_backup(self, instance: str, database: str, target_dir: Path, *,
                   truncate: bool = True) -> LogBackup:
        return log_backup_from(self.call("log_backup", instance=instance, database=database,
                                         target_dir=str(target_dir), truncate=truncate))

    def stop(self, instance: str) -> None:
        self.call("stop", instance=instance)

    def start(self, instance: str) -> None:
        self.call("start", instance=instance)

    def restored(self, instance: str, databases: Sequence[str], metadata: Sequence[Metadata], *,
                 standby: bool) -> tuple[DatabaseInfo, ...]:
        return tuple(info_from(d) for d in self.call(
            "restored", instance=instance, databases=list(databases), metadata=list(metadata),
            standby=standby))

    def apply_logs(self, instance: str, database: str, logs: Sequence[LogBackup], *,
                   finish: str, target: str = "") -> DatabaseInfo:
        return info_from(self.call("apply_logs", instance=instance, database=database,
                                   logs=list(logs), finish=finish, target=target))

    # -- administration and workload (not part of the port) --------------------------------------
    def ping(self) -> bool:
        return self.call("ping") == "pong"

    def define_instance(self, name: str, system_dir: Path, *, replication: bool = False) -> str:
        return self.call("define_instance", instance=name, system_dir=str(system_dir),
                         replication=replication)

    def create_database(self, instance: str, name: str, data_dirs: Sequence[Path],
                        log_dir: Path, recovery_model: str = "FULL") -> DatabaseInfo:
        return info_from(self.call("create_database", instance=instance, database=name,
                                   data_dirs=[str(d) for d in data_dirs], log_dir=str(log_dir),
                                   recovery_model=recovery_model))

    def drop_database(self, instance: str, name: str, *, delete_files: bool = True) -> None:
        self.call("drop_database", instance=instance, database=name, delete_files=delete_files)

    def write_rows(self, instance: str, name: str, count: int, table: str = "rows") -> tuple[int, int]:
        first, lsn = self.call("write_rows", instance=instance, database=name, count=count,
                               table=table)
        return first, lsn

    def count_rows(self, instance: str, name: str) -> dict:
        return self.call("count_rows", instance=instance, database=name)

    def damage(self, instance: str, name: str, how: str = "lose") -> DatabaseInfo:
        return info_from(self.call("damage", instance=instance, database=name, how=how))

    def set_offline(self, instance: str, name: str) -> None:
        self.call("set_offline", instance=instance, database=name)

    def set_online(self, instance: str, name: str) -> None:
        self.call("set_online", instance=instance, database=name)

    def frozen(self) -> tuple[Freeze, ...]:
        return tuple(freeze_from(f) for f in self.call("frozen"))

    def shutdown(self) -> None:
        self.call("shutdown")
