"""Running one file-system command: framing, the agent call, progress, failures.

``perform`` is the frame every command of this family shares:
``KAVX0001-I`` on stdout before anything is sent, the agent's progress lines on stderr while it
works, the command's own lines, ``KAVX0002-I`` last. A failure prints its KAVX message on stderr
(still followed by ``KAVX0002-I``, as the manual does) and exits 1. With ``--json`` only the
machine output is printed on stdout.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any, Callable, ContextManager

from adapters.messaging.command_client import QueryReply
from events import EventEnvelope
from services import messages
from services.cli.errors import CliError
from services.cli.output import emit_json
from services.cli.runtime import command_runner
from services.settings import Settings, load_settings

Connect = Callable[[Settings], ContextManager[Any]]


@dataclass(frozen=True)
class Shown:
    """What a command shows: its lines in the manual's layout, or ``data`` with ``--json``."""

    lines: list[str]
    data: Any


def print_progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Session:
    """One host's agent, reached through a command runner (embedded or over RabbitMQ)."""

    def __init__(self, runner, host: str, timeout: float,
                 progress: Callable[[str], None] = print_progress) -> None:
        self.runner, self.host, self.timeout, self.progress = runner, host, timeout, progress

    def command(self, name: str, args: dict[str, Any]) -> EventEnvelope:
        """Send a command; return its ``CommandCompleted`` event, else raise its failure."""
        outcome = self.runner.call(name, self.host, args, timeout=self.timeout,
                                   progress=self.progress)
        if isinstance(outcome, QueryReply):
            raise CliError(messages.PROCESSING_ERROR, messages.error_text(
                messages.BAD_COMMAND, f"{name} was answered as a query"))
        if outcome.type in ("CommandFailed", "CommandRejected"):
            raise CliError(outcome.payload["message_id"], outcome.payload["text"])
        return outcome

    def query(self, name: str, args: dict[str, Any]) -> QueryReply:
        """Ask a query; return the answer, else raise the error the agent answered with."""
        reply = self.runner.call(name, self.host, args, timeout=self.timeout,
                                 progress=self.progress)
        if not isinstance(reply, QueryReply):
            if reply.type in ("CommandFailed", "CommandRejected"):
                raise CliError(reply.payload["message_id"], reply.payload["text"])
            raise CliError(messages.PROCESSING_ERROR, messages.error_text(
                messages.BAD_COMMAND, f"{name} was answered with a {reply.type} event"))
        error = reply.result.get("error")
        if error:
            raise CliError(error["message_id"], error["text"])
        return reply


def query_data(reply: QueryReply) -> dict[str, Any]:
    return {"host": reply.host, "seq": reply.seq, "result": reply.result}


def perform(args: argparse.Namespace, manual: str, work: Callable[[Session], Shown],
            connect: Connect = command_runner) -> int:
    """Frame ``work`` (which talks to the agent) and print what it shows; the exit code."""
    settings = load_settings()
    host = args.host or settings.hostname
    framing = not args.json
    if framing:
        print(messages.start_line(manual), flush=True)
    try:
        with connect(settings) as runner:
            shown = work(Session(runner, host, args.timeout))
    except CliError as error:
        print(error.render(), file=sys.stderr, flush=True)
        if framing:
            print(messages.end_line(manual))
        return error.exit_code
    if framing:
        for line in shown.lines:
            print(line)
        print(messages.end_line(manual))
    else:
        emit_json(shown.data)
    return 0
