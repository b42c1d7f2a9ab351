"""The instance process: ``python -m adapters.sqlserver.server --state-dir D --socket S --root R``.

It owns a ``SqlServerEngine`` (so every instance of the host lives in this process) and
serves the line-JSON protocol of ``adapters.sqlserver.protocol`` on a unix socket, one thread
per connection. A freeze belongs to the connection that asked for it: when that connection
closes (the agent exited or was killed), the instance releases the freeze, as VDI does when
its client disconnects. A bad request gets an error reply and changes nothing; it never stops
the server. ``shutdown`` (or SIGTERM) releases every freeze and exits.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import socketserver
import threading
from pathlib import Path

from adapters.sqlserver.engine import SqlServerEngine
from adapters.sqlserver.protocol import (MAX_LINE, BadRequest, encode, freeze_from,
                                         log_backup_from, metadata_from, parse_request)
from services.agent.application_port import ApplicationError

log = logging.getLogger(__name__)
MAX_CONNECTIONS = 64
SHORT_PATH = 100  # longer socket paths are reached through /proc/self/fd (sun_path limit)


def run(engine: SqlServerEngine, op: str, args, owner: object):
    """Run one checked request against ``engine``; returns the JSON-able result."""
    a = args.model_dump()
    if op == "ping":
        return "pong"
    if op == "instances":
        return engine.instances()
    if op == "frozen":
        return engine.frozen()
    if op == "freeze":
        meta_dir = a["metadata_dir"]
        return engine.freeze(a["instance"], a["databases"], a["timeout"],
                             None if meta_dir is None else Path(meta_dir), a["backup_id"],
                             owner=owner)
    if op == "thaw":
        return engine.thaw(freeze_from(a["freeze"]))
    if op == "restored":
        return engine.restored(a["instance"], a["databases"],
                               [metadata_from(m) for m in a["metadata"]], standby=a["standby"])
    if op == "apply_logs":
        return engine.apply_logs(a["instance"], a["database"],
                                 [log_backup_from(x) for x in a["logs"]], finish=a["finish"],
                                 target=a["target"])
    if op == "log_backup":
        return engine.log_backup(a["instance"], a["database"], Path(a["target_dir"]),
                                 truncate=a["truncate"])
    if op == "create_database":
        return engine.create_database(a["instance"], a["database"],
                                      [Path(p) for p in a["data_dirs"]], Path(a["log_dir"]),
                                      a["recovery_model"])
    if op == "define_instance":
        return engine.define_instance(a["instance"], Path(a["system_dir"]),
                                      replication=a["replication"])
    if op in ("drop_database", "write_rows", "count_rows", "damage", "set_offline",
              "set_online"):
        instance, database = a.pop("instance"), a.pop("database")
        return getattr(engine, op)(instance, database, **a)
    return getattr(engine, op)(a["instance"])  # status, databases, stop, start


class _Connection(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: InstanceServer = self.server  # type: ignore[assignment]
        if not server.admit():
            self._reply({"id": None, "ok": False, "reason": "busy",
                         "error": f"more than {MAX_CONNECTIONS} connections"})
            return
        try:
            while not server.stopping.is_set():
                line = self.rfile.readline(MAX_LINE + 1)
                if not line:
                    return
                if len(line) > MAX_LINE:
                    self._reply({"id": None, "ok": False, "reason": "bad-request",
                                 "error": f"request longer than {MAX_LINE} bytes"})
                    return  # the rest of that line cannot be told from the next request
                self._reply(server.answer(line, self))
        except (ConnectionError, OSError):
            return
        finally:
            server.engine.release_owner(self)
            server.leave()

    def _reply(self, body: dict) -> None:
        self.wfile.write(json.dumps(body).encode() + b"\n")
        self.wfile.flush()


class InstanceServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The engine served on ``socket_path``; ``serve_forever`` until ``shutdown``."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, engine: SqlServerEngine, socket_path: Path) -> None:
        self.engine = engine
        self.socket_path = Path(socket_path)
        self.stopping = threading.Event()
        self._count = 0
        self._count_lock = threading.Lock()
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        self._dir_fd = os.open(self.socket_path.parent, os.O_RDONLY)
        super().__init__(socket_address(self.socket_path, self._dir_fd), _Connection)
        os.chmod(self.socket_path, 0o600)

    def admit(self) -> bool:
        with self._count_lock:
            if self._count >= MAX_CONNECTIONS:
                return False
            self._count += 1
            return True

    def leave(self) -> None:
        with self._count_lock:
            self._count -= 1

    def answer(self, line: bytes, owner: object) -> dict:
        """The reply to one request line; never raises for anything the client sent."""
        try:
            ident, op, args = parse_request(line)
        except BadRequest as error:
            return {"id": None, "ok": False, "reason": "bad-request", "error": str(error)}
        try:
            if op == "shutdown":
                threading.Thread(target=self.stop, daemon=True).start()
                return {"id": ident, "ok": True, "result": None}
            return {"id": ident, "ok": True, "result": encode(run(self.engine, op, args, owner))}
        except ApplicationError as error:
            return {"id": ident, "ok": False, "reason": error.reason, "error": str(error)}
        except Exception as error:  # a bug must not take the instance down
            log.exception("request %s failed", op)
            return {"id": ident, "ok": False, "reason": "io", "error": f"{op}: {error}"[:500]}

    def service_actions(self) -> None:
        """Between polls: a socket file that was removed (the lab deleted) ends the process."""
        if not self.stopping.is_set() and not self.socket_path.exists():
            log.warning("socket %s is gone: stopping", self.socket_path)
            self.stopping.set()
            threading.Thread(target=self.shutdown, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()

    def server_close(self) -> None:
        super().server_close()
        self.engine.close()
        self.socket_path.unlink(missing_ok=True)
        os.close(self._dir_fd)


def socket_address(path: Path, dir_fd: int | None = None) -> str:
    """``path`` as a unix socket address, through ``/proc/self/fd`` when it is too long."""
    text = str(path)
    if len(text.encode()) <= SHORT_PATH or dir_fd is None:
        return text
    return f"/proc/self/fd/{dir_fd}/{path.name}"


def connect(path: Path, timeout: float | None = None) -> socket.socket:
    """A connected client socket to the instance process at ``path``."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if len(str(path).encode()) <= SHORT_PATH:
        sock.connect(str(path))
        return sock
    fd = os.open(Path(path).parent, os.O_RDONLY)
    try:
        sock.connect(f"/proc/self/fd/{fd}/{Path(path).name}")
    finally:
        os.close(fd)
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.sqlserver.server",
                                     description="the simulated SQL Server instances of a host")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--socket", required=True, type=Path)
    parser.add_argument("--root", action="append", type=Path, required=True,
                        help="a directory the instances' files may lie in (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    engine = SqlServerEngine(args.state_dir, args.root)
    server = InstanceServer(engine, args.socket)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.stop).start())
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
