"""The host agent's core: turn one command into events on the host's own stream.

``HostAgent.handle`` is transport-free: the worker (``services.agent.worker``) feeds it commands
from the bus, tests call it directly. Guarantees:
- every command ends in exactly one outcome event (``CommandCompleted``/``CommandFailed``/
  ``CommandRejected``); a workflow handler records its steps as it goes through
  ``context.record`` (intent before each adapter call, outcome after it);
- a command seen again (redelivery after a crash before the ack) returns the outcome already
  recorded and appends nothing;
- a handler's unexpected exception becomes ``CommandFailed`` with ``KAVX0006-E``; the agent
  itself never dies of a bad command;
- queries (``QUERY_HANDLERS``) read the view and append nothing; they answer with a
  ``QueryAnswer`` instead of an event;
- exclusive ("No", spec 04 §5) commands run inside ``command_slot()``, one at a time per host
  even across processes; before any command the view catches up with the store, so an agent
  sharing its host's store with another process (embedded CLI runs) never decides on stale state.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, ContextManager, Mapping

from adapters.event_store import SqlEventStore
from adapters.event_store.store import ConcurrencyError
from events import REGISTRY, CommandEnvelope, EventContext, EventEnvelope
from events.base import Payload
from events.outcomes import CommandCompleted, CommandFailed, CommandRejected
from projections.host_fold import apply, rebuild
from projections.host_view import HostView
from services import messages

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
OUTCOMES = (CommandCompleted, CommandFailed, CommandRejected)


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
class QueryAnswer:
    """The answer to a query: a JSON-ready result, as of the view at ``seq``."""

    command_id: str
    host: str
    seq: int
    result: dict[str, Any]


@dataclass
class AgentContext:
    """What a handler may use while it handles one command."""

    host: str
    store: SqlEventStore
    clock: Clock
    adapters: Mapping[str, Any]
    view: HostView
    record: Callable[[list[Payload]], list[EventEnvelope]] = field(repr=False)
    progress: Callable[[str], None] = field(default=lambda text: None, repr=False)


Handler = Callable[[CommandEnvelope, AgentContext], list[Payload]]
QueryHandler = Callable[[CommandEnvelope, AgentContext], dict[str, Any]]


class HostAgent:
    def __init__(self, host: str, store: SqlEventStore, handlers: Mapping[str, Handler],
                 adapters: Mapping[str, Any] | None = None, clock: Clock = utc_now,
                 queries: Mapping[str, QueryHandler] | None = None,
                 exclusive: Callable[[CommandEnvelope], bool] = lambda command: True,
                 command_slot: Callable[[], ContextManager] = contextlib.nullcontext) -> None:
        self.host = host
        self.store = store
        self.handlers = handlers
        self.queries = queries or {}
        self.adapters = adapters or {}
        self.clock = clock
        self.exclusive = exclusive
        self.command_slot = command_slot
        self.view = HostView(host)
        self.progress: Callable[[str], None] = lambda text: None
        self.catch_up()

    def catch_up(self) -> HostView:
        """Apply the events stored since the view's position (other writers, a restart)."""
        return rebuild(self.store, self.host, self.view)

    def handle(self, command: CommandEnvelope) -> EventEnvelope | QueryAnswer:
        """Decide and record the command; return its outcome event (or a query's answer)."""
        if command.name in self.queries and command.target_host == self.host:
            return self._answer(command)
        recorded = self.store.outcome_of(command.command_id)
        if recorded is not None:
            log.info("command %s already handled; replying with seq %s", command.command_id,
                     recorded.seq)
            return recorded
        slot = self.command_slot() if self.exclusive(command) else contextlib.nullcontext()
        try:
            with slot:
                self.catch_up()
                recorder = _Recorder(self, command)
                payloads = self._decide(command, recorder)
                return recorder(payloads)[-1]
        except CommandRejection as busy:  # the slot stayed taken past the retries
            return self._record_alone(command, CommandRejected(
                command=command.name, message_id=busy.message_id, text=busy.text))

    def _record_alone(self, command: CommandEnvelope, outcome: Payload) -> EventEnvelope:
        """Record ``outcome`` without holding the slot: retry if another writer got in first."""
        for attempt in range(20):
            self.catch_up()
            try:
                return _Recorder(self, command)([outcome])[-1]
            except ConcurrencyError:
                if attempt == 19:
                    raise
        raise AssertionError("unreachable")

    def _answer(self, command: CommandEnvelope) -> QueryAnswer:
        self.catch_up()
        context = self._context(command, lambda payloads: [])
        try:
            result = self.queries[command.name](command, context)
        except CommandRejection as rejection:
            result = {"error": {"message_id": rejection.message_id, "text": rejection.text}}
        return QueryAnswer(command.command_id, self.host, self.view.seq, result)

    def _context(self, command: CommandEnvelope, record) -> AgentContext:
        return AgentContext(self.host, self.store, self.clock, self.adapters, self.view, record,
                            self.progress)

    def _decide(self, command: CommandEnvelope, recorder: "_Recorder") -> list[Payload]:
        name = command.name
        if command.target_host != self.host:
            return [_rejected(name, messages.WRONG_HOST,
                              f"this agent serves {self.host}, not {command.target_host}")]
        handler = self.handlers.get(name)
        if handler is None:
            return [_rejected(name, messages.UNKNOWN_COMMAND, f"unknown command {name!r}")]
        try:
            payloads = list(handler(command, self._context(command, recorder)))
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
        if not payloads or not isinstance(payloads[-1], OUTCOMES):
            payloads.append(CommandCompleted(command=name))
        return payloads


def _rejected(command: str, detail_code: str, text: str) -> CommandRejected:
    return CommandRejected(command=command, message_id=messages.PROCESSING_ERROR,
                           text=messages.error_text(detail_code, text))


class _Recorder:
    """Appends a command's events as it goes, keeping event ids deterministic per command."""

    def __init__(self, agent: HostAgent, command: CommandEnvelope) -> None:
        self.agent, self.command, self.count = agent, command, 0

    def __call__(self, payloads: list[Payload]) -> list[EventEnvelope]:
        if not payloads:
            return []
        agent, command = self.agent, self.command
        context = EventContext(principal=command.principal, occurred_at=agent.clock(),
                               command_id=command.command_id,
                               correlation_id=command.workflow_id,
                               causation_id=command.causation_id)
        stored = agent.store.append(agent.host, [REGISTRY.draft(p) for p in payloads],
                                    agent.view.seq, context, first_index=self.count)
        self.count += len(stored)
        for envelope in stored:
            apply(agent.view, envelope)
        return stored
