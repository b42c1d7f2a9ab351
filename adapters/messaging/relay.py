"""The outbox relay: publishes a host's stored events to ``<p>.events`` in order.

Guarantees: events are published in seq order, each with publisher confirms and persistent
delivery, and leave the outbox only after the broker confirmed them. A broker outage stops the
relay, never the agent: it retries with back-off and resumes from the outbox, so an event may be
published twice (after a confirm that was lost) but never lost. Consumers drop the duplicates by
``(host, seq)``.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from kombu import Connection

from adapters.event_store import SqlEventStore
from adapters.messaging.topology import Topology
from events.codec import encode_event
from events.envelope import EventEnvelope

log = logging.getLogger(__name__)

ConnectionFactory = Callable[[], Connection]


def publish_event(producer, topology: Topology, event: EventEnvelope,
                  signed_head: dict | None = None) -> None:
    producer.publish(
        encode_event(event, signed_head),
        exchange=topology.events,
        routing_key=topology.event_routing_key(event.host, event.type),
        content_type="application/json", content_encoding="utf-8",
        delivery_mode=2, message_id=event.event_id,
        correlation_id=event.correlation_id or event.command_id,
        headers={"host": event.host, "seq": event.seq, "type": event.type},
        retry=False,
    )


class EventProducer:
    """A producer on ``<p>.events``, opened on first use (declaring the topology); ``reset``
    drops a broken connection so that the next ``publish`` opens a new one."""

    def __init__(self, connect: ConnectionFactory, topology: Topology) -> None:
        self.connect, self.topology = connect, topology
        self._connection: Connection | None = None
        self._producer = None

    def publish(self, event: EventEnvelope, signed_head: dict | None = None) -> None:
        if self._producer is None:
            connection = self.connect()
            connection.ensure_connection(max_retries=1)
            channel = connection.channel()
            self.topology.declare_all(channel)
            self._connection, self._producer = connection, connection.Producer(channel)
        publish_event(self._producer, self.topology, event, signed_head)

    def reset(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass


class OutboxRelay:
    def __init__(self, store: SqlEventStore, connect: ConnectionFactory, topology: Topology,
                 host: str | None = None, batch_size: int = 500) -> None:
        self.store = store
        self.topology = topology
        self.host = host
        self.batch_size = batch_size
        self.events = EventProducer(connect, topology)
        self.wake = threading.Event()
        self.failures = 0

    def publish_pending(self) -> int:
        """Publish everything in the outbox now; return how many. Raises on broker errors
        (what was confirmed before the error is marked published)."""
        total = 0
        while batch := self.store.pending(limit=self.batch_size, host=self.host):
            confirmed: dict[str, int] = {}
            try:
                signed = self.store.with_heads([item.event for item in batch])
                for item, (_, head) in zip(batch, signed):
                    self.events.publish(item.event, head)
                    confirmed[item.event.host] = item.event.seq
                    total += 1
            finally:
                for host, seq in confirmed.items():
                    self.store.mark_published(host, seq)
        return total

    def reset(self) -> None:
        """Drop the connection after a failure; the next publish reconnects."""
        self.events.reset()

    def run(self, stop: threading.Event, idle: float = 1.0, max_backoff: float = 10.0) -> None:
        """Publish until ``stop`` is set: on ``wake`` or every ``idle`` seconds; back off on
        errors (0.2 s doubling to ``max_backoff``); flush once more when stopping."""
        backoff = 0.2
        while not stop.is_set():
            try:
                self.publish_pending()
                backoff = 0.2
            except Exception as error:  # noqa: BLE001 - the relay must outlive broker trouble
                log.warning("outbox relay: broker unavailable (%s); retrying in %.1fs",
                            error, backoff)
                self.failures += 1
                self.reset()
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            self.wake.wait(idle)
            self.wake.clear()
        try:  # a last flush on the way out; what fails stays in the outbox for next time
            self.publish_pending()
        except Exception as error:  # noqa: BLE001
            log.warning("outbox relay: final flush failed (%s); events stay in the outbox", error)
        self.reset()

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="outbox-relay",
                                  daemon=True)
        thread.start()
        return thread
