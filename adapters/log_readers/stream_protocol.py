"""Reading a RabbitMQ stream over the stream protocol (plugin ``rabbitmq_stream``, port 5552).

The broker sends a stream as it stores it: chunks of messages, each chunk one frame with a CRC.
Its cost is per chunk rather than per message, and this reader's per message is small (find
the body in the AMQP 1.0 sections). A log written in bursts has large chunks and replays
cheaply; a log written one confirmed message at a time has chunks of a few messages, and there
the AMQP 0-9-1 reader is the faster one on this broker (ADR 0004 has the figures).

``StreamProtocolConsumer`` is a ``contract.LogReader``, like ``stream_consumer.StreamConsumer``:
``open()``, ``poll(timeout) -> [(offset, body, user_id)]`` (the chunks it hands out are credited in
quarters of ``credit``: at most ``credit`` chunks wait unread), ``close()``. Messages of a
chunk before the requested offset are dropped; a chunk whose CRC does not match raises
``ProtocolError`` (the caller reconnects and reads it again).
"""
from __future__ import annotations

import struct
import time
import zlib
from datetime import datetime
from urllib.parse import unquote, urlparse

from adapters.log_readers.amqp10 import MessageFormatError, message_parts
from adapters.log_readers.contract import BrokerClosed, Offset, ProtocolError
from adapters.log_readers.socket_reader import SocketReader

DEFAULT_PORT = 5552
(SUBSCRIBE, DELIVER, CREDIT, METADATA_UPDATE, PEER_PROPERTIES, SASL_HANDSHAKE,
 SASL_AUTHENTICATE, TUNE, OPEN, CLOSE, HEARTBEAT) = 7, 8, 9, 16, 17, 18, 19, 20, 21, 22, 23
_OFFSET_KIND = {"first": 1, "last": 2, "next": 3}
_CHUNK_HEAD = struct.Struct(">BBHIqQQIII4x")  # 44 bytes after the subscription id
RESPONSE_OK = 1


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def _frame(key: int, body: bytes) -> bytes:
    return struct.pack(">IHH", len(body) + 4, key, 1) + body


def offset_specification(offset: Offset) -> bytes:
    if isinstance(offset, str):
        return struct.pack(">H", _OFFSET_KIND[offset])
    if isinstance(offset, datetime):
        return struct.pack(">Hq", 5, int(offset.timestamp() * 1000))
    return struct.pack(">HQ", 4, offset)


def chunk_messages(chunk: memoryview, first_wanted: int
                   ) -> list[tuple[int, bytes, str | None]]:
    """``(offset, body, user_id)`` of every message of one osiris chunk at or after
    ``first_wanted``."""
    (_magic, kind, entries, _records, _stamp, _epoch, first, crc, size,
     _trailer) = _CHUNK_HEAD.unpack_from(chunk, 0)
    data = chunk[_CHUNK_HEAD.size:_CHUNK_HEAD.size + size]
    if len(data) != size or zlib.crc32(data) != crc:
        raise ProtocolError(f"stream chunk at offset {first} is damaged (CRC or length)")
    if kind != 0:
        return []  # tracking chunks carry no messages
    out, at, offset = [], 0, first
    for _ in range(entries):
        if data[at] & 0x80 == 0:
            (length,) = struct.unpack_from(">I", data, at)
            records = [bytes(data[at + 4:at + 4 + length])]
            at += 4 + length
        else:
            records, at = _sub_batch(data, at)
        for record in records:
            if offset >= first_wanted:
                out.append((offset, *_parts(record)))
            offset += 1
    return out


def _sub_batch(data: memoryview, at: int) -> tuple[list[bytes], int]:
    compression = (data[at] & 0x70) >> 4
    count, _plain, length = struct.unpack_from(">HII", data, at + 1)
    raw = bytes(data[at + 11:at + 11 + length])
    if compression == 1:
        raw = zlib.decompress(raw, wbits=31)
    elif compression != 0:
        raise ProtocolError(f"sub-batch compression {compression} is not supported")
    records, inner = [], 0
    for _ in range(count):
        (size,) = struct.unpack_from(">I", raw, inner)
        records.append(raw[inner + 4:inner + 4 + size])
        inner += 4 + size
    return records, at + 11 + length


def _parts(record: bytes) -> tuple[bytes, str | None]:
    try:
        return message_parts(record)
    except (MessageFormatError, IndexError, struct.error):
        return record, None  # not an event: the consumer reports it undecodable, never drops it


