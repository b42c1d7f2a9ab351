"""A batch the store refuses leaves nothing behind, even though its event rows were streamed
to PostgreSQL while it was folded, and the consumer carries on from its last commit."""
from __future__ import annotations

import json

import orjson
import pytest

from events.codec import encode_event
from projections.host_fold import fold
from projections.reporting.ingest import SourceRecord
from projections.reporting.view_rows import view_rows
from adapters.reporting.queries import ReportQueries
from services.audit import consumer as consumer_module
from services.audit.consumer import ReportConsumer
from tests.integration.reporting.conftest import snapshot
from tests.reporting_history import history

pytestmark = [pytest.mark.postgres]


def records(events, first_offset=0):
    return [SourceRecord(first_offset + n, encode_event(e)) for n, e in enumerate(events)]


def test_a_refused_batch_stores_nothing_and_the_next_one_applies(report_store):
    events = list(history("FS1", 400))
    assert len(events) > 3 * consumer_module.PART_SIZE  # rows streamed before the failure
    consumer = ReportConsumer(report_store)
    consumer.apply(records(events[:100]), "test")
    before = snapshot(report_store)
    unstorable = orjson.loads(encode_event(events[-1]))  # valid, but no text column takes NUL
    unstorable.update(seq=events[-1].seq + 1, prev_hash=events[-1].hash, principal="op\u0000")
    with pytest.raises(Exception):
        consumer.apply(records(events[100:]) + [SourceRecord(10**6, json.dumps(unstorable))],
                       "test")
    assert snapshot(report_store) == before
    assert consumer.ingestor.chains["FS1"].last_seq == events[99].seq
    consumer.apply(records(events[100:], 100), "test")
    assert ReportQueries(report_store).view_rows("FS1") == view_rows(fold("FS1", events))
    assert snapshot(report_store)["alerts"] == []
