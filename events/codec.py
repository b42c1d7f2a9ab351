"""Decoding events and commands from JSON text, with errors that say where and what.

Every failure raises ``EventSchemaError`` naming the host, the seq and the field, as far as the
input lets us read them, so a bad message is never a silent skip.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from events.commands import CommandEnvelope
from events.envelope import EventEnvelope
from events.limits import MAX_BODY_BYTES
from events.registry import REGISTRY, EventRegistry, EventSchemaError
from events.signing import HEAD_FIELD, split_head


def _first_error(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(root)"
    return field, first["msg"]


def parse_json(text: str | bytes) -> Any:
    if len(text) > MAX_BODY_BYTES:
        raise EventSchemaError(None, None, "(body)", f"a body of {len(text)} bytes is over the "
                               f"limit of {MAX_BODY_BYTES}")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise EventSchemaError(None, None, "(body)", f"malformed JSON: {error}") from error
    except RecursionError as error:
        raise EventSchemaError(None, None, "(body)", "JSON nested too deeply") from error


def decode_event(raw: str | bytes | dict[str, Any],
                 registry: EventRegistry = REGISTRY) -> EventEnvelope:
    """Parse, validate and type-check one event; its payload must load in ``registry``."""
    data = parse_json(raw) if isinstance(raw, (str, bytes)) else raw
    if not isinstance(data, dict):
        raise EventSchemaError(None, None, "(body)", "an event must be a JSON object")
    data, _ = split_head(data)
    host, seq = data.get("host"), data.get("seq")
    host = host if isinstance(host, str) else None
    seq = seq if isinstance(seq, int) else None
    try:
        envelope = EventEnvelope.model_validate(data)
    except ValidationError as error:
        field, reason = _first_error(error)
        raise EventSchemaError(host, seq, field, reason) from error
    registry.load(envelope)
    return envelope


def encode_event(envelope: EventEnvelope, signed_head: dict[str, Any] | None = None) -> str:
    """The event's JSON; ``signed_head`` (the batch's signed head, on its last event) travels
    beside the envelope's fields, outside the hashed body (ADR 0005)."""
    body = envelope.to_wire()
    if signed_head is not None:
        body[HEAD_FIELD] = signed_head
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def decode_command(raw: str | bytes | dict[str, Any]) -> CommandEnvelope:
    """The command in ``raw``, within ``events.limits``; any other body raises
    ``EventSchemaError`` naming the field (never another exception)."""
    data = parse_json(raw) if isinstance(raw, (str, bytes)) else raw
    try:
        return CommandEnvelope.model_validate(data)
    except RecursionError as error:
        raise EventSchemaError(None, None, "command.command", "nested too deeply") from error
    except ValidationError as error:
        field, reason = _first_error(error)
        raise EventSchemaError(None, None, f"command.{field}", reason) from error


def encode_command(command: CommandEnvelope) -> str:
    return command.model_dump_json()
