"""The agent's bus side: consume ``<p>.agent.<host>``, handle, reply, then ack.

Ordering per command: decide → append events (store commit) → reply to ``reply_to`` → ack →
wake the outbox relay. A crash before the ack redelivers the command; the agent then finds the
recorded outcome and replies again without new events. A message that is not a command is
dead-lettered (rejected without requeue) and, if it names a ``reply_to``, answered with the error.
"""
from __future__ import annotations

import logging
import threading
import time

from kombu.mixins import ConsumerProducerMixin

from adapters.messaging.topology import Topology
from events.codec import decode_command, encode_event
from events.registry import EventSchemaError
from services import messages
from services.agent.service import HostAgent, QueryAnswer

log = logging.getLogger(__name__)


class AgentWorker(ConsumerProducerMixin):
    def __init__(self, connection, topology: Topology, agent: HostAgent,
                 relay_wake: threading.Event | None = None) -> None:
        self.connection = connection
        self.topology = topology
        self.agent = agent
        self.relay_wake = relay_wake
        self.handled = 0

    def get_consumers(self, Consumer, channel):
        self.topology.declare_all(channel, hosts=(self.agent.host,))
        queue = self.topology.agent_queue(self.agent.host)
        return [Consumer(queues=[queue], callbacks=[self.on_message], accept=["json"],
                         prefetch_count=1, on_decode_error=self.on_decode_error)]

    def on_decode_error(self, message, error) -> None:
        log.error("dead-lettering an undecodable message on %s: %s", self.agent.host, error)
        message.reject(requeue=False)

    def on_message(self, body, message) -> None:
        try:
            command = decode_command(body)
        except EventSchemaError as error:
            log.error("dead-lettering a bad command for %s: %s", self.agent.host, error)
            self._reply_error(message, messages.error_text(messages.BAD_COMMAND, str(error)))
            message.reject(requeue=False)
            return
        self.agent.progress = lambda text: self._reply(command, {
            "kind": "progress", "command_id": command.command_id, "text": text})
        try:
            outcome = self.agent.handle(command)
        except Exception:  # noqa: BLE001 - store or infrastructure trouble: retry later
            log.exception("could not record command %s; requeueing", command.command_id)
            time.sleep(1.0)
            message.requeue()
            return
        finally:
            self.agent.progress = lambda text: None
        if isinstance(outcome, QueryAnswer):
            self._reply(command, {"kind": "query", "command_id": outcome.command_id,
                                  "host": outcome.host, "seq": outcome.seq,
                                  "result": outcome.result})
        else:
            self._reply(command, encode_event(outcome))
        message.ack()
        self.handled += 1
        if self.relay_wake is not None:
            self.relay_wake.set()

    def _reply(self, command, body) -> None:
        if not command.reply_to:
            return
        # kombu serializes only when no content_type is given: a dict (query answer,
        # progress line) goes through the json serializer, an encoded event as it is.
        encoding = ({"content_type": "application/json", "content_encoding": "utf-8"}
                    if isinstance(body, str) else {"serializer": "json"})
        self.producer.publish(body, exchange="", routing_key=command.reply_to,
                              correlation_id=command.command_id, retry=True,
                              retry_policy={"max_retries": 3}, **encoding)

    def _reply_error(self, message, text: str) -> None:
        reply_to = message.properties.get("reply_to")
        if reply_to:
            self.producer.publish({"error": text}, exchange="", routing_key=reply_to,
                                  correlation_id=message.properties.get("correlation_id"),
                                  serializer="json", retry=True)
