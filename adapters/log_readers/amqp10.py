"""Getting the body out of an AMQP 1.0 encoded message, as RabbitMQ stores it in a stream.

A message published over AMQP 0-9-1 lands in a stream as a sequence of AMQP 1.0 sections:
header, message annotations (exchange, routing key), properties, application properties
(the 0-9-1 headers), then one ``data`` section with the body. A stream-protocol reader gets these
bytes as they are on disk; the body is the concatenation of the ``data`` sections, and the
publisher's validated ``user_id`` is the second field of the properties section. Sections are
skipped by their encoded size, never searched for by pattern.
"""
from __future__ import annotations

import struct

_PROPERTIES, _DATA, _AMQP_VALUE = 0x73, 0x75, 0x77
_SECTIONS = frozenset(range(0x70, 0x79))
_FIXED_WIDTH = {  # type code -> bytes after it (AMQP 1.0 part 1, section 1.6)
    0x40: 0, 0x41: 0, 0x42: 0, 0x43: 0, 0x44: 0, 0x45: 0,
    0x50: 1, 0x51: 1, 0x52: 1, 0x53: 1, 0x54: 1, 0x55: 1, 0x56: 1, 0x60: 2, 0x61: 2,
    0x70: 4, 0x71: 4, 0x72: 4, 0x73: 4, 0x74: 4,
    0x80: 8, 0x81: 8, 0x82: 8, 0x83: 8, 0x84: 8, 0x94: 16, 0x98: 16}


class MessageFormatError(ValueError):
    """The bytes are not an AMQP 1.0 message this reader understands."""


def _skip_value(data: bytes, at: int) -> int:
    code = data[at]
    at += 1
    if code in _FIXED_WIDTH:
        return at + _FIXED_WIDTH[code]
    high = code & 0xF0
    if high in (0xA0, 0xC0, 0xE0):  # variable or compound, one-byte size
        return at + 1 + data[at]
    if high in (0xB0, 0xD0, 0xF0):  # four-byte size
        return at + 4 + struct.unpack_from(">I", data, at)[0]
    raise MessageFormatError(f"unknown AMQP 1.0 type code 0x{code:02x} at byte {at - 1}")


def message_body(data: bytes) -> bytes:
    """The body of one encoded message: its ``data`` sections joined, or the bytes of an
    ``amqp-value`` string/binary section."""
    return message_parts(data)[0]


def _user_id(data: bytes, at: int) -> str | None:
    """The user-id field of a properties list starting at ``at`` (None when absent)."""
    code = data[at]
    if code == 0xC0:
        count, at = data[at + 2], at + 3
    elif code == 0xD0:
        count, at = struct.unpack_from(">I", data, at + 5)[0], at + 9
    else:
        return None  # list0: no fields
    if count < 2:
        return None
    at = _skip_value(data, at)  # message-id
    code = data[at]
    if code in (0xA0, 0xA1):
        return data[at + 2:at + 2 + data[at + 1]].decode("utf-8", "replace")
    if code in (0xB0, 0xB1):
        size = struct.unpack_from(">I", data, at + 1)[0]
        return data[at + 5:at + 5 + size].decode("utf-8", "replace")
    return None


def message_parts(data: bytes) -> tuple[bytes, str | None]:
    """The body (as ``message_body``) and the ``user_id`` property (None when absent)."""
    at, end, parts, user_id = 0, len(data), [], None
    while at < end:
        if data[at] != 0x00 or data[at + 1] != 0x53 or data[at + 2] not in _SECTIONS:
            raise MessageFormatError(f"no AMQP 1.0 section descriptor at byte {at}")
        section = data[at + 2]
        at += 3
        code = data[at]
        if section in (_DATA, _AMQP_VALUE) and code in (0xA0, 0xB0, 0xA1, 0xB1):
            if code & 0xF0 == 0xA0:
                size, start = data[at + 1], at + 2
            else:
                size, start = struct.unpack_from(">I", data, at + 1)[0], at + 5
            parts.append(data[start:start + size])
            at = start + size
        else:
            if section == _PROPERTIES:
                user_id = _user_id(data, at)
            at = _skip_value(data, at)
    if at != end:
        raise MessageFormatError("a section runs past the end of the message")
    if not parts:
        raise MessageFormatError("the message has no data section")
    return (parts[0] if len(parts) == 1 else b"".join(parts)), user_id
