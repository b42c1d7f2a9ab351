"""The host agent's core: turn one command into events on the host's own stream.

``HostAgent.handle`` is transport-free: the worker (``services.agent.worker``) feeds it commands
from the bus, tests call it directly. Guarantees:
- every command ends in exactly one outcome event (``CommandCompleted``/``CommandFailed``/
  ``CommandRejected``); a workflow handler records its steps as it goes through
  ``context.record`` (intent before each adapter call, outcome after it);
- a command seen again (redelivery after a crash before the ack) returns the outcome already
  recorded and appends nothing; one a crash interrupted (events, no outcome) is never run again
  when a workflow of it was ended by recovery: it answers with the outcome recovery left
  (``services.agent.interrupted``), recorded as its own; event ids stay unique per command
  (the index goes on from the command's events already stored);
- a handler's unexpected exception becomes ``CommandFailed`` with ``KAVX0006-E``; the agent
  itself never dies of a bad command;
- handler tables are keyed by command type (``services.agent.handlers``); handlers get the
  typed command and an ``AgentContext`` with the typed ``AgentPorts``;
- queries (``QUERY_HANDLERS``) read the view and append nothing; they answer with a
  ``QueryAnswer`` instead of an event;
- commands whose class declares ``concurrency=EXCLUSIVE`` ("No", spec 04 §5) run inside
  ``command_slot()``, one at a time per host
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
from events.extended import OperationCommandStarted
from events.outcomes import OUTCOME_TYPES, CommandCompleted, CommandFailed, CommandRejected
from projections.host_fold import apply, rebuild
from projections.host_view import HostView
from services import messages
from services.agent.errors import CommandFailure, CommandRejection
from services.agent.interrupted import TAIL, interrupted_in, settle
from services.agent.ports import AgentPorts, Clock, utc_now
from services.agent.snapshots import SnapshotKeeper

log = logging.getLogger(__name__)

OUTCOMES = (CommandCompleted, CommandFailed, CommandRejected)
CONFLICT_RETRIES = 20

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
    pair_wait_timeout: float | None = None  # DEFAULT.dat's pair wait (agent.configuration)

    def clock(self):
        return self.ports.clock()


Handler = Callable[[Command, AgentContext], list[Payload]]
QueryHandler = Callable[[Command, AgentContext], dict[str, Any]]


class HostAgent:
    def __init__(self, host: str, store: SqlEventStore,
                 handlers: Mapping[type[Command], Handler], ports: AgentPorts | None = None,
                 queries: Mapping[type[Command], QueryHandler] | None = None,
                 command_slot: Callable[[], ContextManager] = contextlib.nullcontext,
                 snapshots: SnapshotKeeper | None = None) -> None:
        self.host = host
        self.store = store
        self.handlers = handlers
        self.queries = queries or {}
        self.ports = ports or AgentPorts()
        self.command_slot = command_slot
        self.snapshots = snapshots
        self.view = (snapshots.load(store, host) if snapshots else None) or HostView(host)
        self.progress: Callable[[str], None] = lambda text: None
        self.catch_up()

    @property
    def clock(self) -> Clock:
        return self.ports.clock

    def catch_up(self) -> HostView:
        """Apply the events stored since the view's position (other writers, a restart)."""
        return rebuild(self.store, self.host, self.view)

    def snapshot_if_due(self) -> None:
        """Between commands: snapshot the view when ``snapshots.every`` events followed the
        last snapshot (``services.agent.snapshots``). Never raises: a snapshot that fails is
        logged and the agent goes on (the next start folds further)."""
        if self.snapshots is None or not self.snapshots.due(self.view):
            return
        try:
            self.snapshots.take(self)
        except Exception:  # noqa: BLE001 - a cache; the command path must go on
            log.exception("host %s: snapshot of the view failed", self.host)

    def handle(self, command: CommandEnvelope) -> EventEnvelope | QueryAnswer:
        """Decide and record the command; return its outcome event (or a query's answer)."""
        kind = type(command.command)
        if kind in self.queries and command.target_host == self.host:
            return self._answer(command)
        prior = self.store.events_of_command(command.command_id)  # a redelivery's, if any
        recorded = _outcome_in(prior)
        if recorded is not None:
            log.info("command %s already handled; replying with seq %s", command.command_id,
                     recorded.seq)
            return recorded
        exclusive = kind.concurrency is EXCLUSIVE
        slot = self.command_slot() if exclusive else contextlib.nullcontext()
        try:
            with slot:
                self.catch_up()
                recorder = _Recorder.of_command(self, command, len(prior))
                recorder.catch_up_on_conflict = not exclusive
                settled = settle(prior, self.view) if prior else None
                if settled is not None:  # interrupted by a crash: never run twice
                    log.info("command %s was interrupted; replying with its recovered outcome",
                             command.command_id)
                    return recorder([settled.model_copy(update={"command": command.name})])[-1]
                payloads = self._decide(command, recorder)
                return recorder(payloads)[-1]
        except CommandRejection as busy:  # the slot stayed taken past the retries
            return self._record_alone(command, CommandRejected(
                command=command.name, message_id=busy.message_id, text=busy.text))

    def _record_alone(self, command: CommandEnvelope, outcome: Payload) -> EventEnvelope:
        """Record ``outcome`` without holding the slot: retry if another writer got in first."""
        for attempt in range(20):
            self.catch_up()
            prior = len(self.store.events_of_command(command.command_id))
            try:
                return _Recorder.of_command(self, command, prior)([outcome])[-1]
            except ConcurrencyError:
                if attempt == 19:
                    raise
        raise AssertionError("unreachable")

    # -- commands a crash interrupted (services.agent.interrupted) ---------------------------
    def interrupted_commands(self) -> list[str]:
        """Ids of the commands near the head of the stream with events but no outcome."""
        head, _ = self.store.head(self.host)
        tail = self.store.read(self.host, after_seq=max(0, head - TAIL))
        return [c for c in interrupted_in(tail)
                if _outcome_in(self.store.events_of_command(c)) is None]

    def settle_interrupted(self, command_ids: list[str]) -> list[EventEnvelope]:
        """Record, as each command's own outcome, what recovery made of the commands
        ``command_ids`` (found before recovery ran); a command that may run again is left."""
        settled = []
        with self.command_slot():
            self.catch_up()
            for command_id in command_ids:
                prior = self.store.events_of_command(command_id)
                outcome = settle(prior, self.view) if prior and \
                    _outcome_in(prior) is None else None
                if outcome is not None:
                    settled += _Recorder.of_event(self, prior[0], len(prior))([outcome])
        return settled

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
        if command.operation is not None:
            tag = command.operation
            recorder([OperationCommandStarted(
                operation_id=tag.operation_id, operation_key=tag.key,
                extended_command=tag.extended_command, command=name)])
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


