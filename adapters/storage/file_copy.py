"""Copying one file, fresh (in-kernel) or differentially (only the 1 MiB chunks that differ),
with its owner, group, mode and mtime, reporting bytes to a shared, thread-safe ``Ticker``.

Durability is unchanged by how a chunk is compared: like every copy of the simulated array,
a copied file is not fsync'ed here (the pair record, written atomically and fsync'ed after the
copy, is what a restart trusts; an interrupted copy is redone, and a copy is idempotent).
"""
from __future__ import annotations

import ctypes
import mmap
import os
import threading
from concurrent.futures import ThreadPoolExecutor
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


def _libc():
    """The C library's ``memcmp``, ``mmap`` and ``munmap`` (None where ctypes cannot load it)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.memcmp.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
        libc.memcmp.restype = ctypes.c_int
        libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long)
        libc.mmap.restype = ctypes.c_void_p
        libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
        libc.munmap.restype = ctypes.c_int
        return libc
    except (AttributeError, OSError):
        return None


_LIBC = _libc()
_MAP_FAILED = ctypes.c_void_p(-1).value


def diff_copy(fin: int, fout: int, size: int, tick: Ticker) -> tuple[int, int]:
    """Write to ``fout`` the 1 MiB chunks of the first ``size`` bytes of ``fin`` that differ,
    then cut ``fout`` where ``fin`` ended; return (bytes read, bytes written).

    Each source chunk is read once into a reused buffer and compared (``memcmp``, without
    the GIL) with a read-only shared mapping of the destination, so the destination's bytes
    are never copied into the process: a changed file is mostly unchanged, and reading both
    sides into fresh buffers was the cost of a resync (pg-speed). Only the destination is
    mapped: it belongs to the copy (a write-protected S-VOL, cut only after the mapping is
    gone), whereas the source may be truncated by its live application while it is compared,
    and touching a mapped page past the end of a file kills the process (SIGBUS). A file of
    ``STRIPED_FROM`` bytes or more is compared by ``STRIPES`` threads, each taking every
    ``STRIPES``-th chunk (``preadv`` and ``memcmp`` both release the GIL, so a large table
    file's compare uses both cores). Where the C library cannot be loaded both sides are read
    (``_diff_copy_read``), with the same result.
    """
    if _LIBC is None:
        return _diff_copy_read(fin, fout, size, tick)
    mapped = min(os.fstat(fout).st_size, size)
    base = _LIBC.mmap(None, mapped, mmap.PROT_READ, mmap.MAP_SHARED, fout, 0) if mapped else None
    if base in (None, _MAP_FAILED):
        base, mapped = None, 0
    stripes = STRIPES if size >= STRIPED_FROM else 1
    try:
        if stripes == 1:
            results = [_compare_stripe(fin, fout, size, (base, mapped), 0, 1, tick)]
        else:
            results = _striped(fin, fout, size, (base, mapped), stripes, tick)
    finally:
        if base is not None:
            _LIBC.munmap(base, mapped)
    os.ftruncate(fout, min(end for _, _, end in results))
    return sum(r[0] for r in results), sum(r[1] for r in results)


STRIPES = 2  # threads comparing one large file
STRIPED_FROM = 64 * CHUNK


def _striped(fin: int, fout: int, size: int, target, stripes: int, tick: Ticker) -> list:
    """``_compare_stripe`` on ``stripes`` threads; the first failure stops the others (through
    ``tick``) and is raised in preference to their ``Abort``."""
    def stripe(first: int):
        try:
            return _compare_stripe(fin, fout, size, target, first, stripes, tick)
        except BaseException:
            tick.failed = True
            raise

    with ThreadPoolExecutor(max_workers=stripes) as pool:
        futures = [pool.submit(stripe, first) for first in range(stripes)]
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise next((e for e in errors if not isinstance(e, Abort)), errors[0])
    return [f.result() for f in futures]


def _compare_stripe(fin: int, fout: int, size: int, target, first: int, step: int,
                    tick: Ticker) -> tuple[int, int, int]:
    """Compare chunks ``first``, ``first + step``, ... of ``fin`` with the mapped destination
    ``target`` (address, mapped length) and write those that differ; return (bytes read,
    bytes written, where ``fin`` was seen to end, else ``size``)."""
    base, mapped = target
    buffer = bytearray(min(CHUNK, max(size, 1)))
    view = memoryview(buffer)
    exported = (ctypes.c_char * len(buffer)).from_buffer(buffer)  # pins the buffer in place
    address = ctypes.addressof(exported)
    offset, read, written = first * CHUNK, 0, 0
    while offset < size:
        wanted = min(CHUNK, size - offset)
        n = os.preadv(fin, [view[:wanted]], offset)
        compared = max(0, min(n, mapped - offset))
        read += n + compared
        if n and (compared < n or _LIBC.memcmp(address, base + offset, compared) != 0):
            _write_at(fout, view[:n], offset)
            written += n
        if n < wanted:  # the source ended here (it shrank while it was compared)
            return read, written, offset + n
        offset += step * CHUNK
        tick(n)
    return read, written, size


def _write_at(fd: int, data: memoryview, offset: int) -> None:
    while data:
        done = os.pwrite(fd, data, offset)
        data, offset = data[done:], offset + done


def _diff_copy_read(fin: int, fout: int, size: int, tick: Ticker) -> tuple[int, int]:
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
