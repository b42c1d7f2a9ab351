"""Snapshots of the agent's host view: start from the latest usable one, take one every N events.

Taking (``SnapshotKeeper.take``, between commands, never inside one): inside the host's command
slot (tried at once: a busy slot skips this turn), the view caught up with the store and at its
head is encoded (``projections.host_snapshot``); ``HostViewSnapshotted`` with the content's
SHA-256 and the head it covers is appended right after that head (``events.snapshots``); the
file is then written in a background thread, atomically (``adapters.snapshots``). The command
path pays the encoding and the hash (~0.25 s at 100,000 catalog entries, once per N events),
not the write.

Loading (``SnapshotKeeper.load``, at agent start): the snapshot files newest first; the first
that passes every check is the view, and the agent folds only the events after it. A snapshot
is used only when
- its header names this host, the seq its file name says, and this fold code;
- its seq is not past the store's head, and the store's event at that seq has the header's hash;
- the event right after it is the ``HostViewSnapshotted`` that records it (same seq, head hash,
  format and fold code), and the file has that event's size and SHA-256;
- its body decodes to the view of this host at that seq.
Any other file is ignored (never trusted, never deleted at start) with a warning saying why,
and the next older one is tried; without one, the agent folds the whole stream.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, ContextManager

from adapters.event_store.store import ConcurrencyError
from adapters.files import FileTooLarge
from adapters.gc_pause import gc_paused
from adapters.snapshots import SnapshotFiles
from events import REGISTRY, EventContext, EventSchemaError
from events.snapshots import HostViewSnapshotted
from projections import host_snapshot
from projections.fold_code import fold_fingerprint
from projections.host_fold import apply
from projections.host_view import HostView
from services.agent.errors import CommandRejection
from services.settings import Settings

log = logging.getLogger(__name__)

SNAPSHOTS_KEPT = 2  # the newest files; older ones are removed after each write


class Unusable(Exception):
    """A snapshot file that must not be used; the message says why."""


class SnapshotKeeper:
    """Loads and takes one host's snapshots (see the module docstring).

    ``slot()`` holds the host's command slot or raises ``CommandRejection`` at once when
    another process has it; ``background=False`` writes files in the caller's thread."""

    def __init__(self, files: SnapshotFiles, every: int, max_bytes: int = 1 << 30,
                 slot: Callable[[], ContextManager] = nullcontext,
                 background: bool = True) -> None:
        self.files, self.every, self.max_bytes = files, every, max_bytes
        self.slot, self.background = slot, background
        self.last_seq = 0  # the seq of the newest snapshot loaded or taken by this keeper
        self._writer: threading.Thread | None = None

    # -- start ---------------------------------------------------------------------------------
    def load(self, store, host: str) -> HostView | None:
        """The view of the newest usable snapshot of ``host`` (``None``: none is).

        The view lives as long as the agent and holds millions of acyclic objects: they are
        decoded with the cyclic GC paused and then frozen (``gc.freeze``) out of its
        generations, else the first collections after start would walk them all (~0.3 s)."""
        head_seq, _ = store.head(host)
        try:
            candidates = self.files.candidates()
        except OSError as error:
            log.warning("snapshots of host %s not looked at: %s", host, error)
            return None
        for seq, path in candidates:
            try:
                with gc_paused():
                    view = self._checked(store, host, head_seq, seq, path)
                    gc.freeze()  # see below
            except Unusable as why:
                log.warning("snapshot %s of host %s ignored: %s", path.name, host, why)
                continue
            self.last_seq = seq
            log.info("host %s: view loaded from the snapshot of seq %s; folding seq %s..%s",
                     host, seq, seq + 1, head_seq)
            return view
        return None

    def _checked(self, store, host: str, head_seq: int, seq: int, path: Path) -> HostView:
        try:
            header = host_snapshot.read_header(self.files.read_head(path))
        except (OSError, host_snapshot.SnapshotError) as error:
            raise Unusable(str(error)) from None
        if header.host != host:
            raise Unusable(f"it is the view of host {header.host!r}")
        if header.seq != seq:
            raise Unusable(f"its header covers seq {header.seq}, its name seq {seq} "
                           f"(renamed or swapped)")
        if header.fold != fold_fingerprint():
            raise Unusable(f"made by other fold code ({header.fold}, this agent "
                           f"{fold_fingerprint()})")
        if seq > head_seq:
            raise Unusable(f"it covers seq {seq}, past the store's head (seq {head_seq})")
        recorded = _recorded(store, host, header)
        try:
            with self.files.mapped(path, self.max_bytes) as data:
                if len(data) != recorded.size_bytes:
                    raise Unusable(f"{len(data):,} bytes, its event records "
                                   f"{recorded.size_bytes:,}")
                digest, decoded = _hashed_while(data, lambda: _decoded(data))
        except (OSError, FileTooLarge) as error:
            raise Unusable(str(error)) from None
        if digest != recorded.content_sha256:
            raise Unusable("its content's SHA-256 is not the one its event records")
        if isinstance(decoded, Unusable):
            raise decoded
        return decoded

    # -- taking --------------------------------------------------------------------------------
    def due(self, view: HostView) -> bool:
        return self.every > 0 and view.seq - self.last_seq >= self.every

    def take(self, agent) -> int | None:
        """Snapshot ``agent``'s view (a ``HostAgent``) if it is due; the seq covered, or
        ``None`` (not due, the slot busy, another writer first). The file is written in the
        background."""
        try:
            with self.slot():
                view = agent.catch_up()
                head_seq, head_hash = agent.store.head(agent.host)
                if not self.due(view) or head_seq != view.seq:
                    return None
                data = host_snapshot.encode(view, head_hash)
                recorded = HostViewSnapshotted(
                    covers_seq=view.seq, head_hash=head_hash,
                    content_sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                    format=host_snapshot.FORMAT, format_version=host_snapshot.VERSION,
                    fold=fold_fingerprint())
                context = EventContext(principal=f"agent@{agent.host}",
                                       occurred_at=agent.clock())
                stored = agent.store.append(agent.host, [REGISTRY.draft(recorded)], view.seq,
                                            context)
                apply(view, stored[0])
        except (CommandRejection, ConcurrencyError) as busy:
            log.info("host %s: snapshot put off (%s)", agent.host, busy)
            return None
        self.last_seq = recorded.covers_seq
        self._write(recorded.covers_seq, data)
        return recorded.covers_seq

    def _write(self, seq: int, data: bytes) -> None:
        self.wait()
        if not self.background:
            self._write_now(seq, data)
            return
        self._writer = threading.Thread(target=self._write_now, args=(seq, data),
                                        name=f"snapshot-{seq}")
        self._writer.start()

    def _write_now(self, seq: int, data: bytes) -> None:
        try:
            self.files.write(seq, data)
            self.files.prune(SNAPSHOTS_KEPT)
        except OSError as error:  # the event stays true; the next start folds further
            log.warning("snapshot of seq %s not written: %s", seq, error)

    def wait(self) -> None:
        """Until the file being written in the background (if any) is in place."""
        if self._writer is not None:
            self._writer.join()
            self._writer = None


