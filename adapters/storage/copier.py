"""Differential copying of one directory tree onto another, in 1 MiB chunks.

``sync_tree`` makes ``dst`` equal to ``src``: names, types, bytes, modes, owners and groups,
mtimes (files, directories, symlinks), symlink targets and hard links (paths that share an
inode in ``src`` share one in ``dst``). Extra entries in ``dst`` are deleted, missing ones
created. A file is skipped without being read when both its source and destination signatures
(size, mtime, inode, ctime) equal the ones recorded at the last sync (``baseline``); any other
file is compared chunk by chunk and only differing 1 MiB chunks are written. A file the source
renamed since the last sync is renamed on ``dst`` first (``renames``). A file absent from
``dst`` is copied with ``copy_file_range`` (in-kernel), by a few threads at once. The copy is
idempotent: re-running it after an interruption at any point gives the same result, which is
what makes resuming a killed copy safe.

``sync_entries`` is the same comparison on entries gathered by the caller: the whole trees
(``sync_tree``) or only the paths a change journal names (``resync.py``).
"""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from adapters.storage.entries import Entry, link_groups, scan
from adapters.storage.file_copy import CHUNK, Abort, Progress, Ticker, copy_file
from adapters.storage.renames import follow_renames

__all__ = ["CHUNK", "Baseline", "CapacityExceeded", "CopyStats", "Entry", "Progress", "scan",
           "sync_entries", "sync_tree", "tree_bytes"]

WORKERS = 4  # new files copied at once
PARALLEL_FROM = 16  # fewer new files than this are copied one after the other

Baseline = dict[str, list[int]]  # relative path -> [size, mtime_ns, inode, ctime_ns]


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
    linked: set[str] = field(default_factory=set)  # paths linked more than once, either side
    touched: set[str] = field(default_factory=set)  # directories whose entries the copy changed
    vanished: set[str] = field(default_factory=set)  # files deleted from ``src`` while it was copied
    renamed: int = 0  # destination files renamed as the source renamed them (``renames``)


def tree_bytes(root: Path) -> int:
    return sum(e.size for e in scan(root).values() if e.kind == "f")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class CapacityExceeded(ValueError):
    """The source tree holds more bytes than the destination volume may."""


def check_capacity(used: int, capacity: int | None) -> None:
    if capacity is not None and used > capacity:
        raise CapacityExceeded(f"{used} bytes do not fit in a volume of {capacity} bytes")


def sync_tree(src: Path, dst: Path, baseline_src: Baseline | None = None,
              baseline_dst: Baseline | None = None, progress: Progress | None = None,
              capacity: int | None = None, workers: int = WORKERS, watch: tuple = (None, None)) -> CopyStats:
    """Make ``dst`` equal to ``src``; return what it cost and the new baselines of both trees.

    ``watch``: the change journal's hooks for both trees (``entries.scan``'s ``before_listing``).
    Raises ``CapacityExceeded`` before changing anything when ``src`` holds more than ``capacity``
    bytes of file data. ``progress`` is called from one thread at a time; an exception it
    raises stops the copy (every worker) and is re-raised.
    """
    src_entries = scan(src, before_listing=watch[0])
    check_capacity(sum(e.size for e in src_entries.values() if e.kind == "f"), capacity)
    return sync_entries(src, dst, src_entries, scan(dst, before_listing=watch[1]), baseline_src,
                        baseline_dst, progress, workers)


def sync_entries(src: Path, dst: Path, src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                 baseline_src: Baseline | None = None, baseline_dst: Baseline | None = None,
                 progress: Progress | None = None, workers: int = WORKERS) -> CopyStats:
    """Make the entries of ``dst`` equal to those of ``src`` (both: path order, parents first).

    Paths absent from both dicts are left alone. ``dst_entries`` is updated as entries go.
    """
    stats = CopyStats()
    src_links, dst_links = link_groups(src_entries), link_groups(dst_entries)
    stats.linked = set(src_links) | set(dst_links)
    follow_renames(dst, src_entries, dst_entries, baseline_src or {}, baseline_dst or {}, stats)
    _delete_stale(dst, src_entries, dst_entries, src_links, dst_links, stats)
    dirty = _dirty_files(src_entries, dst_entries, src_links, baseline_src or {}, baseline_dst or {}, stats)
    tick = Ticker(sum(src_entries[rel].size for rel in dirty), progress)
    stats.bytes_total = tick.total
    if progress:
        progress(0, tick.total)
    dirs = [(rel, e) for rel, e in src_entries.items() if e.kind == "d"]  # parents first
    _make_dirs(dst, dirs, dst_entries, stats.touched)
    _make_symlinks(dst, src_entries, dst_entries, stats.touched)
    _copy_files(_FileCopier(src, dst, src_entries, dst_entries, tick, stats), dirty, workers)
    _link_members(dst, src_entries, dst_entries, src_links, stats)
    _set_dir_mtimes(dst, dirs, dst_entries, stats.touched)
    if progress:
        progress(stats.bytes_total, stats.bytes_total)
    return stats


def _stale(want: Entry | None, have: Entry, same_links: bool) -> bool:
    """A destination entry the source lacks, has as another kind or link target, or a file whose
    links differ from the source's (writing it in place would change another path)."""
    if want is None or want.kind != have.kind:
        return True
    if want.kind == "l":
        return want.target != have.target
    return want.kind == "f" and not same_links


