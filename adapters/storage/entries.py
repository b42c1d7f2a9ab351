"""The entries of a volume as the copy sees them: a full walk (``scan``) or the few paths a
journal names (``collect``), in the same form so that one comparison serves both.

An ``Entry`` holds what the S-VOL must reproduce (kind, mode, owner, group, mtime, size, link
target) and what tells a file apart from its past (``sig``: size, mtime, inode and ctime; a
process cannot set ctime, so a file whose four values are as recorded has not been touched).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["Entry", "Region", "collect", "collect_one", "link_groups", "scan", "unseen_links"]

Sig = list[int]  # size, mtime_ns, inode, ctime_ns


@dataclass(slots=True)
class Entry:
    kind: str  # "f" file, "d" directory, "l" symlink
    mode: int
    size: int = 0
    mtime_ns: int = 0
    ino: int = 0
    ctime_ns: int = 0
    uid: int = 0
    gid: int = 0
    nlink: int = 1
    target: str = ""

    @property
    def sig(self) -> Sig:
        return [self.size, self.mtime_ns, self.ino, self.ctime_ns]


def _entry(st: os.stat_result, readlink) -> Entry | None:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return Entry("f", stat.S_IMODE(mode), st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns,
                     st.st_uid, st.st_gid, st.st_nlink)
    if stat.S_ISDIR(mode):
        return Entry("d", stat.S_IMODE(mode), 0, st.st_mtime_ns, st.st_ino, 0, st.st_uid, st.st_gid)
    if stat.S_ISLNK(mode):
        return Entry("l", 0, 0, st.st_mtime_ns, st.st_ino, 0, st.st_uid, st.st_gid, 1, readlink())
    return None  # devices, fifos, sockets: not part of a volume's data


def scan(root: Path, start: str = "", before_listing: Callable[[str], None] | None = None
         ) -> dict[str, Entry]:
    """Every entry under ``root/start`` by path relative to ``root`` (``start`` itself
    excluded), parents first. ``before_listing(rel)`` is called before each directory is listed
    (the change journal watches it, ``ChangeJournal.watcher``).

    One ``lstat`` per entry (the ``DirEntry`` one) and nothing else: on this kind of VM the
    system calls are the cost, so the loop stays lean and runs in one thread.
    """
    entries: dict[str, Entry] = {}
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    top = os.open(root, flags)
    stack = [start]
    try:
        while stack:
            rel = stack.pop()
            if before_listing is not None:
                before_listing(rel)
            try:
                fd = os.open(rel, flags, dir_fd=top) if rel else os.dup(top)
            except (FileNotFoundError, NotADirectoryError):
                continue  # removed while we walk: whoever removed it is in the journal
            prefix = f"{rel}/" if rel else ""
            try:
                with os.scandir(fd) as it:  # by fd: each stat is an fstatat, no path walk
                    for item in it:
                        path = prefix + item.name
                        try:
                            found = _entry(item.stat(follow_symlinks=False),
                                           lambda: os.readlink(item.name, dir_fd=fd))
                        except FileNotFoundError:
                            continue  # removed between the listing and its stat
                        if found is not None:
                            entries[path] = found
                            if found.kind == "d":
                                stack.append(path)
            finally:
                os.close(fd)
    finally:
        os.close(top)
    return entries


def lstat_entry(root: Path, rel: str) -> Entry | None:
    path = root / rel
    try:
        return _entry(os.lstat(path), lambda: os.readlink(path))
    except (FileNotFoundError, NotADirectoryError):
        return None


@dataclass
class Region:
    """The part of a volume a partial comparison looked at: single paths and whole trees."""

    paths: set[str]
    trees: set[str]

    def covers(self, rel: str) -> bool:
        return rel in self.paths or rel in self.trees or _under(rel, self.trees)


def _under(rel: str, trees: set[str]) -> bool:
    parts = rel.split("/")
    return any("/".join(parts[:n]) in trees for n in range(1, len(parts)))


def _with_parents(changes: dict[str, bool], always: Iterable[str]) -> tuple[set[str], set[str]]:
    """The single paths (every one with its parents) and the outermost trees of a change set."""
    trees = {rel for rel, tree in changes.items() if tree and rel}
    paths = {rel for rel in (*changes, *always) if rel}
    for rel in list(paths):
        parent = rel.rpartition("/")[0]
        while parent and parent not in paths:
            paths.add(parent)
            parent = parent.rpartition("/")[0]
    return paths, {rel for rel in trees if not _under(rel, trees)}


def _gather(roots: tuple[Path, ...], paths: set[str], trees: set[str], was_dir
            ) -> tuple[list[dict[str, Entry]], Region]:
    """Entries of each root at ``paths`` and under ``trees``; a path that is a directory on one
    side only (or now and not before: ``was_dir``) becomes a tree."""
    found: list[dict[str, Entry]] = [{} for _ in roots]
    for rel in sorted(paths - trees):
        if _under(rel, trees):
            continue
        entries = [lstat_entry(root, rel) for root in roots]
        dirs = {e is not None and e.kind == "d" for e in entries} | ({was_dir(rel)} if was_dir else set())
        if len(dirs) > 1:
            trees.add(rel)  # a directory on one side only: all of it is new or stale
            continue
        for side, entry in zip(found, entries):
            if entry is not None:
                side[rel] = entry
    trees = {rel for rel in trees if not _under(rel, trees)}
    for rel in trees:
        for root, side in zip(roots, found):
            entry = lstat_entry(root, rel)
            if entry is not None:
                side[rel] = entry
                if entry.kind == "d":
                    side.update(scan(root, rel))
    region = Region({rel for rel in paths if not _under(rel, trees)} - trees, trees)
    return [dict(sorted(side.items())) for side in found], region


def collect(src: Path, dst: Path, changes: dict[str, bool], always: Iterable[str] = ()
            ) -> tuple[dict[str, Entry], dict[str, Entry], Region]:
    """The entries of both trees at the changed paths, their parents and ``always``.

    A path marked as a tree, or a directory on one side only, brings everything under it.
    Both dicts are in path order, which puts parents first.
    """
    paths, trees = _with_parents(changes, always)
    (src_entries, dst_entries), region = _gather((src, dst), paths, trees, None)
    return src_entries, dst_entries, region


def collect_one(root: Path, changes: dict[str, bool], always: Iterable[str], was_dir
                ) -> tuple[dict[str, Entry], Region]:
    """``collect`` for one tree against its own past (``was_dir(rel)``: a directory then)."""
    paths, trees = _with_parents(changes, always)
    (entries,), region = _gather((root,), paths, trees, was_dir)
    return entries, region


def link_groups(entries: dict[str, Entry]) -> dict[str, tuple[str, ...]]:
    """Path -> every path of ``entries`` sharing its inode, in order (files linked more than once)."""
    by_ino: dict[int, list[str]] = {}
    for rel, entry in entries.items():
        if entry.kind == "f" and entry.nlink > 1:
            by_ino.setdefault(entry.ino, []).append(rel)
    groups: dict[str, tuple[str, ...]] = {}
    for members in by_ino.values():
        group = tuple(sorted(members))
        for rel in group:
            groups[rel] = group
    return groups


def unseen_links(entries: dict[str, Entry]) -> bool:
    """A file whose link count exceeds its links among ``entries``: another path of it may have
    been written without the change journal naming this one."""
    groups = link_groups(entries)
    return any(entries[rel].nlink > len(group) for rel, group in groups.items())
