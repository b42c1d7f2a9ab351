"""Issue 15, "one message stops drm report serve for good": each message that made the
PostgreSQL write fail (and the batch retried from the same position at every start) is now
refused before any write, with an alert naming host and seq, and the consumer goes on -- on
PostgreSQL and on SQLite. An event claiming a seq far past its host's head is quarantined
instead of opening a gap that healing could never close."""
from __future__ import annotations

import threading
from datetime import datetime

import orjson
import pytest

from adapters.db import make_engine
from adapters.migrations import upgrade
from adapters.reporting.queries import ReportQueries
from adapters.reporting.store import ReportingStore
from events.codec import encode_event
from events.envelope import EventEnvelope
from events.limits import MAX_SEQ_JUMP
from projections.host_fold import fold
from projections.reporting.ingest import Ingestor, SourceRecord
from projections.reporting.view_rows import view_rows
from services.audit.consumer import ReportConsumer
from services.cli.main import main
from tests.integration.reporting.conftest import consume_all, snapshot, source_for
from tests.reporting_history import HistoryWriter, history


@pytest.fixture(params=["postgres", "sqlite"])
def any_store(request, tmp_path):
    if request.param == "postgres":
        yield request.getfixturevalue("report_store")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
    upgrade(engine)
    yield ReportingStore(engine)
    engine.dispose()


def resealed(body: dict) -> bytes:
    """``body`` with the hash its content calls for, as a forger would send it."""
    when = datetime.fromisoformat(body["occurred_at"])
    envelope = EventEnvelope.model_construct(**{**body, "occurred_at": when, "hash": "0" * 64})
    return orjson.dumps({**body, "hash": envelope.expected_hash()})


def edited(event: EventEnvelope, **fields) -> bytes:
    return resealed({**orjson.loads(encode_event(event)), **fields})


POISON = {  # the defects as the issue lists them
    "a NUL in the principal": lambda e: edited(e, principal="op\u0000"),
    "a seq of 2^63": lambda e: edited(e, seq=2 ** 63),
    "a 40-character backup_id": lambda e: edited(
        e, type="CopyGroupLocked", payload={"copy_group": "VG01,dev01", "by": "drmcgctl",
                                            "backup_id": "1" * 40}),
    "a 200-character outcome command": lambda e: edited(
        e, type="CommandCompleted", payload={"command": "C" * 200, "result": {}}),
    "a 40-character message_id": lambda e: edited(
        e, type="CommandFailed", payload={"command": "BackupFileSystem",
                                          "message_id": "KAVX0006-E" * 4, "text": "failed"}),
    "a version of 2^40": lambda e: edited(e, version=2 ** 40),
}
WHERE = {"a seq of 2^63": None}  # a seq no column can hold is not named


def records(bodies, first=0):
    return [SourceRecord(first + n, body if isinstance(body, bytes) else encode_event(body))
            for n, body in enumerate(bodies)]


@pytest.mark.postgres
@pytest.mark.parametrize("case", POISON)
def test_a_message_out_of_limits_is_refused_with_an_alert_and_the_consumer_goes_on(
        any_store, case):
    events = list(history("FS1", 30))
    genuine = events[-1]
    poison = POISON[case](genuine)  # the same seq as the genuine event that follows it
    consumer = ReportConsumer(any_store)
    bodies = events[:-1] + [poison, genuine]
    changes = consumer.apply(records(bodies), "test")
    expected_seq = WHERE.get(case, genuine.seq)
    assert [(a[0], a[1], a[2]) for a in changes.alerts] == [("FS1", expected_seq, "undecodable")]
    stored = snapshot(any_store)
    assert len(stored["events"]) == len(events)
    assert sorted(row[4] for row in stored["events"]) == sorted(e.version for e in events)  # as sent, none as 0
    assert stored["position"] == [("test", len(bodies) - 1)]
    queries = ReportQueries(any_store)
    assert queries.chain("FS1").untrusted_from is None
    assert queries.view_rows("FS1") == view_rows(fold("FS1", events))
    again = ReportConsumer(any_store)  # a restart starts after the message, not at it
    assert again.ingestor.chains["FS1"].last_seq == genuine.seq


def forged_far_ahead(last: EventEnvelope, seq: int = 1_000_000) -> bytes:
    return edited(last, seq=seq, prev_hash=last.hash, event_id=last.event_id[:-4] + "ffff")


@pytest.mark.postgres
def test_an_event_far_past_the_head_is_quarantined_and_the_host_stays_trusted(any_store):
    writer = HistoryWriter("FS1")
    before = writer.refresh_maps() + [e for n in range(20) for e in writer.backup(n % 4)]
    after = [e for n in range(20) for e in writer.backup(n % 4)]
    forged = forged_far_ahead(before[-1])
    consumer = ReportConsumer(any_store)
    changes = consumer.apply(records(before + [forged] + after), "test")
    assert [a[:3] for a in changes.alerts] == [("FS1", 1_000_000, "quarantined")]
    assert str(MAX_SEQ_JUMP) in changes.alerts[0][3]
    stored = snapshot(any_store)
    assert [(q[0], q[1], q[3]) for q in stored["quarantine"]] == [("FS1", 1_000_000, forged)]
    assert len(stored["events"]) == len(before) + len(after)
    chain = ReportQueries(any_store).chain("FS1")
    assert (chain.last_seq, chain.untrusted_from) == (after[-1].seq, None)
    assert ReportQueries(any_store).view_rows("FS1") == view_rows(fold("FS1", before + after))


