"""Fuzzing the consumer's decoding (issue 15, point 6): any body a bus could carry ends in a
decoded event or a reason, never an exception; and the fast path's verdict is always the
validated envelope's."""
from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings

from events.codec import encode_event
from events.limits import MAX_BODY_BYTES, payload_problem
from projections.reporting.decoding import Received, Undecodable, decode
from tests.fuzzing import examples, raw_bodies
from tests.reporting_history import history
from tests.unit.reporting.test_decoding import as_pydantic_sees_it

GENUINE = [orjson.loads(encode_event(e)) for e in history("FZ", 12)]
FUZZ = settings(max_examples=examples(400), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(raw_bodies(GENUINE))
def test_any_body_decodes_to_an_event_or_a_reason_with_the_validated_verdict(body):
    found = decode(body)
    assert isinstance(found, (Received, Undecodable))
    if isinstance(found, Undecodable):
        assert found.problem
        return
    expected = as_pydantic_sees_it(orjson.loads(body))
    assert not isinstance(expected, str), expected
    assert found.fields == expected.__dict__
    assert found.content_hash == expected.expected_hash()
    assert payload_problem(found.fields["type"], found.fields["payload"]) is None


@FUZZ
@given(raw_bodies(GENUINE))
def test_a_rejected_body_gets_the_validated_envelopes_reason(body):
    if len(body) > MAX_BODY_BYTES:
        return  # refused unread: see test_decoding
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    found = decode(body)
    if isinstance(data, dict) and isinstance(found, Undecodable) \
            and not found.problem.startswith("field payload: not canonical"):
        assert found.problem == as_pydantic_sees_it(data)
