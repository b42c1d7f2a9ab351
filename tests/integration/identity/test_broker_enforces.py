"""What the broker itself refuses once ``drm lab credentials``' definitions are loaded, and what
the consumers refuse where permissions cannot (ADR 0006). A fresh vhost and fresh users on the
real broker, removed afterwards."""
from __future__ import annotations

import threading
import uuid

import pytest
from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu import Consumer, Queue

from adapters.messaging.connection import open_connection
from adapters.messaging.identities import Identities, agent_user
from adapters.messaging.relay import publish_event
from adapters.messaging.subscriber import EventSubscriber
from adapters.db import make_engine
from adapters.migrations import upgrade
from adapters.reporting.sources import StreamSource
from adapters.reporting.store import ReportingStore
from events import seal
from events.canonical import GENESIS_HASH
from events.codec import encode_event
from services.audit.consumer import ReportConsumer
from tests.broker_identities import BrokerIdentities
from tests.builders import a_context, completed_drafts

pytestmark = pytest.mark.amqp
ON = Identities(enabled=True)


@pytest.fixture(scope="module")
def lab(amqp_url):
    tag = uuid.uuid4().hex[:6]
    identities = BrokerIdentities(amqp_url, hosts=(f"A{tag}", f"B{tag}")).load()
    yield identities
    identities.cleanup()


def hosts(lab) -> tuple[str, str]:
    return lab.principals.hosts


def events_of(host: str, count: int = 1):
    return seal(host, 0, GENESIS_HASH, completed_drafts(count), a_context())


def publish(url: str, lab, event, routing_key: str | None = None, **properties) -> None:
    with open_connection(url) as connection:
        producer = connection.Producer(connection.channel())
        if routing_key is None:
            publish_event(producer, lab.topology, event)
        else:
            producer.publish(encode_event(event), exchange="", routing_key=routing_key,
                             content_type="application/json", content_encoding="utf-8",
                             **properties)


def consume_once(url: str, queue_name: str) -> None:
    with open_connection(url) as connection:
        channel = connection.channel()
        with Consumer(channel, queues=[Queue(queue_name, no_declare=True)],
                      callbacks=[lambda body, message: None]):
            try:
                connection.drain_events(timeout=0.3)
            except TimeoutError:
                pass


class TestTheBrokerRefuses:
    def test_an_agent_publishing_another_hosts_routing_key(self, lab):
        a, b = hosts(lab)
        publish(lab.agent(a), lab, events_of(a)[0])  # its own: accepted
        with pytest.raises(AccessRefused, match=f"{b}.CommandCompleted"):
            publish(lab.agent(a), lab, events_of(b)[0])

    def test_a_cli_publishing_to_the_events_exchange(self, lab):
        a, _ = hosts(lab)
        with pytest.raises(AccessRefused, match="events"):
            publish(lab.cli(), lab, events_of(a)[0])

    def test_an_agent_reading_another_agents_queue(self, lab):
        a, b = hosts(lab)
        consume_once(lab.agent(a), lab.topology.agent_queue(a).name)  # its own: allowed
        with pytest.raises(AccessRefused, match=lab.topology.agent_queue(b).name):
            consume_once(lab.agent(a), lab.topology.agent_queue(b).name)

    def test_a_cli_reading_an_agents_queue(self, lab):
        a, _ = hosts(lab)
        with pytest.raises(AccessRefused):
            consume_once(lab.cli(), lab.topology.agent_queue(a).name)

    def test_a_publisher_claiming_another_user(self, lab):
        a, b = hosts(lab)
        with pytest.raises(PreconditionFailed, match="user_id"):
            publish(lab.agent(a), lab, events_of(a)[0], routing_key=lab.topology.event_log_name,
                    user_id=agent_user(b))

    def test_an_agent_deleting_the_shared_log(self, lab):
        a, _ = hosts(lab)
        with open_connection(lab.agent(a)) as connection:
            with pytest.raises(AccessRefused):
                connection.channel().queue_delete(lab.topology.event_log_name)


class TestTheConsumersRefuse:
    """The default exchange reaches any queue by name: an agent can put an event of another
    host straight into the shared log. The broker stamps it with its real publisher."""

    def test_the_reporting_source_refuses_an_event_published_by_another_hosts_agent(self, lab):
        a, b = hosts(lab)
        genuine, forged = events_of(a, 2)[1], events_of(b)[0]
        publish(lab.agent(a), lab, genuine)
        publish(lab.agent(a), lab, forged, routing_key=lab.topology.event_log_name)
        source = StreamSource(lab.reporter(), lab.topology.event_log_name, identities=ON)
        records = [r for batch in source.batches(None, threading.Event(), stop_when_idle=1.0)
                   for r in batch]
        hosts_read = [(r.body["host"], r.body["seq"]) for r in records]
        assert (a, genuine.seq) in hosts_read and (b, forged.seq) not in hosts_read
        assert source.refused == 1

    def test_the_reporting_consumer_stores_the_genuine_event_only(self, lab, tmp_path):
        a, b = hosts(lab)
        publish(lab.agent(a), lab, events_of(a)[0])
        publish(lab.agent(a), lab, events_of(b, 3)[2],  # seq 3 of b: not its own host
                routing_key=lab.topology.event_log_name)
        engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
        upgrade(engine)
        source = StreamSource(lab.reporter(), lab.topology.event_log_name, identities=ON)
        consumer = ReportConsumer(ReportingStore(engine))
        consumer.follow_stream(source, threading.Event(), stop_when_idle=1.0)
        chains = {chain.host: chain.last_seq for chain in consumer.store.chains()}
        assert b not in chains and chains.get(a, 0) >= 1
        assert source.refused >= 1
        engine.dispose()

    def test_a_live_subscriber_refuses_it_too(self, lab):
        a, b = hosts(lab)
        applied: list = []
        with open_connection(lab.reporter()) as connection:
            subscriber = EventSubscriber(connection, lab.topology, f"live-{uuid.uuid4().hex[:6]}",
                                         lambda event: applied.append((event.host, event.seq)),
                                         identities=ON)
            publish(lab.agent(a), lab, events_of(a)[0])
            publish(lab.agent(a), lab, events_of(b)[0], routing_key=subscriber.queue.name)
            subscriber.drain(timeout=1.0)
            subscriber.close(delete_queue=True)
        assert applied == [(a, 1)] and subscriber.refused == 1