class StreamProtocolConsumer(SocketReader):
    def __init__(self, url: str, stream: str, offset: Offset = "first", credit: int = 200,
                 heartbeat: int = 30, connect_timeout: float = 5.0) -> None:
        super().__init__(heartbeat, connect_timeout)
        self.url, self.stream, self.offset, self.credit = url, stream, offset, credit
        self.first_wanted = offset if isinstance(offset, int) else 0
        self._buffer = bytearray()
        self._replies: dict[int, memoryview] = {}
        self._owed = 0  # chunks received whose credit is not yet returned
        self._correlation = 0

    def open(self) -> "StreamProtocolConsumer":
        parsed = urlparse(self.url)
        user, password = unquote(parsed.username or "guest"), unquote(parsed.password or "guest")
        vhost = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path) or "/"
        self.sock = self._connect(parsed.hostname or "localhost", parsed.port or DEFAULT_PORT)
        try:
            self._request(PEER_PROPERTIES, struct.pack(">i", 1) + _string("product")
                          + _string("drm stream reader"))
            self._request(SASL_HANDSHAKE, b"")
            secret = f"\0{user}\0{password}".encode()
            self._request(SASL_AUTHENTICATE, _string("PLAIN") + struct.pack(">i", len(secret))
                          + secret)
            frame_max, server_beat = struct.unpack_from(">II", self._wait_for(TUNE))
            self.heartbeat = min(self.heartbeat, server_beat) if server_beat else self.heartbeat
            self._send(_frame(TUNE, struct.pack(">II", frame_max, self.heartbeat)))
            self._beating = True
            self._request(OPEN, _string(vhost))
            self._request(SUBSCRIBE, b"\x01" + _string(self.stream)
                          + offset_specification(self.offset) + struct.pack(">Hi", self.credit, 0))
        except BaseException:
            self.close()
            raise
        return self

    # --- the protocol's part of SocketReader -------------------------------------------------
    def _goodbye(self) -> bytes:
        self._correlation += 1
        return _frame(CLOSE, struct.pack(">IH", self._correlation, RESPONSE_OK) + _string("bye"))

    def _heartbeat_frame(self) -> bytes:
        return _frame(HEARTBEAT, b"")

    def _take(self, data: bytes) -> None:
        self._buffer += data
        self._frames()

    def _hand_out(self, ready: list) -> list[tuple[int, bytes, str | None]]:
        if self._owed * 4 >= self.credit:  # the chunks handed out: credit for as many more
            self._send(_frame(CREDIT, struct.pack(">BH", 1, self._owed)))
            self._owed = 0
        return ready

    # --- internals ---------------------------------------------------------------------------
    def _request(self, key: int, body: bytes) -> memoryview:
        self._correlation += 1
        self._send(_frame(key, struct.pack(">I", self._correlation) + body))
        reply = self._wait_for(key | 0x8000, self._correlation)
        (code,) = struct.unpack_from(">H", reply, 0)
        if code != RESPONSE_OK:
            raise BrokerClosed(code, _response_text(code), f"stream {key} request")
        return reply[2:]

    def _wait_for(self, key: int, correlation: int | None = None) -> memoryview:
        deadline = time.monotonic() + self.connect_timeout
        token = key if correlation is None else (key << 32) | correlation
        while token not in self._replies:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no stream protocol reply {key:#x} in "
                                   f"{self.connect_timeout} s")
            self._receive(deadline - time.monotonic())
        return self._replies.pop(token)

    def _frames(self) -> None:
        buffer, at = self._buffer, 0
        view = memoryview(buffer)
        try:
            while len(buffer) - at >= 4:
                (size,) = struct.unpack_from(">I", buffer, at)
                if len(buffer) - at - 4 < size:
                    break
                self._dispatch(view[at + 4:at + 4 + size])
                at += 4 + size
        finally:
            view.release()
        del buffer[:at]

    def _dispatch(self, frame: memoryview) -> None:
        key, _version = struct.unpack_from(">HH", frame, 0)
        body = frame[4:]
        if key == DELIVER:
            self._owed += 1
            self._ready += chunk_messages(body[1:], self.first_wanted)
        elif key == CREDIT | 0x8000:  # sent only when a credit was refused
            code = struct.unpack_from(">H", body, 0)[0]
            raise BrokerClosed(code, _response_text(code), "stream credit")
        elif key & 0x8000:
            (correlation,) = struct.unpack_from(">I", body, 0)
            self._replies[(key << 32) | correlation] = memoryview(bytes(body[4:]))
        elif key == TUNE:
            self._replies[TUNE] = memoryview(bytes(body))
        elif key == CLOSE:
            code = struct.unpack_from(">H", body, 4)[0]
            raise BrokerClosed(code, _response_text(code), "stream connection")
        elif key == METADATA_UPDATE:
            raise BrokerClosed(0, f"stream {self.stream} is no longer available", "stream")


def _response_text(code: int) -> str:
    return {2: "stream does not exist", 3: "subscription id already exists",
            4: "subscription id does not exist", 5: "stream already exists",
            6: "stream not available", 7: "SASL mechanism not supported",
            8: "authentication failure", 9: "SASL error", 10: "SASL challenge",
            12: "virtual host access failure", 16: "access refused",
            17: "precondition failed", 18: "publisher does not exist"}.get(code, f"code {code}")
