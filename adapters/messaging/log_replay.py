"""Replaying the shared log (the stream queue ``<p>.events.log``) from an offset, as events.

Reading goes through a ``LogReader`` from ``adapters.log_readers.open_log_reader``
(``first``/``last``/``next``, a number, or a timestamp; ``parse_offset`` reads them from text).

A stream has no end: the replay stops after ``idle_timeout`` seconds without a message (or at
``limit``). Each record carries the stream offset; a record whose body is not a valid event
carries the error instead (``EventSchemaError`` naming host, seq and field), never a silent skip;
each carries its publisher's ``user_id``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from adapters.log_readers import FIRST_DELIVERY_WAIT, LogReader, Offset, open_log_reader
from events import EventEnvelope
from events.codec import decode_event
from events.registry import EventSchemaError


@dataclass(frozen=True)
class StreamRecord:
    offset: int | None
    event: EventEnvelope | None
    error: EventSchemaError | None = None
    user_id: str | None = None  # the publisher, as the broker validated it


def replay(url: str, stream: str, offset: Offset = "first", idle_timeout: float = 1.0,
           limit: int | None = None, stream_url: str | None = None,
           open_reader: Callable[..., LogReader] = open_log_reader) -> Iterator[StreamRecord]:
    """The records of ``stream`` from ``offset`` until it has been quiet ``idle_timeout``
    seconds after its first delivery (at most ``FIRST_DELIVERY_WAIT`` before it) or ``limit``.
    Raises what the reader raises (``adapters.log_readers.READ_ERRORS``). ``open_reader`` has
    the factory's signature (tests pass a fake ``LogReader``)."""
    count, waited = 0, 0.0
    with open_reader(url, stream, offset, stream_url) as reader:
        while limit is None or count < limit:
            received = reader.poll(idle_timeout)
            if not received:
                waited += idle_timeout
                if count or waited >= FIRST_DELIVERY_WAIT:
                    return
                continue
            for record_offset, body, user in received[:None if limit is None else limit - count]:
                try:
                    yield StreamRecord(record_offset, decode_event(body), user_id=user)
                except EventSchemaError as error:
                    yield StreamRecord(record_offset, None, error, user)
                count += 1
