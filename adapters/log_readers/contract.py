"""The one contract of every reader of the shared log (the RabbitMQ stream ``<p>.events.log``).

Code outside ``adapters.log_readers`` knows only this module's names and the factory
(``adapters.log_readers.open_log_reader``); the wire formats, sockets and parsers behind them
are this package's business (ADR 0004 says why they are hand-written and when each is chosen).
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

Offset = str | int | datetime
"""Where a reader starts: ``"first"``, ``"last"``, ``"next"``, a stream offset, or a time."""

# A new stream consumer waits for the broker to start delivering (0.3-1 s here, more under
# load); before its first delivery, a quiet stream is not yet taken for the end of the log.
FIRST_DELIVERY_WAIT = 5.0


class ProtocolError(Exception):
    """The broker sent something a reader cannot follow (a broken frame, a bad table, a chunk
    whose CRC does not match). Reading again from the last offset handed out is safe."""


class BrokerClosed(ConnectionError):
    """The broker closed the connection, channel or subscription (no such stream, access
    refused, stream deleted); carries its reply code and text."""

    def __init__(self, code: int, text: str, where: str) -> None:
        super().__init__(f"{where} closed by the broker: {code} {text}")
        self.code, self.text = code, text


READ_ERRORS: tuple[type[BaseException], ...] = (ProtocolError, OSError)
"""What a reader raises when the log cannot be read: ``ProtocolError``, ``BrokerClosed`` and
every socket failure (refused, reset, timed out; ``BrokerClosed`` is an ``OSError`` too)."""


@runtime_checkable
class LogReader(Protocol):
    """A consume-only reader of one stream, from one offset, on one connection.

    - ``open()`` connects, authenticates and subscribes from the offset it was made with, and
      returns the reader itself; a refusal raises ``BrokerClosed`` (with the broker's code and
      text) or ``ConnectionError`` (a broker that just hangs up, as on a bad password), a port that does not answer ``OSError``, a broker that stops mid-handshake
      ``TimeoutError``. A failed ``open`` leaves nothing open.
    - ``poll(timeout)`` returns the messages that arrived as ``(offset, body, user_id)``
      triples, in stream order with increasing offsets, waiting up to ``timeout`` seconds for the first; ``[]``
      means the stream was quiet that long (a stream has no end). Offsets are the broker's
      stream offsets; a message before the requested numeric offset is never returned. The body
      is the message as published (a body that is not an event is returned as it is: deciding
      what it is belongs to the caller). ``offset`` may be ``None`` only if the broker sent none.
      ``user_id`` is the message's ``user_id`` property, which the broker checked against the
      publisher's login (ADR 0006), or ``None`` when the message has none.
    - Credit / ack: what ``poll`` returns is consumed. Returning it gives the broker credit for
      more, so at most a bounded window (prefetch or chunk credit) waits unread; the reader
      keeps no position across connections: to resume, open a new reader at the last offset
      handed out + 1.
    - Heartbeats are sent and checked inside ``poll``; a silent or vanished broker raises
      ``ConnectionError``, a broken frame ``ProtocolError``, a closed subscription
      ``BrokerClosed``: all are in ``READ_ERRORS``, after which the reader is unusable.
    - ``close()`` says goodbye and closes the socket; it never raises and may be called twice.
      The reader is also a context manager (``with`` opens it if needed and closes it).
    """

    def open(self) -> "LogReader": ...

    def poll(self, timeout: float) -> list[tuple[int | None, bytes, str | None]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "LogReader": ...

    def __exit__(self, *exc: object) -> None: ...


def parse_offset(text: str) -> Offset:
    """``first``, ``last``, ``next``, a number, or an ISO 8601 timestamp; else ``ValueError``."""
    if text in ("first", "last", "next"):
        return text
    if text.isdigit():
        return int(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"offset must be first, last, next, a number or an ISO 8601 "
                         f"timestamp, not {text!r}") from None
