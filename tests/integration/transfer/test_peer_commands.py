"""``PeerCommands`` on RabbitMQ: queued for an absent agent, seen consumed when one runs, and a
stale connection replaced."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from kombu import Consumer

from adapters.messaging.connection import open_connection
from events import CommandEnvelope
from events.transfer import ImportBackup
from events.codec import decode_command
from services.agent.transfer.peers import PeerCommands, peer_command_id

pytestmark = pytest.mark.amqp


def a_command(host: str) -> CommandEnvelope:
    return CommandEnvelope(command_id=peer_command_id("00000000-0000-0000-0000-000000000001",
                                                      "auto-import"),
                           command=ImportBackup(document={}), target_host=host,
                           principal="agent@FSServer", issued_at=datetime.now(timezone.utc))


def test_a_command_for_an_absent_agent_waits_in_its_queue(broker):
    host = broker.host()
    peers = PeerCommands(lambda: open_connection(broker.url), broker.topology)
    try:
        assert peers.send(a_command(host)) is False
    finally:
        peers.close()
    received = []
    with open_connection(broker.url) as connection:
        with Consumer(connection, queues=[broker.topology.agent_queue(host)], accept=["json"],
                      callbacks=[lambda body, message: (received.append(body), message.ack())]):
            connection.drain_events(timeout=10)
    assert [decode_command(body).command_id for body in received] == \
        [a_command(host).command_id]


def test_a_consumer_on_the_queue_is_reported_and_a_dead_connection_replaced(broker):
    host = broker.host()
    with open_connection(broker.url) as listening:
        channel = listening.channel()
        queue = broker.topology.agent_queue(host)(channel)
        queue.declare()
        queue.consume(callback=lambda message: None, no_ack=False)
        peers = PeerCommands(lambda: open_connection(broker.url), broker.topology)
        try:
            assert peers.send(a_command(host)) is True
            peers._connection.collect()  # the broker connection is gone
            assert peers.send(a_command(host)) is True
        finally:
            peers.close()
