"""The audit consumer: reads batches from a source, checks and folds them (``Ingestor``), and
stores each batch with its position in one transaction (``ReportingStore.write``).

On start it resumes from the store alone: the hosts' chain states and the stream offset; a
host's view is refolded from its stored events (the same fold) only when an event for that host
arrives, so a consumer that touches few hosts (every embedded ``drm report`` command) pays for
those alone. Since a batch and its position commit together, a consumer killed mid-batch
resumes exactly where its last commit left it.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Callable, Iterable

from adapters.reporting.checkpoints import Checkpointer
from adapters.reporting.sources import LocalStoresSource, StreamSource
from adapters.reporting.store import ReportingStore
from projections.host_view import HostView
from events.signing import KeyRing
from projections.reporting.folding import fold_rows
from projections.reporting.head_check import HeadCheck
from projections.reporting.ingest import BatchChanges, Ingestor, SourceRecord
from services.audit.healing import Healer

log = logging.getLogger(__name__)


@dataclass
class ConsumerStats:
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    alerts: int = 0
    batches: int = 0

    def add(self, changes: BatchChanges) -> None:
        self.received += changes.received
        self.applied += len(changes.events)
        self.duplicates += changes.duplicates
        self.alerts += len(changes.alerts)
        self.batches += 1


class ReportConsumer:
    def __init__(self, store: ReportingStore,
                 on_batch: Callable[[BatchChanges], None] | None = None,
                 keys: KeyRing | None = None) -> None:
        self.store = store
        self.keys = keys  # the trusted keys the signed heads are checked with (ADR 0005)
        self.on_batch = on_batch or (lambda changes: None)
        self.stats = ConsumerStats()
        self.ingestor = self.resume()
        self.checkpoints = Checkpointer(store.engine)  # as-of checkpoints, after each ingest
        self.healer = Healer(store)  # late events that close a gap: see services.audit.healing
        self.healer.heal(self.ingestor, Healer.untrusted(self.ingestor))

    def resume(self) -> Ingestor:
        """The ingestor as the store's last commit left it (views refolded on first use)."""
        return Ingestor(self.store.hash_of, self.store.chains(), load_view=self._refold,
                        head_check=HeadCheck(self.keys) if self.keys is not None else None)

    def _refold(self, host: str) -> HostView:
        return fold_rows(host, self.store.folded_events(host))

    def apply(self, records: Iterable[SourceRecord], source: str) -> BatchChanges:
        """Check, fold and store one batch (with its position) in one transaction.

        The transaction is open while the batch is folded: its event rows go to the store
        every ``PART_SIZE`` records, so PostgreSQL stores them while the rest is folded."""
        records = list(records)
        if not records:
            return self.ingestor.ingest(records)
        try:
            with self.store.batch(source) as batch:
                changes = self.ingestor.ingest(records, batch.events, PART_SIZE)
                self.checkpoints.after_ingest(self.ingestor.views, changes)
                batch.rest(changes)
        except Exception:
            self.ingestor = self.resume()  # the batch did not commit: forget it
            raise
        self.stats.add(changes)
        self.on_batch(changes)
        self.healer.heal(self.ingestor, Healer.candidates(changes, self.ingestor))
        return changes

    def follow_stream(self, source: StreamSource, stop: threading.Event,
                      stop_when_idle: float | None = None) -> ConsumerStats:
        """Consume ``source`` from the stored offset until ``stop`` (or a quiet stream).

        Batch N commits in a writer thread while batch N+1 is received and folded (at most one
        batch waits): still one transaction per batch with its position, in order. A commit
        that fails stops the consumer, which then resumes from the store."""
        after = self.store.position(source.name)
        committer = _Committer(self, source.name)
        try:
            for batch in source.batches(after, stop, stop_when_idle):
                if batch:
                    changes = self.ingestor.ingest(batch)
                    self.checkpoints.after_ingest(self.ingestor.views, changes)
                    committer.submit(changes)
                    if heal := Healer.candidates(changes, self.ingestor):
                        committer = self._drained(committer, source.name)
                        self.healer.heal(self.ingestor, heal)
        finally:
            failed = committer.close()
        if failed is not None:
            self.ingestor = self.resume()
            raise failed
        return self.stats

    def _drained(self, committer: "_Committer", source: str) -> "_Committer":
        """Wait until the batches in flight committed (a heal reads them); a fresh writer."""
        failed = committer.close()
        if failed is not None:
            self.ingestor = self.resume()
            raise failed
        return _Committer(self, source)

    def catch_up_local(self, source: LocalStoresSource) -> ConsumerStats:
        """Apply every event of the local stores not applied yet (embedded mode)."""
        chains = self.ingestor.chains
        for batch in source.batches(lambda host: chains[host].last_seq if host in chains else 0):
            self.apply(batch, source.name)
        return self.stats

    def follow_local(self, source: LocalStoresSource, stop: threading.Event,
                     poll: float = 1.0) -> ConsumerStats:
        while not stop.is_set():
            self.catch_up_local(source)
            stop.wait(poll)
        return self.stats


PART_SIZE = 1000  # records folded before their event rows go to the store


class _Committer:
    """One writer thread, one batch in flight: ``ReportingStore.write`` releases the GIL while
    PostgreSQL works, so receiving and folding the next batch overlaps with the commit."""

    def __init__(self, consumer: ReportConsumer, source: str) -> None:
        self.consumer, self.source = consumer, source
        self.pending: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="report-writer", daemon=True)
        self.thread.start()

    def submit(self, changes: BatchChanges) -> None:
        if self.error is not None:
            raise self.error
        if changes.received:
            self.pending.put(changes)

    def _run(self) -> None:
        while (changes := self.pending.get()) is not None:
            if self.error is not None:
                continue  # drain: nothing after a failed batch may commit
            try:
                self.consumer.store.write(changes, self.source)
            except BaseException as error:  # noqa: BLE001 - handed to the consumer's thread
                self.error = error
                continue
            self.consumer.stats.add(changes)
            self.consumer.on_batch(changes)

    def close(self) -> BaseException | None:
        """Wait for the batches submitted so far; the error of a failed commit, if any."""
        self.pending.put(None)
        self.thread.join()
        return self.error
