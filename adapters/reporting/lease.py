"""The consumer lease of a reporting database: at most one writer at a time.

``drm report serve`` holds it for its lifetime, ``drm report rebuild`` for the whole rebuild, an
embedded report for its short catch-up from the local stores. Whoever does not get it changes
nothing.

The lease is held by the operating system on the holder's behalf, so a holder that dies, even by
SIGKILL, never leaves a stale lease behind:

- PostgreSQL: a *session-level* advisory lock (``pg_try_advisory_lock``) taken on a dedicated
  connection that stays open while the lease is held. Advisory locks belong to one database, so
  two reporting databases on one server have separate leases. When the holder's process dies its
  socket closes and the server ends the session, which releases the lock. (A holder whose *machine*
  vanishes is noticed only when the server's TCP keepalive gives up on the socket.)
- SQLite: ``flock(LOCK_EX | LOCK_NB)`` on ``<database file>.lease`` next to the database. The
  kernel drops the lock with the last file descriptor of the holder. The file itself is never
  removed (removing it would let two processes lock two different files); a leftover file means
  nothing. ``flock`` also excludes two holders inside one process (each lease opens the file).
- An in-memory SQLite database has one user by construction: its lease is a no-op.

The holder writes a line naming itself (``describe``), so a refusal can say who holds the lease.
"""
from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, Engine, text

# pg_try_advisory_lock(int4, int4): (DRM, reporting consumer), an arbitrary fixed pair.
LOCK_CLASS, LOCK_ID = 0x44524D, 0x5250


class LeaseHeld(RuntimeError):
    """Another process holds the reporting database's consumer lease."""

    def __init__(self, where: str, holder: str | None) -> None:
        by = f" by {holder}" if holder else ""
        super().__init__(f"the reporting database {where} is in use{by}")
        self.where, self.holder = where, holder


def describe(purpose: str) -> str:
    """How a holder names itself: ``drm report serve (pid 123 on host)``."""
    return f"{purpose} (pid {os.getpid()} on {socket.gethostname()})"


class ConsumerLease:
    """``acquire`` (now, or waiting up to ``wait`` seconds) raises ``LeaseHeld`` when another
    holder has the lease; ``release`` is idempotent. Use as a context manager."""

    def __init__(self, engine: Engine, purpose: str = "drm report") -> None:
        self.engine, self.holder = engine, describe(purpose)
        self._held: Connection | int | None = None
        database = engine.url.database
        self._postgres = engine.dialect.name == "postgresql"
        self._path = None if self._postgres or not database or database == ":memory:" \
            else Path(f"{database}.lease")
        self.where = (engine.url.render_as_string(hide_password=True) if self._postgres
                      else str(database))

    @property
    def held(self) -> bool:
        return self._held is not None

    def acquire(self, wait: float = 0.0, every: float = 0.1) -> "ConsumerLease":
        deadline = time.monotonic() + wait
        while True:
            try:
                self._try()
                return self
            except LeaseHeld:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(every)

    def _try(self) -> None:
        if self._held is not None:
            return
        if self._postgres:
            self._try_postgres()
        elif self._path is not None:
            self._try_file(self._path)
        else:
            self._held = -1

    def _try_postgres(self) -> None:
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:c, :i)"),
                               {"c": LOCK_CLASS, "i": LOCK_ID}).scalar()
            if got:
                conn.execute(text("SELECT set_config('application_name', :name, false)"),
                             {"name": self.holder[:63]})
                conn.commit()  # no transaction stays open while the lease is held
                self._held = conn
                return
            holder = conn.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :c AND l.objid = :i AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"),
                {"c": LOCK_CLASS, "i": LOCK_ID}).scalar()
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        conn.rollback()
        conn.close()
        raise LeaseHeld(self.where, holder or None)

    def _try_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode(errors="replace").strip()
            os.close(fd)
            raise LeaseHeld(self.where, holder or None) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.holder}\n".encode(), 0)
        self._held = fd

    def check(self) -> bool:
        """Whether the lease is still held. On PostgreSQL the session can end under a live
        holder (server restart, cut connection, terminated backend), and the lock with it."""
        held = self._held
        if not isinstance(held, Connection):
            return held is not None
        try:
            got = held.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = :c AND objid = :i"),
                {"c": LOCK_CLASS, "i": LOCK_ID}).scalar()
            held.commit()
            return bool(got)
        except Exception:  # noqa: BLE001 - a broken session holds nothing
            return False

    def release(self) -> None:
        held, self._held = self._held, None
        if isinstance(held, Connection):
            try:
                held.execute(text("SELECT pg_advisory_unlock(:c, :i)"),
                             {"c": LOCK_CLASS, "i": LOCK_ID})
            except Exception:  # noqa: BLE001 - a session already gone holds no lock
                pass
            finally:
                held.invalidate()  # the session ends: nothing of it goes back to the pool
                held.close()
        elif isinstance(held, int) and held >= 0:
            os.close(held)  # closing the last descriptor drops the flock

    def __enter__(self) -> "ConsumerLease":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


class LeaseWatch(threading.Thread):
    """Checks a long-held lease every ``every`` seconds; calls ``on_lost`` once (and sets
    ``lost``) when it is gone, so the holder stops instead of writing unguarded."""

    def __init__(self, lease: ConsumerLease, on_lost: Callable[[], None],
                 every: float = 2.0) -> None:
        super().__init__(name="lease-watch", daemon=True)
        self.lease, self.on_lost, self.every = lease, on_lost, every
        self.lost = False
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.every):
            if not self.lease.check():
                self.lost = True
                self.on_lost()
                return

    def __enter__(self) -> "LeaseWatch":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self.join()
