"""The two ``RemoteScriptPort`` adapters: how a file server's agent runs a ``LOCATION=REMOTE``
user script command on the backup server's agent and waits for its end.

- ``BusRemoteScripts``: over RabbitMQ, a request with a direct reply-to on a connection of its
  own, answered by the backup server's agent (a separate process);
- ``EmbeddedRemoteScripts``: in-process agents (``memory://``): the backup server's agent is
  started if needed, handles what is already queued for it (an auto-import sent just before),
  then the command, synchronously.
"""
from __future__ import annotations

from typing import Callable

from services.agent.ports import ScriptError, ScriptResult

MARGIN = 60.0  # seconds on top of the command's own timeout
NO_LIMIT = 86400.0


def wait_limit(envelope) -> float:
    timeout = envelope.command.command.timeout
    return (timeout or NO_LIMIT) + MARGIN if timeout is not None else MARGIN


def result_of(outcome) -> ScriptResult:
    """The command's outcome event as a ``ScriptResult``; a refusal is a ``ScriptError``."""
    if outcome.type != "CommandCompleted":
        raise ScriptError(outcome.payload.get("text", outcome.type))
    result = outcome.payload["result"]
    return ScriptResult(int(result["return_code"]), bool(result.get("timed_out")),
                        bool(result.get("nowait")), str(result.get("output", "")))


class BusRemoteScripts:
    def __init__(self, connect: Callable[[], object], topology) -> None:
        self._connect, self.topology = connect, topology

    def run(self, envelope) -> ScriptResult:
        from adapters.messaging.command_client import CommandClient, CommandError, \
            CommandTimeout

        try:
            with self._connect() as connection:
                client = CommandClient(connection, self.topology)
                try:
                    outcome = client.call(envelope, timeout=wait_limit(envelope))
                finally:
                    client.close()
        except CommandTimeout as error:
            raise ScriptError(str(error)) from None
        except CommandError as error:
            raise ScriptError(f"the agent of {envelope.target_host} refused it: {error}") \
                from None
        except OSError as error:
            raise ScriptError(f"the broker cannot be reached: {error}") from None
        return result_of(outcome)


class EmbeddedRemoteScripts:
    def __init__(self, agents) -> None:
        self.agents = agents

    def run(self, envelope) -> ScriptResult:
        host = envelope.target_host
        self.agents.ensure(host)
        self.agents.drain(host)  # what was sent to it before (the auto-import) goes first
        return result_of(self.agents.agent(host).handle(envelope))
