"""Issue 15: a command with fields out of ``events.limits`` (a NUL in the principal, a name no
column holds, a body nested too deeply) is refused with a clear error and dead-lettered; the
agent's worker goes on serving its queue and records nothing for it."""
from __future__ import annotations

import json

import pytest

from adapters.messaging.command_client import CommandError
from services.agent.bootstrap import open_store
from services.messages import BAD_COMMAND
from tests.integration.test_agent_over_rabbitmq import (RunningAgent, a_host_info,  # noqa: F401
                                                        client, settings)

pytestmark = [pytest.mark.amqp]


def raw_command(host: str, **fields) -> str:
    body = json.loads(a_host_info(host).model_dump_json())
    return json.dumps({**body, **fields})


BAD = {
    "a NUL in the principal": ({"principal": "op\u0000"}, "command.principal"),
    "a 200-character command name": ({"command": {"name": "C" * 200}}, "command.command"),
    "a 300-character principal": ({"principal": "p" * 300}, "command.principal"),
    "a control character in the reply queue": ({"reply_to": "amq.\u0007"}, "command.reply_to"),
    # hostile review (attacker): the SQL Server and PostgreSQL commands' free text and paths
    "a lone surrogate in a SQL backup's comment": (
        {"command": {"name": "BackupSqlServer", "instance": "default", "comment": "\ud800"}},
        "command.command"),
    "a lone surrogate in a PostgreSQL log directory": (
        {"command": {"name": "ConfigurePgCluster", "cluster": "main",
                     "log_backup_dir": "/l/\udfff"}}, "command.command"),
}


def test_commands_out_of_limits_are_refused_and_the_worker_goes_on(broker, settings, client):
    host = broker.host()
    with RunningAgent(settings, host):
        broker.topology.commands(client.channel).declare()
        broker.topology.agent_queue(host)(client.channel).declare()
        bodies = [(f"bad-{n}", raw_command(host, **fields), field)
                  for n, (fields, field) in enumerate(BAD.values())]
        bodies.append(("bad-deep", "[" * 100_000, "(body)"))
        for correlation_id, body, _ in bodies:
            client.producer.publish(body, exchange=broker.topology.commands, routing_key=host,
                                    content_type="application/json",
                                    correlation_id=correlation_id,
                                    reply_to=client.reply_queue.name)
        for correlation_id, _, field in bodies:
            if correlation_id == "bad-deep":
                continue  # kombu itself cannot decode it: dead-lettered without a reply
            with pytest.raises(CommandError) as refused:
                client.wait(correlation_id, host, timeout=20)
            assert BAD_COMMAND in str(refused.value) and field in str(refused.value)
        assert client.call(a_host_info(host), timeout=20).type == "CommandCompleted"
    assert [e.type for e in open_store(settings, host).read(host)] == ["CommandCompleted"]
