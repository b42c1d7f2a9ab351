"""Sending a command from one agent to another (DESIGN §3 "Cross-host work").

``PeerCommands.send`` publishes persistently to ``<p>.commands`` with routing key = the target
host, after declaring that host's quorum queue, and returns at once: it never waits for the
other agent. The command keeps the sender's ``reply_to`` (the CLI that started the work hears
the outcome directly) and its ``command_id`` is derived from the causing command, so a
redelivered cause re-sends the same command, which the target recognises and does not redo.

``send`` reports whether an agent consumes the target's queue right now (``consumer_present``);
when none does, the command waits in the queue for it. Embedded agents (``memory://``) are
started on demand: ``on_send(host)`` asks the embedding to run that host's agent.
"""
from __future__ import annotations

import threading
import uuid
from typing import Callable

from kombu import Connection, Producer

from adapters.messaging.topology import Topology
from events import CommandEnvelope
from events.codec import encode_command

PEER_NAMESPACE = uuid.UUID("2b0c9f4e-6a57-4f0e-9a55-3f1c0de1a7b2")


def peer_command_id(cause_id: str, purpose: str) -> str:
    """The id of the command ``cause_id`` sends for ``purpose`` (stable across redeliveries)."""
    return str(uuid.uuid5(PEER_NAMESPACE, f"{cause_id}:{purpose}"))


class PeerCommands:
    def __init__(self, connect: Callable[[], Connection], topology: Topology,
                 on_send: Callable[[str], None] | None = None) -> None:
        self._connect, self.topology, self._on_send = connect, topology, on_send
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def send(self, command: CommandEnvelope) -> bool:
        """Publish ``command``; True when an agent consumes the target's queue now."""
        host = command.target_host
        with self._lock:
            try:
                consumers = self._publish(command)
            except Exception:  # noqa: BLE001 - a connection gone stale: one fresh attempt
                self._drop()
                consumers = self._publish(command)
        if self._on_send is not None:
            self._on_send(host)
            return True
        return bool(consumers)

    def _publish(self, command: CommandEnvelope) -> int:
        if self._connection is None:
            self._connection = self._connect()
        channel = self._connection.default_channel
        host = command.target_host
        self.topology.commands(channel).declare()
        queue = self.topology.agent_queue(host)(channel)
        queue.declare()  # exchange, queue and binding: the command is never dropped
        declared = queue.queue_declare(passive=True)
        Producer(channel).publish(
            encode_command(command), exchange=self.topology.commands, routing_key=host,
            content_type="application/json", content_encoding="utf-8", delivery_mode=2,
            correlation_id=command.command_id, reply_to=command.reply_to, retry=True,
            retry_policy={"max_retries": 5})
        return getattr(declared, "consumer_count", 0) if declared else 0

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - releasing a broken connection
                pass
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._drop()
