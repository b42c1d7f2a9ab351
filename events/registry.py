"""Event types by stable wire name, their current schema version, and upcasters.

The wire name (``BackupRecorded``) never depends on a Python module path. A payload stored at an
older version is read through the chain of upcasters ``v -> v+1`` until it reaches the current
version, then validated by the current model. Anything that cannot be read raises
``EventSchemaError`` naming the host, seq and field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pydantic import ValidationError

from events.base import Payload
from events.envelope import EventDraft, EventEnvelope

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventSchemaError(ValueError):
    """An event that cannot be read: unknown type, bad payload, version without an upcaster."""

    def __init__(self, host: str | None, seq: int | None, field: str, reason: str) -> None:
        where = [f"host {host}"] if host else []
        where += [f"seq {seq}"] if seq is not None else []
        super().__init__(", ".join([*where, f"field {field}: {reason}"]))
        self.host, self.seq, self.field, self.reason = host, seq, field, reason


class DuplicateEventType(ValueError):
    """Two payload models registered under one wire name."""


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    model: type[Payload]


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}
        self._by_model: dict[type[Payload], EventType] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, name: str, model: type[Payload], version: int = 1) -> type[Payload]:
        if name in self._types:
            raise DuplicateEventType(f"event type {name!r} is already registered")
        if model in self._by_model:
            raise DuplicateEventType(f"{model.__name__} is already registered as "
                                     f"{self._by_model[model].name!r}")
        self._types[name] = self._by_model[model] = EventType(name, version, model)
        return model

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: register ``fn(payload_v) -> payload_v+1`` for ``name``."""

        def register(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return register

    def known(self, name: str) -> bool:
        return name in self._types

    def draft_type(self, model: type[Payload]) -> str:
        """The wire name ``model`` is registered under."""
        return self._by_model[model].name

    def model_of(self, name: str) -> type[Payload]:
        return self._types[name].model

    def names(self) -> list[str]:
        return sorted(self._types)

    def draft(self, payload: Payload) -> EventDraft:
        """A draft for ``payload``, typed and versioned by the registry."""
        event_type = self._by_model.get(type(payload))
        if event_type is None:
            raise EventSchemaError(None, None, "type",
                                   f"{type(payload).__name__} is not registered")
        return EventDraft(event_type.name, event_type.version, payload)

    def load(self, envelope: EventEnvelope) -> Payload:
        """The envelope's payload as the current model, upcast from older versions."""
        return self.load_payload(envelope.type, envelope.version, envelope.payload,
                                 envelope.host, envelope.seq)

    def current_version(self, name: str) -> int:
        return self._types[name].version

    def upcast(self, name: str, version: int, payload: dict[str, Any],
               host: str | None = None, seq: int | None = None) -> dict[str, Any]:
        """``payload`` of ``name`` at ``version`` brought to the current version (as a dict)."""
        event_type = self._types.get(name)
        if event_type is None:
            raise EventSchemaError(host, seq, "type", f"unknown event type {name!r}")
        if version > event_type.version:
            raise EventSchemaError(host, seq, "version",
                                   f"{name} version {version} is newer than this agent's "
                                   f"{event_type.version}")
        data = payload
        for step in range(version, event_type.version):
            upcast = self._upcasters.get((name, step))
            if upcast is None:
                raise EventSchemaError(host, seq, "version",
                                       f"no upcaster for {name} from version {step} to {step + 1}")
            data = upcast(dict(data))
        return data

    def load_payload(self, name: str, version: int, payload: dict[str, Any],
                     host: str | None = None, seq: int | None = None) -> Payload:
        event_type = self._types.get(name)
        data = self.upcast(name, version, payload, host, seq)
        try:
            return event_type.model.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            field = "payload." + ".".join(str(part) for part in first["loc"]) if first["loc"] \
                else "payload"
            raise EventSchemaError(host, seq, field, first["msg"]) from error


REGISTRY = EventRegistry()
"""The registry of this codebase's event types; modules under ``events/`` register into it."""
