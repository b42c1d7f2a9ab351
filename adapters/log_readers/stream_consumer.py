"""Reading a RabbitMQ stream queue over AMQP 0-9-1, fast: one socket, one channel, no threads.

Why not pika here: replaying the shared log is the one path where the client's cost per message
decides the result (issue 6: 1,000,000 events into PostgreSQL at >= 20,000/s on two cores).
pika's blocking adapter spends ~45-70 µs of Python per delivery (it dispatches each of the three
frames through callbacks and re-slices its receive buffer per frame); this reader parses whole
socket reads in one pass and hands out batches (ADR 0004). Everything else — commands, the
relay, live subscribers — stays on kombu, and pika keeps the admin paths of tests and benches.

Contract of ``StreamConsumer`` (``contract.LogReader``, in this protocol's terms):
- ``open()`` connects, authenticates (PLAIN), opens channel 1, sets ``basic.qos(prefetch)`` and
  starts consuming ``stream`` from ``offset`` (``first``/``last``/``next``, a number or a
  ``datetime``); errors the broker reports (no such queue, access refused) raise
  ``BrokerClosed`` with its reply code and text.
- ``poll(timeout)`` returns the deliveries that arrived, as ``(offset, body, user_id)``
  triples (``user_id``: the publisher as the broker validated it, or None), waiting up
  to ``timeout`` seconds for the first; ``[]`` means the stream was quiet that long. What it
  returns is acked at once: on a stream an ack only gives credit for more (at most
  ``prefetch`` wait unread); the consumer keeps its own position.
- Heartbeats are sent and checked by ``poll``; a silent broker raises ``ConnectionError``.
"""
from __future__ import annotations

import ssl
import struct
import time
from urllib.parse import unquote, urlparse

from adapters.log_readers import amqp_frames as wire
from adapters.log_readers.contract import BrokerClosed, Offset
from adapters.log_readers.socket_reader import SocketReader


def _endpoint(url: str) -> tuple[str, int, str, str, str, bool]:
    """host, port, user, password, vhost and TLS of a kombu-style URL (``//`` is vhost ``/``)."""
    parsed = urlparse(url)
    tls = parsed.scheme == "amqps"
    vhost = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
    return (parsed.hostname or "localhost", parsed.port or (5671 if tls else 5672),
            unquote(parsed.username or "guest"), unquote(parsed.password or "guest"),
            unquote(vhost) or "/", tls)


class StreamConsumer(SocketReader):
    def __init__(self, url: str, stream: str, offset: Offset = "first", prefetch: int = 10000,
                 heartbeat: int = 30, connect_timeout: float = 5.0) -> None:
        super().__init__(heartbeat, connect_timeout)
        self.url, self.stream, self.offset, self.prefetch = url, stream, offset, prefetch
        self.parser = wire.DeliveryParser(self._on_method)
        self._replies: list[tuple[tuple[int, int], bytes]] = []

    # --- connection --------------------------------------------------------------------------
    def open(self) -> "StreamConsumer":
        host, port, user, password, vhost, tls = _endpoint(self.url)
        sock = self._connect(host, port)
        if tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        self.sock = sock
        try:
            self._send(wire.PROTOCOL_HEADER)
            self._expect(wire.CONNECTION_START)
            properties = {"product": "drm stream consumer",
                          "capabilities": {"consumer_cancel_notify": True}}
            self._send(wire.method(0, wire.CONNECTION_START_OK, wire.table(properties)
                                   + wire.short_string("PLAIN")
                                   + wire.long_string(f"\0{user}\0{password}")
                                   + wire.short_string("en_US")))
            tune = self._expect(wire.CONNECTION_TUNE)
            channel_max, frame_max, server_beat = struct.unpack_from(">HIH", tune)
            beat = min(self.heartbeat, server_beat) if server_beat else self.heartbeat
            self.heartbeat = beat
            self._send(wire.method(0, wire.CONNECTION_TUNE_OK,
                                   struct.pack(">HIH", channel_max or 1, frame_max, beat)))
            self._beating = True
            self._send(wire.method(0, wire.CONNECTION_OPEN, wire.short_string(vhost)
                                   + wire.short_string("") + b"\0"))
            self._expect(wire.CONNECTION_OPEN_OK)
            self._send(wire.method(1, wire.CHANNEL_OPEN, wire.short_string("")))
            self._expect(wire.CHANNEL_OPEN_OK)
            self._send(wire.method(1, wire.BASIC_QOS, struct.pack(">IHB", 0, self.prefetch, 0)))
            self._expect(wire.BASIC_QOS_OK)
            self._send(wire.method(1, wire.BASIC_CONSUME, struct.pack(">H", 0)
                                   + wire.short_string(self.stream) + wire.short_string("")
                                   + b"\0" + wire.table({"x-stream-offset": self.offset})))
            self._expect(wire.BASIC_CONSUME_OK)
        except BaseException:
            self.close()
            raise
        return self

    # --- the protocol's part of SocketReader -------------------------------------------------
    def _goodbye(self) -> bytes:
        return wire.method(0, wire.CONNECTION_CLOSE, struct.pack(">H", 200)
                           + wire.short_string("bye") + struct.pack(">HH", 0, 0))

    def _heartbeat_frame(self) -> bytes:
        return wire.heartbeat()

    def _take(self, data: bytes) -> None:
        self._ready += self.parser.feed(data)

    def _hand_out(self, ready: list) -> list[tuple[int | None, bytes, str | None]]:
        if ready:  # handed out: acked at once, which gives the stream credit for as many more
            self._send(wire.ack(1, ready[-1][0]))
        return [(headers.get("x-stream-offset"), body, user)
                for _tag, headers, body, user in ready]

    def _expect(self, wanted: tuple[int, int]) -> bytes:
        deadline = time.monotonic() + self.connect_timeout
        while True:
            for index, (class_method, arguments) in enumerate(self._replies):
                if class_method == wanted:
                    del self._replies[index]
                    return arguments
            if time.monotonic() > deadline:
                raise TimeoutError(f"no AMQP {wanted} from the broker in "
                                   f"{self.connect_timeout} s")
            self._receive(deadline - time.monotonic())

    def _on_method(self, channel: int, class_method: tuple[int, int], arguments) -> None:
        if class_method in (wire.CONNECTION_CLOSE, wire.CHANNEL_CLOSE):
            (code,) = struct.unpack_from(">H", arguments, 0)
            text, _ = wire.read_short_string(arguments, 2)
            reply = wire.CONNECTION_CLOSE_OK if channel == 0 else wire.CHANNEL_CLOSE_OK
            try:
                self._send(wire.method(channel, reply))
            except OSError:
                pass
            raise BrokerClosed(code, text, "connection" if channel == 0 else "channel")
        if class_method == wire.BASIC_CANCEL:
            raise BrokerClosed(0, f"the consumer of {self.stream} was cancelled "
                                  f"(queue deleted?)", "consumer")
        self._replies.append((class_method, bytes(arguments)))
