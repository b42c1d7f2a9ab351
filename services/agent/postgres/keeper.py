"""WAL reaches the log backup area continuously while an agent serves, not only during a command.

A serving agent (``bootstrap.run_agent``) calls ``WalKeeper.tick`` between commands (the
serving loop's idle turn, ``serving.serve``). Every ``every`` seconds, for each cluster
registered with ``drm pg init`` on this host:

- the receiver (``pg_receivewal``, ``adapters.postgres.receiver``) is kept running: started
  when the agent starts, adopted when a dead agent left one streaming into the cluster's
  directory, started again when it died (a restore stops it; ``drm pg recover`` restarts it on
  a fresh slot, and the keeper keeps that one going). A stopped server is left alone: there is
  nothing to stream, and ``drm pg restore`` may be half way;
- when finished files wait (in the receiver's directory, or in the area but not yet recorded),
  the keeper issues ``CollectPgWal`` to its own agent through the normal command path
  (``HostAgent.handle``: the host's command slot, decide, record), so the single-writer rule
  of the host's stream holds and every segment is one ``PgWalArchived`` (name, size, SHA-256,
  timeline) as it arrives.

Nothing here raises into the serving loop: a failure is logged and tried again next turn.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from events.commands import CommandEnvelope
from events.pg_commands import CollectPgWal
from services.agent.application_port import RUNNING, ApplicationError
from services.agent.postgres.common import KIND
from services.agent.postgres.wal import WalFormatError, file_kind

log = logging.getLogger(__name__)

EVERY = 2.0  # seconds between looks (a 16 MiB segment at 10 MB/s of WAL takes 1.6 s)


class WalKeeper:
    """Keeps one agent's receivers running and their finished WAL recorded (module doc)."""

    def __init__(self, agent, every: float = EVERY,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.agent, self.every, self.monotonic = agent, every, monotonic
        self._next = 0.0
        self.restarts = 0  # receivers (re)started or adopted by this keeper
        self.collections = 0  # CollectPgWal commands issued

    @property
    def application(self):
        app = self.agent.ports.application(KIND)
        return app if hasattr(app, "start_log_backups") else None

    def tick(self) -> None:
        """One turn, when due (the serving loop calls it as often as it likes)."""
        now = self.monotonic()
        if now < self._next or self.application is None:
            return
        self._next = now + self.every
        for cluster in sorted(self.agent.view.postgres.clusters):
            try:
                self.keep(cluster)
            except Exception:  # noqa: BLE001 - the serving loop must go on; next turn retries
                log.exception("host %s: WAL keeping of cluster %s failed this turn",
                              self.agent.host, cluster)

    def keep(self, cluster: str) -> None:
        app = self.application
        receiver = app.receiver(cluster)
        if not receiver.running() and self._running(cluster):
            app.start_log_backups(cluster)
            self.restarts += 1
            how = f"adopted (pid {receiver.adopted})" if receiver.adopted else "started"
            log.info("host %s: pg_receivewal of cluster %s %s", self.agent.host, cluster, how)
        if self.waiting(cluster):
            self.collect(cluster)

    def _running(self, cluster: str) -> bool:
        try:
            return self.application.status(cluster) == RUNNING
        except ApplicationError:  # no data directory (a disaster, a restore half way)
            return False

    def waiting(self, cluster: str) -> bool:
        """Finished WAL files not yet recorded: in the receiver's directory, or in the area
        without their event (a collection a crash cut short)."""
        receiver = self.application.receiver(cluster)
        known = self.agent.view.postgres.wal.get(cluster, {})
        area = Path(self.agent.view.postgres.clusters[cluster].log_backup_dir)
        for directory in (receiver.incoming, receiver.area.root, area):
            try:
                names = [p.name for p in directory.iterdir()] if directory.is_dir() else []
            except (OSError, AttributeError):
                continue
            if any(_finished(name) and name not in known for name in names):
                return True
        return False

    def collect(self, cluster: str):
        """Issue ``CollectPgWal`` to this agent; its outcome event."""
        envelope = CommandEnvelope(command=CollectPgWal(cluster=cluster),
                                   target_host=self.agent.host,
                                   principal=f"agent@{self.agent.host}",
                                   issued_at=datetime.now(timezone.utc))
        self.collections += 1
        outcome = self.agent.handle(envelope)
        if outcome.type != "CommandCompleted":
            log.warning("host %s: WAL collection of %s: %s", self.agent.host, cluster,
                        outcome.payload)
        return outcome


def _finished(name: str) -> bool:
    try:
        return file_kind(name) in ("segment", "history", "backup")
    except WalFormatError:
        return False


def wal_keeper(agent) -> WalKeeper | None:
    """The keeper of a serving agent whose host runs a PostgreSQL application, else None."""
    app = agent.ports.application(KIND)
    return WalKeeper(agent) if hasattr(app, "start_log_backups") else None
