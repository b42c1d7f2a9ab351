"""The snapshot files of one host: ``<data dir>/hosts/<host>/snapshots/view-<seq>.json``.

Guarantees:
- a snapshot file is complete or absent: ``write`` writes a temporary file in the same
  directory, syncs it, renames it into place and syncs the directory;
- the directory is confined to the data directory (``adapters.paths.confine``) and every file
  name is built here from an integer, so nothing read from a file or the bus names a path;
- ``mapped`` maps at most ``limit`` bytes (a larger file is refused as ``read_limited`` would);
- files are only a cache: what they hold is trusted by no one until the agent checked it
  against the event that recorded it (``services.agent.snapshots``).
"""
from __future__ import annotations

import mmap
import os
import re
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from adapters.files import FileTooLarge
from adapters.paths import confine, host_dir

_NAME = re.compile(r"view-(\d{20})\.json")
HEADER_BYTES = 4096  # the first bytes, read to look at a header line before the whole file
STALE_TEMPORARY = 3600.0  # seconds: a temporary file this old was left by a dead writer


class SnapshotFiles:
    """The snapshot directory of ``host`` under ``data_dir``."""

    def __init__(self, data_dir: str | os.PathLike, host: str) -> None:
        self.directory = confine(host_dir(data_dir, host) / "snapshots", [data_dir],
                                 "snapshot directory")

    def path_of(self, seq: int) -> Path:
        return self.directory / f"view-{int(seq):020d}.json"

    def candidates(self) -> list[tuple[int, Path]]:
        """``(seq, path)`` of every snapshot file, newest (highest seq) first (none while the
        directory does not exist; ``OSError`` when it cannot be listed)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        found = [(int(match.group(1)), self.directory / name) for name in names
                 if (match := _NAME.fullmatch(name))]
        return sorted(found, reverse=True)

    @staticmethod
    @contextmanager
    def mapped(path: Path, limit: int) -> Iterator[bytes | mmap.mmap]:
        """The file mapped read-only for the block (its bytes, without copying 100 MB from the
        page cache first: ~10% of a large snapshot's load); ``FileTooLarge`` past ``limit``,
        ``OSError`` as raised. Files here are replaced by rename, never rewritten in place: a
        file truncated in place by another process while mapped would stop this one (SIGBUS)."""
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise FileTooLarge(f"snapshot {os.fspath(path)} is larger than {limit:,} bytes")
            if size == 0:
                yield b""
                return
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                yield data

    @staticmethod
    def read_head(path: Path) -> bytes:
        """The first bytes of the file, enough for its header line."""
        with open(path, "rb") as handle:
            return handle.read(HEADER_BYTES)

    def write(self, seq: int, data: bytes) -> Path:
        """Put ``data`` in place as the snapshot of ``seq``, atomically (see the docstring)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path_of(seq)
        temporary = self.directory / f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return final

    def prune(self, keep: int, now: float | None = None) -> list[Path]:
        """Remove all but the ``keep`` newest snapshots, and temporary files a dead writer
        left; the paths removed."""
        removed = [path for _, path in self.candidates()[keep:]]
        now = time.time() if now is None else now
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            entries = []
        for entry in entries:
            if entry.name.startswith(".view-") and entry.name.endswith(".tmp"):
                try:
                    if now - entry.stat().st_mtime > STALE_TEMPORARY:
                        removed.append(Path(entry.path))
                except FileNotFoundError:
                    continue
        for path in removed:
            path.unlink(missing_ok=True)
        return removed
