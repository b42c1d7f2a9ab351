"""The agent serving its queue on a real RabbitMQ: round trips, queued commands, bad input."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from adapters.messaging.command_client import CommandClient, CommandError, CommandTimeout
from adapters.messaging.connection import open_connection
from events import CommandEnvelope
from events.host_commands import HostInfo
from services.agent.bootstrap import open_store, run_agent
from services.settings import load_settings


def a_host_info(host: str) -> CommandEnvelope:
    return CommandEnvelope(command=HostInfo(), target_host=host, principal="tester@lab",
                           issued_at=datetime.now(timezone.utc))


@pytest.fixture
def settings(broker, tmp_path):
    return load_settings({"DRM_BROKER_URL": broker.url, "DRM_DATA_DIR": str(tmp_path),
                          "DRM_NAMESPACE": broker.topology.namespace})


class RunningAgent:
    def __init__(self, settings, host):
        self.stop, self.ready = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=run_agent, args=(settings, host, self.stop,
                                                                self.ready), daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(20)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(20)


@pytest.fixture
def client(broker):
    connection = open_connection(broker.url)
    yield CommandClient(connection, broker.topology)
    connection.release()


def test_round_trip_records_the_outcome_and_publishes_it(broker, settings, client):
    host = broker.host()
    with RunningAgent(settings, host):
        outcome = client.call(a_host_info(host), timeout=20)
    assert outcome.type == "CommandCompleted" and outcome.host == host
    store = open_store(settings, host)
    assert store.read(host) == [outcome]
    assert store.pending(host=host) == []  # the relay published it


def test_command_for_a_host_without_agent_times_out_and_stays_queued(broker, settings, client):
    host = broker.host()
    command = client.send(a_host_info(host))
    with pytest.raises(CommandTimeout, match=host):
        client.wait(command.command_id, host, timeout=1.0)
    with RunningAgent(settings, host):
        outcome = client.wait(command.command_id, host, timeout=20)  # the agent came
    assert outcome.command_id == command.command_id
    assert open_store(settings, host).outcome_of(command.command_id) == outcome


def test_a_bad_command_is_dead_lettered_and_the_agent_goes_on(broker, settings, client):
    host = broker.host()
    with RunningAgent(settings, host):
        broker.topology.commands(client.channel).declare()
        broker.topology.agent_queue(host)(client.channel).declare()
        client.producer.publish('{"command": {"name": "HostInfo"}}',
                                exchange=broker.topology.commands,
                                routing_key=host, content_type="application/json",
                                correlation_id="bad-1", reply_to=client.reply_queue.name)
        with pytest.raises(CommandError, match="target_host"):
            client.wait("bad-1", host, timeout=20)
        assert client.call(a_host_info(host), timeout=20).type == "CommandCompleted"
    with open_connection(broker.url) as connection:
        dead = connection.SimpleQueue(broker.topology.dead_letter_queue)
        message = dead.get(timeout=5)
        assert "HostInfo" in str(message.body)
        message.ack()
        dead.close()


def test_standby_agent_takes_over_without_two_deciders(broker, settings, client):
    host = broker.host()
    with RunningAgent(settings, host) as active:
        with RunningAgent(settings, host):
            for _ in range(5):
                client.call(a_host_info(host), timeout=20)
            active.stop.set()
            active.thread.join(20)
            for _ in range(5):
                client.call(a_host_info(host), timeout=20)
    store = open_store(settings, host)
    assert [e.seq for e in store.read(host)] == list(range(1, 11))
    assert store.verify(host).ok
