"""Hostile bus messages for the fuzz tests (issue 15, point 6): random bytes, random JSON, and
genuine events or commands with one or more fields replaced by extreme values.

``examples(n)``: the bounded count a test runs in ``make test``; ``DRM_FUZZ_EXAMPLES`` raises it
for a longer run (``make fuzz``).
"""
from __future__ import annotations

import json
import os
from datetime import datetime

from hypothesis import strategies as st

from events.envelope import FIELD_NAMES, EventEnvelope
from events.limits import TEXT_MAX


def examples(bounded: int) -> int:
    return int(os.environ.get("DRM_FUZZ_EXAMPLES", bounded))


EXTREME_INTS = st.sampled_from([0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 40, 2 ** 63 - 1, 2 ** 63,
                                2 ** 64, -(2 ** 63) - 1, 10 ** 6, 100_001, 10 ** 30])
EXTREME_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1f), min_size=1, max_size=5),  # controls, NUL
    st.sampled_from(["\u0000", "a\u0000b", "\u200b", "\ud800", "x" * 33, "x" * 129, "x" * 256,
                     "y" * 513, "", " ", "../../etc", "é" * 300]),
)
HUGE_TEXT = st.integers(TEXT_MAX - 1, TEXT_MAX + 1).map(lambda n: "z" * n)  # the longest allowed
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | EXTREME_INTS
    | st.floats(allow_nan=True, allow_infinity=True) | EXTREME_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(EXTREME_TEXT, inner, max_size=4),
    max_leaves=12)
EXTREME_VALUES = st.one_of(EXTREME_INTS, EXTREME_TEXT, JSON_VALUES)
PAYLOAD_KEYS = ("backup_id", "original_id", "origin_host", "command", "message_id", "text",
                "copy_group", "copy_groups", "instances", "volumes", "workflow_id", "mode",
                "by", "rows", "generation")
TYPES = st.sampled_from(["CommandCompleted", "CommandFailed", "CommandRejected",
                         "CopyGroupLocked", "BackupRecorded", "BackupRequested",
                         "DictionaryMapRefreshed", "BackupEntryDeleted", "Unheard"])


def encode(value) -> bytes:
    """JSON as a forger could send it: big integers, NaN and lone surrogates included."""
    return json.dumps(value, ensure_ascii=True).encode()


def resealed(body: dict) -> dict:
    """``body`` with the hash its content calls for, when it has one (a forger's care)."""
    try:
        when = datetime.fromisoformat(body["occurred_at"])
        envelope = EventEnvelope.model_construct(**{**body, "occurred_at": when})
        return {**body, "hash": envelope.expected_hash()}
    except Exception:  # noqa: BLE001 - a body too broken to hash keeps its hash
        return body


@st.composite
def mutated_events(draw, genuine: list[dict]) -> bytes:
    """A genuine event (wire form) with fields and payload fields replaced, resealed."""
    body = dict(draw(st.sampled_from(genuine)))
    body["payload"] = dict(body["payload"])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["field", "payload", "type"]))
        if where == "field":
            body[draw(st.sampled_from(FIELD_NAMES))] = draw(EXTREME_VALUES)
        elif where == "type":
            body["type"] = draw(TYPES)
        elif isinstance(body.get("payload"), dict):
            key = draw(st.sampled_from(PAYLOAD_KEYS))
            body["payload"][key] = draw(st.one_of(EXTREME_VALUES, HUGE_TEXT) if key == "text"
                                        else EXTREME_VALUES)
    return encode(resealed(body) if draw(st.booleans()) else body)


def raw_bodies(genuine: list[dict]):
    """Any message body a bus could carry, weighted toward near-valid events."""
    return st.one_of(st.binary(max_size=200), st.builds(encode, JSON_VALUES),
                     mutated_events(genuine), mutated_events(genuine))
