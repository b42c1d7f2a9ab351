"""The two readers of the shared log against a real broker: the same offsets, bodies and
publishers (``user_id``) as were published, from any start, and clear errors for a stream that
is not there."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pika
import pytest

from adapters.log_readers import BrokerClosed
from adapters.log_readers.stream_consumer import StreamConsumer
from adapters.log_readers.stream_protocol import StreamProtocolConsumer
from adapters.messaging.connection import open_connection
from tests.pika_admin import pika_parameters

pytestmark = pytest.mark.amqp


@pytest.fixture
def log(broker):
    """The namespace's stream with 300 bodies of every size class published through the
    events exchange (one body larger than a frame), as a relay would publish them; the even
    ones with ``user_id``."""
    with open_connection(broker.url) as connection:
        broker.topology.declare_all(connection.channel())
    bodies = [(b'{"n": %d, "pad": "%s"}' % (n, b"x" * (n * 37 % 700))) for n in range(299)]
    bodies.append(b"y" * 300_000)
    connection = pika.BlockingConnection(pika_parameters(broker.url))
    channel = connection.channel()
    channel.confirm_delivery()
    for n, body in enumerate(bodies):
        channel.basic_publish(broker.topology.events.name, f"H{n % 3}.Thing", body,
                              pika.BasicProperties(content_type="application/json",
                                                   headers={"host": f"H{n % 3}", "seq": n},
                                                   user_id=user_of(broker, n)))
    connection.close()
    return broker.topology.event_log_name, bodies


def user_of(broker, n: int) -> str | None:
    """The user_id the n-th message was published with: the broker's login on even n."""
    return pika_parameters(broker.url).credentials.username if n % 2 == 0 else None


def published(broker, bodies: list[bytes]) -> list[tuple[int, bytes, str | None]]:
    return [(n, body, user_of(broker, n)) for n, body in enumerate(bodies)]


def read_all(reader, expected: int) -> list[tuple[int, bytes, str | None]]:
    got: list[tuple[int, bytes, str | None]] = []
    with reader:
        while len(got) < expected:
            received = reader.poll(10)
            assert received, f"the stream went quiet after {len(got)} of {expected} messages"
            got += received
    return got


def readers(broker, stream_url, stream, offset):
    yield StreamConsumer(broker.url, stream, offset, prefetch=50)
    yield StreamProtocolConsumer(stream_url, stream, offset, credit=2)


class TestBothReaders:
    def test_from_first_every_body_comes_back_with_its_offset_and_publisher(self, broker,
                                                                          stream_url, log):
        stream, bodies = log
        for reader in readers(broker, stream_url, stream, "first"):
            assert read_all(reader, len(bodies)) == published(broker, bodies), type(reader)

    def test_from_an_offset_the_log_starts_there(self, broker, stream_url, log):
        stream, bodies = log
        for reader in readers(broker, stream_url, stream, 250):
            assert read_all(reader, 50) == published(broker, bodies)[250:], type(reader)

    def test_from_a_time_in_the_future_nothing_comes(self, broker, stream_url, log):
        stream, _ = log
        later = datetime.now(timezone.utc) + timedelta(hours=1)
        for reader in readers(broker, stream_url, stream, later):
            with reader:
                assert reader.poll(2) == []

    def test_a_stream_that_does_not_exist_is_a_clear_error(self, broker, stream_url):
        with pytest.raises(BrokerClosed, match="404|NOT_FOUND"):
            StreamConsumer(broker.url, "no-such-stream-here").open()
        with pytest.raises(BrokerClosed, match="stream does not exist"):
            StreamProtocolConsumer(stream_url, "no-such-stream-here").open()

    def test_a_wrong_password_is_refused(self, broker, stream_url, log):
        stream, _ = log
        wrong = stream_url.replace("guest@", "not-the-password@", 1)
        with pytest.raises((BrokerClosed, ConnectionError)):
            StreamProtocolConsumer(wrong, stream).open()
        amqp_wrong = broker.url.replace(":guest@", ":not-the-password@", 1)
        with pytest.raises((BrokerClosed, ConnectionError)):
            StreamConsumer(amqp_wrong, stream).open()

    def test_polling_past_the_end_keeps_the_connection_open(self, broker, stream_url, log):
        stream, bodies = log
        for reader in readers(broker, stream_url, stream, 290):
            with reader:
                got: list = []
                while len(got) < 10:
                    received = reader.poll(10)
                    assert received, f"the stream went quiet after {len(got)} of 10"
                    got += received
                assert reader.poll(1.5) == [] and reader.poll(0.5) == []
                assert reader.sock is not None


class TestStreamSource:
    def test_a_whole_read_needs_no_reconnection(self, broker, stream_url, log):
        import threading

        from adapters.reporting.sources import StreamSource
        stream, bodies = log
        for url in (None, stream_url):
            source = StreamSource(broker.url, stream, batch_size=64, stream_url=url)
            records = [r for batch in source.batches(None, threading.Event(), stop_when_idle=1.0)
                       for r in batch]
            assert [(r.offset, r.body) for r in records] == list(enumerate(bodies))
            assert source.reconnects == 0
