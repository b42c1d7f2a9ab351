"""Failure injection for tests and demos, shared by every process that opens the arrays.

Faults live in ``<arrays root>/faults.json`` so that a fault set by one process (a test, the
``drm`` CLI) applies to copies run by another. Keys are pair ids, or ``"*"`` for every pair.

* ``fail_next(pair)``: the next operation on the pair is refused and the pair goes to PSUE.
* ``slow_copy(pair, seconds_per_chunk)``: the background copy sleeps after every 1 MiB chunk.
* ``stop_copy_after(pair, nbytes)``: the background copy stops after ``nbytes`` and the pair goes
  to PSUE (the data on the target is then partial, as after a link failure).
"""
from __future__ import annotations

from pathlib import Path

from adapters.storage.metadata import file_lock, read_json, write_json_atomic


class FaultInjector:
    def __init__(self, root: Path) -> None:
        self.path = root / "faults.json"
        self._lock = root / "faults.lock"
        self._cache: tuple[float, dict] | None = None

    def _load(self) -> dict:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, read_json(self.path, {}))
        return self._cache[1]

    def _update(self, kind: str, pair_id: str, value: object) -> None:
        with file_lock(self._lock):
            data = read_json(self.path, {})
            table = data.setdefault(kind, {})
            if value is None:
                table.pop(pair_id, None)
            else:
                table[pair_id] = value
            write_json_atomic(self.path, data)

    def fail_next(self, pair_id: str = "*") -> None:
        """Make the next operation on ``pair_id`` fail and leave the pair in PSUE."""
        self._update("fail_next", pair_id, True)

    def slow_copy(self, pair_id: str = "*", seconds_per_chunk: float = 0.05) -> None:
        """Sleep ``seconds_per_chunk`` after each chunk copied for ``pair_id`` (0 to stop)."""
        self._update("slow", pair_id, seconds_per_chunk or None)

    def stop_copy_after(self, pair_id: str = "*", nbytes: int = 0) -> None:
        """Stop the next copy of ``pair_id`` once ``nbytes`` have been copied (pair -> PSUE)."""
        self._update("stop_after", pair_id, nbytes)

    def clear(self) -> None:
        with file_lock(self._lock):
            write_json_atomic(self.path, {})

    def clear_stop(self, pair_id: str) -> None:
        """Forget the stop fault that just fired for ``pair_id`` (it applies to one copy)."""
        with file_lock(self._lock):
            data = read_json(self.path, {})
            table = data.get("stop_after", {})
            if table.pop(pair_id, None) is None:
                table.pop("*", None)
            write_json_atomic(self.path, data)

    def _lookup(self, kind: str, pair_id: str):
        table = self._load().get(kind, {})
        return table.get(pair_id, table.get("*"))

    def take_fail_next(self, pair_id: str) -> bool:
        """True (once) when the next operation on ``pair_id`` must fail."""
        if not self._lookup("fail_next", pair_id):
            return False
        with file_lock(self._lock):
            data = read_json(self.path, {})
            table = data.get("fail_next", {})
            hit = table.pop(pair_id, None) or table.pop("*", None)
            write_json_atomic(self.path, data)
        return bool(hit)

    def copy_faults(self, pair_id: str) -> tuple[float, int | None]:
        """``copy_delay`` and ``stop_after`` from one look at the file (a copy asks per chunk)."""
        data = self._load()
        slow, stop = (data.get(kind, {}) for kind in ("slow", "stop_after"))
        delay, after = slow.get(pair_id, slow.get("*")), stop.get(pair_id, stop.get("*"))
        return float(delay or 0.0), None if after is None else int(after)

    def copy_delay(self, pair_id: str) -> float:
        return float(self._lookup("slow", pair_id) or 0.0)

    def stop_after(self, pair_id: str) -> int | None:
        value = self._lookup("stop_after", pair_id)
        return None if value is None else int(value)
