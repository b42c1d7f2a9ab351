"""The agent's bus side: consume ``<p>.agent.<host>``, handle, reply, then ack.

Ordering per command: decide → append events (store commit) → reply to ``reply_to`` → ack →
wake the outbox relay → snapshot the view when one is due. A crash before the ack redelivers
the command; the agent then finds the recorded outcome and replies again without new events.
A message that is not a command is dead-lettered (rejected without requeue) and, if it names a
``reply_to``, answered with the error.

Refused before it runs, dead-lettered and logged (ADR 0006): a command whose publisher
(``user_id``) is not the user its principal names, when identities are on; a command whose
``reply_to`` is not a reply queue of the requesting connection (RabbitMQ direct reply-to, or in
embedded mode the in-process clients' ``<p>.reply.*`` queues), so an outcome can never be
published into the shared log or another agent's queue. The ``reply_to`` that counts is the
message property, as the broker delivered it (it rewrites ``amq.rabbitmq.reply-to``).
"""
from __future__ import annotations

import logging
import threading
import time

from kombu.mixins import ConsumerProducerMixin

from adapters.messaging.identities import NO_IDENTITIES, Identities, is_direct_reply_to
from adapters.messaging.topology import Topology
from events.codec import decode_command, encode_event
from events.registry import EventSchemaError
from services import messages
from services.agent.service import HostAgent, QueryAnswer

log = logging.getLogger(__name__)


class AgentWorker(ConsumerProducerMixin):
    def __init__(self, connection, topology: Topology, agent: HostAgent,
                 relay_wake: threading.Event | None = None,
                 identities: Identities = NO_IDENTITIES,
                 local_replies: str | None = None) -> None:
        self.connection = connection
        self.topology = topology
        self.agent = agent
        self.relay_wake = relay_wake
        self.identities = identities
        self.local_replies = local_replies  # embedded: prefix of the in-process reply queues
        self.handled = 0
        self.refused = 0
        self.reply_producer = None  # set by ``serving.serve``: replies on the consuming connection
        # issue 14 (pg-more): called by ``serving.serve`` between commands (e.g. the WAL keeper)
        self.idle_tasks: list = []

    @property
    def producer(self):
        if self.reply_producer is not None:
            return self.reply_producer
        return ConsumerProducerMixin.producer.fget(self)

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
        command = command.model_copy(update={"reply_to": message.properties.get("reply_to")})
        if (refusal := self._refusal(command, message.properties.get("user_id"))) is not None:
            log.error("refusing command %s (%s) for %s: %s", command.command_id, command.name,
                      self.agent.host, refusal)
            self.refused += 1
            message.reject(requeue=False)
            return
        self.agent.progress = lambda text: self._progress(command, text)
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
        self.agent.snapshot_if_due()  # after the outcome is out: never on a command's time

    def run_idle_tasks(self) -> None:
        """Between commands: each idle task in turn; one that raises is logged, never more."""
        for task in self.idle_tasks:
            try:
                task()
            except Exception:  # noqa: BLE001 - the serving loop must go on
                log.exception("idle task %s of %s failed", task, self.agent.host)

    def _refusal(self, command, user_id: str | None) -> str | None:
        """Why ``command`` must not run, or None."""
        reason = self.identities.command_refusal(user_id, command.principal)
        if reason is None and command.reply_to and not self._reply_queue(command.reply_to):
            reason = (f"reply_to {command.reply_to!r} is not a reply queue of the requesting "
                      f"connection (use direct reply-to)")
        return reason

    def _reply_queue(self, name: str) -> bool:
        return is_direct_reply_to(name) or bool(
            self.local_replies and name.startswith(self.local_replies))

    def _reply(self, command, body) -> None:
        if not command.reply_to:
            return
        # kombu serializes only when no content_type is given: a dict (query answer,
        # progress line) goes through the json serializer, an encoded event as it is.
        encoding = ({"content_type": "application/json", "content_encoding": "utf-8"}
                    if isinstance(body, str) else {"serializer": "json"})
        # no retry here: a reply that fails leaves the command unacked, so after reconnecting
        # it is redelivered and answered from the store (``serving.serve``)
        self.producer.publish(body, exchange="", routing_key=command.reply_to,
                              correlation_id=command.command_id, retry=False, **encoding)

    def _progress(self, command, text: str) -> None:
        """A progress line, best effort: a broker outage must not fail the command."""
        try:
            self._reply(command, {"kind": "progress", "command_id": command.command_id,
                                  "text": text})
        except Exception as error:  # noqa: BLE001 - the outcome reply will tell
            log.warning("progress of %s not sent: %s", command.command_id, error)

    def _reply_error(self, message, text: str) -> None:
        reply_to = message.properties.get("reply_to")
        if reply_to and self._reply_queue(reply_to):
            self.producer.publish({"error": text}, exchange="", routing_key=reply_to,
                                  correlation_id=message.properties.get("correlation_id"),
                                  serializer="json", retry=False)
