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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from adapters.storage.file_copy import CHUNK, Abort, Progress, Ticker, copy_file

__all__ = ["CHUNK", "Baseline", "CapacityExceeded", "CopyStats", "Entry", "Progress", "scan",
           "sync_tree", "tree_bytes"]

WORKERS = 4  # new files copied at once
PARALLEL_FROM = 16  # fewer new files than this are copied one after the other

Sig = tuple[int, int, int]  # size, mtime_ns, inode
Baseline = dict[str, list[int]]  # relative path -> [size, mtime_ns, inode]


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
    src_entries = scan(src)
    _check_capacity(src_entries, capacity)
    dst_entries = scan(dst)
    stats = CopyStats()
    _delete_stale(dst, src_entries, dst_entries, stats)
    dirty = _dirty_files(src_entries, dst_entries, baseline_src or {}, baseline_dst or {}, stats)
    tick = Ticker(sum(src_entries[rel].size for rel in dirty), progress)
    stats.bytes_total = tick.total
    if progress:
        progress(0, tick.total)
    dirs = [(rel, e) for rel, e in src_entries.items() if e.kind == "d"]  # parents first
    _make_dirs(dst, dirs, dst_entries)
    _make_symlinks(dst, src_entries, dst_entries)
    _copy_files(_FileCopier(src, dst, src_entries, dst_entries, tick, stats), dirty, workers)
    _set_dir_mtimes(dst, dirs, dst_entries, changed=bool(stats.files_copied or stats.entries_deleted))
    if progress:
        progress(stats.bytes_total, stats.bytes_total)
    return stats


def _check_capacity(src_entries: dict[str, Entry], capacity: int | None) -> None:
    used = sum(e.size for e in src_entries.values() if e.kind == "f")
    if capacity is not None and used > capacity:
        raise CapacityExceeded(f"{used} bytes do not fit in a volume of {capacity} bytes")


def _stale(want: Entry | None, have: Entry) -> bool:
    """A destination entry the source lacks, or has as another kind or another link target."""
    return want is None or want.kind != have.kind or (want.kind == "l" and want.target != have.target)


def _delete_stale(dst: Path, src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                  stats: CopyStats) -> None:
    """Remove the stale entries from ``dst`` (children before parents) and ``dst_entries``."""
    for rel in sorted(dst_entries, reverse=True):
        if _stale(src_entries.get(rel), dst_entries[rel]):
            _remove(dst / rel)
            stats.entries_deleted += 1
            dst_entries.pop(rel)


def _dirty_files(src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                 baseline_src: Baseline, baseline_dst: Baseline, stats: CopyStats) -> list[str]:
    """The files to copy; the others (both signatures as at the last sync) are skipped unread."""
    dirty = []
    for rel, entry in src_entries.items():
        if entry.kind != "f":
            continue
        have = dst_entries.get(rel)
        if have is not None and baseline_src.get(rel) == entry.sig \
                and baseline_dst.get(rel) == have.sig:
            stats.files_skipped += 1
            stats.src_baseline[rel], stats.dst_baseline[rel] = entry.sig, have.sig
        else:
            dirty.append(rel)
    return dirty


def _make_dirs(dst: Path, dirs: list[tuple[str, Entry]], dst_entries: dict[str, Entry]) -> None:
    for rel, entry in dirs:
        have = dst_entries.get(rel)
        if have is None:
            os.mkdir(dst / rel, entry.mode)
        if have is None or have.mode != entry.mode:
            os.chmod(dst / rel, entry.mode)


def _make_symlinks(dst: Path, src_entries: dict[str, Entry],
                   dst_entries: dict[str, Entry]) -> None:
    for rel, entry in src_entries.items():
        if entry.kind == "l" and rel not in dst_entries:
            os.symlink(entry.target, dst / rel)


@dataclass
class _FileCopier:
    """Copies one file by relative path and adds its cost and signatures to ``stats``; the
    first failure of any worker marks ``tick`` failed, which stops the others."""

    src: Path
    dst: Path
    src_entries: dict[str, Entry]
    dst_entries: dict[str, Entry]
    tick: Ticker
    stats: CopyStats

    def __call__(self, rel: str) -> None:
        tick, stats, entry = self.tick, self.stats, self.src_entries[rel]
        if tick.failed:
            raise Abort()
        try:
            sig, read, written = copy_file(self.src / rel, self.dst / rel, entry,
                                           rel in self.dst_entries, tick)
        except BaseException:
            tick.failed = True
            raise
        with tick.lock:
            stats.files_copied += 1
            stats.bytes_read += read
            stats.bytes_written += written
            stats.src_baseline[rel], stats.dst_baseline[rel] = entry.sig, sig


def _copy_files(copy: _FileCopier, dirty: list[str], workers: int) -> None:
    """Differential copies are mostly reads and compares: threads only add GIL hand-offs, so
    they run here. New files are long in-kernel copies that overlap well: a thread pool."""
    sizes, existing = copy.src_entries, copy.dst_entries
    fresh = sorted((rel for rel in dirty if rel not in existing), key=lambda rel: -sizes[rel].size)
    for rel in dirty:
        if rel in existing:
            copy(rel)
    if workers <= 1 or len(fresh) < PARALLEL_FROM:
        for rel in fresh:
            copy(rel)
    else:
        _copy_in_parallel(copy, fresh, workers)


def _copy_in_parallel(copy: _FileCopier, fresh: list[str], workers: int) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(copy, rel) for rel in fresh]  # biggest first: workers end together
        errors = [f.exception() for f in futures]
    first = next((e for e in errors if e is not None and not isinstance(e, Abort)), None)
    if first is not None:
        raise first


def _set_dir_mtimes(dst: Path, dirs: list[tuple[str, Entry]], dst_entries: dict[str, Entry],
                    changed: bool) -> None:
    """Last: creating entries above changed the directories' mtimes."""
    for rel, entry in dirs:
        have = dst_entries.get(rel)
        if have is None or have.mtime_ns != entry.mtime_ns or changed:
            os.utime(dst / rel, ns=(entry.mtime_ns, entry.mtime_ns))
