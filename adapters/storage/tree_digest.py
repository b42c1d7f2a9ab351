"""A digest of a directory tree that shows any change made to it, without reading file contents.

``take(root)`` records, per entry (``"."`` for the root, then relative POSIX paths): its kind,
mode, size, mtime, ctime and inode. ``compare(before, after)`` names every entry added,
removed or changed. Comparing metadata is sound here because of ``ctime``: every write to a
file, every ``chmod``/``chown``/``utime``, every rename or link changes the ctime of what it
touches, and no system call lets a process set a ctime back (only moving the clock would), so a
file rewritten with the same size and its old mtime restored still shows. Content hashes would
add nothing but the cost of reading every byte. What the digest cannot see: a change made and
undone while the system clock was set back, and changes below ``limit`` entries (a digest that
stopped at the limit says so: ``Digest.partial``).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_ENTRIES = 1_000_000  # entries of one digested tree; beyond it the digest is partial
MAX_REPORTED = 100  # changed paths a comparison names; ``Changes.total`` counts them all

Entry = tuple[str, int, int, int, int, int]  # kind, mode, size, mtime_ns, ctime_ns, inode


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "d"
    if stat.S_ISREG(mode):
        return "f"
    return "l" if stat.S_ISLNK(mode) else "o"


def entry_of(st: os.stat_result) -> Entry:
    return (_kind(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns,
            st.st_ctime_ns, st.st_ino)


@dataclass
class Digest:
    entries: dict[str, Entry] = field(default_factory=dict)
    partial: bool = False

    def to_json(self) -> dict:
        return {"entries": self.entries, "partial": self.partial}

    @classmethod
    def from_json(cls, data: dict) -> "Digest":
        return cls(data["entries"], bool(data.get("partial")))  # lists: compare takes either


@dataclass(frozen=True)
class Changes:
    """What differs between two digests: ``paths`` (at most ``MAX_REPORTED``, sorted, each
    ``"<path> (added|removed|modified)"``) and ``total``, the count of every difference."""

    paths: tuple[str, ...] = ()
    total: int = 0
    partial: bool = False  # a digest stopped at its limit: changes past it are unseen

    def __bool__(self) -> bool:
        return self.total > 0


def take(root: Path, limit: int = MAX_ENTRIES) -> Digest:
    """The digest of the tree at ``root`` (symbolic links are recorded, not followed)."""
    digest = Digest({".": entry_of(os.lstat(root))})
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as listing:
            for item in listing:
                if len(digest.entries) >= limit:
                    digest.partial = True
                    return digest
                path = f"{prefix}{item.name}"
                entry = entry_of(item.stat(follow_symlinks=False))
                digest.entries[path] = entry
                if entry[0] == "d":
                    pending.append((Path(item.path), f"{path}/"))
    return digest


def compare(before: Digest, after: Digest) -> Changes:
    found: list[str] = []
    for path, entry in before.entries.items():
        now = after.entries.get(path)
        if now is None:
            if not after.partial:
                found.append(f"{path} (removed)")
        elif list(now) != list(entry):
            found.append(f"{path} (modified)")
    if not before.partial:
        found += [f"{path} (added)" for path in after.entries if path not in before.entries]
    found.sort()
    return Changes(tuple(found[:MAX_REPORTED]), len(found), before.partial or after.partial)
