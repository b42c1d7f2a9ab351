"""Resuming does not refold every host: a host's view is refolded from the reporting database
when its first new event arrives, and the tables come out as a consumer that never stopped
would leave them."""
from __future__ import annotations

import threading

import pytest

from projections.host_fold import fold
from projections.reporting.view_rows import view_rows
from adapters.reporting.queries import ReportQueries
from services.audit.consumer import ReportConsumer
from tests.integration.reporting.conftest import consume_all, snapshot, source_for
from tests.reporting_history import HistoryWriter

pytestmark = [pytest.mark.amqp, pytest.mark.postgres]


def test_only_hosts_with_new_events_are_refolded_and_the_rows_are_those_of_one_run(
        broker, stream, report_store, report_url):
    busy, quiet = HistoryWriter(broker.host()), HistoryWriter(broker.host())
    first = busy.refresh_maps() + quiet.refresh_maps()
    first += [e for n in range(30) for e in busy.backup(n % 4) + quiet.backup(n % 4)]
    later = [e for n in range(30) for e in busy.backup(n % 4, fail=n == 7)]
    stream(first)
    consume_all(report_store, source_for(broker))

    resumed = ReportConsumer(report_store)
    assert resumed.ingestor.views == {}  # nothing refolded at construction
    assert set(resumed.ingestor.chains) == {busy.host, quiet.host}
    stream(later)
    consume_all_with(resumed, broker)
    assert set(resumed.ingestor.views) == {busy.host}  # the quiet host was never refolded

    queries = ReportQueries(report_store)
    assert queries.view_rows(busy.host) == view_rows(
        fold(busy.host, [e for e in first + later if e.host == busy.host]))
    assert queries.view_rows(quiet.host) == view_rows(
        fold(quiet.host, [e for e in first if e.host == quiet.host]))
    found = snapshot(report_store)
    assert found["alerts"] == [] and len(found["events"]) == len(first) + len(later)


def consume_all_with(consumer: ReportConsumer, broker, idle: float = 1.5) -> None:
    consumer.follow_stream(source_for(broker), threading.Event(), stop_when_idle=idle)
