"""A fresh broker namespace per test, cleaned up after; a cuttable path to the broker."""
from __future__ import annotations

import uuid

from adapters.messaging.connection import open_connection
from adapters.messaging.topology import Topology


class BrokerNamespace:
    """A topology under a unique prefix; remembers the queues to delete afterwards."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.topology = Topology(f"t{uuid.uuid4().hex[:10]}")
        self.queues: set[str] = {self.topology.event_log_name,
                                 self.topology.dead_letter_queue.name}

    def host(self, name: str | None = None) -> str:
        host = name or f"H{uuid.uuid4().hex[:6]}"
        self.queues.add(self.topology.agent_queue(host).name)
        return host

    def subscriber_queue(self, name: str) -> str:
        self.queues.add(f"{self.topology.namespace}.sub.{name}")
        return name

    def cleanup(self) -> None:
        with open_connection(self.url) as connection:
            self.topology.delete_all(connection.channel(), queues=tuple(self.queues))
