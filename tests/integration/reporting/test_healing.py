"""Healing through the consumer and a real reporting store (SQLite and PostgreSQL): late events
that close a gap heal the host at once, or at the next start when the consumer died before;
a late event that is not genuine keeps the host untrusted."""
from __future__ import annotations

import orjson
import pytest

from adapters.db import make_engine
from adapters.migrations import upgrade
from adapters.reporting.heal_store import HealStore
from adapters.reporting.queries import ReportQueries
from adapters.reporting.store import ReportingStore
from events.codec import encode_event
from projections.host_fold import fold
from projections.reporting.ingest import Ingestor, SourceRecord
from projections.reporting.view_rows import view_rows
from services.audit.consumer import ReportConsumer
from tests.reporting_history import history

SOURCE = "test-source"


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'report.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("report_url")
    engine = make_engine(url)
    upgrade(engine)
    yield ReportingStore(engine)
    engine.dispose()


def records(events, first=0):
    return [SourceRecord(first + n, encode_event(e)) for n, e in enumerate(events)]


@pytest.fixture
def events():
    return list(history("FS1", 50))


def kinds(store) -> list[str]:
    return [a["kind"] for a in ReportQueries(store).alerts("FS1")]


class TestHealing:
    def test_late_events_that_close_the_gap_heal_the_host_in_the_same_call(self, store, events):
        consumer = ReportConsumer(store)
        consumer.apply(records(events[:10] + events[15:]), SOURCE)
        assert HealStore(store).missing_ranges("FS1") == [(11, 15)]
        consumer.apply(records(events[10:12], 100), SOURCE)  # part of the range: not yet
        assert ReportQueries(store).chain("FS1").untrusted_from == 11
        assert HealStore(store).missing_ranges("FS1") == [(13, 15)]
        consumer.apply(records(events[12:15], 200), SOURCE)
        assert ReportQueries(store).chain("FS1").untrusted_from is None
        assert kinds(store) == ["gap"] + ["late-event"] * 5 + ["gap-filled"]
        expected = view_rows(fold("FS1", events))
        assert ReportQueries(store).view_rows("FS1") == expected
        assert view_rows(consumer.ingestor.views["FS1"]) == expected
        more = list(history("FS1", 60))[len(events):]  # the live fold goes on from the heal
        consumer.apply(records(more, 300), SOURCE)
        assert ReportQueries(store).view_rows("FS1") == view_rows(fold("FS1", events + more))
        assert ReportConsumer(store).ingestor.view("FS1").seq == more[-1].seq

    def test_a_consumer_that_died_before_healing_heals_when_it_starts(self, store, events):
        ingestor = Ingestor(store.hash_of)  # what the consumer committed, without its healer
        store.write(ingestor.ingest(records(events[:10] + events[15:])), SOURCE)
        store.write(ingestor.ingest(records(events[10:15], 100)), SOURCE)
        assert ReportQueries(store).chain("FS1").untrusted_from == 11
        ReportConsumer(store)
        assert ReportQueries(store).chain("FS1").untrusted_from is None
        assert ReportQueries(store).view_rows("FS1") == view_rows(fold("FS1", events))

    def test_a_late_event_with_forged_content_keeps_the_host_untrusted(self, store, events):
        consumer = ReportConsumer(store)
        consumer.apply(records(events[:10] + events[11:]), SOURCE)
        body = events[10].to_wire()
        body["principal"] = "mallory"
        consumer.apply([SourceRecord(100, orjson.dumps(body))], SOURCE)
        assert ReportQueries(store).chain("FS1").untrusted_from == 11
        assert kinds(store) == ["gap", "late-event"]
        assert ReportConsumer(store).ingestor.chains["FS1"].untrusted_from == 11
