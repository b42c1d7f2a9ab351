"""The host agent's core: turn one command into events on the host's own stream.

``HostAgent.handle`` is transport-free: the worker (``services.agent.worker``) feeds it commands
from the bus, tests call it directly. Guarantees:
- every command ends in exactly one outcome event (``CommandCompleted``/``CommandFailed``/
  ``CommandRejected``), appended in the same transaction as the events before it;
- a command seen again (redelivery after a crash before the ack) returns the outcome already
  recorded and appends nothing;
- a handler's unexpected exception becomes ``CommandFailed`` with ``KAVX0006-E``; the agent
  itself never dies of a bad command.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from adapters.event_store import SqlEventStore
from events import REGISTRY, CommandEnvelope, EventContext, EventEnvelope
from events.base import Payload
from events.outcomes import CommandCompleted, CommandFailed, CommandRejected
from services import messages

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class CommandRejection(Exception):
    """A handler refuses the command before changing anything."""

    def __init__(self, message_id: str, text: str) -> None:
        super().__init__(f"{message_id} {text}")
        self.message_id, self.text = message_id, text


class CommandFailure(CommandRejection):
    """A handler's work failed part-way; what it did is recorded by its own events."""


@dataclass(frozen=True)
class AgentContext:
    """What handlers may use: the host's identity, its store (read-only use) and adapters."""

    host: str
    store: SqlEventStore
    clock: Clock
    adapters: Mapping[str, Any]


Handler = Callable[[CommandEnvelope, AgentContext], list[Payload]]


class HostAgent:
    def __init__(self, host: str, store: SqlEventStore, handlers: Mapping[str, Handler],
                 adapters: Mapping[str, Any] | None = None, clock: Clock = utc_now) -> None:
        self.host = host
        self.store = store
        self.handlers = handlers
        self.context = AgentContext(host, store, clock, adapters or {})
        self.clock = clock

    def handle(self, command: CommandEnvelope) -> EventEnvelope:
        """Decide and record the command; return its outcome event."""
        recorded = self.store.outcome_of(command.command_id)
        if recorded is not None:
            log.info("command %s already handled; replying with seq %s", command.command_id,
                     recorded.seq)
            return recorded
        payloads = self._decide(command)
        context = EventContext(principal=command.principal, occurred_at=self.clock(),
                               command_id=command.command_id,
                               correlation_id=command.workflow_id,
                               causation_id=command.causation_id)
        head_seq, _ = self.store.head(self.host)
        stored = self.store.append(self.host, [REGISTRY.draft(p) for p in payloads], head_seq,
                                   context)
        return stored[-1]

    def _decide(self, command: CommandEnvelope) -> list[Payload]:
        name = command.name
        if command.target_host != self.host:
            return [CommandRejected(command=name, message_id=messages.PROCESSING_ERROR,
                                    text=messages.error_text(
                                        messages.WRONG_HOST,
                                        f"this agent serves {self.host}, not "
                                        f"{command.target_host}"))]
        handler = self.handlers.get(name)
        if handler is None:
            return [CommandRejected(command=name, message_id=messages.PROCESSING_ERROR,
                                    text=messages.error_text(messages.UNKNOWN_COMMAND,
                                                             f"unknown command {name!r}"))]
        try:
            payloads = list(handler(command, self.context))
        except CommandFailure as failure:
            return [CommandFailed(command=name, message_id=failure.message_id, text=failure.text)]
        except CommandRejection as rejection:
            return [CommandRejected(command=name, message_id=rejection.message_id,
                                    text=rejection.text)]
        except Exception as error:  # noqa: BLE001 - recorded as the command's failure
            log.exception("command %s (%s) failed", command.command_id, name)
            return [CommandFailed(command=name, message_id=messages.PROCESSING_ERROR,
                                  text=messages.error_text(messages.INTERNAL_ERROR,
                                                           f"{type(error).__name__}: {error}"))]
        if not payloads or not isinstance(payloads[-1], (CommandCompleted, CommandFailed,
                                                         CommandRejected)):
            payloads.append(CommandCompleted(command=name))
        return payloads
