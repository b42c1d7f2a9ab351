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
from typing import Any, Callable, ContextManager, Mapping

from adapters.event_store import SqlEventStore
from adapters.event_store.store import ConcurrencyError
from events import REGISTRY, CommandEnvelope, EventContext, EventEnvelope
from events.base import Payload
from events.command_base import EXCLUSIVE, Command
from events.outcomes import CommandCompleted, CommandFailed, CommandRejected
from projections.host_fold import apply, rebuild
from projections.host_view import HostView
from services import messages
from services.agent.errors import CommandFailure, CommandRejection
from services.agent.ports import AgentPorts, Clock, utc_now

log = logging.getLogger(__name__)

OUTCOMES = (CommandCompleted, CommandFailed, CommandRejected)
OUTCOME_TYPES = tuple(t.__name__ for t in OUTCOMES)

__all__ = ["AgentContext", "AgentPorts", "Clock", "CommandFailure", "CommandRejection",
           "Handler", "HostAgent", "QueryAnswer", "QueryHandler", "utc_now"]


@dataclass(frozen=True)
class QueryAnswer:
    """The answer to a query: a JSON-ready result, as of the view at ``seq``."""

    command_id: str
    host: str
    seq: int
    result: dict[str, Any]


@dataclass
class AgentContext:
    """What a handler may use while it handles one command: the host's store and view, the
    typed ports, the command's envelope (ids, workflow, ``reply_to``), ``record`` to append
    events as it goes and ``progress`` for lines the issuer sees while it waits."""

    host: str
    store: SqlEventStore
    ports: AgentPorts
    view: HostView
    envelope: CommandEnvelope
    record: Callable[[list[Payload]], list[EventEnvelope]] = field(repr=False)
    progress: Callable[[str], None] = field(default=lambda text: None, repr=False)

    def clock(self):
        return self.ports.clock()


Handler = Callable[[Command, AgentContext], list[Payload]]
QueryHandler = Callable[[Command, AgentContext], dict[str, Any]]


class HostAgent:
    def __init__(self, host: str, store: SqlEventStore,
                 handlers: Mapping[type[Command], Handler], ports: AgentPorts | None = None,
                 queries: Mapping[type[Command], QueryHandler] | None = None,
                 command_slot: Callable[[], ContextManager] = contextlib.nullcontext) -> None:
        self.host = host
        self.store = store
        self.handlers = handlers
        self.queries = queries or {}
        self.ports = ports or AgentPorts()
        self.command_slot = command_slot
        self.view = HostView(host)
        self.progress: Callable[[str], None] = lambda text: None
        self.catch_up()

    @property
    def clock(self) -> Clock:
        return self.ports.clock

    def catch_up(self) -> HostView:
        """Apply the events stored since the view's position (other writers, a restart)."""
        return rebuild(self.store, self.host, self.view)

    def handle(self, command: CommandEnvelope) -> EventEnvelope | QueryAnswer:
        """Decide and record the command; return its outcome event (or a query's answer)."""
        kind = type(command.command)
        if kind in self.queries and command.target_host == self.host:
            return self._answer(command)
        recorded = self.store.outcome_of(command.command_id)
        if recorded is not None:
            log.info("command %s already handled; replying with seq %s", command.command_id,
                     recorded.seq)
            return recorded
        exclusive = kind.concurrency is EXCLUSIVE
        slot = self.command_slot() if exclusive else contextlib.nullcontext()
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
        context = self.context_for(command, lambda payloads: [])
        try:
            result = self.queries[type(command.command)](command.command, context)
        except CommandRejection as rejection:
            result = {"error": {"message_id": rejection.message_id, "text": rejection.text}}
        return QueryAnswer(command.command_id, self.host, self.view.seq, result)

    def context_for(self, command: CommandEnvelope, record) -> AgentContext:
        """The handler context of ``command``, appending through ``record``."""
        return AgentContext(self.host, self.store, self.ports, self.view, command, record,
                            self.progress)

    def _decide(self, command: CommandEnvelope, recorder: "_Recorder") -> list[Payload]:
        name = command.name
        if command.target_host != self.host:
            return [_rejected(name, messages.WRONG_HOST,
                              f"this agent serves {self.host}, not {command.target_host}")]
        handler = self.handlers.get(type(command.command))
        if handler is None:
            return [_rejected(name, messages.UNKNOWN_COMMAND, f"unknown command {name!r}")]
        try:
            payloads = list(handler(command.command, self.context_for(command, recorder)))
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