def test_a_seq_just_within_the_limit_is_still_a_gap(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
    upgrade(engine)
    events = list(history("FS1", 3))
    far = forged_far_ahead(events[-1], seq=events[-1].seq + MAX_SEQ_JUMP)
    changes = ReportConsumer(ReportingStore(engine)).apply(records(events + [far]), "test")
    assert [a[2] for a in changes.alerts] == ["gap"]


@pytest.fixture
def cli_env(monkeypatch, report_url, tmp_path):
    monkeypatch.setenv("DRM_REPORT_DATABASE_URL", report_url)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("DRM_BROKER_URL", raising=False)


@pytest.mark.postgres
def test_drm_audit_verify_names_the_quarantined_event(report_store, cli_env, capsys):
    events = list(history("FS1", 5))
    stranger = list(history("FS2", 2))[-1]  # a host whose only message is quarantined
    ReportConsumer(report_store).apply(
        records(events + [forged_far_ahead(events[-1]), forged_far_ahead(stranger, 2_000_000)]),
        "test")
    capsys.readouterr()
    assert main(["audit", "verify"]) != 0
    out, err = capsys.readouterr()
    assert "alert quarantined at seq 1000000" in out
    assert "quarantined message of host FS2 seq 2000000" in out
    assert "FS1" in err and "FS2" in err


@pytest.mark.amqp
@pytest.mark.postgres
def test_the_stream_consumer_quarantines_an_unstorable_event_and_never_meets_it_again(
        broker, stream, report_store):
    from tests.integration.reporting.test_failed_batch import unstorable_after

    host = broker.host()
    writer = HistoryWriter(host)
    before = writer.refresh_maps() + [e for n in range(30) for e in writer.backup(n % 4)]
    poison = unstorable_after(before[-1])
    after = [e for n in range(30) for e in writer.backup(n % 4)]
    stream(before + [poison] + after)
    consumer = consume_all(report_store, source_for(broker, batch_size=64))
    stored = snapshot(report_store)
    assert [(a[0], a[1], a[2]) for a in stored["alerts"]] == [(host, before[-1].seq + 1,
                                                                "quarantined")]
    assert stored["quarantine"][0][2].startswith("could not be applied: ")
    assert len(stored["events"]) == len(before) + len(after)
    assert consumer.stats.received == len(before) + len(after) + 1
    assert ReportQueries(report_store).view_rows(host) == view_rows(fold(host, before + after))
    again = ReportConsumer(report_store)  # a restart: nothing left to read, nothing refused
    again.follow_stream(source_for(broker), threading.Event(), stop_when_idle=1.0)
    assert snapshot(report_store) == stored


BRITTLE = b'{"a record": "the fold cannot take"}'


class BrittleIngestor(Ingestor):
    """An ingestor whose fold raises on one record, as a fold bug would."""

    def _one(self, record, *rest) -> None:
        if record.body == BRITTLE:
            raise OverflowError("a fold bug")
        super()._one(record, *rest)


class BrittleConsumer(ReportConsumer):
    def resume(self) -> Ingestor:
        return BrittleIngestor(self.store.hash_of, self.store.chains(), load_view=self._refold)


@pytest.mark.amqp
@pytest.mark.postgres
def test_a_record_the_fold_cannot_take_is_quarantined_and_the_stream_goes_on(
        broker, stream, report_store):
    host = broker.host()
    writer = HistoryWriter(host)
    before = writer.refresh_maps() + [e for n in range(30) for e in writer.backup(n % 4)]
    after = [e for n in range(30) for e in writer.backup(n % 4)]
    stream(before + [BRITTLE] + after)
    consumer = BrittleConsumer(report_store)
    consumer.follow_stream(source_for(broker, batch_size=64), threading.Event(),
                           stop_when_idle=1.5)
    stored = snapshot(report_store)
    assert [(q[0], q[1], q[3]) for q in stored["quarantine"]] == [(None, None, BRITTLE)]
    assert "OverflowError: a fold bug" in stored["quarantine"][0][2]
    assert len(stored["events"]) == len(before) + len(after)
    assert ReportQueries(report_store).view_rows(host) == view_rows(fold(host, before + after))


@pytest.mark.amqp
@pytest.mark.postgres
def test_drm_report_serve_alerts_on_stderr_and_goes_on(broker, stream, report_store, cli_env,
                                                       monkeypatch, capsys):
    from tests.integration.reporting.test_failed_batch import unstorable_after

    monkeypatch.setenv("DRM_BROKER_URL", broker.url)
    monkeypatch.setenv("DRM_NAMESPACE", broker.topology.namespace)
    host = broker.host()
    events = list(history(host, 20))
    poison = unstorable_after(events[-2])  # the seq of the genuine last event
    stream(events[:-1] + [poison, edited(events[-1], principal="op\u0000"), events[-1],
                          forged_far_ahead(events[-1])])
    capsys.readouterr()
    assert main(["report", "serve", "--until-idle", "1.5"]) == 0
    err = capsys.readouterr().err
    assert f"ALERT quarantined host={host} seq={events[-1].seq} " in err  # the unstorable one
    assert f"ALERT undecodable host={host} seq={events[-1].seq} " in err
    assert f"ALERT quarantined host={host} seq=1000000 " in err
    assert ReportQueries(report_store).chain(host).last_seq == events[-1].seq
