"""Fixtures for tests against the real broker: a fresh namespace per test, cleaned up after."""
from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest

from adapters.messaging.connection import open_connection
from adapters.messaging.topology import Topology
from tests.tcp_proxy import TcpProxy


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
            channel = connection.channel()
            for queue in self.queues:
                channel.queue_delete(queue)
            for exchange in (self.topology.commands, self.topology.events,
                             self.topology.dead_letters):
                channel.exchange_delete(exchange.name)


@pytest.fixture
def broker(amqp_url):
    namespace = BrokerNamespace(amqp_url)
    yield namespace
    namespace.cleanup()


@pytest.fixture
def broker_proxy(amqp_url):
    """A cuttable TCP path to the broker, and the broker URL that goes through it."""
    parsed = urlparse(amqp_url)
    proxy = TcpProxy(parsed.hostname or "127.0.0.1", parsed.port or 5672).start()
    url = amqp_url.replace(parsed.netloc.split("@")[-1], f"127.0.0.1:{proxy.port}")
    yield proxy, url
    proxy.stop()
