"""The outbox relay against a real RabbitMQ, including a broker that goes away."""
from __future__ import annotations

import threading
import time

import pytest

from adapters.messaging.connection import open_connection
from adapters.messaging.relay import OutboxRelay
from adapters.messaging.subscriber import EventSubscriber
from tests.builders import a_context, completed_drafts


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def sqlite_store(sqlite_url):
    from adapters.db import make_engine
    from adapters.event_store import SqlEventStore
    from adapters.migrations import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    return SqlEventStore(engine)


class Seen:
    def __init__(self) -> None:
        self.events = []
        self.gaps = []

    def __call__(self, event) -> None:
        self.events.append((event.host, event.seq))


def a_subscriber(broker, seen, name="audit"):
    connection = open_connection(broker.url)
    return connection, EventSubscriber(connection, broker.topology,
                                       broker.subscriber_queue(name), seen,
                                       on_gap=lambda host, missing: seen.gaps.append(missing))


class TestOutboxRelay:
    def test_publishes_in_order_and_empties_the_outbox(self, broker, sqlite_store):
        host = broker.host()
        seen = Seen()
        connection, subscriber = a_subscriber(broker, seen)
        sqlite_store.append(host, completed_drafts(20), 0, a_context())
        relay = OutboxRelay(sqlite_store, lambda: open_connection(broker.url), broker.topology,
                            host=host)
        assert relay.publish_pending() == 20
        subscriber.drain()
        assert seen.events == [(host, n) for n in range(1, 21)]
        assert sqlite_store.pending(host=host) == []
        relay.reset()
        connection.release()

    def test_unreachable_broker_keeps_events_and_delivers_them_later_in_order_once(
            self, broker, broker_proxy, sqlite_store):
        proxy, proxied_url = broker_proxy
        host = broker.host()
        seen = Seen()
        connection, subscriber = a_subscriber(broker, seen)
        proxy.stop()  # the broker is unreachable for the relay
        sqlite_store.append(host, completed_drafts(10), 0, a_context())
        relay = OutboxRelay(sqlite_store, lambda: open_connection(proxied_url), broker.topology,
                            host=host)
        with pytest.raises(Exception):
            relay.publish_pending()
        assert len(sqlite_store.pending(host=host)) == 10

        stop = threading.Event()
        thread = relay.start(stop)
        sqlite_store.append(host, completed_drafts(5), 10, a_context())
        time.sleep(0.5)
        assert len(sqlite_store.pending(host=host)) == 15  # still unreachable
        proxy.start()  # the broker is back
        relay.wake.set()
        assert wait_until(lambda: not sqlite_store.pending(host=host))
        subscriber.drain()
        stop.set()
        thread.join(10)
        assert seen.events == [(host, n) for n in range(1, 16)]
        assert seen.gaps == []
        connection.release()

    def test_relay_survives_connections_cut_while_publishing(self, broker, broker_proxy,
                                                             sqlite_store):
        proxy, proxied_url = broker_proxy
        host = broker.host()
        seen = Seen()
        connection, subscriber = a_subscriber(broker, seen)
        relay = OutboxRelay(sqlite_store, lambda: open_connection(proxied_url), broker.topology,
                            host=host, batch_size=10)
        stop = threading.Event()
        thread = relay.start(stop)
        seq = 0
        for round_ in range(6):
            sqlite_store.append(host, completed_drafts(25), seq, a_context())
            seq += 25
            relay.wake.set()
            if round_ in (1, 3):
                time.sleep(0.05)
                failures = relay.failures
                proxy.stop()  # cut mid-stream: like a broker restart
                sqlite_store.append(host, completed_drafts(5), seq, a_context())
                seq += 5  # work that arrives while the broker cannot be reached
                relay.wake.set()
                assert wait_until(lambda: relay.failures > failures, timeout=15)
                proxy.start()
        assert wait_until(lambda: not sqlite_store.pending(host=host), timeout=30)
        subscriber.drain()
        stop.set()
        thread.join(10)
        assert seen.events == [(host, n) for n in range(1, seq + 1)]  # in order, each once
        assert seen.gaps == []
        connection.release()