def _recorded(store, host: str, header: host_snapshot.SnapshotHeader) -> HostViewSnapshotted:
    """The event that records the snapshot ``header`` describes, checked against the store."""
    pair = store.read(host, after_seq=header.seq - 1, limit=2)
    if not pair or pair[0].seq != header.seq:
        raise Unusable(f"the store has no event at seq {header.seq}")
    if pair[0].hash != header.head_hash:
        raise Unusable(f"the store's event at seq {header.seq} is not the one it covers "
                       f"(another history)")
    if len(pair) < 2 or pair[1].type != "HostViewSnapshotted":
        raise Unusable(f"no HostViewSnapshotted event right after seq {header.seq} records it")
    try:
        recorded = REGISTRY.load(pair[1])
    except EventSchemaError as error:
        raise Unusable(f"its event does not read: {error}") from None
    if (recorded.covers_seq, recorded.head_hash, recorded.fold, recorded.format,
            recorded.format_version) != (header.seq, header.head_hash, header.fold,
                                         header.format, header.version):
        raise Unusable(f"the event at seq {pair[1].seq} records another snapshot")
    return recorded


def _decoded(data: bytes) -> HostView | Unusable:
    try:
        return host_snapshot.decode(data)[1]
    except host_snapshot.SnapshotError as error:
        return Unusable(str(error))


def _hashed_while(data, work: Callable[[], object]) -> tuple[str, object]:
    """``sha256(data)`` computed in a second thread (hashlib releases the GIL) while
    ``work()`` runs in this one; nothing ``work`` returns is used before the caller compares
    the digest."""
    found: list[str] = []
    hasher = threading.Thread(target=lambda: found.append(hashlib.sha256(data).hexdigest()))
    hasher.start()
    try:
        result = work()
    finally:
        hasher.join()
    return found[0], result


def snapshot_keeper(settings: Settings, host: str) -> SnapshotKeeper | None:
    """The keeper of ``host``'s snapshots per ``settings`` (``None``: snapshots are off). Its
    slot is the host's command slot, tried twice without waiting."""
    if settings.snapshot_every == 0:
        return None
    from services.agent.filesystem.slot import CommandSlot, RetryPolicy, slot_path

    slot = CommandSlot(slot_path(settings.data_dir, host), RetryPolicy(1, 0.0))
    return SnapshotKeeper(SnapshotFiles(settings.data_dir, host), settings.snapshot_every,
                          settings.snapshot_max_bytes, slot)
