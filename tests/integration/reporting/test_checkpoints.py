"""As-of checkpoints on PostgreSQL: the consumer writes them as it goes, and a view as of any T
-- before, at or between checkpoints, with a clock that went back -- is the same text as the
in-memory fold of the events up to T; checkpoints that cannot be used are not."""
from __future__ import annotations

import heapq
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from adapters.reporting import checkpoints
from adapters.reporting.checkpoints import Checkpointer, report_checkpoints
from adapters.reporting.queries import ReportQueries
from events.codec import encode_event
from projections.reporting.folding import fold_rows
from projections.reporting.ingest import SourceRecord
from projections.reporting.view_rows import view_rows
from services.audit.consumer import ReportConsumer
from tests.reporting_history import START, HistoryWriter, history

pytestmark = [pytest.mark.postgres]


def clock_going_back(host: str, commands: int):
    """A history whose host clock is set back two hours a third of the way through."""
    writer, events = HistoryWriter(host), []
    events += writer.refresh_maps()
    for n in range(1, commands):
        if n == commands // 3:
            writer.clock -= timedelta(hours=2)
        events += writer.backup(n % 4, fail=n % 40 == 0)
    return events


def consume(store, events, every: int, batch: int = 250) -> ReportConsumer:
    consumer = ReportConsumer(store)
    consumer.checkpoints = Checkpointer(store.engine, every=every)
    for start in range(0, len(events), batch):
        records = [SourceRecord(start + n, encode_event(e))
                   for n, e in enumerate(events[start:start + batch])]
        consumer.apply(records, "test")
    return consumer


def folded_in_memory(host: str, events, moment):
    """The reporting fold (gaps skipped over) of the events that happened by ``moment``."""
    return fold_rows(host, [(e.seq, e.type, e.version, dict(e.payload)) for e in events
                            if e.occurred_at <= moment])


def as_of_rows(queries: ReportQueries, host: str, moment):
    return view_rows(queries.view_as_of(queries.chain(host), moment))


def test_views_as_of_any_time_equal_the_fold_of_the_events_up_to_it(report_store):
    hosts = {"CK1": clock_going_back("CK1", 300), "CK2": list(history("CK2", 120))}
    merged = list(heapq.merge(*hosts.values(), key=lambda e: e.occurred_at))  # seq order kept
    consume(report_store, merged, every=400)
    with report_store.engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(report_checkpoints)).scalar()
    assert written >= 4
    queries = ReportQueries(report_store)
    for host, events in hosts.items():
        chain = queries.chain(host)
        assert checkpoints.nearest(report_store.engine, host, merged[-1].occurred_at,
                                   chain.last_seq) is not None
        for minutes in (0, 1, 30, 99, 100, 101, 150, 200, 250, 333, 10_000):
            moment = START + timedelta(minutes=minutes, seconds=30)
            expected = view_rows(folded_in_memory(host, events, moment))
            assert as_of_rows(queries, host, moment) == expected, (host, minutes)


def test_a_checkpoint_is_used_only_when_every_event_up_to_it_happened_by_then(report_store):
    events = clock_going_back("CK3", 300)  # the clock goes back at command 100
    consume(report_store, events, every=200)
    chain = ReportQueries(report_store).chain("CK3")
    late = max(e.occurred_at for e in events)
    assert checkpoints.nearest(report_store.engine, "CK3", late, chain.last_seq) is not None
    before_jump = events[700].occurred_at  # a checkpoint past here holds later times
    found = checkpoints.nearest(report_store.engine, "CK3", before_jump, chain.last_seq)
    assert found is not None and max(e.occurred_at for e in events[:found.seq]) <= before_jump
    with report_store.engine.connect() as conn:  # the later ones hold times after before_jump
        assert conn.execute(select(func.max(report_checkpoints.c.seq))).scalar() > found.seq
    assert checkpoints.nearest(report_store.engine, "CK3", late, 0) is None  # not committed


def test_rebuild_clears_the_checkpoints(report_store):
    consume(report_store, list(history("CK4", 100)), every=200)
    checkpoints.clear(report_store.engine)
    with report_store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(report_checkpoints)).scalar() == 0
