"""A gap on the shared log, healed end to end on real RabbitMQ and PostgreSQL: the consumer
alerts ``gap`` and asks the host's agent (``RepublishEvents``) to publish the missing range
again; the agent (started only after the request was queued for it) publishes it from its
store; the consumer stores the late events, heals the host, and its views equal a clean replay.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import json

import orjson
import pytest
from amqp.exceptions import NotFound
from pydantic import ValidationError
from sqlalchemy import select

from adapters.messaging.command_client import CommandClient, CommandError, QueryReply
from adapters.messaging.connection import open_connection
from adapters.reporting.queries import ReportQueries
from adapters.reporting.tables import report_events
from events import CommandEnvelope
from events.republish import RepublishEvents
from projections.host_fold import fold
from projections.reporting.view_rows import view_rows
from services.agent.bootstrap import open_store
from services.cli.main import main
from services.settings import load_settings
from tests.integration.reporting.conftest import (consume_all, snapshot, source_for,
                                                  wait_until)
from tests.integration.test_agent_over_rabbitmq import RunningAgent
from tests.reporting_history import history, write_to_store

pytestmark = [pytest.mark.amqp, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(broker, report_url, tmp_path, monkeypatch):
    values = {"DRM_BROKER_URL": broker.url, "DRM_NAMESPACE": broker.topology.namespace,
              "DRM_REPORT_DATABASE_URL": report_url, "DRM_DATA_DIR": str(tmp_path / "data")}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DRM_DATABASE_URL", raising=False)
    return values


@pytest.fixture
def agent_history(broker, env):
    """A host whose agent's store holds 80 commands' events, all marked published already (so
    its relay publishes nothing): the test decides what reached the stream."""
    host = broker.host()
    settings = load_settings(env)
    store = open_store(settings, host)
    events = list(history(host, 80))
    write_to_store(store, events)
    store.mark_published(host, events[-1].seq)
    return settings, host, events


def alert_kinds(queries: ReportQueries, host: str) -> list[str]:
    return [a["kind"] for a in queries.alerts(host)]


def queued(broker, queue) -> int:
    """Messages in ``queue`` now (0 while it does not exist)."""
    with open_connection(broker.url) as connection:
        try:
            return queue(connection.channel()).queue_declare(passive=True).message_count
        except NotFound:
            return 0


def republish(host: str, from_seq: int, to_seq: int) -> CommandEnvelope:
    return CommandEnvelope(command=RepublishEvents(from_seq=from_seq, to_seq=to_seq),
                           target_host=host, principal="tester@lab",
                           issued_at=datetime.now(timezone.utc))


class TestGapRepublishedAndHealed:
    def test_the_agent_fills_the_gap_and_the_views_equal_a_clean_replay(
            self, broker, stream, report_store, env, agent_history, capsys):
        settings, host, events = agent_history
        hole = range(20, 31)  # seq 21..31 never reached the stream
        stream(e for n, e in enumerate(events) if n not in hole)
        serve = subprocess.Popen([sys.executable, "-m", "services.cli.main", "report", "serve"],
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        queries = ReportQueries(report_store)
        try:
            assert wait_until(lambda: "gap" in alert_kinds(queries, host), timeout=60)
            assert queries.chain(host).untrusted_from == 21
            assert wait_until(lambda: queued(broker, broker.topology.agent_queue(host)) == 1)
            with RunningAgent(settings, host):
                assert wait_until(lambda: queries.chain(host).untrusted_from is None, timeout=60)
        finally:
            serve.send_signal(signal.SIGTERM)
            _, err = serve.communicate(timeout=30)
        assert serve.returncode == 0, err
        assert f"ALERT gap host={host} seq=32" in err and f"NOTE gap-filled host={host}" in err

        assert alert_kinds(queries, host) == ["gap"] + ["late-event"] * 11 + ["gap-filled"]
        assert queries.view_rows(host) == view_rows(fold(host, events))
        with report_store.engine.connect() as conn:
            stored = conn.execute(select(report_events.c.seq, report_events.c.folded)
                                  .where(report_events.c.host == host)
                                  .order_by(report_events.c.seq)).fetchall()
        assert stored == [(e.seq, True) for e in events]
        assert open_store(settings, host).head(host)[0] == events[-1].seq  # no event recorded

        capsys.readouterr()
        assert main(["audit", "verify", "--host", host, "--json"]) == 0
        verdict = orjson.loads(capsys.readouterr().out)["hosts"][0]
        assert verdict["ok"] and verdict["problems"] == [] and verdict["untrusted_from"] is None
        assert [n.split(" at ")[0] for n in verdict["notes"]] == \
            ["gap"] + ["late-event"] * 11 + ["gap-filled"]

        live = snapshot(report_store)  # a rebuild replays the hole and the re-publication
        assert main(["report", "rebuild", "--idle", "1.5"]) == 0
        assert snapshot(report_store) == live


class TestRepublishQuery:
    @pytest.fixture
    def client(self, broker):
        connection = open_connection(broker.url)
        yield CommandClient(connection, broker.topology)
        connection.release()

    def test_a_range_is_published_again_and_nothing_is_recorded(
            self, broker, stream, client, agent_history, report_store):
        settings, host, events = agent_history
        stream([])  # the namespace's stream exists
        with RunningAgent(settings, host):
            reply = client.call(republish(host, 5, 9), timeout=20)
        assert isinstance(reply, QueryReply)
        assert reply.result == {"republished": 5, "from_seq": 5, "to_seq": 9}
        assert open_store(settings, host).head(host)[0] == events[-1].seq
        consumer = consume_all(report_store, source_for(broker))  # what reached the stream
        assert {seq: consumer.ingestor.lookup(host, seq) for seq in range(1, 12)} == \
            {seq: events[seq - 1].hash if 5 <= seq <= 9 else None for seq in range(1, 12)}

    def test_a_range_past_the_head_is_refused_with_a_clear_error(self, broker, client,
                                                                 agent_history):
        settings, host, _ = agent_history
        with RunningAgent(settings, host):
            reply = client.call(republish(host, 5, 100_000), timeout=20)
        error = reply.result["error"]
        assert error["message_id"] == "KAVX0006-E"
        assert "DRM-90005" in error["text"] and "is not in the stream" in error["text"]

    @pytest.mark.parametrize("from_seq, to_seq, says", [
        (0, 3, "greater than or equal to 1"), (9, 5, "to_seq 5 is before from_seq 9")])
    def test_a_malformed_range_is_refused_by_the_contract_and_by_the_agent(
            self, broker, client, agent_history, from_seq, to_seq, says):
        settings, host, _ = agent_history
        with pytest.raises(ValidationError, match=says):
            RepublishEvents(from_seq=from_seq, to_seq=to_seq)
        forged = republish(host, 1, 1).model_dump(mode="json")
        forged["command"].update(from_seq=from_seq, to_seq=to_seq)  # a client that skips checks
        client.topology.commands(client.channel).declare()
        client.topology.agent_queue(host)(client.channel).declare()
        with RunningAgent(settings, host):
            client.producer.publish(json.dumps(forged), exchange=client.topology.commands,
                                    routing_key=host, content_type="application/json",
                                    correlation_id=forged["command_id"],
                                    reply_to=client.reply_queue.name)
            with pytest.raises(CommandError, match=says):
                client.wait(forged["command_id"], host, timeout=20)
