"""Fixtures of the reporting tests: a fresh PostgreSQL database per test, raw publishing to
the shared log, a consumer following it, and table snapshots for row-by-row comparisons."""
from __future__ import annotations

import threading
import time

import pika
import pytest
from sqlalchemy import select

from adapters.db import make_engine
from adapters.messaging.connection import open_connection
from adapters.migrations import upgrade
from adapters.reporting.sources import StreamSource
from adapters.reporting.store import ReportingStore
from adapters.reporting.tables import (report_alerts, report_commands, report_events,
                                       report_hosts, report_position, report_quarantine,
                                       report_views)
from events.codec import encode_event
from services.audit.consumer import ReportConsumer
from tests.pika_admin import pika_parameters
from tests.services import scratch_database


@pytest.fixture
def report_url(postgres_server_url):
    """A reporting database of its own for each test (the tables are global to a database)."""
    with scratch_database(postgres_server_url, "drm_report") as url:
        yield url


@pytest.fixture
def report_store(report_url):
    engine = make_engine(report_url)
    upgrade(engine)
    yield ReportingStore(engine)
    engine.dispose()


@pytest.fixture
def stream(broker):
    """Declares the namespace's topology; returns a function that publishes raw bodies (events
    or anything else) to the events exchange, as a relay or a forger would."""
    with open_connection(broker.url) as connection:
        broker.topology.declare_all(connection.channel())

    def publish(bodies, routing_key: str = "any.Event") -> None:
        connection = pika.BlockingConnection(pika_parameters(broker.url))
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        for body in bodies:
            if not isinstance(body, (bytes, str)):
                body = encode_event(body)
            channel.basic_publish(broker.topology.events.name, routing_key, body, properties)
        connection.close()

    return publish


def source_for(broker, url: str | None = None, batch_size: int = 1000) -> StreamSource:
    return StreamSource(url or broker.url, broker.topology.event_log_name,
                        batch_size=batch_size, max_backoff=0.5)


def consume_all(store: ReportingStore, source: StreamSource, idle: float = 1.5):
    consumer = ReportConsumer(store)
    consumer.follow_stream(source, threading.Event(), stop_when_idle=idle)
    return consumer


def wait_until(predicate, timeout: float = 30.0, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def snapshot(store: ReportingStore) -> dict[str, list[tuple]]:
    """Every reporting table's rows, sorted (alerts without their serial id)."""
    tables = {"events": report_events, "commands": report_commands, "hosts": report_hosts,
              "views": report_views, "position": report_position}
    with store.engine.connect() as conn:
        found = {name: sorted(tuple(row) for row in conn.execute(select(table)))
                 for name, table in tables.items()}
        found["alerts"] = sorted(tuple(row)[1:] for row in conn.execute(select(report_alerts)))
        found["quarantine"] = sorted(tuple(row)[1:]
                                     for row in conn.execute(select(report_quarantine)))
    return found
