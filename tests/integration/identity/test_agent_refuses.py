"""The agent refuses a command whose ``reply_to`` is not the requester's own reply queue, and,
with identities, a command whose publisher is not its principal's user; a whole round trip with
the generated users works (CLI, agent, relay, reporting consumer), on a managed topology."""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Queue

from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.messaging.definitions import write_credentials
from adapters.messaging.identities import Identities, agent_user, cli_user
from adapters.messaging.log_replay import replay
from adapters.reporting.sources import StreamSource
from events import CommandEnvelope
from events.host_commands import HostInfo
from events.codec import encode_command
from services.agent.bootstrap import open_store
from services.cli.runtime import command_runner
from services.settings import load_settings
from tests.broker_identities import BrokerIdentities
from tests.integration.test_agent_over_rabbitmq import RunningAgent

pytestmark = pytest.mark.amqp


def a_host_info(host: str, principal: str = "tester@lab") -> CommandEnvelope:
    return CommandEnvelope(command=HostInfo(), target_host=host, principal=principal,
                           issued_at=datetime.now(timezone.utc))


def send_raw(connection, topology, command: CommandEnvelope, reply_to: str | None) -> None:
    channel = connection.channel()
    topology.agent_queue(command.target_host)(channel).declare()
    connection.Producer(channel).publish(
        encode_command(command), exchange=topology.commands, routing_key=command.target_host,
        content_type="application/json", content_encoding="utf-8", delivery_mode=2,
        correlation_id=command.command_id, reply_to=reply_to)


def dead_letters(url: str, topology) -> list[str]:
    """The command IDs in the namespace's dead-letter queue."""
    ids = []
    with open_connection(url) as connection:
        queue = connection.SimpleQueue(topology.dead_letter_queue)
        while True:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                break
            ids.append(message.properties.get("correlation_id"))
            message.ack()
        queue.close()
    return ids


class TestReplyTo:
    @pytest.fixture
    def settings(self, broker, tmp_path):
        return load_settings({"DRM_BROKER_URL": broker.url, "DRM_DATA_DIR": str(tmp_path),
                              "DRM_NAMESPACE": broker.topology.namespace})

    def test_an_outcome_never_goes_to_the_shared_log_or_another_agents_queue(
            self, broker, settings, caplog):
        host, other = broker.host(), broker.host()
        topology = broker.topology
        bad = {topology.event_log_name: a_host_info(host),
               topology.agent_queue(other).name: a_host_info(host)}
        with open_connection(broker.url) as connection:
            topology.declare_all(connection.channel(), hosts=(other,))
            client = CommandClient(connection, topology)
            with caplog.at_level(logging.ERROR), RunningAgent(settings, host):
                for reply_to, command in bad.items():
                    send_raw(connection, topology, command, reply_to)
                good = client.call(a_host_info(host), timeout=20)  # queued after the bad ones
            client.close()
            other_queue = Queue(topology.agent_queue(other).name)(connection.channel())
            assert other_queue.queue_declare(passive=True).message_count == 0
        logged = [r.getMessage() for r in caplog.records if "refusing command" in r.getMessage()]
        assert len(logged) == 2 and all("reply_to" in line for line in logged)
        assert sorted(dead_letters(broker.url, topology)) == sorted(
            c.command_id for c in bad.values())
        in_log = [r.event.command_id for r in replay(broker.url, topology.event_log_name)]
        assert good.command_id in in_log
        assert not {c.command_id for c in bad.values()} & set(in_log)
        store = open_store(settings, host)
        assert [e.command_id for e in store.read(host)] == [good.command_id]  # never ran


@pytest.fixture(scope="module")
def lab(amqp_url):
    tag = uuid.uuid4().hex[:6]
    identities = BrokerIdentities(amqp_url, hosts=(f"A{tag}",)).load()
    yield identities
    identities.cleanup()


def settings_as(lab, user: str, tmp_path):
    """A component's settings: the broker URL without credentials, its secret file."""
    write_credentials(tmp_path / "creds", lab.definitions, lab.passwords)
    anonymous = lab.url().split("@", 1)[-1]
    return load_settings({"DRM_BROKER_URL": f"amqp://{anonymous}",
                          "DRM_BROKER_SECRET_FILE": str(tmp_path / f"creds/secrets/{user}.json"),
                          "DRM_NAMESPACE": lab.namespace, "DRM_DATA_DIR": str(tmp_path)})


class TestWithIdentities:
    def test_a_round_trip_with_the_generated_users(self, lab, tmp_path):
        (host,) = lab.principals.hosts
        agent_settings = settings_as(lab, agent_user(host), tmp_path / "agent")
        cli_settings = settings_as(lab, cli_user(lab.principals.clis[0]), tmp_path / "cli")
        assert agent_settings.identities and cli_settings.identities
        with RunningAgent(agent_settings, host):
            with command_runner(cli_settings) as runner:
                outcome = runner.call(HostInfo(), host, timeout=20)
        assert outcome.type == "CommandCompleted"
        assert outcome.principal.endswith("@" + lab.principals.clis[0])
        source = StreamSource(lab.reporter(), lab.topology.event_log_name,
                              identities=Identities(enabled=True))
        records = [r for batch in source.batches(None, threading.Event(), stop_when_idle=1.0)
                   for r in batch]
        assert [r.body["command_id"] for r in records] == [outcome.command_id]
        assert source.refused == 0

    def test_a_command_whose_publisher_is_not_its_principals_user_is_refused(self, lab,
                                                                             tmp_path, caplog):
        (host,) = lab.principals.hosts
        agent_settings = settings_as(lab, agent_user(host), tmp_path)
        forged = a_host_info(host, principal=f"agent@{host}")  # a CLI posing as an agent
        with caplog.at_level(logging.ERROR), RunningAgent(agent_settings, host):
            with open_connection(lab.cli()) as connection:
                client = CommandClient(connection, lab.topology)
                send_raw(connection, lab.topology, forged, None)
                genuine = a_host_info(host, principal=f"tester@{lab.principals.clis[0]}")
                assert client.call(genuine, timeout=20).type == "CommandCompleted"
                client.close()
        assert any("refusing command" in r.getMessage() and "drm-agent-" in r.getMessage()
                   for r in caplog.records)
        assert dead_letters(lab.url(), lab.topology) == [forged.command_id]
        store = open_store(agent_settings, host)
        assert forged.command_id not in {e.command_id for e in store.read(host)}
