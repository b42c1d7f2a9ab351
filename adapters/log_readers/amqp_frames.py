"""The AMQP 0-9-1 frames a stream reader needs, encoded and decoded without I/O.

Only what ``stream_consumer`` uses: the connection and channel handshake,
``basic.qos``, ``basic.consume`` with arguments, ``basic.ack``, heartbeats, and the three frames of
a delivery (``basic.deliver``, the content header, the body). Field tables are decoded in full
(every field type of RabbitMQ's dialect of 0-9-1), since a stream delivery's position travels
in the header ``x-stream-offset``.

``DeliveryParser.feed`` turns received bytes into ``(delivery_tag, headers, body, user_id)``
tuples (``user_id``: the property the broker validated against the publisher's login, or None);
it keeps any partial frame for the next call and hands every non-delivery method to a callback.
"""
from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Any, Callable

from adapters.log_readers.contract import ProtocolError

FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT = 1, 2, 3, 8
FRAME_END = 0xCE
PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"

CONNECTION_START, CONNECTION_START_OK = (10, 10), (10, 11)
CONNECTION_TUNE, CONNECTION_TUNE_OK = (10, 30), (10, 31)
CONNECTION_OPEN, CONNECTION_OPEN_OK = (10, 40), (10, 41)
CONNECTION_CLOSE, CONNECTION_CLOSE_OK = (10, 50), (10, 51)
CHANNEL_OPEN, CHANNEL_OPEN_OK = (20, 10), (20, 11)
CHANNEL_CLOSE, CHANNEL_CLOSE_OK = (20, 40), (20, 41)
BASIC_QOS, BASIC_QOS_OK = (60, 10), (60, 11)
BASIC_CONSUME, BASIC_CONSUME_OK = (60, 20), (60, 21)
BASIC_CANCEL = (60, 30)
BASIC_DELIVER, BASIC_ACK = (60, 60), (60, 80)

_FRAME_HEAD = struct.Struct(">BHI")
_DELIVER = (60 << 16) | 60


# --- encoding ----------------------------------------------------------------------------------

def short_string(text: str) -> bytes:
    data = text.encode()
    if len(data) > 255:
        raise ValueError(f"AMQP short string longer than 255 bytes: {text[:40]!r}…")
    return bytes([len(data)]) + data


def long_string(data: bytes | str) -> bytes:
    data = data.encode() if isinstance(data, str) else data
    return struct.pack(">I", len(data)) + data