def _delete_stale(dst: Path, src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                  src_links: dict, dst_links: dict, stats: CopyStats) -> None:
    """Remove the stale entries from ``dst`` (children before parents) and ``dst_entries``."""
    for rel in sorted(dst_entries, reverse=True):
        have = dst_entries[rel]
        group = dst_links.get(rel, (rel,))
        same_links = group == src_links.get(rel, (rel,)) and have.nlink == len(group)
        if _stale(src_entries.get(rel), have, same_links):
            _remove(dst / rel)
            stats.entries_deleted += 1
            stats.touched.add(_parent(rel))
            dst_entries.pop(rel)


def _dirty_files(src_entries: dict[str, Entry], dst_entries: dict[str, Entry], src_links: dict,
                 baseline_src: Baseline, baseline_dst: Baseline, stats: CopyStats) -> list[str]:
    """The files to copy (one per inode); the others (both signatures as at the last sync, and
    every link in place) are skipped unread."""
    dirty = []
    for rel, entry in src_entries.items():
        if entry.kind != "f":
            continue
        group = src_links.get(rel, (rel,))
        if group[0] != rel:
            continue  # copied (or skipped) with the first path of its group
        have = dst_entries.get(rel)
        if have is not None and baseline_src.get(rel) == entry.sig and baseline_dst.get(rel) == have.sig:
            stats.files_skipped += 1
            for member in group:
                stats.src_baseline[member], stats.dst_baseline[member] = entry.sig, have.sig
        else:
            dirty.append(rel)
    return dirty


def _owner(path: Path, want: Entry, have: Entry | None) -> None:
    if have is None or (have.uid, have.gid) != (want.uid, want.gid):
        os.chown(path, want.uid, want.gid, follow_symlinks=False)


def _make_dirs(dst: Path, dirs: list[tuple[str, Entry]], dst_entries: dict[str, Entry],
               touched: set[str]) -> None:
    for rel, entry in dirs:
        have = dst_entries.get(rel)
        if have is None:
            os.mkdir(dst / rel, entry.mode)
            touched.add(_parent(rel))
        _owner(dst / rel, entry, have)  # before chmod: chown may clear set-id bits
        if have is None or have.mode != entry.mode or (have.uid, have.gid) != (entry.uid, entry.gid):
            os.chmod(dst / rel, entry.mode)


def _make_symlinks(dst: Path, src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                   touched: set[str]) -> None:
    for rel, entry in src_entries.items():
        if entry.kind != "l":
            continue
        have = dst_entries.get(rel)
        if have is None:
            os.symlink(entry.target, dst / rel)
            touched.add(_parent(rel))
        _owner(dst / rel, entry, have)
        if have is None or have.mtime_ns != entry.mtime_ns:
            os.utime(dst / rel, ns=(entry.mtime_ns, entry.mtime_ns), follow_symlinks=False)


def _link_members(dst: Path, src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                  src_links: dict, stats: CopyStats) -> None:
    """Give every other path of a source inode the destination inode of its first path."""
    for rel, group in src_links.items():
        if group[0] != rel or rel in stats.vanished:
            continue
        missing = [member for member in group[1:] if member not in dst_entries]
        for member in missing:
            os.link(dst / rel, dst / member)
            stats.touched.add(_parent(member))
        if missing or rel not in stats.dst_baseline:  # copied or linked: the ctime moved
            after = os.lstat(dst / rel)
            sig = [after.st_size, after.st_mtime_ns, after.st_ino, after.st_ctime_ns]
            for member in group:
                stats.src_baseline[member], stats.dst_baseline[member] = src_entries[member].sig, sig


def _parent(rel: str) -> str:
    return rel.rpartition("/")[0]


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
        except FileNotFoundError:
            if os.path.lexists(self.src / rel):
                tick.failed = True
                raise
            self._vanished(rel)
            return
        except BaseException:
            tick.failed = True
            raise
        with tick.lock:
            stats.files_copied += 1
            stats.bytes_read += read
            stats.bytes_written += written
            if entry.nlink == 1:
                stats.src_baseline[rel], stats.dst_baseline[rel] = entry.sig, sig


    def _vanished(self, rel: str) -> None:
        """The live source deleted ``rel`` after it was listed (a database's checkpoint removes
        dropped tables' files while it runs): so does the copy, as if the deletion had come
        first. Nothing of it enters the baselines, and the journal names the deletion, so the
        next copy (the split's) compares the path again."""
        with self.tick.lock:
            self.stats.vanished.add(rel)
            if self.dst_entries.pop(rel, None) is not None:
                (self.dst / rel).unlink(missing_ok=True)
                self.stats.touched.add(_parent(rel))


def _copy_files(copy: _FileCopier, dirty: list[str], workers: int) -> None:
    """Differential copies are mostly reads and compares: threads only add GIL hand-offs, so
    they run here. New files are long in-kernel copies that overlap well: a thread pool."""
    sizes, existing = copy.src_entries, copy.dst_entries
    fresh = sorted((rel for rel in dirty if rel not in existing), key=lambda rel: -sizes[rel].size)
    for rel in dirty:
        if rel in existing:
            copy(rel)
        else:
            copy.stats.touched.add(_parent(rel))
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
                    touched: set[str]) -> None:
    """Last: creating and removing entries above changed their directories' mtimes."""
    for rel, entry in dirs:
        have = dst_entries.get(rel)
        if have is None or have.mtime_ns != entry.mtime_ns or rel in touched:
            os.utime(dst / rel, ns=(entry.mtime_ns, entry.mtime_ns))
