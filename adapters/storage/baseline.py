"""The per-pair sync baseline: the file signatures of both volumes at the end of the last copy.

A baseline maps each volume (``"serial:ldev"``) to ``{relative path: [size, mtime_ns, inode]}``
for every file the last copy left equal on both sides; ``sync_tree`` skips a file without
reading it when both of its signatures still match. It is stored as

* ``<pair>.base.json``: a full baseline and its generation ``gen`` (atomic, durable writes);
* ``<pair>.base.<gen>.log``: JSON lines, each the delta of one later copy (entries set and
  entries deleted), appended and fsync'ed, so a resync that changed ten files writes ten
  entries instead of rewriting thousands. When the log grows past half the size of the
  full file, the next save writes a new full baseline (``gen + 1``) and drops the old log.

**Why a torn or lost write is harmless.** A baseline entry only ever lets a file be skipped
when *both* of its current signatures equal the recorded ones. An entry that is missing or
older than the truth makes the copy compare the file (more work, same result), and a log line
torn by a crash fails to parse and is ignored along with anything after it. Lines of another
generation are never read, so a crash between writing a new full baseline and deleting the
old log cannot mix them.
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

    def save(self, pair_id: str, new: Signatures, previous: Loaded | None = None) -> None:
        """Record ``new`` as the baseline; append only its difference to ``previous`` when given.

        ``previous`` must be what ``load`` returned before the copy that produced ``new``
        (the pair lock serializes the copies of one pair).
        """
        delta = self._delta(new, previous) if previous is not None else None
        if delta == b"":
            return
        if delta is None or previous.log_bytes + len(delta) > max(1 << 16, previous.full_bytes // 2):
            gen = (previous if previous is not None else self.load(pair_id)).gen + 1  # never reused
            old_logs = list(self.dir.glob(f"{pair_id}.base.*.log"))
            write_json_atomic(self._full(pair_id), {"gen": gen, "vols": new})
            for path in old_logs:
                path.unlink(missing_ok=True)
            return
        fd = os.open(self._log(pair_id, previous.gen), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, delta)
            os.fsync(fd)
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
