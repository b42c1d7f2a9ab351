"""The per-pair sync baseline: the file signatures of both volumes at the end of the last copy.

A baseline maps each volume (``"serial:ldev"``) to ``{relative path: [size, mtime_ns, inode,
ctime_ns]}``
for every file the last copy left equal on both sides; ``sync_tree`` skips a file without
reading it when both of its signatures still match. It is stored as

* ``<pair>.base.json``: a full baseline and its generation ``gen`` (atomic, durable writes);
* ``<pair>.base.<gen>.log``: JSON lines, each the delta of one later copy (entries set and
  entries deleted), appended without fsync (see below: losing them costs reading, never
  correctness), so a resync that changed ten files writes ten entries instead of rewriting
  thousands. When the log grows past half the size of the
  full file, the next save writes a new full baseline (``gen + 1``) and drops the old log.

**Why a torn or lost write is harmless.** A baseline entry only ever lets a file be skipped
when *both* of its current signatures equal the recorded ones. An entry that is missing or
older than the truth makes the copy compare the file (more work, same result), and a log line
torn by a crash fails to parse and is ignored along with anything after it. Lines of another
generation are never read, so a crash between writing a new full baseline and deleting the
old log cannot mix them. Every entry, old or new, records an equality that was true when it
was written, so any subset of the lines that survives a power failure is as safe as all of
them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from adapters.storage.metadata import read_json, write_json_atomic

Signatures = dict[str, dict[str, list[int]]]  # volume -> relative path -> signature


class Loaded(dict):
    """A baseline as loaded: ``{volume: {path: sig}}`` plus the generation it came from."""

    gen: int = 0
    log_bytes: int = 0
    full_bytes: int = 0


class BaselineStore:
    """The baselines of the pairs whose records live in ``pairs_dir``."""

    def __init__(self, pairs_dir: Path) -> None:
        self.dir = pairs_dir

    def _full(self, pair_id: str) -> Path:
        return self.dir / f"{pair_id}.base.json"

    def _log(self, pair_id: str, gen: int) -> Path:
        return self.dir / f"{pair_id}.base.{gen}.log"

    def load(self, pair_id: str) -> Loaded:
        """The baseline of ``pair_id`` (empty when there is none)."""
        loaded = Loaded()
        data = read_json(self._full(pair_id)) or {}
        if "gen" not in data:  # the first format: the volumes map alone
            data = {"gen": 0, "vols": data}
        loaded.update(data["vols"])
        loaded.gen = data["gen"]
        try:
            loaded.full_bytes = self._full(pair_id).stat().st_size
            text = self._log(pair_id, loaded.gen).read_bytes()
        except FileNotFoundError:
            return loaded
        loaded.log_bytes = len(text)
        for line in text.split(b"\n"):
            try:
                delta = json.loads(line)
            except ValueError:
                if line:  # a line torn by a crash: later appends would land on it, so
                    loaded.log_bytes = 1 << 62  # make the next save write a full baseline
                break
            for vol, entries in delta["set"].items():
                loaded.setdefault(vol, {}).update(entries)
            for vol, paths in delta["del"].items():
                table = loaded.get(vol, {})
                for rel in paths:
                    table.pop(rel, None)
        return loaded

    def save(self, pair_id: str, new: Signatures, previous: Loaded | None = None) -> Loaded:
        """Record ``new`` as the baseline; append only its difference to ``previous`` when given.

        ``previous`` must be what ``load`` returned before the copy that produced ``new``
        (the pair lock serializes the copies of one pair). Returns ``new`` as ``load`` would
        now return it.
        """
        delta = self._delta(new, previous) if previous is not None else None
        saved = Loaded(new)
        if delta == b"":
            saved.gen, saved.log_bytes, saved.full_bytes = previous.gen, previous.log_bytes, previous.full_bytes
            return saved
        if delta is None or previous.log_bytes + len(delta) > max(1 << 16, previous.full_bytes // 2):
            saved.gen = (previous if previous is not None else self.load(pair_id)).gen + 1  # never reused
            self._write_full(pair_id, saved.gen, new)
            saved.full_bytes = self._full(pair_id).stat().st_size
            return saved
        self._append_line(self._log(pair_id, previous.gen), delta)
        saved.gen, saved.full_bytes = previous.gen, previous.full_bytes
        saved.log_bytes = previous.log_bytes + len(delta)
        return saved

    def append(self, pair_id: str, previous: Loaded, changed: Signatures,
               removed: dict[str, list[str]]) -> None:
        """Record a copy that changed only ``changed`` and ``removed`` of ``previous`` (which is
        updated in place): one log line, or a new full baseline when the log has grown."""
        for vol, table in changed.items():
            previous.setdefault(vol, {}).update(table)
        for vol, paths in removed.items():
            table = previous.get(vol, {})
            for rel in paths:
                table.pop(rel, None)
        changed = {vol: table for vol, table in changed.items() if table}
        removed = {vol: paths for vol, paths in removed.items() if paths}
        if not changed and not removed:
            return
        line = json.dumps({"set": changed, "del": removed}, separators=(",", ":")).encode() + b"\n"
        if previous.log_bytes + len(line) > max(1 << 16, previous.full_bytes // 2):
            self._write_full(pair_id, previous.gen + 1, dict(previous))
            previous.gen, previous.log_bytes = previous.gen + 1, 0
            previous.full_bytes = self._full(pair_id).stat().st_size
            return
        self._append_line(self._log(pair_id, previous.gen), line)
        previous.log_bytes += len(line)

    def _write_full(self, pair_id: str, gen: int, vols: Signatures) -> None:
        old_logs = list(self.dir.glob(f"{pair_id}.base.*.log"))
        write_json_atomic(self._full(pair_id), {"gen": gen, "vols": vols})
        for path in old_logs:
            path.unlink(missing_ok=True)

    @staticmethod
    def _append_line(path: Path, line: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    @staticmethod
    def _delta(new: Signatures, previous: Loaded) -> bytes:
        """One log line with what differs between ``previous`` and ``new`` (b"" if nothing)."""
        changed: dict[str, dict[str, list[int]]] = {}
        removed: dict[str, list[str]] = {}
        for vol, table in new.items():
            before = previous.get(vol, {})
            diff = {rel: sig for rel, sig in table.items() if before.get(rel) != sig}
            gone = [rel for rel in before if rel not in table]
            if diff:
                changed[vol] = diff
            if gone:
                removed[vol] = gone
        for vol in previous.keys() - new.keys():
            removed[vol] = list(previous[vol])
        if not changed and not removed:
            return b""
        return json.dumps({"set": changed, "del": removed}, separators=(",", ":")).encode() + b"\n"

    def drop(self, pair_id: str) -> None:
        """Forget the baseline of a pair that no longer exists."""
        self._full(pair_id).unlink(missing_ok=True)
        for path in self.dir.glob(f"{pair_id}.base.*.log"):
            path.unlink(missing_ok=True)
