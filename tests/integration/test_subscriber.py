"""A live consumer: duplicates dropped, gaps reported, bad messages dead-lettered."""
from __future__ import annotations

import pika

from adapters.messaging.connection import open_connection
from adapters.messaging.relay import publish_event
from adapters.messaging.subscriber import EventSubscriber
from events import seal
from events.canonical import GENESIS_HASH
from tests.builders import a_context, completed_drafts
from tests.pika_admin import pika_parameters


def test_duplicates_are_dropped_and_gaps_reported(broker):
    host = broker.host()
    events = seal(host, 0, GENESIS_HASH, completed_drafts(6), a_context())
    applied, gaps, errors = [], [], []
    with open_connection(broker.url) as connection:
        subscriber = EventSubscriber(connection, broker.topology, broker.subscriber_queue("s1"),
                                     lambda e: applied.append(e.seq),
                                     on_gap=lambda h, missing: gaps.append((h, list(missing))),
                                     on_error=errors.append)
        producer = connection.Producer(connection.channel())
        for event in [events[0], events[1], events[1], events[0], events[2], events[5]]:
            publish_event(producer, broker.topology, event)
        subscriber.drain()
        subscriber.close()
    assert applied == [1, 2, 3, 6]
    assert subscriber.duplicates == 2
    assert gaps == [(host, [4, 5])]
    assert errors == []


def test_an_unreadable_event_is_reported_and_dead_lettered(broker):
    errors, applied = [], []
    with open_connection(broker.url) as connection:
        subscriber = EventSubscriber(connection, broker.topology, broker.subscriber_queue("s2"),
                                     applied.append, on_error=errors.append)
        raw = pika.BlockingConnection(pika_parameters(broker.url))
        raw.channel().basic_publish(
            broker.topology.events.name, "FSServer.Mystery",
            b'{"host":"FSServer","seq":4,"type":"Mystery"}',
            pika.BasicProperties(content_type="application/json"))
        raw.close()
        subscriber.drain()
        subscriber.close()
        dead = connection.SimpleQueue(broker.topology.dead_letter_queue)
        message = dead.get(timeout=5)
        message.ack()
        dead.close()
    assert applied == []
    assert len(errors) == 1 and errors[0].host == "FSServer" and errors[0].seq == 4
