"""The RabbitMQ topology, declared once, with formulaic names (DESIGN §3).

```
 CLI ──▶ [<p>.commands] direct, key = host ──▶ <p>.agent.<host>  quorum, single active consumer
  ▲ reply_to (exclusive queue <p>.reply.<id>)                       │ dead letters ▶ [<p>.dead]
  └──────────── outcome event ◀──────────── agent ◀─────────────────┘
                                              │ outbox relay, publisher confirms
                                              ▼
                       [<p>.events] topic, key = <host>.<EventType>
                                │                        │
                       <p>.events.log (stream, `#`)   live queues of consumers
```

``<p>`` is the namespace, ``drm`` unless ``DRM_NAMESPACE`` says otherwise (tests use a fresh
one each, so they never see each other's messages).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from kombu import Exchange, Queue


@dataclass(frozen=True)
class Topology:
    namespace: str = "drm"

    @property
    def commands(self) -> Exchange:
        return Exchange(f"{self.namespace}.commands", type="direct", durable=True)

    @property
    def events(self) -> Exchange:
        return Exchange(f"{self.namespace}.events", type="topic", durable=True)

    @property
    def dead_letters(self) -> Exchange:
        return Exchange(f"{self.namespace}.dead", type="fanout", durable=True)

    def agent_queue(self, host: str) -> Queue:
        """The command queue of ``host``: quorum (replicated, durable) with a single active
        consumer, so a standby agent takes over without two deciders running at once."""
        return Queue(
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
        return Queue(f"{self.namespace}.dead-letters", exchange=self.dead_letters,
                     routing_key="#", durable=True)

    @property
    def event_log_name(self) -> str:
        return f"{self.namespace}.events.log"

    @property
    def event_log(self) -> Queue:
        """The shared, replayable log: a stream queue bound to every event."""
        return Queue(self.event_log_name, exchange=self.events, routing_key="#", durable=True,
                     queue_arguments={"x-queue-type": "stream"})

    def reply_queue(self) -> Queue:
        return Queue(f"{self.namespace}.reply.{uuid.uuid4().hex}", exclusive=True,
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
