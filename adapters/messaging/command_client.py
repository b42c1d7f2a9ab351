"""Sending a command to a host's agent and waiting for its outcome event.

The command is published persistently to ``<p>.commands`` with routing key = target host, after
declaring the host's queue, so a command for a host whose agent is not running stays queued for
when it comes. The outcome arrives on this client's reply queue, matched by ``correlation_id``
= ``command_id``: on RabbitMQ, direct reply-to (``amq.rabbitmq.reply-to``, a reply queue only
this connection reads; agents refuse any other ``reply_to``); on ``memory://``, which has no
direct reply-to, an exclusive queue ``<p>.reply.<id>``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from kombu import Connection, Consumer, Producer, Queue

from adapters.messaging.identities import DIRECT_REPLY_TO
from adapters.messaging.topology import Topology
from events import CommandEnvelope, EventEnvelope
from events.codec import decode_event, encode_command


@dataclass(frozen=True)
class QueryReply:
    """A query's answer: the result as of the host's view at ``seq`` (no event recorded)."""

    host: str
    seq: int
    result: dict[str, Any]


class CommandTimeout(TimeoutError):
    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(f"no agent for host {host} answered within {seconds:g} s; "
                         f"the command stays queued for when the agent runs")
        self.host, self.seconds = host, seconds


class CommandError(RuntimeError):
    """The agent could not read the command at all (it was dead-lettered)."""


class CommandClient:
    def __init__(self, connection: Connection, topology: Topology) -> None:
        self.connection = connection
        self.topology = topology
        self.channel = connection.channel()
        if connection.transport.driver_type == "memory":
            self.reply_queue = topology.reply_queue()(self.channel)
            self.reply_queue.declare()
        else:  # consumed before any publish, on the channel that publishes (RabbitMQ's rule)
            self.reply_queue = Queue(DIRECT_REPLY_TO, no_declare=True)(self.channel)
        self.producer = Producer(self.channel)
        self._replies: dict[str, object] = {}
        self._declared: set[str] = set()
        self.on_progress: Callable[[str], None] = lambda text: None
        self.consumer = Consumer(self.channel, queues=[self.reply_queue],
                                 callbacks=[self._on_reply], accept=["json"], no_ack=True)
        self.consumer.consume()

    def _on_reply(self, body, message) -> None:
        if isinstance(body, dict) and body.get("kind") == "progress":
            self.on_progress(str(body.get("text", "")))
            return
        self._replies[message.properties.get("correlation_id")] = body

    def send(self, command: CommandEnvelope) -> CommandEnvelope:
        """Publish ``command`` with this client's reply queue; return it as sent."""
        command = command.model_copy(update={"reply_to": self.reply_queue.name})
        host = command.target_host
        if host not in self._declared:
            self.topology.commands(self.channel).declare()
            self.topology.agent_queue(host)(self.channel).declare()
            self._declared.add(host)
        self.producer.publish(encode_command(command), exchange=self.topology.commands,
                              routing_key=host, content_type="application/json",
                              content_encoding="utf-8", delivery_mode=2,
                              correlation_id=command.command_id,
                              reply_to=self.reply_queue.name, retry=True)
        return command

    def wait(self, command_id: str, target_host: str, timeout: float,
             pump: Callable[[], object] | None = None) -> EventEnvelope | QueryReply:
        """Wait for the outcome of command ``command_id`` (or a query's answer); ``pump`` runs an
        in-process agent meanwhile. Progress messages go to ``on_progress`` as they come."""
        deadline = time.monotonic() + timeout
        while command_id not in self._replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CommandTimeout(target_host, timeout)
            if pump is not None:
                pump()
            try:
                self.connection.drain_events(timeout=min(remaining, 0.05 if pump else 1.0))
            except TimeoutError:
                continue
        body = self._replies.pop(command_id)
        if isinstance(body, dict) and body.get("kind") == "query":
            return QueryReply(body["host"], int(body["seq"]), body["result"])
        if isinstance(body, dict) and "error" in body and "hash" not in body:
            raise CommandError(str(body["error"]))
        return decode_event(body)

    def call(self, command: CommandEnvelope, timeout: float = 30.0,
             pump: Callable[[], object] | None = None) -> EventEnvelope | QueryReply:
        sent = self.send(command)
        return self.wait(sent.command_id, sent.target_host, timeout, pump)

    def close(self) -> None:
        try:
            self.consumer.cancel()
            self.channel.close()
        except Exception:  # noqa: BLE001 - closing a broken channel
            pass
