"""The one path of every command that goes to an agent: typed commands in, outcomes out.

``perform(entry, args)`` runs an ``AgentEntry`` (``services.cli.entries``):

1. refuses the manual's options that are not supported yet, then builds the typed commands from
   the options (``entry.request``); a usage error stops here, before anything is printed or sent;
2. prints ``KAVX0001-I`` on stdout (unless ``--json`` or an unframed entry);
3. sends each command to the host's agent in turn (embedded or over RabbitMQ,
   ``services.cli.runtime``), the agent's progress lines going to stderr while it works
   (those the entry's own lines print, ``progress_shown``, to stdout, once: ``Progress``); a
   rejected or failed command, a query answered with an error, a timeout: each is a ``CliError``
   and stops the sequence;
4. prints the entry's lines (``entry.show``) and ``KAVX0002-I`` last, or with ``--json`` the
   entry's data as JSON.

A failure prints its KAVX message on stderr (still followed by ``KAVX0002-I``, as the manual
does; with ``--json`` by a JSON error object on stdout instead) and exits 1.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, ContextManager, Protocol, Sequence

from adapters.messaging.command_client import QueryReply
from events import EventEnvelope
from events.command_base import Command
from services import messages
from services.cli.errors import CliError, report, usage_error
from services.cli.output import emit_json
from services.cli.runtime import command_runner
from services.settings import Settings, load_settings

Connect = Callable[[Settings], ContextManager[Any]]
FAILED = ("CommandFailed", "CommandRejected")


def print_progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Progress:
    """Where the agent's progress lines go: stderr, except those whose message ID the entry's
    own lines print (``progress_shown``, e.g. drmsqlbackup's KAVX1017-I and KAVX1207-I): these
    go to stdout as they come, where the manual has them, and are then left out of the entry's
    lines (``unprinted``), so each is said once -- also when the command fails after them, or
    when a progress line never arrives (the entry's lines still have it). With ``--json``
    (stdout is the JSON document) every progress line goes to stderr."""

    def __init__(self, entry, args: argparse.Namespace) -> None:
        self.shown = frozenset(() if args.json else getattr(entry, "progress_shown", ()))
        self.printed: list[str] = []

    def __call__(self, text: str) -> None:
        if text.split(" ", 1)[0] in self.shown:
            print(text, flush=True)
            self.printed.append(text)
        else:
            print_progress(text)

    def unprinted(self, lines: Sequence[str]) -> list[str]:
        """``lines`` less one occurrence of each line already printed as progress."""
        rest, printed = list(lines), list(self.printed)
        for text in printed:
            if text in rest:
                rest.remove(text)
        return rest


def query_data(reply: QueryReply) -> dict[str, Any]:
    """A query's answer as ``--json`` prints it."""
    return {"host": reply.host, "seq": reply.seq, "result": reply.result}


class Agent:
    """One host's agent, reached through a command runner (embedded or over RabbitMQ)."""

    def __init__(self, runner, host: str, timeout: float,
                 progress: Callable[[str], None] = print_progress, operation=None) -> None:
        self.runner, self.host, self.timeout, self.progress = runner, host, timeout, progress
        self.operation = operation  # an extended command's OperationTag: sent with each command

    def ask(self, command: Command) -> EventEnvelope | QueryReply:
        """Send ``command``; return its ``CommandCompleted`` event (a query: its answer), else
        raise its failure as the CLI error the user sees."""
        tagged = {} if self.operation is None else {"operation": self.operation}
        outcome = self.runner.call(command, self.host, timeout=self.timeout,
                                   progress=self.progress, **tagged)
        if isinstance(outcome, QueryReply):
            if not command.is_query:
                raise CliError(messages.PROCESSING_ERROR, messages.error_text(
                    messages.BAD_COMMAND, f"{command.name} was answered as a query"))
            error = outcome.result.get("error")
            if error:
                raise CliError(error["message_id"], error["text"])
            return outcome
        if outcome.type in FAILED:
            raise CliError(outcome.payload["message_id"], outcome.payload["text"])
        if command.is_query:
            raise CliError(messages.PROCESSING_ERROR, messages.error_text(
                messages.BAD_COMMAND, f"{command.name} was answered with a {outcome.type} "
                                      f"event"))
        return outcome

    def wait_for(self, command_id: str, host: str) -> EventEnvelope | None:
        """The outcome of a command another agent sent on this CLI's behalf, or None when none
        came within the timeout (see ``CommandRunner.wait_for``)."""
        return self.runner.wait_for(command_id, host, self.timeout, self.progress)


class Performable(Protocol):
    """What ``perform`` needs of an entry (``services.cli.entries.AgentEntry`` is one)."""

    manual: str
    commands: tuple[type[Command], ...]
    framed: bool

    def request(self, args: argparse.Namespace) -> Command | Sequence[Command]: ...

    def show(self, args: argparse.Namespace, outcomes: list, agent: Any) -> Any: ...


def reject_deferred(args: argparse.Namespace) -> None:
    """Options of the manual not supported yet (``entries.add_deferred``) are refused here."""
    for key, value in vars(args).items():
        if key.startswith("deferred_") and value is not None:
            raise usage_error(f"the option -{key.removeprefix('deferred_')} is not supported yet")


def commands_of(entry: Performable, args: argparse.Namespace) -> tuple[Command, ...]:
    """The typed commands the options ask for; usage errors raise here."""
    reject_deferred(args)
    requested = entry.request(args)
    commands = (requested,) if isinstance(requested, Command) else tuple(requested)
    for command in commands:
        if not isinstance(command, entry.commands):
            raise TypeError(f"{entry.manual} built a {type(command).__name__}, which it does "
                            f"not declare")
    return commands


def perform(entry: Performable, args: argparse.Namespace, connect: Connect | None = None) -> int:
    """Run ``entry`` as the module docstring says; the exit code."""
    commands = commands_of(entry, args)
    settings = load_settings()
    host = args.host or settings.hostname
    framing = entry.framed and not args.json
    if framing:
        print(messages.start_line(entry.manual), flush=True)
    try:
        with (connect or command_runner)(settings) as runner:
            progress = Progress(entry, args)
            agent = Agent(runner, host, args.timeout, progress)
            outcomes = [agent.ask(command) for command in commands]
            shown = entry.show(args, outcomes, agent)
    except CliError as error:
        code = report(error, args.json)
        if framing:
            print(messages.end_line(entry.manual))
        return code
    if args.json:
        emit_json(shown.data)
        return 0
    for line in progress.unprinted(shown.lines):
        print(line)
    if framing:
        print(messages.end_line(entry.manual))
    return 0


# -- extended commands (EX_DRM_*) -----------------------------------------------------------------
class OperationPerformable(Protocol):
    """What ``perform_operation`` needs of an extended command's entry
    (``services.cli.extended.entry.ExtendedEntry``)."""

    manual: str

    def prepare(self, args: argparse.Namespace, settings: Settings, host: str) -> Any: ...

    def steps(self, args: argparse.Namespace, operation: Any, agent: Agent) -> Any: ...


def operation_progress(entry, args: argparse.Namespace) -> Callable[[str], None]:
    """An extended command's progress lines go to stderr, except the basic command's own
    messages (the entry's ``progress_shown``): ``MSG_OUTPUT`` prints those in the basic
    command's block (DETAIL) or not at all (NORMAL), so none is said twice. With ``--json``
    every line goes to stderr, as for a basic command."""
    held = frozenset(() if args.json else getattr(entry, "progress_shown", ()))

    def progress(text: str) -> None:
        if text.split(" ", 1)[0] not in held:
            print_progress(text)
    return progress


def perform_operation(entry: OperationPerformable, args: argparse.Namespace,
                      connect: Connect | None = None, log: Callable[..., None] | None = None
                      ) -> int:
    """Run an extended command: ``prepare`` reads the operation's files (an error there stops
    before anything is sent), then ``KAVX0450-I``, ``steps`` sends the basic commands through
    one ``Agent`` whose every command carries the operation tag, the entry's lines, and
    ``KAVX0451-I`` (also after a failure, whose message goes to stderr). ``log(operation, kind,
    text)`` gets each framing and error line (the operation's ``drm_script.log``)."""
    from events.extended import OperationTag

    settings = load_settings()
    host = args.host or settings.hostname
    log = log or (lambda operation, kind, text: None)
    operation = entry.prepare(args, settings, host)
    tag = OperationTag(operation_id=operation.operation_id, extended_command=entry.manual)
    framing = not args.json
    start = messages.line(messages.EXTENDED_START, command=entry.manual)
    end = messages.line(messages.EXTENDED_END, command=entry.manual)
    log(operation, "START", start)
    if framing:
        print(start, flush=True)
    try:
        with (connect or command_runner)(settings) as runner:
            agent = Agent(runner, operation.target_host, args.timeout,
                          operation_progress(entry, args), operation=tag)
            shown = entry.steps(args, operation, agent)
    except CliError as error:
        log(operation, "ERROR", error.render())
        code = report(error, args.json)
        log(operation, "END", end)
        if framing:
            print(end)
        return code
    for kind, text in getattr(entry, "records", lambda shown: [])(shown):
        log(operation, kind, text)
    if args.json:
        emit_json(shown.data)
    else:
        for line in shown.lines:
            print(line)
        print(end)
    log(operation, "END", end)
    return 0
