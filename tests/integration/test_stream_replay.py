"""Replaying the shared log (a RabbitMQ stream) from first, an offset, or a time."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pika
import pytest

from adapters.log_readers import parse_offset
from adapters.messaging.connection import open_connection
from adapters.messaging.log_replay import replay
from adapters.messaging.relay import OutboxRelay
from tests.builders import a_context, completed_drafts
from tests.pika_admin import pika_parameters


@pytest.fixture
def published(broker, sqlite_url):
    """Two hosts' events, published through the relay into the stream."""
    from adapters.db import make_engine
    from adapters.event_store import SqlEventStore
    from adapters.migrations import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = SqlEventStore(engine)
    first, second = broker.host(), broker.host()
    store.append(first, completed_drafts(30), 0, a_context())
    store.append(second, completed_drafts(20), 0, a_context())
    store.append(first, completed_drafts(10), 30, a_context())
    relay = OutboxRelay(store, lambda: open_connection(broker.url), broker.topology)
    relay.publish_pending()
    relay.reset()
    return store, first, second


class TestReplay:
    def test_from_first_returns_every_event_in_order(self, broker, published):
        store, first, second = published
        records = list(replay(broker.url, broker.topology.event_log_name, "first"))
        assert all(r.error is None for r in records)
        got = [(r.event.host, r.event.seq) for r in records]
        expected = [(s.event.host, s.event.seq) for s in store.read_all()]
        assert got == expected and len(got) == 60
        assert [r.event for r in records if r.event.host == first] == store.read(first)

    def test_from_an_offset_skips_what_came_before(self, broker, published):
        records = list(replay(broker.url, broker.topology.event_log_name, "first"))
        start = records[25].offset
        later = list(replay(broker.url, broker.topology.event_log_name, start))
        assert [r.event.event_id for r in later] == [r.event.event_id for r in records[25:]]

    def test_from_a_timestamp_in_the_future_returns_nothing_yet(self, broker, published):
        future = datetime.now(timezone.utc) + timedelta(minutes=5)
        assert list(replay(broker.url, broker.topology.event_log_name, future,
                           idle_timeout=0.5)) == []

    def test_from_a_past_timestamp_returns_everything(self, broker, published):
        past = datetime.now(timezone.utc) - timedelta(minutes=5)
        assert len(list(replay(broker.url, broker.topology.event_log_name, past))) == 60

    def test_a_bad_message_in_the_log_is_reported_not_skipped(self, broker, published):
        connection = pika.BlockingConnection(pika_parameters(broker.url))
        connection.channel().basic_publish(broker.topology.events.name, "x.Bogus",
                                           b'{"host":"x","seq":1,"type":"Bogus"}')
        connection.close()
        time.sleep(0.2)
        records = list(replay(broker.url, broker.topology.event_log_name, "first"))
        bad = [r for r in records if r.error is not None]
        assert len(records) == 61 and len(bad) == 1
        assert bad[0].error.host == "x" and bad[0].error.seq == 1


def test_offsets_parse_from_the_command_line():
    assert parse_offset("first") == "first"
    assert parse_offset("42") == 42
    assert parse_offset("2026-11-29T10:00:00+00:00").year == 2026
    with pytest.raises(ValueError, match="offset"):
        parse_offset("yesterday")
