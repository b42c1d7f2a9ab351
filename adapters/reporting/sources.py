"""Where the audit consumer's events come from: an adapter, so the same consumer and the same
fold serve both ways to run.

- ``StreamSource``: the RabbitMQ stream ``<ns>.events.log`` read with pika from a stored offset
  (the one pika read path besides ``adapters.messaging.stream_reader``; it keeps the raw bodies,
  since an event type this code does not know must still be stored and reported). A broker that
  goes away is waited for: the source reconnects with back-off and resumes after the last
  offset it handed out.
- ``LocalStoresSource``: the embedded mode's per-host stores under ``DRM_DATA_DIR`` (or the one
  configured store), read after each host's last applied seq.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Iterator

import pika
import pika.exceptions

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.messaging.stream_reader import pika_parameters
from projections.reporting.ingest import SourceRecord

log = logging.getLogger(__name__)
BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


class StreamSource:
    def __init__(self, url: str, stream: str, batch_size: int = 5000, idle: float = 0.2,
                 max_backoff: float = 5.0) -> None:
        self.url, self.stream = url, stream
        self.batch_size, self.idle, self.max_backoff = batch_size, idle, max_backoff
        self.name = stream
        self.reconnects = 0

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
        parameters = pika_parameters(self.url)
        parameters.heartbeat, parameters.blocked_connection_timeout = 10, 10
        parameters.socket_timeout, parameters.connection_attempts = 5, 1
        connection = pika.BlockingConnection(parameters)
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=2 * self.batch_size)
            offset = "first" if after is None else after + 1
            quiet, batch, seen, acked = 0.0, [], 0, 0
            for method, properties, body in channel.consume(
                    self.stream, arguments={"x-stream-offset": offset},
                    inactivity_timeout=self.idle):
                if method is None:
                    if seen > acked:  # acks give the stream credit; the position is ours
                        channel.basic_ack(seen, multiple=True)
                        acked = seen
                    yield batch
                    batch, quiet = [], quiet + self.idle
                    if stop.is_set() or (stop_when_idle is not None and quiet >= stop_when_idle):
                        break
                    continue
                quiet, seen = 0.0, method.delivery_tag
                batch.append(SourceRecord((properties.headers or {}).get("x-stream-offset"),
                                          body))
                if len(batch) >= self.batch_size:
                    channel.basic_ack(seen, multiple=True)
                    acked = seen
                    yield batch
                    batch = []
                    if stop.is_set():
                        break
            channel.cancel()
        finally:
            if connection.is_open:
                try:
                    connection.close()
                except BROKER_ERRORS:
                    pass


class LocalStoresSource:
    """The hosts' own stores: ``<data_dir>/hosts/<host>/events.db``, or one shared store URL."""

    name = "local-stores"

    def __init__(self, data_dir: Path, database_url: str | None = None,
                 page: int = 5000) -> None:
        self.data_dir, self.database_url, self.page = data_dir, database_url, page

    def _stores(self) -> Iterator[tuple[str, SqlEventStore]]:
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
        for host, store in self._stores():
            after = last_seq(host)
            while events := store.read(host, after_seq=after, limit=self.page):
                yield [SourceRecord(None, event.to_wire()) for event in events]
                after = events[-1].seq
