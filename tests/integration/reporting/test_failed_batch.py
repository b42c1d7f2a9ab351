"""A batch the store refuses leaves nothing behind, even though its event rows were streamed
to PostgreSQL while it was folded; the consumer then stores it in parts, quarantines the one
event at fault, and carries on from there."""
from __future__ import annotations

import orjson
import psycopg
import pytest

from events.codec import encode_event
from events.envelope import EventEnvelope
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


def unstorable_after(last: EventEnvelope) -> bytes:
    """A well-formed, well-chained event within every field limit, whose copy group no view
    key column can hold (PostgreSQL takes no NUL in text): only the write finds it out."""
    body = {**orjson.loads(encode_event(last)), "seq": last.seq + 1, "prev_hash": last.hash,
            "type": "CopyGroupLocked", "payload": {"copy_group": "VG\u0000", "by": "drmcgctl",
                                                   "backup_id": ""}}
    body["hash"] = EventEnvelope.model_validate({**body, "hash": "0" * 64}).expected_hash()
    return orjson.dumps(body)


def test_a_refused_batch_stores_nothing_and_the_next_one_applies(report_store):
    events = list(history("FS1", 400))
    assert len(events) > 3 * consumer_module.PART_SIZE  # rows streamed before the failure
    consumer = ReportConsumer(report_store)
    consumer.apply(records(events[:100]), "test")
    before = snapshot(report_store)
    poison = SourceRecord(10**6, unstorable_after(events[-1]))
    with pytest.raises(psycopg.DataError):
        consumer.commit_batch(records(events[100:], 100) + [poison], "test")
    assert snapshot(report_store) == before
    assert consumer.ingestor.chains["FS1"].last_seq == events[99].seq
    consumer.apply(records(events[100:], 100), "test")
    assert ReportQueries(report_store).view_rows("FS1") == view_rows(fold("FS1", events))
    assert snapshot(report_store)["alerts"] == []


def test_a_refused_batch_is_split_until_the_event_at_fault_is_quarantined(report_store):
    events = list(history("FS1", 400))
    consumer = ReportConsumer(report_store)
    poison = SourceRecord(len(events), unstorable_after(events[-1]))
    changes = consumer.apply(records(events) + [poison], "test")
    assert [a[:3] for a in changes.alerts] == [("FS1", events[-1].seq + 1, "quarantined")]
    found = snapshot(report_store)
    assert len(found["events"]) == len(events) and found["position"] == [("test", len(events))]
    assert [q[:2] for q in found["quarantine"]] == [("FS1", events[-1].seq + 1)]
    assert ReportQueries(report_store).view_rows("FS1") == view_rows(fold("FS1", events))
    assert ReportQueries(report_store).chain("FS1").untrusted_from is None


def test_no_checkpoint_of_a_refused_batch_survives_it(report_store):
    from sqlalchemy import func, select

    from adapters.reporting.checkpoints import Checkpointer, report_checkpoints

    events = list(history("FS1", 40))
    consumer = ReportConsumer(report_store)
    consumer.checkpoints = Checkpointer(report_store.engine, every=1)  # one per ingest
    poison = SourceRecord(len(events), unstorable_after(events[-1]))
    consumer.apply(records(events) + [poison], "test")  # folded up to the poison, then refused
    with report_store.engine.connect() as conn:
        highest = conn.execute(select(func.max(report_checkpoints.c.seq))).scalar()
    assert highest is not None and highest <= events[-1].seq
