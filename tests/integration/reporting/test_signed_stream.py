"""Signed heads on the shared log (ADR 0005), on real RabbitMQ and PostgreSQL: the relay sends
each batch's head beside its last event, the consumer verifies it and holds the last one; a
forged event published by someone without the host's key is not vouched for; ``drm verify
--against stream`` catches a store rolled back to an earlier, genuinely signed head."""
from __future__ import annotations

import threading

import orjson
import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.keys import KeyStore
from adapters.messaging.connection import open_connection
from adapters.messaging.relay import OutboxRelay
from adapters.migrations import upgrade
from adapters.reporting.queries import ReportQueries
from events.envelope import EventContext, seal
from projections.reporting.head_check import BAD_SIGNATURE
from services.audit.consumer import ReportConsumer
from services.cli.main import main
from tests.builders import a_context, completed_drafts
from tests.tampering import roll_back
from tests.integration.reporting.conftest import source_for

pytestmark = [pytest.mark.amqp, pytest.mark.postgres]


@pytest.fixture
def keys(tmp_path):
    return KeyStore(tmp_path / "keys", tmp_path / "trusted_keys.json")


@pytest.fixture
def published(broker, keys, tmp_path, stream):
    """A host's signed store (batches ending at seq 2, 5 and 6), relayed to the shared log."""
    host = broker.host()
    engine = make_engine(f"sqlite:///{tmp_path / 'events.db'}")
    upgrade(engine)
    store = SqlEventStore(engine, signer=keys.signer(host))
    for first, count in ((0, 2), (2, 3), (5, 1)):
        store.append(host, completed_drafts(count), first, a_context())
    relay = OutboxRelay(store, lambda: open_connection(broker.url), broker.topology, host=host)
    assert relay.publish_pending() == 6
    return host, store


def consume(report_store, broker, keys):
    consumer = ReportConsumer(report_store, keys=keys.trusted())
    consumer.follow_stream(source_for(broker), threading.Event(), stop_when_idle=1.5)
    return ReportQueries(report_store)


def test_the_consumer_verifies_and_holds_the_last_signed_head(broker, keys, published,
                                                              report_store):
    host, store = published
    queries = consume(report_store, broker, keys)
    held = queries.held_heads()[host]
    assert (held.seq, held.hash) == store.head(host)
    assert [a for a in queries.alerts(host) if a["kind"] == BAD_SIGNATURE] == []


def test_a_forged_event_on_the_log_is_alerted_or_left_unsigned(broker, keys, published,
                                                               report_store, stream):
    host, store = published
    seq, hash_ = store.head(host)
    context = EventContext(principal="mallory", occurred_at=a_context().occurred_at)
    forged = seal(host, seq, hash_, completed_drafts(1, command="Forged"), context)[0]
    replayed = {**forged.to_wire(), "signed_head": store.heads_by_seq(host, 6, 6)[6]}
    stream([orjson.dumps(replayed)])
    queries = consume(report_store, broker, keys)
    assert [a["seq"] for a in queries.alerts(host) if a["kind"] == BAD_SIGNATURE] == [7]
    assert queries.chain(host).untrusted_from == 7
    assert queries.held_heads()[host].seq == 6


def test_verify_against_the_stream_catches_a_rollback(broker, keys, published, monkeypatch,
                                                      tmp_path, capsys):
    host, store = published
    for name, value in {"DRM_BROKER_URL": broker.url, "DRM_NAMESPACE": broker.topology.namespace,
                        "DRM_DATA_DIR": str(tmp_path), "DRM_DATABASE_URL": str(store.engine.url),
                        "DRM_TRUSTED_KEYS": str(tmp_path / "trusted_keys.json")}.items():
        monkeypatch.setenv(name, value)
    assert main(["verify", "--host", host, "--against", "stream"]) == 0
    roll_back(store.engine, host, 5)  # back to the head signed at seq 5, every hash intact
    assert main(["verify", "--host", host]) == 0  # the store alone cannot tell
    capsys.readouterr()
    assert main(["verify", "--host", host, "--against", "stream"]) != 0
    assert "cut short: the shared log holds seq 6" in capsys.readouterr().err
