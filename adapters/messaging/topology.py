"""The RabbitMQ topology, declared once, with formulaic names (DESIGN §3).

```
 CLI ──▶ [<p>.commands] direct, key = host ──▶ <p>.agent.<host>  quorum, single active consumer
  ▲ reply_to: direct reply-to (amq.rabbitmq.reply-to)               │ dead letters ▶ [<p>.dead]
  └──────────── outcome event ◀──────────── agent ◀─────────────────┘
                                              │ outbox relay, publisher confirms
                                              ▼
                       [<p>.events] topic, key = <host>.<EventType>
                                │                        │
                       <p>.events.log (stream, `#`)   live queues of consumers
```

``<p>`` is the namespace, ``drm`` unless ``DRM_NAMESPACE`` says otherwise (tests use a fresh
one each, so they never see each other's messages).

A ``managed`` topology (identities configured, ADR 0006) is created by the administrator from
the definitions ``drm lab credentials`` writes; components then only check that it exists
(passive declares, which need no configure permission) and never create, bind or delete.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from kombu import Exchange, Queue


class CheckedQueue(Queue):
    """A queue of a managed topology: declaring it only checks that it exists."""

    def declare(self, nowait=False, channel=None):
        self.queue_declare(nowait=nowait, passive=True, channel=channel)
        return self.name


@dataclass(frozen=True)
class Topology:
    namespace: str = "drm"
    managed: bool = False

    def _exchange(self, suffix: str, kind: str) -> Exchange:
        return Exchange(f"{self.namespace}.{suffix}", type=kind, durable=True,
                        passive=self.managed)

    def _queue(self, name: str, **options) -> Queue:
        return (CheckedQueue if self.managed else Queue)(name, **options)

    @property
    def commands(self) -> Exchange:
        return self._exchange("commands", "direct")

    @property
    def events(self) -> Exchange:
        return self._exchange("events", "topic")

    @property
    def dead_letters(self) -> Exchange:
        return self._exchange("dead", "fanout")

    def agent_queue(self, host: str) -> Queue:
        """The command queue of ``host``: quorum (replicated, durable) with a single active
        consumer, so a standby agent takes over without two deciders running at once."""
        return self._queue(
            f"{self.namespace}.agent.{host}", exchange=self.commands, routing_key=host,
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                "x-single-active-consumer": True,
                "x-dead-letter-exchange": self.dead_letters.name,
            },
        )

    @property
    def dead_letter_queue(self) -> Queue:
        return self._queue(f"{self.namespace}.dead-letters", exchange=self.dead_letters,
                     routing_key="#", durable=True)

    @property
    def event_log_name(self) -> str:
        return f"{self.namespace}.events.log"

    @property
    def event_log(self) -> Queue:
        """The shared, replayable log: a stream queue bound to every event."""
        return self._queue(self.event_log_name, exchange=self.events, routing_key="#", durable=True,
                     queue_arguments={"x-queue-type": "stream"})

    @property
    def reply_prefix(self) -> str:
        return f"{self.namespace}.reply."

    def reply_queue(self) -> Queue:
        """A client's own reply queue in embedded mode (``memory://`` has no direct reply-to;
        on RabbitMQ the client consumes ``amq.rabbitmq.reply-to`` instead)."""
        return Queue(f"{self.reply_prefix}{uuid.uuid4().hex}", exclusive=True,
                     auto_delete=True, durable=False)

    def event_routing_key(self, host: str, event_type: str) -> str:
        return f"{host}.{event_type}"

    def declare_all(self, channel, hosts: tuple[str, ...] = ()) -> None:
        """Declare the shared exchanges and queues (and the command queues of ``hosts``)."""
        for entity in (self.commands, self.events, self.dead_letters):
            entity(channel).declare()
        for queue in (self.dead_letter_queue, self.event_log,
                      *(self.agent_queue(h) for h in hosts)):
            queue(channel).declare()

    def delete_all(self, channel, hosts: tuple[str, ...] = (), queues: tuple[str, ...] = ()) -> None:
        """Remove this namespace from the broker: the shared queues, the command queues of
        ``hosts``, any other named ``queues``, and the exchanges (tests and benchmarks)."""
        names = (self.event_log_name, self.dead_letter_queue.name,
                 *(self.agent_queue(h).name for h in hosts), *queues)
        for name in dict.fromkeys(names):
            channel.queue_delete(name)
        for exchange in (self.commands, self.events, self.dead_letters):
            channel.exchange_delete(exchange.name)
