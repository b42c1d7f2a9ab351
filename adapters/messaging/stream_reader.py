"""Replaying the shared log (the stream queue ``<p>.events.log``) from an offset.

This is the one adapter that uses pika: it needs per-consumer stream arguments
(``x-stream-offset`` given as ``first``/``last``/``next``, a number, or a timestamp) on a plain
blocking channel. It is a read path of its own and never shares a consume loop with kombu.

A stream has no end: the replay stops after ``idle_timeout`` seconds without a message (or at
``limit``). Each record carries the stream offset; a record whose body is not a valid event
carries the error instead (``EventSchemaError`` naming host, seq and field), never a silent skip.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator
from urllib.parse import quote, urlparse

import pika

from events import EventEnvelope
from events.codec import decode_event
from events.registry import EventSchemaError

Offset = str | int | datetime


@dataclass(frozen=True)
class StreamRecord:
    offset: int | None
    event: EventEnvelope | None
    error: EventSchemaError | None = None


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
           limit: int | None = None, prefetch: int = 1000) -> Iterator[StreamRecord]:
    connection = pika.BlockingConnection(pika_parameters(url))
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=prefetch)
        count = 0
        for method, properties, body in channel.consume(
                stream, arguments={"x-stream-offset": offset}, inactivity_timeout=idle_timeout):
            if method is None:
                break
            headers = properties.headers or {}
            record_offset = headers.get("x-stream-offset")
            try:
                record = StreamRecord(record_offset, decode_event(body))
            except EventSchemaError as error:
                record = StreamRecord(record_offset, None, error)
            channel.basic_ack(method.delivery_tag)
            yield record
            count += 1
            if limit is not None and count >= limit:
                break
        channel.cancel()
    finally:
        if connection.is_open:
            connection.close()