def _value(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"t" + bytes([value])
    if isinstance(value, int):
        return b"l" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"d" + struct.pack(">d", value)
    if isinstance(value, (str, bytes)):
        return b"S" + long_string(value)
    if isinstance(value, datetime):
        return b"T" + struct.pack(">Q", int(value.timestamp()))
    if isinstance(value, dict):
        return b"F" + table(value)
    if value is None:
        return b"V"
    raise TypeError(f"cannot encode {type(value).__name__} in an AMQP table")


def table(fields: dict[str, Any]) -> bytes:
    body = b"".join(short_string(name) + _value(value) for name, value in fields.items())
    return struct.pack(">I", len(body)) + body


def frame(kind: int, channel: int, payload: bytes) -> bytes:
    return _FRAME_HEAD.pack(kind, channel, len(payload)) + payload + bytes([FRAME_END])


def method(channel: int, class_method: tuple[int, int], arguments: bytes = b"") -> bytes:
    return frame(FRAME_METHOD, channel, struct.pack(">HH", *class_method) + arguments)


def heartbeat() -> bytes:
    return frame(FRAME_HEARTBEAT, 0, b"")


def ack(channel: int, delivery_tag: int, multiple: bool = True) -> bytes:
    return method(channel, BASIC_ACK, struct.pack(">QB", delivery_tag, 1 if multiple else 0))


# --- decoding ----------------------------------------------------------------------------------

def read_short_string(data, at: int) -> tuple[str, int]:
    size = data[at]
    return bytes(data[at + 1:at + 1 + size]).decode(errors="replace"), at + 1 + size


def read_long_string(data, at: int) -> tuple[bytes, int]:
    (size,) = struct.unpack_from(">I", data, at)
    return bytes(data[at + 4:at + 4 + size]), at + 4 + size


_FIXED = {b"b": ">b", b"B": ">B", b"s": ">h", b"u": ">H", b"I": ">i", b"i": ">I", b"l": ">q",
          b"L": ">Q", b"f": ">f", b"d": ">d"}


def read_value(data, at: int) -> tuple[Any, int]:
    kind = bytes(data[at:at + 1])
    at += 1
    if kind in _FIXED:
        form = _FIXED[kind]
        return struct.unpack_from(form, data, at)[0], at + struct.calcsize(form)
    if kind == b"t":
        return data[at] != 0, at + 1
    if kind == b"S" or kind == b"x":
        raw, at = read_long_string(data, at)
        return (raw.decode(errors="replace") if kind == b"S" else raw), at
    if kind == b"T":
        (stamp,) = struct.unpack_from(">Q", data, at)
        return datetime.fromtimestamp(stamp, tz=timezone.utc), at + 8
    if kind == b"F":
        return read_table(data, at)
    if kind == b"A":
        (size,) = struct.unpack_from(">I", data, at)
        end, at, items = at + 4 + size, at + 4, []
        while at < end:
            item, at = read_value(data, at)
            items.append(item)
        return items, end
    if kind == b"D":
        scale, (digits,) = data[at], struct.unpack_from(">i", data, at + 1)
        return digits / (10 ** scale), at + 5
    if kind == b"V":
        return None, at
    raise ProtocolError(f"unknown AMQP field type {kind!r}")


def read_table(data, at: int) -> tuple[dict[str, Any], int]:
    (size,) = struct.unpack_from(">I", data, at)
    end, at, fields = at + 4 + size, at + 4, {}
    while at < end:
        name, at = read_short_string(data, at)
        fields[name], at = read_value(data, at)
    return fields, end


# content header property flags, in wire order, up to user-id: (flag, kind)
_SKIPPED_BEFORE_USER_ID = ((0x1000, 1), (0x0800, 1), (0x0400, "s"), (0x0200, "s"),
                           (0x0100, "s"), (0x0080, "s"), (0x0040, 8), (0x0020, "s"))
_USER_ID = 0x0010


def read_properties(payload) -> tuple[dict[str, Any], str | None]:
    """The ``headers`` (``{}`` when absent) and ``user_id`` (None when absent) properties of a
    basic content header frame: the flags word follows class, weight and body size."""
    (flags,) = struct.unpack_from(">H", payload, 12)
    at = 14
    for bit in (0x8000, 0x4000):  # content-type, content-encoding: short strings
        if flags & bit:
            at += 1 + payload[at]
    headers = {}
    if flags & 0x2000:
        headers, at = read_table(payload, at)
    if not flags & _USER_ID:
        return headers, None
    for bit, kind in _SKIPPED_BEFORE_USER_ID:
        if flags & bit:
            at += 1 + payload[at] if kind == "s" else kind
    return headers, read_short_string(payload, at)[0]


MethodHandler = Callable[[int, tuple[int, int], memoryview], None]


class DeliveryParser:
    """Bytes in, deliveries out. ``on_method(channel, (class, method), arguments)`` receives
    every method frame other than ``basic.deliver``; heartbeats are counted and dropped."""

    def __init__(self, on_method: MethodHandler) -> None:
        self.on_method = on_method
        self.pending = bytearray()
        self.heartbeats = 0
        self._tag = 0
        self._headers: dict[str, Any] | None = None
        self._user_id: str | None = None
        self._size = 0
        self._body: list[bytes] = []
        self._have = 0

    def feed(self, data: bytes) -> list[tuple[int, dict[str, Any], bytes, str | None]]:
        if self.pending:
            self.pending += data
            data, self.pending = bytes(self.pending), bytearray()
        view, end, at, out = memoryview(data), len(data), 0, []
        unpack_head = _FRAME_HEAD.unpack_from
        while end - at >= 8:
            kind, channel, size = unpack_head(view, at)
            stop = at + 7 + size
            if stop >= end:
                break
            if view[stop] != FRAME_END:
                raise ProtocolError(f"frame of type {kind} does not end with 0xCE")
            payload = view[at + 7:stop]
            at = stop + 1
            if kind == FRAME_BODY:
                self._body.append(bytes(payload))
                self._have += size
                if self._have >= self._size:
                    out.append(self._deliver())
            elif kind == FRAME_HEADER:
                self._headers, self._user_id = read_properties(payload)
                (self._size,) = struct.unpack_from(">Q", payload, 4)
                if self._size == 0:
                    out.append(self._deliver())
            elif kind == FRAME_METHOD:
                (class_method,) = struct.unpack_from(">I", payload, 0)
                if class_method == _DELIVER:
                    tag_at = 5 + payload[4]  # after the consumer tag
                    (self._tag,) = struct.unpack_from(">Q", payload, tag_at)
                else:
                    self.on_method(channel, divmod(class_method, 1 << 16), payload[4:])
            elif kind == FRAME_HEARTBEAT:
                self.heartbeats += 1
            else:
                raise ProtocolError(f"unknown AMQP frame type {kind}")
        if at < end:
            self.pending += view[at:]
        return out

    def _deliver(self) -> tuple[int, dict[str, Any], bytes, str | None]:
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        delivery = (self._tag, self._headers or {}, body, self._user_id)
        self._body, self._have, self._headers, self._user_id = [], 0, None, None
        return delivery
