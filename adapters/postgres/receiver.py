"""WAL log backups by streaming: one supervised ``pg_receivewal``, no process per segment.

``pg_receivewal`` (run as the server's user, through a physical replication slot so the server
keeps every segment it has not delivered) writes into ``<log_area>/incoming``: the segment in
progress as ``<name>.partial``, renamed to ``<name>`` once complete and flushed, plus the
timeline ``.history`` files. ``collect`` moves every finished file into ``<log_area>/wal`` (the
area the restore reads), hashes it and reports it as a ``LogBackup``; the ``.partial`` stays
where ``pg_receivewal`` resumes from after a restart. Moving files out of its directory is safe:
``pg_receivewal`` never reopens a finished segment, and with the slot it restarts at the
slot's position when its directory holds nothing newer.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import psycopg

from adapters.postgres.server import ServerControl
from adapters.postgres.wal import (TimelineSwitch, WalNameError, classify, parse_backup_name,
                                   parse_history, parse_history_name, parse_segment)
from services.agent.application_port import ApplicationError, LogBackup

SLOT = "drm_wal"
MAX_HISTORY_BYTES = 4 * 1024 * 1024
POLL = 0.1
STOP_POLL = 0.05  # how often ``stop`` repeats its SIGINT
WAIT_POLL = 0.02  # wait_for's look at the directory: a listing, cheap; a backup waits on it
FIRST_WAIT_POLL = 0.002  # the stop segment often arrives within a few ms: look again soon, then
#                          back off to WAIT_POLL (pg-speed: a 20 ms first sleep was ~10% of a backup)


def _history_text(path: Path) -> str:
    """A ``.history`` file's text, read with a bound (``WalNameError`` when too long or not
    UTF-8: a forged file must not exhaust memory nor escape as another error)."""
    with open(path, "rb") as stream:
        data = stream.read(MAX_HISTORY_BYTES + 1)
    try:
        if len(data) > MAX_HISTORY_BYTES:
            raise WalNameError(f"{path.name}: longer than {MAX_HISTORY_BYTES} bytes")
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WalNameError(f"{path.name}: not UTF-8 text") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class WalArea:
    """The log-backup area ``<log_area>/wal``: what is there, and what may be released."""

    def __init__(self, root: Path, segment_size: int, cluster: str) -> None:
        self.root, self.size, self.cluster = Path(root), segment_size, cluster

    def names(self, kind: str = "segment") -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if classify(p.name, self.size) == kind)

    def histories(self) -> dict[int, tuple[TimelineSwitch, ...]]:
        """Parsed ``.history`` files by timeline (``WalNameError`` for a damaged one)."""
        return {parse_history_name(name): parse_history(_history_text(self.root / name))
                for name in self.names("history")}

    def describe(self, name: str) -> LogBackup:
        """The ``LogBackup`` of one file of the area. A segment covers its LSN range; a
        ``.history`` file covers nothing (first = last = 0) on its timeline; a ``.backup``
        file covers its backup's start LSN."""
        path = self.root / name
        kind = classify(name, self.size)
        if kind == "segment":
            segment = parse_segment(name, self.size)
            first, last, timeline = segment.start_lsn, segment.end_lsn, segment.timeline
        elif kind == "history":
            first = last = 0
            timeline = parse_history_name(name)
        elif kind == "backup":
            segment, first = parse_backup_name(name, self.size)
            last, timeline = first, segment.timeline
        else:
            raise WalNameError(f"not a WAL file: {name!r}")
        return LogBackup(self.cluster, str(path), first, last, path.stat().st_size,
                         file_sha256(path), True, timeline)

    def releasable(self, oldest_start_lsn: int) -> list[str]:
        """Segments and ``.backup`` files no backup still in the catalog needs: those ending
        at or before the oldest kept backup's start LSN. ``.history`` files are never
        released (a later restore needs the whole ancestry)."""
        out = [n for n in self.names("segment")
               if parse_segment(n, self.size).end_lsn <= oldest_start_lsn]
        out += [n for n in self.names("backup") if parse_backup_name(n, self.size)[1] < oldest_start_lsn]
        return sorted(out)


