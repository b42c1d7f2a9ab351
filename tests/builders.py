"""Test data builders: drafts, contexts and commands with sensible defaults."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from events import REGISTRY, CommandEnvelope, EventContext, EventDraft
from events.catalogue import CATALOGUE
from events.outcomes import CommandCompleted


def a_context(command_id: str | None = None, principal: str = "tester@lab") -> EventContext:
    return EventContext(principal=principal, occurred_at=datetime.now(timezone.utc),
                        command_id=command_id or str(uuid.uuid4()))


def completed_drafts(count: int, command: str = "Test") -> list[EventDraft]:
    return [REGISTRY.draft(CommandCompleted(command=command, result={"n": n}))
            for n in range(count)]


def a_command(name: str = "HostInfo", host: str = "FSServer", **args) -> CommandEnvelope:
    return CommandEnvelope(command=CATALOGUE[name].model_validate({**args, "name": name}),
                           target_host=host, principal="tester@lab",
                           issued_at=datetime.now(timezone.utc))
