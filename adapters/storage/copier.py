"""Differential copying of one directory tree onto another, in 1 MiB chunks.

``sync_tree`` makes ``dst`` equal to ``src`` (names, types, bytes, modes, mtimes, symlinks):
extra entries in ``dst`` are deleted, missing ones created. A file is skipped without being
read when both its source and destination signatures (size, mtime_ns, inode) equal the
signatures recorded at the last sync (``baseline``); any other file is compared chunk by chunk
and only differing 1 MiB chunks are written. A file absent from ``dst`` is copied with
``copy_file_range`` (in-kernel). Files are copied by a few threads at once (the system calls
release the GIL, and on ext4 file creation and page-cache copies overlap well even on two
cores). The copy is idempotent: re-running it after an interruption at any point gives the
same result, which is what makes resuming a killed copy safe.
"""
from __future__ import annotations

import os
import shutil
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

CHUNK = 1 << 20
WORKERS = 4  # new files copied at once
PARALLEL_FROM = 16  # fewer new files than this are copied one after the other

Sig = tuple[int, int, int]  # size, mtime_ns, inode
Baseline = dict[str, list[int]]  # relative path -> [size, mtime_ns, inode]
Progress = Callable[[int, int], None]  # (bytes_done, bytes_total); may raise to abort


@dataclass(slots=True)
class Entry:
    kind: str  # "f" file, "d" directory, "l" symlink
    mode: int
    size: int = 0
    mtime_ns: int = 0
    ino: int = 0
    target: str = ""

    @property
    def sig(self) -> list[int]:
        return [self.size, self.mtime_ns, self.ino]


@dataclass
class CopyStats:
    bytes_total: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    files_copied: int = 0
    files_skipped: int = 0
    entries_deleted: int = 0
    src_baseline: Baseline = field(default_factory=dict)
    dst_baseline: Baseline = field(default_factory=dict)


def scan(root: Path) -> dict[str, Entry]:
    """Every entry under ``root`` by relative path (``root`` itself excluded), parents first.

    One ``lstat`` per entry (the ``DirEntry`` one) and nothing else: on this kind of VM the
    system calls are the cost, so the loop stays lean and runs in one thread (two scanning
    threads fight over the GIL and end up slower than one).
    """
    entries: dict[str, Entry] = {}
    is_reg, is_dir, is_lnk, imode = stat.S_ISREG, stat.S_ISDIR, stat.S_ISLNK, stat.S_IMODE
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    top = os.open(root, flags)
    stack = [""]
    try:
        while stack:
            rel = stack.pop()
            fd = os.open(rel, flags, dir_fd=top) if rel else os.dup(top)
            prefix = f"{rel}/" if rel else ""
            try:
                with os.scandir(fd) as it:  # by fd: each stat is an fstatat, no path walk
                    for item in it:
                        path = prefix + item.name
                        st = item.stat(follow_symlinks=False)
                        mode = st.st_mode
                        if is_reg(mode):
                            entries[path] = Entry("f", imode(mode), st.st_size, st.st_mtime_ns, st.st_ino)
                        elif is_dir(mode):
                            entries[path] = Entry("d", imode(mode), mtime_ns=st.st_mtime_ns)
                            stack.append(path)
                        elif is_lnk(mode):
                            entries[path] = Entry("l", 0, target=os.readlink(item.name, dir_fd=fd))
            finally:
                os.close(fd)
    finally:
        os.close(top)
    return entries


def tree_bytes(root: Path) -> int:
    return sum(e.size for e in scan(root).values() if e.kind == "f")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class _Abort(Exception):
    """Another worker failed; this one stops."""


class _Ticker:
    """Thread-safe progress: sums the bytes of every worker and reports them one at a time.

    The first exception raised by ``progress`` (or by any worker) stops every worker.
    """

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self.lock = threading.Lock()
        self.failed = False

    def __call__(self, n: int) -> None:
        if self.failed:
            raise _Abort()
        with self.lock:
            self.done += n
            if self.progress:
                try:
                    self.progress(self.done, self.total)
                except BaseException:
                    self.failed = True
                    raise


def _fresh_copy(fin: int, fout: int, size: int, tick: _Ticker) -> tuple[int, int]:
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


def _diff_copy(fin: int, fout: int, size: int, tick: _Ticker) -> tuple[int, int]:
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


