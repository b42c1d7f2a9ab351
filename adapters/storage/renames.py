"""Renames followed on the destination: a source file that is a renamed one (its inode is the
one the last copy recorded under the old name) is renamed on the destination too, instead of
the old copy being deleted and the new name copied afresh.

Databases recycle log files by renaming them (PostgreSQL turns an old WAL segment into a future
one, and writes over it only when it comes to it): a copy that followed the rename compares the
file with its own old bytes and writes only what has been written since, where a copy that did
not would delete 1 MiB and write 1 MiB for every segment recycled. Only single-link files that
stay in their directory are followed, and only when the destination file is still what the
last copy left (its signature as recorded): anything else is deleted and copied as before.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from adapters.storage.entries import Entry

Baseline = dict[str, list[int]]  # relative path -> [size, mtime_ns, inode, ctime_ns]


class Counts(Protocol):
    renamed: int
    touched: set[str]


def follow_renames(dst: Path, src_entries: dict[str, Entry], dst_entries: dict[str, Entry],
                   baseline_src: Baseline, baseline_dst: Baseline, stats: Counts) -> None:
    """Rename on ``dst`` every file the source renamed since the last copy (see the module
    docstring); ``dst_entries`` follows. The renamed files still go through the comparison."""
    gone = {baseline_src[rel][2]: rel for rel, have in dst_entries.items()
            if _single_file(have) and rel not in src_entries and rel in baseline_src
            and baseline_dst.get(rel) == have.sig}
    if not gone:
        return
    for rel, entry in src_entries.items():
        old = gone.get(entry.ino) if _single_file(entry) and rel not in dst_entries else None
        if old is None or _parent(old) != _parent(rel):
            continue
        os.rename(dst / old, dst / rel)
        dst_entries[rel] = dst_entries.pop(old)
        del gone[entry.ino]
        stats.renamed += 1
        stats.touched.add(_parent(rel))


def _single_file(entry: Entry) -> bool:
    return entry.kind == "f" and entry.nlink == 1


def _parent(rel: str) -> str:
    return rel.rpartition("/")[0]
