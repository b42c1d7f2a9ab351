"""A hand-written stand-in for the CLI's command runner: records what would be sent and answers
with scripted outcome events or query replies."""
from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timezone
from typing import Any

from adapters.messaging.command_client import QueryReply
from events import EventEnvelope

NO_HASH = "0" * 64


def an_outcome(type_: str = "CommandCompleted", host: str = "FSServer", seq: int = 1,
               **payload: Any) -> EventEnvelope:
    return EventEnvelope(event_id=str(uuid.uuid4()), host=host, seq=seq, type=type_, version=1,
                         occurred_at=datetime.now(timezone.utc), principal="tester@lab",
                         payload=payload, prev_hash=NO_HASH, hash=NO_HASH)


def completed(command: str, **result: Any) -> EventEnvelope:
    return an_outcome(command=command, result=result)


def rejected(command: str, message_id: str, text: str) -> EventEnvelope:
    return an_outcome("CommandRejected", command=command, message_id=message_id, text=text)


def a_reply(host: str = "FSServer", seq: int = 7, **result: Any) -> QueryReply:
    return QueryReply(host, seq, result)


class FakeRunner:
    """``call`` records ``(name, host, args)`` of the typed command it is given and returns the
    next scripted answer."""

    def __init__(self, *answers: EventEnvelope | QueryReply,
                 progress_lines: tuple[str, ...] = ()) -> None:
        self.answers = list(answers)
        self.progress_lines = progress_lines
        self.calls: list[tuple[str, str, dict]] = []

    def call(self, command, host, timeout=30.0, progress=None):
        name = command.name
        self.calls.append((name, host, command.arguments()))
        for line in self.progress_lines:
            (progress or (lambda text: None))(line)
        if not self.answers:
            raise AssertionError(f"unexpected call {name}")
        return self.answers.pop(0)

    def connect(self):
        """A ``command_runner``-shaped factory yielding this fake."""

        @contextlib.contextmanager
        def opened(settings):
            yield self

        return opened
