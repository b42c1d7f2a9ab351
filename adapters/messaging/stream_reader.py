"""Replaying the shared log (the stream queue ``<p>.events.log``) from an offset.

Reading goes through ``adapters.messaging.stream_readers`` (per-consumer ``x-stream-offset``
given as ``first``/``last``/``next``, a number, or a timestamp). ``pika_parameters`` stays for
the tools that administer the broker with pika (tests, benchmarks).

A stream has no end: the replay stops after ``idle_timeout`` seconds without a message (or at
``limit``). Each record carries the stream offset; a record whose body is not a valid event
carries the error instead (``EventSchemaError`` naming host, seq and field), never a silent skip;
each carries its publisher's ``user_id``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator
from urllib.parse import quote, urlparse

import pika

from adapters.messaging.stream_readers import FIRST_DELIVERY_WAIT, open_stream_reader
from events import EventEnvelope
from events.codec import decode_event
from events.registry import EventSchemaError

Offset = str | int | datetime


@dataclass(frozen=True)
class StreamRecord:
    offset: int | None
    event: EventEnvelope | None
    error: EventSchemaError | None = None
    user_id: str | None = None  # the publisher, as the broker validated it


def pika_parameters(url: str) -> pika.URLParameters:
    """pika's parameters for a kombu-style URL (``amqp://u:p@h:5672//`` means vhost ``/``)."""
    parsed = urlparse(url)
    vhost = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
    vhost = vhost or "/"
    netloc = parsed.netloc
    return pika.URLParameters(f"amqp://{netloc}/{quote(vhost, safe='')}")


def parse_offset(text: str) -> Offset:
    """``first``, ``last``, ``next``, a number, or an ISO 8601 timestamp."""
    if text in ("first", "last", "next"):
        return text
    if text.isdigit():
        return int(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"offset must be first, last, next, a number or an ISO 8601 "
                         f"timestamp, not {text!r}") from None


def replay(url: str, stream: str, offset: Offset = "first", idle_timeout: float = 1.0,
           limit: int | None = None, stream_url: str | None = None) -> Iterator[StreamRecord]:
    """The records of ``stream`` from ``offset`` until it has been quiet ``idle_timeout``
    seconds after its first delivery (at most ``FIRST_DELIVERY_WAIT`` before it) or ``limit``."""
    count, waited = 0, 0.0
    with open_stream_reader(url, stream, offset, stream_url) as reader:
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
