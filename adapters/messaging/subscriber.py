"""A live consumer of events: decodes, drops duplicates, reports gaps, acks after handling.

Per message: a body that is not a valid event is dead-lettered and reported (``on_error``); a
``(host, seq)`` already applied is acked and counted as a duplicate; a seq beyond the next one is
reported to ``on_gap`` with the missing range and then handled (the handler decides what a gap
means; the agent of that host can publish the missing range again from its store). The message
is acked only after ``handler`` returned. With identities (ADR 0006), an event whose publisher
(``user_id``) is not its host's agent is dead-lettered, logged and counted in ``refused``.
"""
from __future__ import annotations

import logging
from typing import Callable

from kombu import Consumer, Queue

from adapters.messaging.identities import NO_IDENTITIES, Identities
from adapters.messaging.sequence import SequenceGuard, Verdict
from adapters.messaging.topology import Topology
from events import EventEnvelope
from events.codec import decode_event
from events.registry import EventSchemaError

log = logging.getLogger(__name__)


class EventSubscriber:
    def __init__(self, connection, topology: Topology, name: str,
                 handler: Callable[[EventEnvelope], None], binding_key: str = "#",
                 guard: SequenceGuard | None = None,
                 on_gap: Callable[[str, range], None] | None = None,
                 on_error: Callable[[EventSchemaError], None] | None = None,
                 identities: Identities = NO_IDENTITIES) -> None:
        self.connection = connection
        self.identities = identities
        self.refused = 0
        self.handler = handler
        self.guard = guard or SequenceGuard()
        self.on_gap = on_gap or (lambda host, missing: None)
        self.on_error = on_error or (lambda error: None)
        self.duplicates = 0
        self.queue = Queue(f"{topology.namespace}.sub.{name}", exchange=topology.events,
                           routing_key=binding_key, durable=True,
                           queue_arguments={"x-dead-letter-exchange": topology.dead_letters.name})
        self.channel = connection.channel()
        topology.declare_all(self.channel)
        self.queue(self.channel).declare()
        self.consumer = Consumer(self.channel, queues=[self.queue], callbacks=[self._on_message],
                                 accept=["json"], prefetch_count=100)
        self.consumer.consume()

    def _on_message(self, body, message) -> None:
        try:
            event = decode_event(body)
        except EventSchemaError as error:
            self.on_error(error)
            message.reject(requeue=False)
            return
        refusal = self.identities.event_refusal(message.properties.get("user_id"), event.host)
        if refusal is not None:
            log.error("refused event %s/%s: %s", event.host, event.seq, refusal)
            self.refused += 1
            message.reject(requeue=False)
            return
        verdict = self.guard.check(event.host, event.seq)
        if verdict is Verdict.DUPLICATE:
            self.duplicates += 1
            message.ack()
            return
        if verdict is Verdict.GAP:
            self.on_gap(event.host, self.guard.missing(event.host, event.seq))
        self.handler(event)
        self.guard.applied(event.host, event.seq)
        message.ack()

    def drain(self, timeout: float = 0.5) -> None:
        """Handle messages until none arrives for ``timeout`` seconds."""
        while True:
            try:
                self.connection.drain_events(timeout=timeout)
            except TimeoutError:
                return

    def close(self, delete_queue: bool = False) -> None:
        self.consumer.cancel()
        if delete_queue:
            self.queue(self.channel).delete()
        self.channel.close()
