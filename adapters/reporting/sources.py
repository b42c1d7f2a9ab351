"""Where the audit consumer's events come from: an adapter, so the same consumer and the same
fold serve both ways to run.

- ``StreamSource``: the RabbitMQ stream ``<ns>.events.log`` read from a stored offset with the
  ``LogReader`` of ``adapters.log_readers`` (AMQP 0-9-1, or the stream protocol when a
  ``rabbitmq-stream://`` URL is configured). It keeps the raw bodies, since an event type this
  code does not know must still be stored and reported. A broker that goes away is waited for:
  the source reconnects with back-off and resumes after the last offset it handed out. With
  identities (ADR 0006), an event whose publisher (``user_id``) is not its host's agent is
  refused here: logged, counted in ``refused``, never handed to the consumer.
- ``LocalStoresSource``: the embedded mode's per-host stores under ``DRM_DATA_DIR`` (or the one
  configured store), read after each host's last applied seq.
"""
from __future__ import annotations

import logging
import threading

import orjson
from pathlib import Path
from typing import Callable, Iterator

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.log_readers import FIRST_DELIVERY_WAIT, READ_ERRORS, open_log_reader
from adapters.messaging.identities import NO_IDENTITIES, Identities
from events.signing import HEAD_FIELD
from projections.reporting.ingest import SourceRecord

log = logging.getLogger(__name__)
BROKER_ERRORS = READ_ERRORS  # a broken frame, refused, reset, and BrokerClosed


class StreamSource:
    def __init__(self, url: str, stream: str, batch_size: int = 5000, idle: float = 0.2,
                 max_backoff: float = 5.0, stream_url: str | None = None,
                 identities: Identities = NO_IDENTITIES) -> None:
        self.url, self.stream, self.stream_url = url, stream, stream_url
        self.batch_size, self.idle, self.max_backoff = batch_size, idle, max_backoff
        self.identities = identities
        self.name = stream
        self.reconnects = 0
        self.refused = 0

    def batches(self, after: int | None, stop: threading.Event,
                stop_when_idle: float | None = None) -> Iterator[list[SourceRecord]]:
        """Batches of records after offset ``after`` (from the start when ``None``), until
        ``stop`` is set, or (``stop_when_idle``) the stream stays quiet that many seconds."""
        backoff = 0.2
        while not stop.is_set():
            try:
                for batch in self._read(after, stop, stop_when_idle):
                    backoff = 0.2
                    if batch:
                        after = batch[-1].offset
                    yield batch
                return
            except BROKER_ERRORS as error:
                self.reconnects += 1
                log.warning("report: stream %s unavailable (%s); retrying in %.1fs",
                            self.stream, error or type(error).__name__, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    def _read(self, after: int | None, stop: threading.Event,
              stop_when_idle: float | None) -> Iterator[list[SourceRecord]]:
        start = "first" if after is None else after + 1
        with open_log_reader(self.url, self.stream, start, self.stream_url) as reader:
            quiet, batch, started = 0.0, [], False
            while True:
                received = reader.poll(self.idle)
                if not received:
                    yield batch
                    batch, quiet = [], quiet + self.idle
                    enough = None if stop_when_idle is None else (
                        stop_when_idle if started else max(stop_when_idle, FIRST_DELIVERY_WAIT))
                    if stop.is_set() or (enough is not None and quiet >= enough):
                        return
                    continue
                quiet, started = 0.0, True
                if self.identities.enabled:
                    batch += self._genuine(received)
                else:
                    batch += [SourceRecord(offset, body) for offset, body, _user in received]
                if len(batch) >= self.batch_size:
                    yield batch
                    batch = []
                    if stop.is_set():
                        return

    def _genuine(self, received: list) -> list[SourceRecord]:
        """The records whose publisher is their host's agent, parsed once (a body that is not
        a JSON object goes on as it is: the consumer reports it as undecodable)."""
        records = []
        for offset, body, user in received:
            try:
                event = orjson.loads(body)
            except orjson.JSONDecodeError:
                event = None
            host = event.get("host") if isinstance(event, dict) else None
            if not isinstance(host, str):
                records.append(SourceRecord(offset, body))
                continue
            reason = self.identities.event_refusal(user, host)
            if reason is None:
                records.append(SourceRecord(offset, event))
                continue
            self.refused += 1
            log.error("report: refused the event at offset %s (host %s, seq %s): %s",
                      offset, host, event.get("seq"), reason)
        return records


class LocalStoresSource:
    """The hosts' own stores: ``<data_dir>/hosts/<host>/events.db``, or one shared store URL."""

    name = "local-stores"

    def __init__(self, data_dir: Path, database_url: str | None = None,
                 page: int = 5000) -> None:
        self.data_dir, self.database_url, self.page = data_dir, database_url, page

    def stores(self) -> Iterator[tuple[str, SqlEventStore]]:
        """``(host, store)`` for every host found, each store open while it is visited."""
        if self.database_url:
            store = SqlEventStore(make_engine(self.database_url))
            for host in store.hosts():
                yield host, store
            store.engine.dispose()
            return
        hosts_dir = self.data_dir / "hosts"
        for path in sorted(hosts_dir.glob("*/events.db")) if hosts_dir.is_dir() else ():
            store = SqlEventStore(make_engine(f"sqlite:///{path}"))
            try:
                for host in store.hosts():
                    yield host, store
            finally:
                store.engine.dispose()

    def batches(self, last_seq: Callable[[str], int]) -> Iterator[list[SourceRecord]]:
        """Every host's events after ``last_seq(host)``, a page at a time."""
        for host, store in self.stores():
            after = last_seq(host)
            while events := store.read(host, after_seq=after, limit=self.page):
                yield [SourceRecord(None, event.to_wire() if head is None
                                    else {**event.to_wire(), HEAD_FIELD: head})
                       for event, head in store.with_heads(events)]
                after = events[-1].seq
