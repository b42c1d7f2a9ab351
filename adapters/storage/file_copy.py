"""Copying one file, fresh (in-kernel) or differentially (only the 1 MiB chunks that differ),
with its owner, group, mode and mtime, reporting bytes to a shared, thread-safe ``Ticker``."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Protocol

CHUNK = 1 << 20
Progress = Callable[[int, int], None]  # (bytes_done, bytes_total); may raise to abort


class FileMeta(Protocol):
    """What a copy needs to know of its source file (``copier.Entry`` is one)."""

    size: int
    mode: int
    mtime_ns: int
    uid: int
    gid: int


class Abort(Exception):
    """Another worker failed; this one stops."""


class Ticker:
    """Thread-safe progress: sums the bytes of every worker and reports them one at a time.

    The first exception raised by ``progress`` (or by any worker) stops every worker.
    """

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self.lock = threading.Lock()
        self.failed = False

    def __call__(self, n: int) -> None:
        if self.failed:
            raise Abort()
        with self.lock:
            self.done += n
            if self.progress:
                try:
                    self.progress(self.done, self.total)
                except BaseException:
                    self.failed = True
                    raise


def fresh_copy(fin: int, fout: int, size: int, tick: Ticker) -> tuple[int, int]:
    done = 0
    while done < size:
        try:
            n = os.copy_file_range(fin, fout, min(CHUNK, size - done))
        except OSError:  # a file system without it: through user space, at the same offsets
            data = os.pread(fin, min(CHUNK, size - done), done)
            view = memoryview(data)
            while view:
                view = view[os.pwrite(fout, view, done + len(data) - len(view)):]
            os.lseek(fin, done + len(data), os.SEEK_SET)
            os.lseek(fout, done + len(data), os.SEEK_SET)
            n = len(data)
        if n == 0:
            break
        done += n
        tick(n)
    return done, done


def diff_copy(fin: int, fout: int, size: int, tick: Ticker) -> tuple[int, int]:
    offset = read = written = 0
    while offset < size:
        data = os.pread(fin, min(CHUNK, size - offset), offset)
        if not data:
            break
        old = os.pread(fout, len(data), offset)
        read += len(data) + len(old)
        if old != data:
            os.pwrite(fout, data, offset)
            written += len(data)
        offset += len(data)
        tick(len(data))
    os.ftruncate(fout, offset)
    return read, written


def copy_file(src: Path, dst: Path, entry: FileMeta, exists: bool, tick: Ticker) -> tuple[list[int], int, int]:
    """Copy one file (fresh or differential) with its owner, group, mode and mtime.

    Returns the destination's new signature (size, mtime, inode, ctime), the bytes read and
    the bytes written.
    """
    fin = os.open(src, os.O_RDONLY)
    try:
        fout = os.open(dst, os.O_RDWR if exists else os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            read, written = (diff_copy if exists else fresh_copy)(fin, fout, entry.size, tick)
            os.fchown(fout, entry.uid, entry.gid)  # before fchmod: it may clear set-id bits
            os.fchmod(fout, entry.mode)
            os.utime(fout, ns=(entry.mtime_ns, entry.mtime_ns))
            after = os.fstat(fout)
        finally:
            os.close(fout)
    finally:
        os.close(fin)
    return [after.st_size, after.st_mtime_ns, after.st_ino, after.st_ctime_ns], read, written
