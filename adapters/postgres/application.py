"""``PostgresApplication``: the application port for real PostgreSQL clusters (kind
``postgresql``), one instance per configured cluster.

A cluster is backed up as a whole (its databases share the data directory, the WAL directory
and the tablespaces), so ``freeze``/``thaw`` ignore which databases were named: freeze is
``pg_backup_start`` on a held connection, thaw ``pg_backup_stop`` returning the label. Log
backups stream continuously (``WalReceiver``); ``log_backup`` forces a segment switch and
returns the segment that closed. A restore is ``restored`` (label laid down, nothing started)
then ``apply_logs`` (recovery from the log-backup area, to latest or a target).

Beyond the port, pg-commands use: ``control``, ``receiver``, ``start_log_backups``,
``stop_log_backups``, ``collect_logs``, ``switch_wal``, ``chain``, ``releasable``,
``recovery_end``, ``initdb``.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import psycopg

from adapters.postgres.chain import ChainReport, check_chain
from adapters.postgres.online_backup import OnlineBackups
from adapters.postgres.receiver import WalReceiver
from adapters.postgres.recovery import (await_recovery, finish_recovery_settings, parse_target,
                                        prepare_restore, recovery_end, restore_state,
                                        write_recovery_settings)
from adapters.postgres.server import ClusterSpec, ServerControl, find_bindir
from adapters.postgres.wal import parse_lsn, parse_segment, segment_of
from services.agent.application_port import (LOADING, OFFLINE, ONLINE, RUNNING, STANDBY,
                                             ApplicationError, DatabaseFile,
                                             DatabaseInfo, Freeze, LogBackup, Metadata,
                                             RecoveryEnd)

SYSTEM_DATABASES = ("postgres", "template0", "template1")
DATABASES_CACHE = "databases.json"


class PostgresApplication:
    """The port over the clusters in ``specs`` (binaries from ``bindir`` or ``pg_config``)."""

    kind = "postgresql"

    def __init__(self, specs: Sequence[ClusterSpec], bindir: Path | None = None) -> None:
        bindir = bindir or find_bindir()
        if bindir is None:
            raise ApplicationError("PostgreSQL binaries not found (pg_config --bindir)",
                                   reason="not-found")
        self._controls = {s.name.lower(): ServerControl(s, bindir) for s in specs}
        self._receivers = {key: WalReceiver(c) for key, c in self._controls.items()}
        self._backups = OnlineBackups()
        self._ends: dict[str, RecoveryEnd] = {}

    # -- beyond the port ------------------------------------------------------------------
    def control(self, instance: str) -> ServerControl:
        try:
            return self._controls[instance.lower()]
        except KeyError:
            raise ApplicationError(f"no PostgreSQL cluster {instance}", reason="not-found") from None

    def receiver(self, instance: str) -> WalReceiver:
        self.control(instance)
        return self._receivers[instance.lower()]

    def initdb(self, instance: str, settings: Sequence[tuple[str, str]] = ()) -> None:
        self.control(instance).initdb(settings)

    def start_log_backups(self, instance: str, fresh: bool = False) -> None:
        self.receiver(instance).start(fresh=fresh)

    def stop_log_backups(self, instance: str) -> None:
        self.receiver(instance).stop()

    def collect_logs(self, instance: str, describe: bool = True) -> tuple[LogBackup, ...]:
        """The WAL files finished since the last call, now in the log-backup area
        (``describe=False``: moved only, nothing hashed or returned)."""
        return self.receiver(instance).collect(describe)

    def switch_wal(self, instance: str, timeout: float = 60) -> tuple[LogBackup, ...]:
        """``pg_switch_wal()``, then wait for the segment it closed; returns every file that
        arrived meanwhile (the closed segment among them, unless an earlier call got it)."""
        spec = self.control(instance).spec
        with self._connect(spec) as connection:
            lsn, name = connection.execute(
                "SELECT s::text, pg_walfile_name(s - 1) FROM pg_switch_wal() AS s").fetchone()
        return self.receiver(instance).wait_for(name, timeout)

    def chain(self, instance: str, start_lsn: int, timeline: int, *, end_lsn: int | None = None,
              target_timeline: int | None = None) -> ChainReport:
        """The chain check over the log-backup area as it is now."""
        area = self.receiver(instance).area
        return check_chain(area.names(), area.histories(), start_lsn, timeline, area.size,
                           backup_end_lsn=end_lsn, target_timeline=target_timeline)

    def releasable(self, instance: str, oldest_start_lsn: int) -> list[str]:
        return self.receiver(instance).area.releasable(oldest_start_lsn)

    def recovery_end(self, instance: str) -> RecoveryEnd | None:
        """Where the last ``apply_logs`` of this process ended."""
        return self._ends.get(instance.lower())

    def close(self) -> None:
        self._backups.abort_all()
        for receiver in self._receivers.values():
            receiver.stop()

    # -- the port ---------------------------------------------------------------------------
    def instances(self) -> tuple[str, ...]:
        return tuple(c.spec.name for c in self._controls.values())

    def status(self, instance: str) -> str:
        return self.control(instance).status()

    def databases(self, instance: str) -> tuple[DatabaseInfo, ...]:
        """Live from ``pg_database`` while running (cached in the run directory); from the
        cache while stopped, OFFLINE (LOADING when a restore waits for recovery)."""
        control = self.control(instance)
        spec = control.spec
        cache = spec.run_dir / DATABASES_CACHE
        if control.status() == RUNNING:
            with self._connect(spec) as connection:
                rows = connection.execute("SELECT datname, oid::int FROM pg_database ORDER BY oid").fetchall()
                in_recovery = connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            cache.write_text(json.dumps(rows))
            state = STANDBY if in_recovery else ONLINE
        else:
            rows = json.loads(cache.read_text()) if cache.exists() else _databases_on_disk(spec)
            waiting = (spec.data_dir / "backup_label").exists() or any(
                (spec.data_dir / s).exists() for s in ("recovery.signal", "standby.signal"))
            state = LOADING if waiting else OFFLINE
        files = self._files(spec)
        return tuple(DatabaseInfo(spec.name, name, oid, name in SYSTEM_DATABASES, "FULL", state,
                                  files) for name, oid in rows)

    def freeze(self, instance: str, databases: Sequence[str], timeout: float,
               metadata_dir: Path | None, backup_id: str, *,
               fast: bool = True) -> tuple[Freeze, tuple[Metadata, ...]]:
        """``pg_backup_start`` for the whole cluster (``fast``: an immediate checkpoint, else
        a spread one, ``drm pg backup -spread``); metadata comes at ``thaw``. With
        ``metadata_dir`` None the label goes to ``<run_dir>/labels`` (never into the data
        directory of a running server: a ``backup_label`` there would make a crash restart
        take it for a restore)."""
        spec = self.control(instance).spec
        target = metadata_dir if metadata_dir is not None else spec.run_dir / "labels"
        freeze = self._backups.start(spec, f"drm {backup_id}", timeout, Path(target), backup_id,
                                     fast=fast)
        return replace(freeze, databases=tuple(databases)), ()

    def thaw(self, freeze: Freeze) -> tuple[Metadata, ...]:
        written, info = self._backups.stop(freeze)
        spec = self.control(freeze.instance).spec
        stop = segment_of(parse_lsn(info["stop_lsn"]) - 1, info["timeline"], spec.segment_size)
        receiver = self.receiver(freeze.instance)
        if receiver.running():  # the copy is usable once WAL up to the stop LSN is kept
            receiver.wait_for(stop.name, describe=False)
        return written

    def log_backup(self, instance: str, database: str, target_dir: Path, *,
                   truncate: bool = True) -> LogBackup:
        """Switch to a new segment and return the one that closed. The segment lives in the
        log-backup area (``target_dir`` is not used: the receiver owns where WAL goes)."""
        spec = self.control(instance).spec
        with self._connect(spec) as connection:
            name = connection.execute(
                "SELECT pg_walfile_name(s - 1) FROM pg_switch_wal() AS s").fetchone()[0]
        receiver = self.receiver(instance)
        receiver.wait_for(name, describe=False)
        return receiver.area.describe(name)

    def stop(self, instance: str) -> None:
        self.control(instance).stop("fast")

    def start(self, instance: str) -> None:
        self.control(instance).start()
        self.databases(instance)  # refresh the list kept for when it is stopped

    def restored(self, instance: str, databases: Sequence[str], metadata: Sequence[Metadata],
                 *, standby: bool) -> tuple[DatabaseInfo, ...]:
        """Lay down the backup label (the server stays stopped until ``apply_logs``, whose
        ``finish`` chooses a standby; ``standby`` is not needed here)."""
        control = self.control(instance)
        if control.listening():
            raise ApplicationError(f"cluster {instance} is running: stop it before a restore",
                                   reason="state")
        self.receiver(instance).stop()
        prepare_restore(control, metadata)
        return self.databases(instance)

    def apply_logs(self, instance: str, database: str, logs: Sequence[LogBackup], *,
                   finish: str, target: str = "", timeout: float = 600) -> DatabaseInfo:
        """Recover from the log-backup area to ``target`` (default latest), then ONLINE
        (promoted: a new timeline), STANDBY (read-only, still replaying) or LOADING (stopped,
        can be continued). ``logs`` (default: the whole area) are checked as a chain first."""
        control = self.control(instance)
        spec = control.spec
        goal = parse_target(target)
        state = restore_state(control)
        start, timeline = parse_lsn(state["start_lsn"]), state["timeline"]
        names = [Path(log.path).name for log in logs] or self.receiver(instance).area.names()
        area = self.receiver(instance).area
        report = check_chain([n for n in names if _is_segment(n, area.size)], area.histories(),
                             start, timeline, area.size,
                             backup_end_lsn=parse_lsn(state["stop_lsn"]))
        if report.end_lsn < parse_lsn(state["stop_lsn"]) or (goal.kind == "latest"
                                                                 and not report.complete):
            raise ApplicationError(f"cluster {instance}: {report.problem}", reason="log-chain")
        action = {ONLINE: "promote", LOADING: "shutdown", STANDBY: "pause"}.get(finish)
        if action is None:
            raise ApplicationError(f"cannot finish a PostgreSQL recovery {finish}", reason="state")
        if control.listening():  # a standby continuing: restart it with the new settings
            control.stop("fast")
        write_recovery_settings(control, goal, action=action, standby=finish != ONLINE)
        control.start(wait=False)
        # the last segment may end in a switch record and padding: replay reaching into it
        # is the end of what the area holds
        await_recovery(control, finish, max(start, report.end_lsn - area.size + 1), timeout)
        if finish == ONLINE:
            finish_recovery_settings(control)
            end = self._ends[instance.lower()] = recovery_end(spec, target)
            self._keep_history(spec, end.timeline)
        info = [d for d in self.databases(instance) if d.name == database]
        return info[0] if info else self.databases(instance)[0]

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _connect(spec: ClusterSpec) -> psycopg.Connection:
        try:
            return psycopg.connect(spec.conninfo(), autocommit=True, application_name="drm")
        except psycopg.OperationalError as error:
            raise ApplicationError(f"cluster {spec.name} is not reachable: {error}",
                                   reason="not-running") from None

    @staticmethod
    def _files(spec: ClusterSpec) -> tuple[DatabaseFile, ...]:
        spaces = {str(p) for _, p in spec.tablespaces}
        links = spec.data_dir / "pg_tblspc"
        if links.is_dir():
            spaces |= {str(link.readlink()) for link in links.iterdir() if link.is_symlink()}
        return (DatabaseFile(str(spec.data_dir), "data"), DatabaseFile(str(spec.wal_dir), "wal"),
                *(DatabaseFile(p, "tablespace") for p in sorted(spaces)))

    def _keep_history(self, spec: ClusterSpec, timeline: int) -> None:
        """Put the new timeline's history file into the log-backup area at once (the
        receiver brings the same file later; ``collect`` drops the identical copy)."""
        source = spec.wal_dir / f"{timeline:08X}.history"
        area = self.receiver(spec.name).area.root
        if source.exists() and area.is_dir() and not (area / source.name).exists():
            shutil.copy2(source, area / source.name)
            user = self.control(spec.name).user  # restore_command runs as the server's user
            os.chown(area / source.name, user.pw_uid, user.pw_gid)


def _databases_on_disk(spec: ClusterSpec) -> list[tuple[str, int]]:
    """Without a cached list: the database directories under ``base/``, named by OID."""
    base = spec.data_dir / "base"
    oids = sorted(int(p.name) for p in base.iterdir() if p.name.isdigit()) if base.is_dir() else []
    return [(f"oid {oid}", oid) for oid in oids]


def _is_segment(name: str, size: int) -> bool:
    try:
        parse_segment(name, size)
        return True
    except ValueError:
        return False
