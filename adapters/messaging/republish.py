"""Publishing stored events again, for a consumer that found a gap (``RepublishEvents``), and
the consumer's way to ask for it (``CommandSender``).

``EventRepublisher.publish`` sends the events to ``<p>.events`` through ``relay.EventProducer``,
the relay's own publish (same routing key, headers, persistence and publisher confirms), so
they land on the stream exactly as the first time. It does not touch the outbox cursor: these
events were published before. A broker error drops the connection (the next call opens a new
one) and is raised to the caller.
"""
from __future__ import annotations

import threading
from typing import Callable, Iterable

from kombu import Connection

from adapters.messaging.relay import EventProducer
from adapters.messaging.topology import Topology
from events.codec import encode_command
from events.commands import CommandEnvelope
from events.envelope import EventEnvelope


class EventRepublisher:
    def __init__(self, connect: Callable[[], Connection], topology: Topology) -> None:
        self.topology = topology
        self.events = EventProducer(connect, topology)
        self._lock = threading.Lock()

    def publish(self, events: Iterable[EventEnvelope]) -> int:
        """Publish ``events`` in the given order; return how many (all confirmed)."""
        with self._lock:
            count = 0
            try:
                for event in events:
                    self.events.publish(event)
                    count += 1
            except Exception:
                self.events.reset()
                raise
            return count

    def close(self) -> None:
        with self._lock:
            self.events.reset()


class CommandSender:
    """Fire-and-forget commands to agents' queues (``<p>.agent.<host>``), for a process that
    is not an agent and wants no answer (the audit consumer's ``RepublishEvents``).

    ``send`` declares the target's queue (a request for an agent that is not running waits for
    it), publishes persistently with confirms, and raises on a broker error after one attempt to
    connect: it never waits for a broker that is not there."""

    def __init__(self, connect: Callable[[], Connection], topology: Topology) -> None:
        self._connect, self.topology = connect, topology
        self._connection: Connection | None = None

    def send(self, command: CommandEnvelope) -> None:
        try:
            if self._connection is None:
                connection = self._connect()
                connection.ensure_connection(max_retries=1)
                self._connection = connection
            channel = self._connection.default_channel
            self.topology.commands(channel).declare()
            self.topology.agent_queue(command.target_host)(channel).declare()
            self._connection.Producer(channel).publish(
                encode_command(command), exchange=self.topology.commands,
                routing_key=command.target_host, content_type="application/json",
                content_encoding="utf-8", delivery_mode=2, correlation_id=command.command_id,
                retry=False)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass
