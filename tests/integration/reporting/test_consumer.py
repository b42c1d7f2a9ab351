"""The audit consumer on real RabbitMQ and PostgreSQL: live views equal a rebuild row by row,
as-of views equal the in-memory fold, forged and unknown events are stored and reported."""
from __future__ import annotations

import threading
from datetime import timedelta

import orjson
import pytest

from events.envelope import EventEnvelope
from projections.host_fold import fold
from projections.reporting.view_rows import view_rows
from services.cli.main import main
from services.cli.report_common import host_rows
from adapters.reporting.queries import ReportQueries
from tests.integration.reporting.conftest import (consume_all, snapshot, source_for,
                                                  wait_until)
from tests.reporting_history import START, HistoryWriter, history

pytestmark = [pytest.mark.amqp, pytest.mark.postgres]


@pytest.fixture
def three_hosts(broker):
    hosts = [broker.host() for _ in range(3)]
    return {host: list(history(host, commands)) for host, commands in zip(hosts, (300, 150, 60))}


def interleaved(histories):
    """The hosts' events merged in time order, as relays publishing at once would give."""
    merged = [e for events in histories.values() for e in events]
    return sorted(merged, key=lambda e: (e.occurred_at, e.host, e.seq))


@pytest.fixture
def cli_env(monkeypatch, broker, report_url, tmp_path):
    monkeypatch.setenv("DRM_BROKER_URL", broker.url)
    monkeypatch.setenv("DRM_NAMESPACE", broker.topology.namespace)
    monkeypatch.setenv("DRM_REPORT_DATABASE_URL", report_url)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DRM_DATABASE_URL", raising=False)


class TestLiveAndRebuilt:
    def test_rebuild_gives_the_live_tables_row_by_row(self, broker, stream, report_store,
                                                      three_hosts, cli_env):
        events = interleaved(three_hosts)
        stream(events[:2000])
        consume_all(report_store, source_for(broker, batch_size=700))
        stream(events[1500:])  # a relay that lost its confirms publishes some again
        consume_all(report_store, source_for(broker, batch_size=700))
        live = snapshot(report_store)
        assert len(live["events"]) == len(events) and live["alerts"] == []
        assert main(["report", "rebuild", "--idle", "1.5"]) == 0
        rebuilt = snapshot(report_store)
        for table in live:
            assert rebuilt[table] == live[table], table

    def test_views_equal_the_in_memory_fold_of_each_host(self, broker, stream, report_store,
                                                         three_hosts):
        stream(interleaved(three_hosts))
        consume_all(report_store, source_for(broker))
        queries = ReportQueries(report_store)
        for host, events in three_hosts.items():
            assert queries.view_rows(host) == view_rows(fold(host, events))


class TestAsOf:
    def test_as_of_views_equal_the_fold_of_the_events_up_to_that_time(
            self, broker, stream, report_store, three_hosts):
        stream(interleaved(three_hosts))
        consume_all(report_store, source_for(broker))
        queries = ReportQueries(report_store)
        host, events = next(iter(three_hosts.items()))
        for minutes in (0, 1, 7, 60, 333, 10_000):
            moment = START + timedelta(minutes=minutes, seconds=30)
            expected = view_rows(fold(host, [e for e in events if e.occurred_at <= moment]))
            found = host_rows(queries, host, moment)
            flat = {(view, key): orjson.loads(text) for (view, key), text in expected.items()}
            assert {(v, k): d for v, keys in found.rows.items() for k, d in keys.items()} == flat


def forged(event: EventEnvelope, **payload) -> bytes:
    body = event.to_wire()
    body["payload"] = {**body["payload"], **payload}
    return orjson.dumps(body)


class TestForgedAndUnknown:
    def test_an_edited_copy_on_the_stream_is_an_alert_and_untrusts_the_host(
            self, broker, stream, report_store, cli_env, capsys):
        host = broker.host()
        events = list(history(host, 30))
        target = next(e for e in events if e.type == "BackupRecorded")
        stream(forged(e, comment="forged") if e is target else e for e in events)
        consume_all(report_store, source_for(broker))
        chain = ReportQueries(report_store).chain(host)
        assert chain.untrusted_from == target.seq
        capsys.readouterr()
        assert main(["audit", "verify"]) != 0
        out, err = capsys.readouterr()
        assert f"seq {target.seq}: content does not match its hash" in out
        assert "hash-mismatch" in out and host in err
        assert main(["report", "catalog", "--host", host]) == 0
        assert f"untrusted from seq {target.seq}" in capsys.readouterr().err

    def test_an_unknown_event_type_is_stored_and_reported_not_a_crash(
            self, broker, stream, report_store, cli_env, capsys):
        host = broker.host()
        events = list(history(host, 10))
        last = events[-1]
        body = {**last.to_wire(), "seq": last.seq + 1, "type": "QuantumBackupTeleported",
                "prev_hash": last.hash, "payload": {"backup_id": "0000000077"}}
        body["hash"] = EventEnvelope.model_validate({**body, "hash": "0" * 64}).expected_hash()
        writer_events = events + [orjson.dumps(body)]
        stream(writer_events + [b"garbage"])
        consume_all(report_store, source_for(broker))
        capsys.readouterr()
        assert main(["audit", "log", "--type", "QuantumBackupTeleported", "--json"]) == 0
        logged = orjson.loads(capsys.readouterr().out)
        assert [(r["host"], r["seq"], r["known"]) for r in logged] == [(host, last.seq + 1,
                                                                        False)]
        assert main(["audit", "verify", "--host", host]) == 0
        assert "unknown-type" in capsys.readouterr().out
        assert main(["audit", "verify"]) != 0  # the garbage message is named
        assert "undecodable" in capsys.readouterr().out


class TestBrokerOutage:
    def test_the_consumer_reconnects_and_resumes_from_its_stored_offset(
            self, broker, broker_proxy, stream, report_store):
        proxy, proxied_url = broker_proxy
        host = broker.host()
        writer = HistoryWriter(host)
        first = writer.refresh_maps() + [e for n in range(40) for e in writer.backup(n % 4)]
        later = [e for n in range(40) for e in writer.backup(n % 4)]
        stream(first)
        from services.audit.consumer import ReportConsumer
        consumer = ReportConsumer(report_store)
        source = source_for(broker, proxied_url, batch_size=50)
        stop = threading.Event()
        thread = threading.Thread(target=consumer.follow_stream, args=(source, stop))
        thread.start()
        try:
            assert wait_until(lambda: consumer.ingestor.chains.get(host) is not None
                              and consumer.ingestor.chains[host].last_seq == first[-1].seq)
            proxy.stop()  # the broker goes away
            stream(later)
            assert wait_until(lambda: source.reconnects >= 1)
            proxy.start()  # and comes back
            assert wait_until(lambda: consumer.ingestor.chains[host].last_seq == later[-1].seq)
        finally:
            stop.set()
            thread.join(15)
        found = snapshot(report_store)
        assert [row[1] for row in found["events"]] == list(range(1, later[-1].seq + 1))
        assert found["alerts"] == [] and consumer.stats.duplicates == 0
        assert ReportQueries(report_store).view_rows(host) == view_rows(fold(host, first + later))