def _outcome_in(events: list[EventEnvelope]) -> EventEnvelope | None:
    return next((e for e in events if e.type in OUTCOME_TYPES), None)


class _Recorder:
    """Appends one command's events as it goes. Event ids are deterministic per command and
    index, and the index goes on from the events the command already has (``first_index``),
    so a command resumed or settled after a crash never reuses an id."""

    def __init__(self, agent: HostAgent, command_id: str, principal: str,
                 correlation_id: str | None, causation_id: str | None,
                 first_index: int = 0) -> None:
        self.agent, self.count = agent, first_index
        self.command_id, self.principal = command_id, principal
        self.correlation_id, self.causation_id = correlation_id, causation_id
        self.catch_up_on_conflict = False  # set for commands that hold no command slot

    @classmethod
    def of_command(cls, agent: HostAgent, command: CommandEnvelope,
                   first_index: int = 0) -> "_Recorder":
        return cls(agent, command.command_id, command.principal, command.workflow_id,
                   command.causation_id, first_index)

    @classmethod
    def of_event(cls, agent: HostAgent, first: EventEnvelope, first_index: int) -> "_Recorder":
        """The recorder of the command that recorded ``first`` (its identity, from its event)."""
        return cls(agent, first.command_id, first.principal, first.correlation_id,
                   first.causation_id, first_index)

    def __call__(self, payloads: list[Payload]) -> list[EventEnvelope]:
        if not payloads:
            return []
        agent = self.agent
        context = EventContext(principal=self.principal, occurred_at=agent.clock(),
                               command_id=self.command_id, correlation_id=self.correlation_id,
                               causation_id=self.causation_id)
        for attempt in range(CONFLICT_RETRIES):
            try:
                stored = agent.store.append(agent.host, [REGISTRY.draft(p) for p in payloads],
                                            agent.view.seq, context, first_index=self.count)
                break
            except ConcurrencyError:  # a concurrent command's facts go after other writers'
                if not self.catch_up_on_conflict or attempt == CONFLICT_RETRIES - 1:
                    raise
                agent.catch_up()
        self.count += len(stored)
        for envelope in stored:
            apply(agent.view, envelope)
        return stored
