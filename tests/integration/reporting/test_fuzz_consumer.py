"""Fuzzing the audit consumer end to end (issue 15, point 6): raw bus bodies -- random bytes,
random JSON, genuine events with extreme values -- fed to ``ReportConsumer.apply`` against the
real reporting store end, each of them, in an accepted event, a rejected message with a reason
(alert ``undecodable``) or a quarantined one; the consumer never stops and its position always
passes them."""
from __future__ import annotations

import itertools

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.db import make_engine
from adapters.migrations import upgrade
from adapters.reporting.store import ReportingStore
from events.codec import encode_event
from projections.reporting.decoding import Undecodable, decode
from projections.reporting.ingest import SourceRecord
from services.audit.consumer import ReportConsumer
from tests.fuzzing import examples, raw_bodies
from tests.reporting_history import history

pytestmark = [pytest.mark.postgres]

EVENTS = list(history("FZ", 12))
GENUINE = [orjson.loads(encode_event(e)) for e in EVENTS]
KINDS = {"undecodable", "quarantined", "duplicate-conflict", "late-event", "gap",
         "chain-broken", "hash-mismatch", "unknown-type", "fold-error"}


@pytest.fixture(params=["postgres", "sqlite"])
def fuzzed(request, tmp_path):
    """A consumer that has applied the first genuine event: most mutated events are new."""
    if request.param == "postgres":
        store = request.getfixturevalue("report_store")
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
        upgrade(engine)
        store = ReportingStore(engine)
    consumer = ReportConsumer(store)
    consumer.apply([SourceRecord(0, encode_event(EVENTS[0]))], "fuzz")
    return consumer, itertools.count(1)


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(bodies=st.lists(raw_bodies(GENUINE), min_size=1, max_size=6))
def test_every_raw_body_is_accepted_rejected_or_quarantined_and_the_consumer_goes_on(
        fuzzed, bodies):
    consumer, offsets = fuzzed
    records = [SourceRecord(next(offsets), body) for body in bodies]
    received = consumer.stats.received
    changes = consumer.apply(records, "fuzz")
    assert consumer.stats.received == received + len(records)
    assert consumer.store.position("fuzz") == records[-1].offset
    assert {alert[2] for alert in changes.alerts} <= KINDS
    assert all(alert[3] for alert in changes.alerts)
    for kind in {alert[2] for alert in changes.alerts}:
        event(kind)  # --hypothesis-show-statistics: how often each ending was reached
    noted = {(alert[4], alert[2]) for alert in changes.alerts}
    for record in records:
        if isinstance(decode(record.body), Undecodable):
            assert (record.offset, "undecodable") in noted or \
                (record.offset, "quarantined") in noted
