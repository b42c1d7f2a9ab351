"""Serving a host's command queue through broker outages, and stopping promptly.

``serve`` connects, consumes with ``AgentWorker`` and replies on the same connection, until
``stop`` is set. A broker that goes away (reset, refused, a handshake that never completes, a
missed heartbeat, a channel closed by the broker) costs a reconnection with back-off (0.2 s
doubling to ``max_backoff``), never the process:

- a command being handled when the connection drops completes (its events are in the store);
  its reply or ack then fails, so the command, never acked, is redelivered after reconnecting
  and answered from the store without new events (``HostAgent.handle`` finds the outcome);
- ``stop`` is looked at between every step: no wait is longer than ``POLL`` seconds or one
  connection attempt; with ``interrupt_on_signals``, SIGTERM and SIGINT do not even wait for
  that: unless a command is being handled (``Activity.handling``: it completes first), the
  handler raises ``Interrupted`` into the wait, so the agent ends at once in every state,
  mid-handshake included;
- between commands (after each message, and every ``POLL`` seconds while idle) the worker's
  ``idle_tasks`` run, marked as handling (they may record through the command path: the WAL
  keeper of ``services.agent.postgres.keeper``).
"""
from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator

from amqp.exceptions import AMQPError
from kombu import Connection, Consumer, Producer
from kombu.exceptions import OperationalError

from services.agent.worker import AgentWorker

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks at ``stop`` while idle
BROKER_TROUBLE = (OSError, AMQPError, OperationalError, ConnectionError)


@dataclass
class Activity:
    """What the loop is doing, for a signal handler: a command is handled, or not."""

    handling: bool = False
    connected: bool = False  # since the last loss: the next loss starts the back-off anew


class Interrupted(BaseException):
    """Raised by the signal handler into a wait (connecting, idle): stop now."""


@contextlib.contextmanager
def interrupt_on_signals(stop: threading.Event, activity: Activity) -> Iterator[None]:
    """While inside: SIGTERM and SIGINT set ``stop`` and, unless a command is being handled,
    raise ``Interrupted`` (main thread only, as Python runs signal handlers there)."""
    def on_signal(signum, _frame) -> None:
        first = not stop.is_set()
        stop.set()
        if first and not activity.handling:
            raise Interrupted(signum)

    previous = {signum: signal.signal(signum, on_signal)
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def serve(worker: AgentWorker, connect: Callable[[], Connection], stop: threading.Event,
          ready: threading.Event | None = None, activity: Activity | None = None,
          max_backoff: float = 5.0, on_lost: Callable[[], None] = lambda: None) -> int:
    """Consume until ``stop``; return how many times the connection was lost. ``on_lost`` is
    called as soon as a connection is lost (a cluster node gives up its active role there)."""
    backoff, losses, activity = 0.2, 0, activity or Activity()
    while not stop.is_set():
        connection = connect()
        try:
            _consume(worker, connection, stop, ready, activity)
        except BROKER_TROUBLE as error:
            losses += 1
            if activity.connected:
                backoff, activity.connected = 0.2, False
            log.warning("agent %s: broker connection lost (%s: %s); reconnecting in %.1fs",
                        worker.agent.host, type(error).__name__, error, backoff)
            _drop(connection)
            on_lost()
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
             ready: threading.Event | None, activity: Activity) -> None:
    connection.connect()
    channel = connection.channel()
    worker.reply_producer = Producer(connection.channel())
    consumers = worker.get_consumers(partial(Consumer, channel,
                                             on_decode_error=worker.on_decode_error), channel)
    with contextlib.ExitStack() as stack:
        for consumer in consumers:
            consumer.callbacks = [_marked(callback, activity) for callback in consumer.callbacks]
            stack.enter_context(consumer)
        log.info("Connected to amqp://%s@%s/%s: agent for %s consuming %s", connection.userid,
                 connection.host, connection.virtual_host, worker.agent.host,
                 worker.topology.agent_queue(worker.agent.host).name)
        activity.connected = True
        if ready is not None:
            ready.set()
        while not stop.is_set():
            try:
                connection.drain_events(timeout=POLL)
            except socket.timeout:
                connection.heartbeat_check()
            if worker.idle_tasks:  # issue 14 (pg-more): between commands, never inside one
                activity.handling = True  # a signal waits for it as for a command
                try:
                    worker.run_idle_tasks()
                finally:
                    activity.handling = False


def _marked(callback: Callable, activity: Activity) -> Callable:
    def handle(body, message) -> None:
        activity.handling = True
        try:
            callback(body, message)
        finally:
            activity.handling = False
    return handle


def _drop(connection: Connection) -> None:
    """Forget a broken connection without waiting for a close handshake."""
    with contextlib.suppress(Exception):
        connection.collect()
