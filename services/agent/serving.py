"""Serving a host's command queue through broker outages, and stopping promptly.

``serve`` connects, consumes with ``AgentWorker`` and replies on the same connection, until
``stop`` is set. A broker that goes away (reset, refused, a handshake that never completes, a
missed heartbeat, a channel closed by the broker) costs a reconnection with back-off (0.2 s
doubling to ``max_backoff``), never the process:

- a command being handled when the connection drops completes (its events are in the store);
  its reply or ack then fails, so the command, never acked, is redelivered after reconnecting
  and answered from the store without new events (``HostAgent.handle`` finds the outcome);
- ``stop`` is looked at between every step: no wait is longer than ``POLL`` seconds or one
  connection attempt (``CONNECT_TIMEOUT`` for the TCP connect and for each handshake frame), so
  SIGTERM ends the agent within a few seconds in every state, mid-handshake included.
"""
from __future__ import annotations

import contextlib
import logging
import socket
import threading
from functools import partial
from typing import Callable

from amqp.exceptions import AMQPError
from kombu import Connection, Consumer, Producer
from kombu.exceptions import OperationalError

from services.agent.worker import AgentWorker

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks at ``stop`` while idle
BROKER_TROUBLE = (OSError, AMQPError, OperationalError, ConnectionError)


def serve(worker: AgentWorker, connect: Callable[[], Connection], stop: threading.Event,
          ready: threading.Event | None = None, max_backoff: float = 5.0) -> int:
    """Consume until ``stop``; return how many times the connection was lost."""
    backoff, losses = 0.2, 0
    while not stop.is_set():
        connection = connect()
        try:
            _consume(worker, connection, stop, ready)
        except BROKER_TROUBLE as error:
            losses += 1
            log.warning("agent %s: broker connection lost (%s: %s); reconnecting in %.1fs",
                        worker.agent.host, type(error).__name__, error, backoff)
            _drop(connection)
            stop.wait(backoff)
            backoff = min(backoff * 2, max_backoff)
            continue
        finally:
            worker.reply_producer = None
        with contextlib.suppress(*BROKER_TROUBLE):
            connection.release()
        return losses
    return losses


def _consume(worker: AgentWorker, connection: Connection, stop: threading.Event,
             ready: threading.Event | None) -> None:
    connection.connect()
    channel = connection.channel()
    worker.reply_producer = Producer(connection.channel())
    consumers = worker.get_consumers(partial(Consumer, channel,
                                             on_decode_error=worker.on_decode_error), channel)
    with contextlib.ExitStack() as stack:
        for consumer in consumers:
            stack.enter_context(consumer)
        log.info("Connected to %s: agent for %s consuming %s", connection.as_uri(),
                 worker.agent.host, worker.topology.agent_queue(worker.agent.host).name)
        if ready is not None:
            ready.set()
        while not stop.is_set():
            try:
                connection.drain_events(timeout=POLL)
            except socket.timeout:
                connection.heartbeat_check()


def _drop(connection: Connection) -> None:
    """Forget a broken connection without waiting for a close handshake."""
    with contextlib.suppress(Exception):
        connection.collect()
