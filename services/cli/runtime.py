"""How the CLI reaches an agent: in-process (embedded) or over RabbitMQ (distributed).

``CommandRunner.call`` takes a typed command (a class of ``events.catalogue``) and returns its
outcome event or query answer; a timeout or an unreadable command becomes the CLI's
``KAVX0006-E`` error. In the embedded mode an unknown ``--host`` is refused before its
in-process agent would make a store for it (``services.cli.hosts``).
"""
from __future__ import annotations

import contextlib
import getpass
import socket
from datetime import datetime, timezone
from typing import Callable, Iterator

from adapters.messaging.command_client import (CommandClient, CommandError, CommandTimeout,
                                               QueryReply)
from adapters.messaging.connection import login_user, open_connection
from adapters.messaging.identities import principal_for
from adapters.messaging.topology import Topology
from events import CommandEnvelope, EventEnvelope
from events.command_base import Command
from events.extended import OperationTag
from services import messages
from services.cli.errors import CliError
from services.cli.hosts import require_known
from services.settings import Settings


def principal(broker_user: str | None = None) -> str:
    """``login@machine``; with identities (a ``drm-cli-<name>`` broker user) ``login@<name>``,
    the form the agents check against the publisher (``adapters.messaging.identities``)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers)
        user = "unknown"
    return principal_for(broker_user, user, f"{user}@{socket.gethostname()}")


class CommandRunner:
    """Sends commands to agents and returns their outcome events."""

    def __init__(self, client: CommandClient, pump=None, ensure=None, sink=None,
                 known: Callable[[str], object] | None = None) -> None:
        self.client, self._pump, self._ensure, self._known = client, pump, ensure, known
        self.principal = principal(login_user(client.connection))
        self._sink = sink  # embedded agents: progress handed over directly while a call runs

    def call(self, command: Command, host: str, timeout: float = 30.0,
             progress: Callable[[str], None] | None = None,
             operation: OperationTag | None = None) -> EventEnvelope | QueryReply:
        """Send ``command`` to ``host``'s agent; return its outcome event or query answer.
        ``progress`` receives the agent's progress lines while it works; ``operation`` tags a
        command an extended command sends."""
        if self._known is not None:
            self._known(host)
        if self._ensure is not None:
            self._ensure(host)
        self.client.on_progress = progress or (lambda text: None)
        envelope = CommandEnvelope(command=command, target_host=host, principal=self.principal,
                                   issued_at=datetime.now(timezone.utc), operation=operation)
        if self._sink is not None:
            self._sink.progress = progress
        try:
            return self.client.call(envelope, timeout=timeout, pump=self._pump)
        except CommandTimeout as error:
            raise CliError(messages.PROCESSING_ERROR,
                           messages.error_text(messages.AGENT_TIMEOUT, str(error))) from error
        except CommandError as error:
            raise CliError(messages.PROCESSING_ERROR,
                           messages.error_text(messages.BAD_COMMAND, str(error))) from error
        finally:
            if self._sink is not None:
                self._sink.progress = None

    def wait_for(self, command_id: str, host: str, timeout: float,
                 progress: Callable[[str], None] | None = None) -> EventEnvelope | None:
        """The outcome of a command another agent sent on this CLI's behalf (its ``reply_to``
        is ours, e.g. the auto-import), or None when none came within ``timeout``."""
        self.client.on_progress = progress or (lambda text: None)
        if self._sink is not None:
            self._sink.progress = progress
        try:
            return self.client.wait(command_id, host, timeout, pump=self._pump)
        except CommandTimeout:
            return None
        finally:
            if self._sink is not None:
                self._sink.progress = None


@contextlib.contextmanager
def command_runner(settings: Settings) -> Iterator[CommandRunner]:
    topology = Topology(settings.namespace, managed=settings.identities)
    if settings.embedded:
        from services.agent.bootstrap import embedded_agents

        with embedded_agents(settings) as agents:
            client = CommandClient(agents.connection, topology)
            try:
                yield CommandRunner(client, pump=agents.pump, ensure=agents.ensure, sink=agents,
                                    known=lambda host: require_known(settings, host))
            finally:
                client.close()
        return
    try:
        connection = open_connection(settings.broker_url)
        connection.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5)
    except Exception as error:  # noqa: BLE001 - any connection failure
        raise CliError(messages.PROCESSING_ERROR,
                       messages.error_text(messages.BROKER_UNREACHABLE,
                                           f"cannot reach the broker at "
                                           f"{connection.as_uri()}: {error}")) from error
    with connection:
        client = CommandClient(connection, topology)
        try:
            yield CommandRunner(client)
        finally:
            client.close()
