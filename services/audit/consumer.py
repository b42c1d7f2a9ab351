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

from adapters.reporting import checkpoints
from adapters.reporting.checkpoints import Checkpointer
from adapters.reporting.queries import ReportQueries
from adapters.reporting.sources import LocalStoresSource, StreamSource
from adapters.reporting.store import ReportingStore
from projections.host_view import HostView
from events.signing import KeyRing
from projections.reporting.folding import fold_rows
from projections.reporting.head_check import HeadCheck
from projections.reporting.ingest import BatchChanges, Ingestor, SourceRecord
from services.audit.healing import Healer
from services.audit.poison import is_transient, isolate, merged, quarantined

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
                        head_check=HeadCheck(self.keys) if self.keys is not None else None,
                        load_rows=self._stored_rows)

    def _refold(self, host: str) -> HostView:
        return fold_rows(host, self.store.folded_events(host))

    def _stored_rows(self, host: str) -> dict[tuple[str, str], str]:
        """The rows the store holds for ``host``: a refolded view is written as a diff from
        them, so rows an older fold or older view names left are brought up to date."""
        return ReportQueries(self.store).view_rows(host)

    def _reset(self) -> None:
        """Forget what did not commit: the ingestor and the checkpoints as the store has them."""
        self.ingestor = self.resume()
        checkpoints.forget_uncommitted(self.store.engine)
        self.checkpoints = Checkpointer(self.store.engine, self.checkpoints.every)

    def apply(self, records: Iterable[SourceRecord], source: str) -> BatchChanges:
        """Check, fold and store one batch (with its position) in one transaction.

        The transaction is open while the batch is folded: its event rows go to the store
        every ``PART_SIZE`` records, so PostgreSQL stores them while the rest is folded. A
        batch refused for its content is stored in parts, its record at fault quarantined
        (``services.audit.poison``); a transient fault is raised, nothing stored."""
        records = list(records)
        if not records:
            return self.ingestor.ingest(records)
        try:
            return self.commit_batch(records, source)
        except Exception as error:
            if is_transient(error):
                raise
            return merged(isolate(records, error, lambda part: self.commit_batch(part, source),
                                  lambda record, why: self._set_aside(record, why, source)))

    def commit_batch(self, records: list[SourceRecord], source: str) -> BatchChanges:
        """Ingest and store ``records`` as one transaction; on any error nothing is stored, the
        consumer is as its last commit left it, and the error is raised."""
        try:
            with self.store.batch(source) as batch:
                changes = self.ingestor.ingest(records, batch.events, PART_SIZE)
                self.checkpoints.after_ingest(self.ingestor.views, changes)
                batch.rest(changes)
        except Exception:
            self._reset()  # the batch did not commit: forget it
            raise
        self._committed(changes)
        return changes

    def _committed(self, changes: BatchChanges) -> None:
        self.stats.add(changes)
        self.on_batch(changes)
        self.healer.heal(self.ingestor, Healer.candidates(changes, self.ingestor))

    def _set_aside(self, record: SourceRecord, error: BaseException, source: str) -> BatchChanges:
        changes = quarantined(record, error)
        self.store.write(changes, source)
        log.error("report: quarantined the message at offset %s: %s", record.offset,
                  changes.alerts[0][3])
        self._committed(changes)
        return changes

    def follow_stream(self, source: StreamSource, stop: threading.Event,
                      stop_when_idle: float | None = None) -> ConsumerStats:
        """Consume ``source`` from the stored offset until ``stop`` (or a quiet stream).

        Batch N commits in a writer thread while batch N+1 is received and folded (at most one
        batch waits): still one transaction per batch with its position, in order. A commit
        refused for its content is made again, with the batches after it, by ``apply`` (which
        quarantines the record at fault); a transient failure stops the consumer, which then
        resumes from the store."""
        after = self.store.position(source.name)
        committer = _Committer(self, source.name)
        try:
            for batch in source.batches(after, stop, stop_when_idle):
                if batch:
                    committer = self._ingested(batch, committer, source.name)
        except BaseException:
            if committer.close()[0] is not None:
                self._reset()
            raise
        self._settle(committer, source.name)
        return self.stats

    def _ingested(self, batch: list[SourceRecord], committer: "_Committer",
                  source: str) -> "_Committer":
        """Fold ``batch`` and hand it to ``committer`` (or to a fresh one, returned)."""
        if committer.error is not None:
            self._settle(committer, source)
            committer = _Committer(self, source)
        try:
            changes = self.ingestor.ingest(batch)
        except Exception as error:  # noqa: BLE001 - a record the fold cannot take
            if is_transient(error):
                raise
            self._settle(committer, source, reset=True)
            self.apply(batch, source)
            return _Committer(self, source)
        self.checkpoints.after_ingest(self.ingestor.views, changes)
        committer.submit(batch, changes)
        if heal := Healer.candidates(changes, self.ingestor):
            if not self._settle(committer, source):  # a heal reads the batches in flight
                self.healer.heal(self.ingestor, heal)
            return _Committer(self, source)
        return committer

    def _settle(self, committer: "_Committer", source: str, reset: bool = False) -> bool:
        """Wait until the batches in flight are done; when one failed, store it and the ones
        after it again with ``apply`` (transient failures are raised). True if it had to."""
        failed, unwritten = committer.close()
        if failed is not None or reset:
            self._reset()
        if failed is None:
            return False
        if is_transient(failed):
            raise failed
        for records in unwritten:
            self.apply(records, source)
        return True

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
    PostgreSQL works, so receiving and folding the next batch overlaps with the commit. After
    a failed commit nothing more is written: that batch's records and those of every later one
    are kept in ``unwritten``."""

    def __init__(self, consumer: ReportConsumer, source: str) -> None:
        self.consumer, self.source = consumer, source
        self.pending: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.unwritten: list[list[SourceRecord]] = []
        self.thread = threading.Thread(target=self._run, name="report-writer", daemon=True)
        self.thread.start()

    def submit(self, records: list[SourceRecord], changes: BatchChanges) -> None:
        if changes.received:
            self.pending.put((records, changes))

    def _run(self) -> None:
        while (item := self.pending.get()) is not None:
            records, changes = item
            if self.error is not None:
                self.unwritten.append(records)  # nothing after a failed batch may commit
                continue
            try:
                self.consumer.store.write(changes, self.source)
            except BaseException as error:  # noqa: BLE001 - handed to the consumer's thread
                self.error = error
                self.unwritten.append(records)
                continue
            self.consumer.stats.add(changes)
            self.consumer.on_batch(changes)

    def close(self) -> tuple[BaseException | None, list[list[SourceRecord]]]:
        """Wait for the batches submitted so far; the error of a failed commit, if any, and
        the records not written."""
        self.pending.put(None)
        self.thread.join()
        return self.error, self.unwritten
