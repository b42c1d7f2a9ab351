"""Choosing how to read the shared log: one call, two protocols, one ``LogReader`` contract.

``open_log_reader(broker_url, stream, offset, stream_url)`` returns an opened ``LogReader``:
- ``stream_url`` set (``rabbitmq-stream://user:pass@host:5552/vhost``): the stream protocol
  (``stream_protocol.StreamProtocolConsumer``; needs the ``rabbitmq_stream`` plugin);
- otherwise AMQP 0-9-1 on the broker URL (``stream_consumer.StreamConsumer``).
Both deliver the same offsets, bodies and publishers (``user_id``, ADR 0006); ADR 0004 says
when each is the better choice.
"""
from __future__ import annotations

from adapters.log_readers.contract import LogReader, Offset


def open_log_reader(broker_url: str, stream: str, offset: Offset = "first",
                    stream_url: str | None = None) -> LogReader:
    if stream_url:
        from adapters.log_readers.stream_protocol import StreamProtocolConsumer

        return StreamProtocolConsumer(stream_url, stream, offset).open()
    from adapters.log_readers.stream_consumer import StreamConsumer

    return StreamConsumer(broker_url, stream, offset).open()
