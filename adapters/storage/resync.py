"""The copy of a pair's data: through the change journal when it vouches for the period since
the pair's last copy, else by the full comparison. Both end in the same S-VOL (one comparison,
``copier.sync_entries``, on all entries or on the journal's paths); see ADR 0008.

What a process remembers of a pair between two copies (``_Memory``, never persisted: the
journal that backs it lives in this process only) is the journal position of both volumes
taken *before* the last completed copy read anything, the baseline it left, the files linked
more than once and the bytes of the source. A path no journal names since that position was
not touched on either side since the copy started, so the copy left it equal and it still is.
A copy that is interrupted or superseded commits nothing: the next one starts from the older
position, a superset of what changed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from adapters.storage.baseline import BaselineStore, Loaded
from adapters.storage.copier import WORKERS, CopyStats, Progress, check_capacity, sync_entries, sync_tree
from adapters.storage.entries import Region, collect, unseen_links
from adapters.storage.journal import Changes, Gap, Position, journal
from adapters.storage.snapshots import ChunkPool, take_snapshot

FULL, JOURNAL = "full", "journal"


@dataclass
class _Memory:
    positions: dict[str, Position]  # data directory -> position before the last completed copy
    baseline: Loaded
    linked: set[str]
    total: int  # bytes of the files of either volume (equal after a copy)


_MEMORY: dict[tuple[str, str], _Memory] = {}
_LOCK = threading.Lock()


def forget(root: Path, pair_id: str) -> None:
    """Drop what this process remembers of a pair (it was deleted)."""
    with _LOCK:
        _MEMORY.pop((str(root), pair_id), None)


@dataclass
class PairCopy:
    """One copy of a pair from ``src`` to ``dst``: ``run`` it, then ``commit`` it under the
    pair lock if it still counts (same epoch). ``comparison``/``reason`` say how it compared."""

    store: BaselineStore
    root: Path
    pair_id: str
    src: Path
    dst: Path
    src_vol: str
    dst_vol: str
    capacity: int | None = None
    workers: int = WORKERS
    use_journal: bool = True
    comparison: str = ""
    reason: str = ""
    stats: CopyStats = field(default_factory=CopyStats)
    _positions: dict[str, Position] = field(default_factory=dict)
    _previous: Loaded | None = None
    _region: tuple[list[str], list[str]] | None = None
    _total: int = 0
    _linked: set[str] = field(default_factory=set)
    _memory: _Memory | None = None  # what the journal path started from

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.root), self.pair_id)

    def run(self, progress: Progress | None = None) -> CopyStats:
        found = journal() if self.use_journal else None
        if found is not None:  # positions first: every change after them is in the journal
            for path in (self.src, self.dst):
                position = found.position(path)
                if position is not None:
                    self._positions[str(path)] = position
        with _LOCK:
            memory = _MEMORY.get(self.key)
        changes = self._changes(found, memory)
        if not isinstance(changes, Gap):
            outcome = self._through_journal(memory, changes, progress)
            if not isinstance(outcome, Gap):
                self.comparison, self.stats, self._memory = JOURNAL, outcome, memory
                return outcome
            changes = outcome
        self.comparison, self.reason = FULL, changes.reason
        self._previous = self.store.load(self.pair_id)
        watch = tuple(found.watcher(self._positions[str(path)]) if str(path) in self._positions else None
                      for path in (self.src, self.dst))
        self.stats = sync_tree(self.src, self.dst, self._previous.get(self.src_vol),
                               self._previous.get(self.dst_vol), progress, self.capacity, self.workers, watch)
        self._total = sum(sig[0] for sig in self.stats.src_baseline.values())
        return self.stats

    def _changes(self, found, memory: _Memory | None) -> Changes | Gap:
        if found is None:
            return Gap("no change journal: this system offers no inotify" if self.use_journal
                       else "the change journal is turned off for these arrays")
        if memory is None:
            return found.changes(None)
        merged: Changes = {}
        for path in (self.src, self.dst):
            changes = found.changes(memory.positions.get(str(path)))
            if isinstance(changes, Gap):
                return changes
            for rel, tree in changes.items():
                merged[rel] = tree or merged.get(rel, False)
        return merged

    def _through_journal(self, memory: _Memory, changes: Changes, progress) -> CopyStats | Gap:
        base_src = memory.baseline.setdefault(self.src_vol, {})
        base_dst = memory.baseline.setdefault(self.dst_vol, {})
        src_entries, dst_entries, region = collect(self.src, self.dst, changes, memory.linked)
        if unseen_links(src_entries) or unseen_links(dst_entries):
            return Gap("a changed file has hard links outside the paths the journal names")
        src_keys, dst_keys = _keys_in(base_src, region), _keys_in(base_dst, region)
        outside = memory.total - sum(base_src[rel][0] for rel in src_keys)
        check_capacity(outside + sum(e.size for e in src_entries.values() if e.kind == "f"), self.capacity)
        stats = sync_entries(self.src, self.dst, src_entries, dst_entries, base_src, base_dst,
                             progress, self.workers)
        self._region = (src_keys, dst_keys)
        self._total = outside + sum(sig[0] for sig in stats.src_baseline.values())
        self._linked = {rel for rel in memory.linked if not region.covers(rel)} | stats.linked
        return stats

    def commit(self) -> None:
        """Record the baseline this copy left and remember it for the next copy of the pair."""
        stats, new = self.stats, {self.src_vol: self.stats.src_baseline, self.dst_vol: self.stats.dst_baseline}
        memory = self._memory
        if self.comparison == JOURNAL and memory is not None:
            src_keys, dst_keys = self._region
            removed = {self.src_vol: [rel for rel in src_keys if rel not in stats.src_baseline],
                       self.dst_vol: [rel for rel in dst_keys if rel not in stats.dst_baseline]}
            self.store.append(self.pair_id, memory.baseline, new, removed)
            baseline, linked = memory.baseline, self._linked
        else:
            baseline, linked = self.store.save(self.pair_id, new, self._previous), stats.linked
        with _LOCK:
            if len(self._positions) == 2:
                _MEMORY[self.key] = _Memory(dict(self._positions), baseline, linked, self._total)
            else:
                _MEMORY.pop(self.key, None)


def _keys_in(baseline: dict[str, list[int]], region: Region) -> list[str]:
    """The paths of ``baseline`` that ``region`` covers."""
    keys = [rel for rel in region.paths if rel in baseline]
    if region.trees:
        prefixes = tuple(f"{tree}/" for tree in region.trees)
        keys += [rel for rel in baseline if rel in region.trees or rel.startswith(prefixes)]
    return keys


_SNAPSHOTS: dict[tuple[str, str], tuple[str, Position]] = {}  # (root, volume) -> snapshot, position


def _volume_changes(root: Path, volume: str, path: Path, since_snapshot: str | None,
                   use_journal: bool = True) -> tuple[Changes | Gap, Position | None, Callable | None]:
    """What changed in ``path`` since this process took the snapshot ``since_snapshot`` of it,
    the position to remember with the snapshot about to be taken (``_remember_snapshot``) and
    the hook a full walk of the volume must call (``ChangeJournal.watcher``)."""
    found = journal() if use_journal else None
    if found is None:
        return Gap("the change journal is turned off for these arrays" if not use_journal
                   else "no change journal: this system offers no inotify"), None, None
    position = found.position(path)
    if position is None:
        return Gap("the change journal cannot follow the volume"), None, None
    with _LOCK:
        remembered = _SNAPSHOTS.get((str(root), volume))
    if remembered is None or remembered[0] != since_snapshot:
        return found.changes(None), position, found.watcher(position)
    return found.changes(remembered[1]), position, found.watcher(position)


def _remember_snapshot(root: Path, volume: str, snapshot: str, position: Position | None) -> None:
    with _LOCK:
        if position is None:
            _SNAPSHOTS.pop((str(root), volume), None)
        else:
            _SNAPSHOTS[(str(root), volume)] = (snapshot, position)


def snapshot_volume(pool: ChunkPool, root: Path, ldev: int, volume: str, path: Path,
                    use_journal: bool = True) -> dict:
    """Take a Thin Image snapshot of ``path`` into ``pool`` and return its manifest.

    It starts from the volume's previous snapshot (kept linked as ``latest-<ldev>.json`` even
    after that snapshot is dropped) and, when this process took it, looks only at the paths the
    journal names since; otherwise it walks the volume, reading only files whose signature moved.
    """
    latest = f"latest-{ldev}.json"
    previous = pool.read(pool.root / latest)
    changes, position, watch = _volume_changes(root, volume, path, previous and previous.get("id"), use_journal)
    manifest = take_snapshot(pool, path, previous, changes=changes, watch=watch)
    pool.link_latest(manifest["id"], latest)
    _remember_snapshot(root, volume, manifest["id"], position)
    return manifest
