"""Differential copying of one directory tree onto another, in 1 MiB chunks.

``sync_tree`` makes ``dst`` equal to ``src`` (names, types, bytes, modes, mtimes, symlinks):
extra entries in ``dst`` are deleted, missing ones created. A file is skipped without being
read when both its source and destination signatures (size, mtime_ns, inode) equal the
signatures recorded at the last sync (``baseline``); any other file is compared chunk by chunk
and only differing 1 MiB chunks are written. A file absent from ``dst`` is copied with
``copy_file_range`` (in-kernel). The copy is idempotent: re-running it after an interruption
at any point gives the same result, which is what makes resuming a killed copy safe.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

CHUNK = 1 << 20

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
    """Every entry under ``root`` by relative path (``root`` itself excluded), parents first."""
    entries: dict[str, Entry] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(root / rel if rel else root) as it:
            for item in it:
                path = f"{rel}/{item.name}" if rel else item.name
                st = item.stat(follow_symlinks=False)
                if item.is_symlink():
                    entries[path] = Entry("l", 0, target=os.readlink(item.path))
                elif item.is_dir(follow_symlinks=False):
                    entries[path] = Entry("d", stat.S_IMODE(st.st_mode), mtime_ns=st.st_mtime_ns)
                    stack.append(path)
                elif item.is_file(follow_symlinks=False):
                    entries[path] = Entry("f", stat.S_IMODE(st.st_mode), st.st_size,
                                          st.st_mtime_ns, st.st_ino)
    return entries


def tree_bytes(root: Path) -> int:
    return sum(e.size for e in scan(root).values() if e.kind == "f")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _fresh_copy(src: Path, dst: Path, size: int, stats: CopyStats, tick: Callable[[int], None]) -> None:
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        done = 0
        while done < size:
            try:
                n = os.copy_file_range(fin.fileno(), fout.fileno(), min(CHUNK, size - done))
            except OSError:
                data = fin.read(CHUNK)
                n = fout.write(data)
            if n == 0:
                break
            done += n
            stats.bytes_read += n
            stats.bytes_written += n
            tick(n)


def _diff_copy(src: Path, dst: Path, size: int, stats: CopyStats, tick: Callable[[int], None]) -> None:
    with open(src, "rb") as fin, open(dst, "r+b") as fout:
        offset = 0
        while offset < size:
            data = fin.read(min(CHUNK, size - offset))
            if not data:
                break
            old = os.pread(fout.fileno(), len(data), offset)
            stats.bytes_read += len(data) + len(old)
            if old != data:
                os.pwrite(fout.fileno(), data, offset)
                stats.bytes_written += len(data)
            offset += len(data)
            tick(len(data))
        fout.truncate(offset)


class CapacityExceeded(ValueError):
    """The source tree holds more bytes than the destination volume may."""


def sync_tree(src: Path, dst: Path, baseline_src: Baseline | None = None,
              baseline_dst: Baseline | None = None, progress: Progress | None = None,
              capacity: int | None = None) -> CopyStats:
    """Make ``dst`` equal to ``src``; return what it cost and the new baselines of both trees.

    Raises ``CapacityExceeded`` before changing anything when ``src`` holds more than ``capacity``
    bytes of file data.
    """
    baseline_src, baseline_dst = baseline_src or {}, baseline_dst or {}
    with ThreadPoolExecutor(max_workers=1) as pool:  # stat() releases the GIL: scan both at once
        dst_scan = pool.submit(scan, dst)
        src_entries = scan(src)
        dst_scan.result()
    used = sum(e.size for e in src_entries.values() if e.kind == "f")
    if capacity is not None and used > capacity:
        raise CapacityExceeded(f"{used} bytes do not fit in a volume of {capacity} bytes")
    dst_entries = dst_scan.result()
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
        if have and baseline_src.get(rel) == entry.sig and baseline_dst.get(rel) == have.sig:
            stats.files_skipped += 1
            stats.src_baseline[rel], stats.dst_baseline[rel] = entry.sig, have.sig
        else:
            dirty.append(rel)
    stats.bytes_total = sum(src_entries[rel].size for rel in dirty)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, stats.bytes_total)

    if progress:
        progress(0, stats.bytes_total)
    for rel, entry in src_entries.items():  # parents come before children
        target = dst / rel
        if entry.kind == "d":
            target.mkdir(exist_ok=True)
            os.chmod(target, entry.mode)
        elif entry.kind == "l" and rel not in dst_entries:
            os.symlink(entry.target, target)
    for rel in dirty:
        entry, target = src_entries[rel], dst / rel
        if rel in dst_entries:
            _diff_copy(src / rel, target, entry.size, stats, tick)
        else:
            _fresh_copy(src / rel, target, entry.size, stats, tick)
        os.chmod(target, entry.mode)
        os.utime(target, ns=(entry.mtime_ns, entry.mtime_ns))
        stats.files_copied += 1
        stats.src_baseline[rel] = entry.sig
        after = target.stat()
        stats.dst_baseline[rel] = [after.st_size, after.st_mtime_ns, after.st_ino]
    for rel, entry in src_entries.items():
        if entry.kind == "d":
            os.utime(dst / rel, ns=(entry.mtime_ns, entry.mtime_ns))
    if progress:
        progress(stats.bytes_total, stats.bytes_total)
    return stats
