"""The three outcome events: every command ends in exactly one of them on its target host."""
from __future__ import annotations

from typing import Any

from events.base import Payload
from events.limits import OUTCOME_TYPES  # noqa: F401 - named here too, with the outcomes
from events.registry import REGISTRY


class CommandCompleted(Payload):
    command: str
    result: dict[str, Any] = {}


class CommandFailed(Payload):
    """The command ran and failed; ``message_id`` is KAVX-style, e.g. ``KAVX0006-E``."""

    command: str
    message_id: str
    text: str


class CommandRejected(Payload):
    """Validation or a precondition failed before anything changed."""

    command: str
    message_id: str
    text: str



REGISTRY.register("CommandCompleted", CommandCompleted)
REGISTRY.register("CommandFailed", CommandFailed)
REGISTRY.register("CommandRejected", CommandRejected)