def _copy_file(src: Path, dst: Path, entry: Entry, exists: bool, tick: _Ticker) -> tuple[list[int], int, int]:
    """Copy one file (fresh or differential) with its mode and mtime.

    Returns the destination's new signature, the bytes read and the bytes written.
    """
    fin = os.open(src, os.O_RDONLY)
    try:
        fout = os.open(dst, os.O_RDWR if exists else os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            read, written = (_diff_copy if exists else _fresh_copy)(fin, fout, entry.size, tick)
            os.fchmod(fout, entry.mode)
            os.utime(fout, ns=(entry.mtime_ns, entry.mtime_ns))
            after = os.fstat(fout)
        finally:
            os.close(fout)
    finally:
        os.close(fin)
    return [after.st_size, after.st_mtime_ns, after.st_ino], read, written


class CapacityExceeded(ValueError):
    """The source tree holds more bytes than the destination volume may."""


def sync_tree(src: Path, dst: Path, baseline_src: Baseline | None = None,
              baseline_dst: Baseline | None = None, progress: Progress | None = None,
              capacity: int | None = None, workers: int = WORKERS) -> CopyStats:
    """Make ``dst`` equal to ``src``; return what it cost and the new baselines of both trees.

    Raises ``CapacityExceeded`` before changing anything when ``src`` holds more than ``capacity``
    bytes of file data. ``progress`` is called from one thread at a time; an exception it
    raises stops the copy (every worker) and is re-raised.
    """
    baseline_src, baseline_dst = baseline_src or {}, baseline_dst or {}
    src_entries = scan(src)
    used = sum(e.size for e in src_entries.values() if e.kind == "f")
    if capacity is not None and used > capacity:
        raise CapacityExceeded(f"{used} bytes do not fit in a volume of {capacity} bytes")
    dst_entries = scan(dst)
    stats = CopyStats()
    for rel in sorted(dst_entries, reverse=True):  # children before parents
        want, have = src_entries.get(rel), dst_entries[rel]
        if want is None or want.kind != have.kind or (want.kind == "l" and want.target != have.target):
            _remove(dst / rel)
            stats.entries_deleted += 1
            dst_entries.pop(rel)
    dirty = []
    for rel, entry in src_entries.items():
        if entry.kind != "f":
            continue
        have = dst_entries.get(rel)
        src_sig, dst_sig = entry.sig, have.sig if have else None
        if have and baseline_src.get(rel) == src_sig and baseline_dst.get(rel) == dst_sig:
            stats.files_skipped += 1
            stats.src_baseline[rel], stats.dst_baseline[rel] = src_sig, dst_sig
        else:
            dirty.append(rel)
    tick = _Ticker(sum(src_entries[rel].size for rel in dirty), progress)
    stats.bytes_total = tick.total
    if progress:
        progress(0, tick.total)
    dirs = [(rel, e) for rel, e in src_entries.items() if e.kind == "d"]  # parents first
    for rel, entry in dirs:
        have = dst_entries.get(rel)
        if have is None:
            os.mkdir(dst / rel, entry.mode)
        if have is None or have.mode != entry.mode:
            os.chmod(dst / rel, entry.mode)
    for rel, entry in src_entries.items():
        if entry.kind == "l" and rel not in dst_entries:
            os.symlink(entry.target, dst / rel)

    def copy(rel: str) -> None:
        if tick.failed:
            raise _Abort()
        try:
            sig, read, written = _copy_file(src / rel, dst / rel, src_entries[rel], rel in dst_entries, tick)
        except BaseException:
            tick.failed = True
            raise
        with tick.lock:
            stats.files_copied += 1
            stats.bytes_read += read
            stats.bytes_written += written
            stats.src_baseline[rel], stats.dst_baseline[rel] = src_entries[rel].sig, sig

    # Differential copies are mostly reads and compares: threads only add GIL hand-offs, so
    # they run here. New files are long in-kernel copies that overlap well: a thread pool.
    fresh = sorted((rel for rel in dirty if rel not in dst_entries), key=lambda rel: -src_entries[rel].size)
    for rel in dirty:
        if rel in dst_entries:
            copy(rel)
    if workers <= 1 or len(fresh) < PARALLEL_FROM:
        for rel in fresh:
            copy(rel)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(copy, rel) for rel in fresh]  # biggest first: workers end together
            errors = [f.exception() for f in futures]
        first = next((e for e in errors if e is not None and not isinstance(e, _Abort)), None)
        if first is not None:
            raise first
    for rel, entry in dirs:  # last: creating entries above changed the directories' mtimes
        have = dst_entries.get(rel)
        if have is None or have.mtime_ns != entry.mtime_ns or stats.files_copied or stats.entries_deleted:
            os.utime(dst / rel, ns=(entry.mtime_ns, entry.mtime_ns))
    if progress:
        progress(stats.bytes_total, stats.bytes_total)
    return stats