class WalReceiver:
    """The supervised ``pg_receivewal`` of one cluster."""

    def __init__(self, control: ServerControl, slot: str = SLOT) -> None:
        self.control, self.slot = control, slot
        spec = control.spec
        self.incoming = spec.log_area / "incoming"
        self.area = WalArea(spec.log_area / "wal", spec.segment_size, spec.name)
        self.process: subprocess.Popen | None = None
        self.adopted: list[int] = []

    def ensure_slot(self, recreate: bool = False) -> None:
        """Create the physical slot (reserving WAL now); ``recreate`` drops an old one first
        (after a restore, the slot copied with the data directory points into the past)."""
        with psycopg.connect(self.control.spec.conninfo(), autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s",
                                        (self.slot,)).fetchone()
            if exists and recreate:
                connection.execute("SELECT pg_drop_replication_slot(%s)", (self.slot,))
            if not exists or recreate:
                connection.execute("SELECT pg_create_physical_replication_slot(%s, true)",
                                   (self.slot,))

    def left_behind(self) -> list[int]:
        """PIDs of ``pg_receivewal`` processes writing into our directory that this object did
        not start (those of an agent that died: they go on streaming, detached). A receiver is
        one process: ``pg_receivewal`` itself, or the ``runuser`` wrapper that starts it while
        its child is not there yet (a wrapper whose child is found is left out; it forwards a
        stop signal to the child)."""
        found: dict[int, int] = {}  # pid -> parent pid
        own = {self.process.pid} if self.process else set()
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
            if not entry.name.isdigit() or int(entry.name) in own:
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if any(a.endswith(b"pg_receivewal") for a in argv) and \
                    os.fsencode(self.incoming) in argv:
                found[int(entry.name)] = parent
        return sorted(pid for pid, parent in found.items()
                      if parent not in own
                      and not any(child_parent == pid for child_parent in found.values()))

    def start(self, fresh: bool = False) -> None:
        """Start streaming (a running receiver is left alone; one left behind by a dead agent
        is adopted, or stopped first when ``fresh``). ``fresh``: after a restore, set an old
        ``.partial`` aside and restart from a new slot at the server's position."""
        if self.running():
            return
        self.adopted = self.left_behind()
        if self.adopted and not fresh:
            return
        self._stop_adopted()
        self.control.own(self.control.spec.log_area, 0o750)
        self.control.own(self.incoming)
        self.control.own(self.area.root, 0o750)
        if fresh:
            for partial in self.incoming.glob("*.partial"):
                partial.rename(self.control.spec.log_area / f"{partial.name}.{int(time.time())}")
        self.ensure_slot(recreate=fresh)
        log = open(self.control.spec.run_dir / "receivewal.log", "ab")
        argv = self.control.command("pg_receivewal", "-D", str(self.incoming), "-S", self.slot,
                                    "-d", self.control.spec.conninfo(replication=True), "-v")
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                        start_new_session=True)
        log.close()

    def running(self) -> bool:
        if self.process is not None and self.process.poll() is None:
            return True
        self.adopted = [pid for pid in self.adopted if Path(f"/proc/{pid}").exists()]
        return bool(self.adopted)

    def _stop_adopted(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.adopted and self.running() and self.process is None \
                and time.monotonic() < deadline:
            for pid in self.adopted:  # again each turn: see ``stop``
                try:
                    os.kill(pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
            time.sleep(POLL)
        self.adopted = []

    def stop(self, timeout: float = 10) -> int | None:
        """Stop streaming; the segment in progress stays ``.partial`` for the next start.
        Returns the exit status of the receiver this object started (negative: the signal
        that ended it; ``-SIGKILL`` when it ignored ``timeout`` seconds of SIGINTs), None
        when it had not started one."""
        self._stop_adopted(timeout)
        if self.process is None:
            return None
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            # SIGINT again each turn: one that lands after pg_receivewal looked at its stop
            # flag and before it blocks in select() is seen only when its status interval
            # (10 s) ends, which made every recovery 10 s longer (pg-speed)
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(STOP_POLL)
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        status, self.process = self.process.returncode, None
        return status

    def collect(self, describe: bool = True) -> tuple[LogBackup, ...]:
        """Move the finished files from the receiver's directory into the area and describe
        them, segments in order, ``.history`` and ``.backup`` files after them. A file already
        in the area with the same content is dropped; with other content it is refused.
        ``describe=False``: move only, return () (the agent hashes what it records itself:
        hashing here too read every segment twice)."""
        arrived = []
        for path in sorted(self.incoming.iterdir()) if self.incoming.is_dir() else ():
            kind = classify(path.name, self.area.size)
            if kind not in ("segment", "history", "backup"):
                continue
            target = self.area.root / path.name
            if target.exists():
                if file_sha256(target) != file_sha256(path):
                    raise ApplicationError(f"WAL file {path.name} arrived twice with different "
                                           "content", reason="log-chain")
                path.unlink()
                continue
            os.rename(path, target)
            arrived.append((kind != "segment", path.name))
        if not describe:
            return ()
        return tuple(self.area.describe(name) for _, name in sorted(arrived))

    def follow(self, stop: threading.Event, poll: float = 1.0) -> Iterator[LogBackup]:
        """Yield each file as it is collected, until ``stop`` is set (a log-backup loop)."""
        while not stop.is_set():
            yield from self.collect()
            stop.wait(poll)
        yield from self.collect()

    def wait_for(self, segment: str, timeout: float = 60,
                 describe: bool = True) -> tuple[LogBackup, ...]:
        """Collect until ``segment`` is in the area; raises ``ApplicationError`` on timeout or
        when the receiver has exited. ``describe``: as ``collect``'s."""
        arrived: list[LogBackup] = []
        deadline = time.monotonic() + timeout
        pause = FIRST_WAIT_POLL
        while True:
            arrived.extend(self.collect(describe))
            if (self.area.root / segment).exists():
                return tuple(arrived)
            if not self.running() or time.monotonic() > deadline:
                state = "has exited" if not self.running() else f"is silent for {timeout:g} s"
                raise ApplicationError(f"cluster {self.control.spec.name}: waiting for WAL "
                                       f"segment {segment}, pg_receivewal {state}",
                                       reason="io")
            time.sleep(pause)
            pause = min(WAIT_POLL, pause * 2)
