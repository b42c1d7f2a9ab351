"""Released WAL leaves the log backup area off the backup's critical path.

A backup that supersedes a generation records ``PgWalReleased`` (``logs.released``: the WAL
that only superseded backups needed) before it returns; deleting the files is housekeeping
that a background thread does after (``delete_in_background``), as Barman leaves retention to
its ``cron`` rather than to ``barman backup``. The thread is not a daemon: a one-command
process waits for it before it exits.

The deletion sweeps by the rule, not only by the event: every WAL file of the area that the
retention rule releases (before the oldest live backup's start; ``.history`` files are kept)
and that the catalog no longer lists goes. A file the catalog still lists is never touched, so
the catalog never names a file that is gone; and a file a crash left behind (the event
recorded, the process killed before the unlink) goes with the next release.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Iterable

from services.agent.postgres.chain import releasable
from services.agent.postgres.wal import WalFormatError, file_kind

log = logging.getLogger(__name__)

MAX_SWEPT = 1_000_000  # names looked at in one sweep (a bound on a hostile area's listing)


def to_delete(names: Iterable[str], live_starts: list[tuple[int, int]], listed: set[str],
              segment_size: int) -> list[str]:
    """The names (plain WAL file names of the area) that the retention rule releases and the
    catalog (``listed``) no longer names; anything else, including names that are not WAL
    files or not of this segment size, is left alone."""
    candidates = []
    for name in names:
        try:
            if file_kind(name) != "history" and name not in listed:
                candidates.append(name)
        except WalFormatError:
            continue
    out = []
    for name in candidates:
        try:
            out.extend(releasable(live_starts, (name,), segment_size))
        except WalFormatError:
            continue
    return sorted(out)


def sweep(area: Path, live_starts: list[tuple[int, int]], listed: set[str],
          segment_size: int) -> int:
    """Delete from ``area`` (its plain files only; nothing below it) what ``to_delete`` names;
    return how many went."""
    try:
        with os.scandir(area) as entries:
            names = [e.name for _, e in zip(range(MAX_SWEPT), entries)
                     if e.is_file(follow_symlinks=False)]
    except FileNotFoundError:
        return 0
    gone = 0
    for name in to_delete(names, live_starts, listed, segment_size):
        try:
            os.unlink(area / name)
            gone += 1
        except FileNotFoundError:
            continue
    return gone


def delete_in_background(area: Path, live_starts: list[tuple[int, int]], listed: set[str],
                         segment_size: int) -> threading.Thread:
    """``sweep`` in a thread of its own (non-daemon); a failure is logged, and the next
    release sweeps again."""
    def run() -> None:
        try:
            sweep(area, live_starts, listed, segment_size)
        except OSError:
            log.exception("released WAL of %s not deleted this time", area)

    thread = threading.Thread(target=run, name=f"wal-release-{area.name}", daemon=False)
    thread.start()
    return thread
