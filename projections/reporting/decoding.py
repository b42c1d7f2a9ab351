"""``decode(body) -> Received | Undecodable``: a message of the shared log as an envelope, with
its canonical payload text and the hash its content calls for.

Contract: the verdict is exactly ``EventEnvelope.model_validate``'s -- same envelopes accepted,
same values, same error text for the rest -- for a body within ``events.limits.MAX_BODY_BYTES``
whose payload has a canonical JSON form (one with NaN or too deep a nesting is refused here).
``decode`` never raises: any body ends in ``Received`` or ``Undecodable``.

Validating every field with pydantic is the largest cost of the consumer's hot path, so a
body whose fields already have the exact form our agents send (every field present, plain
``str``/``int`` values, lower-case UUIDs and hashes, the canonical timestamp, every field
within ``events.limits``) is checked here with plain comparisons and built with
``EventEnvelope.trusted``; everything else goes through ``model_validate``, which gives the
verdict and the error message.

The payload is serialised once: its canonical text is both the stored payload and, embedded
as it is, part of the hashed body (``hashed_bytes`` would serialise it again). The content
hash is always recomputed from the received values, so an edited payload never matches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from events import EventEnvelope
from events.canonical import canonical_bytes, embedded_json, sha256_hex
from events.envelope import FIELD_NAMES, canonical_body
from events.limits import (HOST_MAX, MAX_BODY_BYTES, PRINCIPAL_MAX, TYPE_MAX, VERSION_MAX,
                           payload_problem, safe_host, safe_seq)
from events.signing import HEAD_FIELD, split_head

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
_HASH = re.compile(r"[0-9a-f]{64}").fullmatch
_ID_AND_HASH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                          r"[0-9a-f]{64}").fullmatch  # event_id + prev_hash, in one pass
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z").fullmatch
_SMALL = 1 << 31  # ints beyond this take the validated path (and the exact big-int encoding)
_OPTIONS = orjson.OPT_SORT_KEYS


@dataclass(frozen=True, slots=True)
class Received:
    """A decoded event: ``fields`` are the envelope's validated values (``EventEnvelope``'s
    field names; ``occurred_at`` a datetime), ``payload_json`` the payload's canonical JSON as
    stored, ``content_hash`` what ``hash`` must be for this content (``expected_hash()``)."""

    fields: dict[str, Any]
    payload_json: str
    content_hash: str
    signed_head: Any = None  # the batch's signed head sent beside the event, unchecked


@dataclass(frozen=True, slots=True)
class Undecodable:
    problem: str
    where: tuple  # (host, seq) as far as the body names them


_CHECKED_IDS: set[str] = set()  # UUID texts seen valid: a command's id recurs in its events
_CHECKED_LIMIT = 4096


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is not str:
        return False  # (a list or a dict is not even hashable)
    if value in _CHECKED_IDS:
        return True
    if not _UUID(value):
        return False
    if len(_CHECKED_IDS) >= _CHECKED_LIMIT:
        _CHECKED_IDS.clear()
    _CHECKED_IDS.add(value)
    return True


def decode(body: Any) -> Received | Undecodable:
    """The verdict on one body; never raises. ``Undecodable.where`` names the host and seq
    only when they could stand in a column (``events.limits.safe_host``/``safe_seq``)."""
    if isinstance(body, (bytes, str)) and len(body) > MAX_BODY_BYTES:
        return Undecodable(f"a body of {len(body)} bytes is over the limit of "
                           f"{MAX_BODY_BYTES}", (None, None))
    try:
        data = orjson.loads(body) if isinstance(body, (bytes, str)) else body
    except orjson.JSONDecodeError as error:
        return Undecodable(f"malformed JSON: {error}", (None, None))
    if not isinstance(data, dict):
        return Undecodable("an event must be a JSON object", (None, None))
    if HEAD_FIELD in data:  # ADR 0005: not part of the envelope
        received = decode(split_head(data)[0])
        return replace(received, signed_head=data[HEAD_FIELD]) \
            if isinstance(received, Received) else received
    fast = _fast(data, parsed=body is not data)
    if fast is not None:
        return fast
    where = (safe_host(data.get("host")), safe_seq(data.get("seq")))
    try:
        envelope = EventEnvelope.model_validate(data)
    except RecursionError:
        return Undecodable("nested too deeply", where)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "(root)"
        return Undecodable(f"field {name}: {first['msg']}", where)
    try:
        return Received(dict(envelope.__dict__), canonical_bytes(envelope.payload).decode(),
                        envelope.expected_hash())
    except (ValueError, TypeError, RecursionError) as error:  # NaN, a non-JSON value
        return Undecodable(f"field payload: not canonical JSON ({type(error).__name__})", where)


def _fast(data: dict, parsed: bool) -> Received | None:
    """The decoded event when every field has the exact, canonical form; ``None`` to
    validate. ``data`` is used as the fields (it is the caller's only when ``parsed``)."""
    if len(data) != len(FIELD_NAMES):
        return None
    try:  # with as many keys as fields, all of them present means exactly the fields
        host, type_, principal = data["host"], data["type"], data["principal"]
        seq, version, stamp = data["seq"], data["version"], data["occurred_at"]
        payload, event_id, prev_hash, hash_ = (data["payload"], data["event_id"],
                                               data["prev_hash"], data["hash"])
        command_id, correlation_id, causation_id = (data["command_id"], data["correlation_id"],
                                                    data["causation_id"])
    except KeyError:
        return None
    if not (type(host) is str and 0 < len(host) <= HOST_MAX and host.isprintable()
            and type(type_) is str and 0 < len(type_) <= TYPE_MAX and type_.isprintable()
            and type(principal) is str and len(principal) <= PRINCIPAL_MAX
            and principal.isprintable() and type(seq) is int and 0 < seq < _SMALL
            and type(version) is int and 0 < version <= VERSION_MAX
            and type(stamp) is str and _STAMP(stamp)
            and type(payload) is dict and type(event_id) is str and type(prev_hash) is str
            and len(event_id) == 36 and _ID_AND_HASH(event_id + prev_hash)
            and type(hash_) is str and _valid_id(command_id) and _valid_id(correlation_id)
            and _valid_id(causation_id)):
        return None
    if not parsed and any(type(key) is not str for key in payload):
        return None
    if payload_problem(type_, payload) is not None:
        return None  # the validated path gives the error
    try:
        occurred_at = datetime.fromisoformat(stamp)
        payload_json = orjson.dumps(payload, option=_OPTIONS, default=_refuse)
    except (ValueError, TypeError):
        return None  # an impossible date, or a payload only the exact slow path encodes
    content_hash = sha256_hex(canonical_body(
        event_id, host, seq, type_, version, stamp, command_id, correlation_id, causation_id,
        principal, embedded_json(payload_json), prev_hash))
    if hash_ != content_hash and not _HASH(hash_):
        return None  # a matching hash has the pattern; any other must be checked
    fields = data if parsed else dict(data)
    fields["occurred_at"] = occurred_at
    return Received(fields, payload_json.decode(), content_hash)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)
