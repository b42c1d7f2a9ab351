"""The event envelope (DESIGN §4) and how drafts become sealed, chained events.

An agent decides *drafts* (type + typed payload). ``seal`` turns them into envelopes: it gives each
the next ``seq`` of the host, a deterministic ``event_id`` from ``(command_id, index)`` so a
redelivered command produces the same ids, and links the SHA-256 chain.

Identifiers are carried as their canonical lower-case UUID text: that is how they are hashed,
stored and sent, so no layer converts them back and forth.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from events.base import Payload
from events.limits import EventType, Host, Principal, Seq, Version, payload_problem
from events.canonical import (GENESIS_HASH, canonical_bytes, embedded_json, format_timestamp,
                              sha256_hex)

EVENT_ID_NAMESPACE = uuid.UUID("8f6f3b1e-6a43-4c39-9d0e-5b8f2f7a0c11")
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
HASH_PATTERN = r"^[0-9a-f]{64}$"

FIELD_NAMES = ("event_id", "host", "seq", "type", "version", "occurred_at", "command_id",
               "correlation_id", "causation_id", "principal", "payload", "prev_hash", "hash")
_FIELDS_SET = set(FIELD_NAMES)


class EventEnvelope(BaseModel):
    """One immutable event of one host's stream, as stored and as sent on the bus."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(pattern=UUID_PATTERN)
    host: Host
    seq: Seq
    type: EventType
    version: Version
    occurred_at: datetime
    command_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    correlation_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    causation_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    principal: Principal
    payload: dict[str, Any]
    prev_hash: str = Field(pattern=HASH_PATTERN)
    hash: str = Field(pattern=HASH_PATTERN)

    @field_validator("payload")
    @classmethod
    def _columns_hold_payload(cls, payload: dict[str, Any], info: ValidationInfo):
        """The payload's fields that the reporting store keeps in columns are within limits."""
        if problem := payload_problem(info.data.get("type", ""), payload):
            raise ValueError(problem)
        return payload

    @classmethod
    def trusted(cls, **values: Any) -> "EventEnvelope":
        """Build without validation, for values that were validated when they were stored.

        Equivalent to ``model_construct`` with every field given, at a fraction of its cost
        (reading a stream is the hot path of every projection).
        """
        envelope = cls.__new__(cls)
        object.__setattr__(envelope, "__dict__", values)
        object.__setattr__(envelope, "__pydantic_fields_set__", _FIELDS_SET.copy())
        object.__setattr__(envelope, "__pydantic_extra__", None)
        object.__setattr__(envelope, "__pydantic_private__", None)
        return envelope

    def hashed_bytes(self) -> bytes:
        """The canonical JSON that ``hash`` seals: every field but ``hash`` itself."""
        return canonical_body(self.event_id, self.host, self.seq, self.type, self.version,
                              format_timestamp(self.occurred_at), self.command_id,
                              self.correlation_id, self.causation_id, self.principal,
                              self.payload, self.prev_hash)

    def expected_hash(self) -> str:
        """The hash this envelope must carry, recomputed from its other fields."""
        return sha256_hex(self.hashed_bytes())

    def to_wire(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the timestamp in canonical form)."""
        body = dict(self.__dict__)
        body["occurred_at"] = format_timestamp(self.occurred_at)
        return body


def canonical_body(event_id, host, seq, type_, version, occurred_at, command_id, correlation_id,
                   causation_id, principal, payload, prev_hash) -> bytes:
    return canonical_bytes({
        "event_id": event_id, "host": host, "seq": seq, "type": type_, "version": version,
        "occurred_at": occurred_at, "command_id": command_id, "correlation_id": correlation_id,
        "causation_id": causation_id, "principal": principal, "payload": payload,
        "prev_hash": prev_hash,
    })


@dataclass(frozen=True)
class EventDraft:
    """An event an agent has decided on, before it has a place in the stream."""

    type: str
    version: int
    payload: Payload


@dataclass(frozen=True)
class EventContext:
    """What caused a batch of events: the command, its workflow, its issuer, the clock reading."""

    principal: str
    occurred_at: datetime
    command_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


def event_id_for(command_id: str | None, index: int) -> str:
    """Deterministic id for the ``index``-th event caused by ``command_id`` (random without one).

    The version-5 (name-based, RFC 4122) UUID of the command id, with its last 48 bits replaced
    by ``index``: unique per (command, index), and cheap for the hundreds of events of a batch.
    """
    if command_id is None:
        return str(uuid.uuid4())
    return _EventIds(command_id).id_for(index)


class _EventIds:
    def __init__(self, command_id: str) -> None:
        self._prefix = str(uuid.uuid5(EVENT_ID_NAMESPACE, command_id))[:24]

    def id_for(self, index: int) -> str:
        return f"{self._prefix}{index:012x}"


def seal(host: str, head_seq: int, head_hash: str, drafts: Sequence[EventDraft],
         context: EventContext, first_index: int = 0) -> list[EventEnvelope]:
    """Number, identify and chain ``drafts`` after the host's head ``(head_seq, head_hash)``."""
    return [envelope for envelope, _ in
            seal_with_payload_json(host, head_seq, head_hash, drafts, context, first_index)]


def seal_with_payload_json(host: str, head_seq: int, head_hash: str,
                           drafts: Sequence[EventDraft], context: EventContext,
                           first_index: int = 0) -> list[tuple[EventEnvelope, bytes]]:
    """``seal``, also returning each payload's canonical JSON (what a store writes)."""
    sealed: list[tuple[EventEnvelope, bytes]] = []
    prev_hash = head_hash or GENESIS_HASH
    stamp = format_timestamp(context.occurred_at)
    ids = _EventIds(context.command_id) if context.command_id else None
    for offset, draft in enumerate(drafts):
        index = first_index + offset
        payload = draft.payload.model_dump(mode="json")
        payload_json = canonical_bytes(payload)
        values = {
            "event_id": ids.id_for(index) if ids else str(uuid.uuid4()), "host": host,
            "seq": head_seq + offset + 1, "type": draft.type, "version": draft.version,
            "occurred_at": stamp, "command_id": context.command_id,
            "correlation_id": context.correlation_id, "causation_id": context.causation_id,
            "principal": context.principal, "payload": embedded_json(payload_json),
            "prev_hash": prev_hash,
        }
        digest = sha256_hex(canonical_bytes(values))  # the canonical body: every field but hash
        values["occurred_at"] = context.occurred_at
        values["payload"] = payload
        values["hash"] = digest
        sealed.append((EventEnvelope.trusted(**values), payload_json))
        prev_hash = digest
    return sealed
