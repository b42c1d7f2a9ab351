"""WAL log backups: what reached the log backup area becomes one ``PgWalArchived`` per file,
and what no live backup needs any more is released (``PgWalReleased``, then deleted in the
background: ``retention``).

The server (through the application port's ``log_backup``: ``pg_receivewal`` run and watched by
the adapter) writes the files; the agent owns the area's catalog. Only complete files are
recorded (a ``.partial`` segment is still being written). Files are hashed as they are
recorded, so ``drm pg cat -l`` can prove which log backups a restore will read.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from events import postgres as pg
from projections.host_view import HostView
from services.agent.postgres.chain import releasable
from services.agent.postgres.decide import parse_history_text, segment_size
from services.agent.postgres.retention import delete_in_background
from services.agent.postgres.wal import (MAX_HISTORY_CHARS, WalFormatError, file_kind,
                                         file_timeline, parse_segment)
from services.agent.postgres.workflows import sha256_of

MAX_FILES_PER_RUN = 100_000


def latest_backup_id(view: HostView, cluster: str) -> str:
    """The live backup new log backups belong to (the newest), or ""."""
    live = [b for b in view.postgres.backups.values()
            if b.cluster == cluster and b.backup_id in view.catalog]
    return max((b.backup_id for b in live), default="")


def owner(view: HostView, cluster: str, name: str, kind: str) -> str:
    """The full backup a WAL file belongs to: the live backup with the newest start at or
    before the file's segment (a history file: the latest live backup), or ""."""
    live = [b for b in view.postgres.backups.values()
            if b.cluster == cluster and b.backup_id in view.catalog]
    if kind == "history":
        return max((b.backup_id for b in live), default="")
    size = segment_size(view, cluster)
    number = parse_segment(name[:24], size)[1]
    older = [b for b in live if parse_segment(b.start_wal, size)[1] <= number]
    return max(older, key=lambda b: (parse_segment(b.start_wal, size)[1], b.backup_id)
               ).backup_id if older else ""


def new_files(view: HostView, cluster: str, area: Path) -> list[pg.PgWalArchived]:
    """One event per complete WAL file in ``area`` not yet recorded, in name order (history
    files first, as a restore reads them first). A file deleted between the listing and its
    reading (the background sweep of released WAL, ``retention``) is left out, not an error
    that fails the whole collection."""
    known = view.postgres.wal.get(cluster, {})
    found = []
    for path in sorted(area.iterdir(), key=lambda p: (not p.name.endswith(".history"), p.name)):
        if len(found) >= MAX_FILES_PER_RUN:
            break
        try:
            kind = file_kind(path.name)
        except WalFormatError:
            continue  # not ours: left alone
        if kind == "partial" or path.name in known or path.is_symlink() or not path.is_file():
            continue  # a symlink is not a file the server wrote: never read through it
        try:
            switches = _history_switches(path) if kind == "history" else ()
            size, digest = path.stat().st_size, sha256_of(path)
        except WalFormatError:
            continue  # a damaged or forged history file: left alone, never recorded
        except FileNotFoundError:  # gone since the listing: the retention sweep deletes
            continue               # released WAL not yet recorded; nothing to record
        found.append(pg.PgWalArchived(
            cluster=cluster, file_name=path.name, kind=kind, timeline=file_timeline(path.name),
            size=size, sha256=digest, backup_id=owner(view, cluster, path.name, kind),
            switches=switches))
    return found


def _history_switches(path: Path) -> tuple[pg.TimelineSwitch, ...]:
    """The switches of a history file in the area, read with a bound (``WalFormatError``
    for one too long or not PostgreSQL's)."""
    with open(path, "rb") as stream:
        data = stream.read(MAX_HISTORY_CHARS + 1)
    if len(data) > MAX_HISTORY_CHARS:
        raise WalFormatError(f"{path.name}: longer than {MAX_HISTORY_CHARS} bytes")
    return parse_history_text(data.decode("utf-8", errors="replace"))


def live_starts(view: HostView, cluster: str) -> list[tuple[int, int]]:
    """(timeline, start LSN) of every live online backup of ``cluster``."""
    return [(b.timeline, _lsn(b.start_lsn)) for b in view.postgres.backups.values()
            if b.cluster == cluster and b.backup_id in view.catalog and b.mode == "ONLINE"]


def released(view: HostView, cluster: str) -> pg.PgWalReleased | None:
    """The retention rule: WAL older than every live backup's start is released."""
    names = releasable(live_starts(view, cluster), view.postgres.wal.get(cluster, {}),
                       segment_size(view, cluster))
    if not names:
        return None
    return pg.PgWalReleased(cluster=cluster, file_names=names[:pg.MAX_WAL_FILES_PER_EVENT],
                            reason="needed only by superseded backups")


def _lsn(text: str) -> int:
    from services.agent.postgres.wal import parse_lsn
    return parse_lsn(text)


def delete_released(view: HostView, cluster: str, area: Path):
    """Delete what the catalog released from ``area``, in the background
    (``retention.delete_in_background``: the backup that released it does not wait)."""
    return delete_in_background(area, live_starts(view, cluster),
                                set(view.postgres.wal.get(cluster, {})),
                                segment_size(view, cluster))


def chain_files(view: HostView, cluster: str, area: Path) -> list[Path]:
    """Every recorded file of ``cluster`` in restore order: histories, then segments."""
    files = view.postgres.wal.get(cluster, {}).values()
    size = segment_size(view, cluster)
    ordered = sorted(files, key=lambda f: (f.kind != "history",
                                           parse_segment(f.file_name[:24], size)[1]
                                           if f.kind != "history" else 0, f.file_name))
    return [area / f.file_name for f in ordered]


@contextmanager
def streaming(app, cluster: str, fresh: bool = False) -> Iterator[None]:
    """WAL streams into the log backup area for the duration of a command: the adapter's
    receiver (``pg_receivewal`` on a replication slot, which keeps every segment not yet
    received between commands) is started unless it already runs, and stopped again at the
    end when this command started it (an embedded agent lives for one command; a receiver
    left behind would hold the slot; a serving agent's keeper starts it again between
    commands, ``services.agent.postgres.keeper``). ``fresh``: after a restore, restart from a new slot.
    An application without a receiver streams nothing here (its own archiving must fill the
    area)."""
    if not hasattr(app, "start_log_backups"):
        yield
        return
    running = app.receiver(cluster).running() and not fresh
    if fresh:  # one the keeper runs would go on with the old slot and the old timeline
        app.stop_log_backups(cluster)
    if not running:
        app.start_log_backups(cluster, fresh=fresh)
    try:
        yield
    finally:
        if not running:
            app.stop_log_backups(cluster)


def present(area: Path) -> frozenset[str] | None:
    """The file names the log backup area holds now (None when it cannot be read: the proof
    then rests on the recorded history alone)."""
    try:
        return frozenset(p.name for p in area.iterdir())
    except OSError:
        return None
