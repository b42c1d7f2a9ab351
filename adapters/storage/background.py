"""Background copies (COPY / RCPY) and the recovery of copies whose process died.

A copy runs in a non-daemon thread of the process that started it. The pair record carries
an ``epoch``: every operation that starts, stops or replaces a copy bumps it, and a copy that
finds a newer epoch when it reports progress stops quietly. Progress is persisted about every
0.2 s. ``recover`` takes over (or PSUEs) copies whose owner process is no longer alive.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ContextManager, Protocol

from adapters.storage.copier import sync_tree
from adapters.storage.errors import CopyInterrupted
from adapters.storage.metadata import process_alive, process_token
from adapters.storage.pairs import SNAPSHOT_TYPES, Op, PairStatus, decide
from adapters.storage.snapshots import restore_snapshot

if TYPE_CHECKING:
    from adapters.storage.base import PairRecord, VolumeRef
    from adapters.storage.resync import PairCopy
    from adapters.storage.fault import FaultInjector
    from adapters.storage.snapshots import ChunkPool

_ACTIVE: dict[str, threading.Thread] = {}  # "<root>|<pair_id>|<epoch>" -> thread, per process
_ACTIVE_LOCK = threading.Lock()
_CHANGED = threading.Condition(_ACTIVE_LOCK)  # notified whenever a copy of this process ends
_ENDED = [0]  # how many copies of this process have ended (read and bumped under _CHANGED)
_COPYING = (PairStatus.COPY, PairStatus.RCPY)


class _Superseded(CopyInterrupted):
    """The pair was deleted, failed or restarted: this copy must stop without a trace."""


class PairStore(Protocol):
    """What a ``CopyRunner`` needs of the array whose copies it runs (``SimulatedStorage``):
    its pair records under one lock, the copy baselines, snapshot pools and volume data."""

    root: Path
    faults: FaultInjector

    def lock(self) -> ContextManager: ...

    def load(self, pair_id: str) -> PairRecord | None: ...

    def save(self, record: PairRecord, durable: bool = True) -> None: ...

    def records(self) -> list[PairRecord]: ...

    def pair_copy(self, record: PairRecord, src: VolumeRef, dst: VolumeRef) -> PairCopy: ...

    def pool(self, serial: str) -> ChunkPool: ...

    def data_dir(self, volume: VolumeRef) -> Path: ...

    def ldev_info(self, volume: VolumeRef) -> dict: ...


class CopyRunner:
    def __init__(self, storage: PairStore, orphan_policy: str = "resume") -> None:
        if orphan_policy not in ("resume", "psue"):
            raise ValueError("orphan_policy is 'resume' or 'psue'")
        self.storage = storage
        self.orphan_policy = orphan_policy
        self.token = process_token()

    def _key(self, pair_id: str, epoch: int) -> str:
        return f"{self.storage.root}|{pair_id}|{epoch}"

    def start(self, record: PairRecord) -> None:
        """Run the copy of ``record`` (at its current epoch) in a background thread."""
        key = self._key(record.pair_id, record.epoch)
        thread = threading.Thread(target=self._run, args=(record.pair_id, record.epoch, key),
                                  name=f"copy-{record.pair_id}", daemon=False)
        with _ACTIVE_LOCK:
            _ACTIVE[key] = thread
        thread.start()

    def join(self, timeout: float | None = None) -> None:
        prefix = f"{self.storage.root}|"
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with _ACTIVE_LOCK:
                threads = [t for k, t in _ACTIVE.items() if k.startswith(prefix)]
            if not threads:
                return
            for thread in threads:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                thread.join(left)
            if deadline is not None and time.monotonic() >= deadline:
                return

    @staticmethod
    def ended() -> int:
        """A counter of the copies of this process that have ended (for ``wait_change``)."""
        with _CHANGED:
            return _ENDED[0]

    @staticmethod
    def wait_change(timeout: float, seen: int) -> None:
        """Sleep up to ``timeout`` s; return at once if a copy ended since ``ended()`` gave ``seen``."""
        with _CHANGED:
            _CHANGED.wait_for(lambda: _ENDED[0] != seen, timeout)

    def _alive(self, record: PairRecord) -> bool:
        if record.owner == self.token:
            with _ACTIVE_LOCK:
                thread = _ACTIVE.get(self._key(record.pair_id, record.epoch))
            return thread is not None and thread.is_alive()
        return process_alive(record.owner)

    def recover(self) -> None:
        storage = self.storage
        orphans = [r for r in storage.records() if r.status in _COPYING and not self._alive(r)]
        if not orphans:
            return
        with storage.lock():
            for stale in orphans:
                record = storage.load(stale.pair_id)
                if record is None or record.status not in _COPYING or self._alive(record):
                    continue
                record.epoch += 1
                if self.orphan_policy == "psue":
                    record.status, record.owner = PairStatus.PSUE, None
                    record.error = "copy interrupted: its process died"
                    storage.save(record)
                    continue
                record.owner = self.token
                storage.save(record)
                self.start(record)

    # -- the copy itself --------------------------------------------------------------------
    def _progress(self, pair_id: str, epoch: int, done: int, total: int) -> None:
        with self.storage.lock():
            record = self.storage.load(pair_id)
            if record is None or record.epoch != epoch:
                raise _Superseded("pair changed")
            record.bytes_done, record.bytes_total = done, total
            self.storage.save(record, durable=False)  # progress may be lost; it is redone

    def _run(self, pair_id: str, epoch: int, key: str) -> None:
        storage, faults = self.storage, self.storage.faults
        last = [time.monotonic()]

        def progress(done: int, total: int) -> None:
            delay, stop = faults.copy_faults(pair_id)
            if delay:  # a stop set while this copy slept is seen at once, as before
                time.sleep(delay)
                stop = faults.stop_after(pair_id)
            if stop is not None and done >= stop and done < total:
                faults.clear_stop(pair_id)
                raise CopyInterrupted(f"copy stopped by fault injection after {done} bytes")
            now = time.monotonic()
            if now - last[0] >= 0.2:  # the end is recorded by the completion itself
                last[0] = now
                self._progress(pair_id, epoch, done, total)

        try:
            record = storage.load(pair_id)
            if record is None or record.epoch != epoch:
                return
            copy, written = self._copy(record, progress)
            with storage.lock():
                record = storage.load(pair_id)
                if record is None or record.epoch != epoch:
                    return
                if copy is not None:
                    copy.commit()
                    record.comparison, record.comparison_note = copy.comparison, copy.reason
                record.status = decide(record.copy_type, record.status, Op.COPY_DONE).status
                record.owner, record.direction = None, ""
                if record.copy_type in SNAPSHOT_TYPES and record.snapshot:
                    storage.pool(record.pvol.serial).delete(record.snapshot)
                    record.snapshot = None
                record.bytes_done, record.bytes_written = record.bytes_total, written
                storage.save(record)
        except _Superseded:
            return
        except Exception as error:  # noqa: BLE001 - any failure of a copy suspends the pair
            self._suspend(pair_id, epoch, str(error))
        finally:
            with _CHANGED:
                _ACTIVE.pop(key, None)
                _ENDED[0] += 1
                _CHANGED.notify_all()

    def _copy(self, record: PairRecord, progress) -> tuple[PairCopy | None, int]:
        """Run the copy; return it (to commit; None for Thin Image) and the bytes written."""
        storage = self.storage
        if record.copy_type in SNAPSHOT_TYPES:  # Thin Image restore: snapshot -> P-VOL
            marker = storage.data_dir(record.svol).parent / f".{record.svol.ldev}.snapshot"
            if marker.exists():
                stats = sync_tree(storage.data_dir(record.svol), storage.data_dir(record.pvol), progress=progress)
                return None, stats.bytes_written
            pool = storage.pool(record.pvol.serial)
            return None, restore_snapshot(pool, pool.load(record.snapshot), storage.data_dir(record.pvol), progress)
        src, dst = (record.pvol, record.svol) if record.direction == "forward" else (record.svol, record.pvol)
        copy = storage.pair_copy(record, src, dst)
        return copy, copy.run(progress).bytes_written

    def _suspend(self, pair_id: str, epoch: int, reason: str) -> None:
        with self.storage.lock():
            record = self.storage.load(pair_id)
            if record is None or record.epoch != epoch:
                return
            record.status = decide(record.copy_type, record.status, Op.COPY_FAILED).status
            record.owner, record.error = None, reason
            self.storage.save(record)
