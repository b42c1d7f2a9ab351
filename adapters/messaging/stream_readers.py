"""Choosing how to read the shared log: one call, two protocols, one contract.

``open_stream_reader(broker_url, stream, offset, stream_url)`` returns an opened reader with
``poll(timeout) -> [(offset, body, user_id)]`` and ``close()`` (also a context manager):
- ``stream_url`` set (``rabbitmq-stream://user:pass@host:5552/vhost``): the stream protocol
  (``stream_protocol.StreamProtocolConsumer``; needs the ``rabbitmq_stream`` plugin);
- otherwise AMQP 0-9-1 on the broker URL (``stream_consumer.StreamConsumer``).
Both deliver the same offsets, bodies and publishers (``user_id``, ADR 0006); ADR 0004 says
when each is the better choice.
"""
from __future__ import annotations

from adapters.messaging.stream_consumer import Offset, StreamConsumer
from adapters.messaging.stream_protocol import StreamProtocolConsumer

# A new stream consumer waits for the broker to start delivering (0.3-1 s here, more under
# load); before its first delivery, a quiet stream is not yet taken for the end of the log.
FIRST_DELIVERY_WAIT = 5.0


def open_stream_reader(broker_url: str, stream: str, offset: Offset = "first",
                       stream_url: str | None = None):
    if stream_url:
        return StreamProtocolConsumer(stream_url, stream, offset).open()
    return StreamConsumer(broker_url, stream, offset).open()
