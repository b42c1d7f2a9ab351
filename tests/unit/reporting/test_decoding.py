"""Decoding a received body: the same verdict, values and hash as ``EventEnvelope`` gives."""
from __future__ import annotations

import json

import orjson
import pytest
from pydantic import ValidationError

from events.canonical import canonical_json
from events.codec import encode_event
from events.envelope import EventEnvelope
from events.limits import MAX_BODY_BYTES
from projections.reporting.decoding import Received, Undecodable, decode
from tests.reporting_history import history

UUID = "0b0a7c3e-1d2f-4a5b-8c6d-7e8f9a0b1c2d"


def as_pydantic_sees_it(data: dict):
    try:
        envelope = EventEnvelope.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "(root)"
        return f"field {name}: {first['msg']}"
    return envelope


EDITS = {
    "as sent": {},
    "upper-case event id": {"event_id": UUID.upper()},
    "event id with a newline": {"event_id": UUID + "\n"},
    "short event id": {"event_id": UUID[:-1]},
    "no command id": {"command_id": None, "correlation_id": None},
    "malformed causation id": {"causation_id": "not-a-uuid"},
    "command id a list (found by fuzzing)": {"command_id": []},
    "seq as text": {"seq": "7"},
    "seq as true": {"seq": True},
    "seq zero": {"seq": 0},
    "seq beyond 64 bits": {"seq": 2 ** 70},
    "float version": {"version": 1.0},
    "empty host": {"host": ""},
    "long principal": {"principal": "p" * 256},
    "timestamp with an offset": {"occurred_at": "2026-01-01T01:00:00+01:00"},
    "timestamp without fraction": {"occurred_at": "2026-01-01T00:00:00Z"},
    "impossible date": {"occurred_at": "2026-02-30T00:00:00.000000Z"},
    "not a timestamp": {"occurred_at": "yesterday"},
    "payload a list": {"payload": [1]},
    "payload with a big integer": {"payload": {"n": 2 ** 70}},
    "payload with unsorted nested keys": {"payload": {"z": {"b": 1, "a": [1.5, None]}, "a": 1}},
    "upper-case hash": {"hash": "A" * 64},
    "short prev hash": {"prev_hash": "0" * 63},
    "extra field": {"extra": 1},
    # the limits of events.limits, which the columns of the reporting store call for
    "NUL in the principal": {"principal": "op\u0000"},
    "control character in the host": {"host": "FS\u001b1"},
    "format character in the type": {"type": "Command\u200bCompleted"},
    "seq of 2^63": {"seq": 2 ** 63},
    "seq of 2^63 - 1": {"seq": 2 ** 63 - 1},
    "version of 2^40": {"version": 2 ** 40},
    "version just over the limit": {"version": 1001},
    "version at the limit": {"version": 1000},
    "40-character backup_id": {"payload": {"backup_id": "1" * 40}},
    "32-character backup_id": {"payload": {"backup_id": "1" * 32}},
    "backup_id not text": {"payload": {"backup_id": 7}},
    "NUL in the original_id": {"payload": {"original_id": "00\u0000"}},
    "256-character origin_host": {"payload": {"origin_host": "h" * 256}},
    "200-character outcome command": {"payload": {"command": "C" * 200, "result": {}}},
    "129-character command in another event": {"type": "Other", "payload": {"command": "C" * 200}},
    "40-character message_id": {"payload": {"command": "X", "message_id": "M" * 40,
                                            "text": "t"}},
    "NUL in an outcome text": {"payload": {"command": "X", "message_id": "M", "text": "a\u0000"}},
    "newline in an outcome text": {"payload": {"command": "X", "message_id": "M",
                                               "text": "a\nb"}},
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_verdict_values_and_hash_are_those_of_the_validated_envelope(edit):
    body = json.dumps({**orjson.loads(encode_event(list(history("FS1", 3))[-1])), **edit})
    expected = as_pydantic_sees_it(orjson.loads(body))  # the consumer's parse of the body
    found = decode(body)
    if isinstance(expected, str):
        assert isinstance(found, Undecodable) and found.problem == expected
        return
    assert isinstance(found, Received)
    assert found.fields == expected.__dict__
    assert found.content_hash == expected.expected_hash()
    assert found.payload_json == canonical_json(expected.payload)


@pytest.mark.parametrize("body", [b"x" * (MAX_BODY_BYTES + 1), b"[" * 5000, b"\xff\xfe",
                                  b'{"payload": NaN}', b"[]", b"null"])
def test_a_body_that_is_no_event_is_undecodable_and_names_no_place(body):
    found = decode(body)
    assert isinstance(found, Undecodable) and found.where == (None, None) and found.problem


def test_a_place_no_column_can_hold_is_not_named():
    data = orjson.loads(encode_event(list(history("FS1", 2))[-1]))
    found = decode(json.dumps({**data, "host": "h\u0000" * 200, "seq": 2 ** 64}))
    assert isinstance(found, Undecodable) and found.where == (None, None)


def test_a_missing_field_is_reported_as_pydantic_names_it():
    data = orjson.loads(encode_event(list(history("FS1", 2))[-1]))
    del data["principal"]
    found = decode(orjson.dumps(data))
    assert isinstance(found, Undecodable) and found.problem == as_pydantic_sees_it(data)
    assert found.where == (data["host"], data["seq"])


def test_a_dict_body_is_not_changed_and_gives_the_same_result_as_its_json():
    data = orjson.loads(encode_event(list(history("FS1", 2))[-1]))
    before = dict(data)
    from_dict, from_json = decode(data), decode(orjson.dumps(data))
    assert data == before
    assert from_dict == from_json


def test_an_edited_payload_in_any_formatting_does_not_match_its_hash():
    data = orjson.loads(encode_event(list(history("FS1", 2))[-1]))
    data["payload"]["command"] = "Forged"
    found = decode(json.dumps(data, indent=2))
    assert isinstance(found, Received) and found.content_hash != found.fields["hash"]
    assert orjson.loads(found.payload_json)["command"] == "Forged"
