"""Stream-protocol chunks as the broker stores them: messages out with their offsets, from
plain entries and sub-batches, bodies and publishers (user-id) found in their AMQP 1.0
sections, damage refused."""
from __future__ import annotations

import gzip
import struct
import zlib

import pytest

from adapters.log_readers.amqp10 import MessageFormatError, message_body, message_parts
from adapters.log_readers import ProtocolError
from adapters.log_readers.stream_protocol import chunk_messages, offset_specification


def section(code: int, value: bytes) -> bytes:
    return b"\x00\x53" + bytes([code]) + value


def an_amqp10_message(body: bytes, *, data_sections: int = 1,
                      user_id: bytes | None = None) -> bytes:
    """What RabbitMQ stores for a message published over 0-9-1: annotations (a map), properties
    (a list: message-id, user-id, to), application properties (a map), then the body in data
    sections."""
    key, exchange = b"\xa3\x0dx-routing-key", b"\xa1\x08H1.Thing"
    annotations = bytes([0xC1, len(key + exchange) + 1, 2]) + key + exchange
    properties = b"\xc0\x04\x03@@@"
    if user_id is not None:
        fields = b"\xa1\x03m-1" + b"\xa0" + bytes([len(user_id)]) + user_id + b"@"
        properties = bytes([0xC0, len(fields) + 1, 3]) + fields
    application = b"\xd1" + struct.pack(">II", 4 + 6 + 6, 2) + b"\xa1\x04host" + b"\xa1\x04H1xx"
    step = max(1, -(-len(body) // data_sections))
    parts = [body[at:at + step] for at in range(0, len(body), step)] or [b""]
    data = b"".join(section(0x75, (b"\xa0" + bytes([len(p)]) if len(p) < 256
                                   else b"\xb0" + struct.pack(">I", len(p))) + p) for p in parts)
    return (section(0x72, annotations) + section(0x73, properties)
            + section(0x74, application) + data)


def a_chunk(first_offset: int, records: list[bytes], sub_batch: str | None = None,
            kind: int = 0) -> bytes:
    if sub_batch is None:
        data = b"".join(struct.pack(">I", len(r)) + r for r in records)
        entries = len(records)
    else:
        inner = b"".join(struct.pack(">I", len(r)) + r for r in records)
        packed = gzip.compress(inner) if sub_batch == "gzip" else inner
        compression = 1 if sub_batch == "gzip" else 0
        data = bytes([0x80 | compression << 4]) + struct.pack(">HII", len(records), len(inner),
                                                              len(packed)) + packed
        entries = 1
    head = struct.pack(">BBHIqQQIII4x", 0x50, kind, entries, len(records), 0, 1, first_offset,
                       zlib.crc32(data), len(data), 0)
    return head + data


class TestMessageBody:
    def test_the_body_is_found_after_the_other_sections(self):
        assert message_body(an_amqp10_message(b'{"seq": 1}')) == b'{"seq": 1}'

    def test_several_data_sections_are_joined(self):
        body = bytes(range(256)) * 3
        assert message_body(an_amqp10_message(body, data_sections=3)) == body

    def test_bytes_that_are_not_sections_are_refused(self):
        with pytest.raises(MessageFormatError):
            message_body(b'{"seq": 1}')

    def test_the_user_id_property_comes_with_the_body(self):
        message = an_amqp10_message(b"{}", user_id=b"drm-agent-H1")
        assert message_parts(message) == (b"{}", "drm-agent-H1")
        assert message_parts(an_amqp10_message(b"{}")) == (b"{}", None)

    def test_a_message_without_a_data_section_is_refused(self):
        with pytest.raises(MessageFormatError, match="no data section"):
            message_body(section(0x73, b"\xc0\x01\x00"))


class TestChunks:
    def test_every_message_comes_with_its_offset(self):
        bodies = [b'{"n": %d}' % n for n in range(5)]
        chunk = a_chunk(40, [an_amqp10_message(b, user_id=b"u") for b in bodies])
        assert chunk_messages(memoryview(chunk), 0) == [(40 + n, body, "u")
                                                        for n, body in enumerate(bodies)]

    def test_messages_before_the_wanted_offset_are_dropped(self):
        chunk = a_chunk(40, [an_amqp10_message(b"%d" % n) for n in range(5)])
        assert [o for o, _, _ in chunk_messages(memoryview(chunk), 43)] == [43, 44]

    @pytest.mark.parametrize("compression", ["none", "gzip"])
    def test_a_sub_batch_counts_one_offset_per_record(self, compression):
        bodies = [b"a", b"bb", b"ccc"]
        chunk = a_chunk(7, [an_amqp10_message(b) for b in bodies], sub_batch=compression)
        assert chunk_messages(memoryview(chunk), 0) == [(7, b"a", None), (8, b"bb", None),
                                                        (9, b"ccc", None)]

    def test_a_damaged_chunk_is_refused(self):
        chunk = bytearray(a_chunk(0, [an_amqp10_message(b"payload")]))
        chunk[-2] ^= 0xFF
        with pytest.raises(ProtocolError, match="damaged"):
            chunk_messages(memoryview(bytes(chunk)), 0)

    def test_a_record_that_is_not_amqp_is_handed_on_as_it_is(self):
        chunk = a_chunk(0, [b"not an amqp message"])
        assert chunk_messages(memoryview(chunk), 0) == [(0, b"not an amqp message", None)]

    def test_a_tracking_chunk_has_no_messages(self):
        assert chunk_messages(memoryview(a_chunk(0, [b"x"], kind=2)), 0) == []


class TestOffsetSpecification:
    def test_names_numbers_and_times_encode_as_the_protocol_says(self):
        from datetime import datetime, timezone
        assert offset_specification("first") == struct.pack(">H", 1)
        assert offset_specification("next") == struct.pack(">H", 3)
        assert offset_specification(12) == struct.pack(">HQ", 4, 12)
        moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
        assert offset_specification(moment) == struct.pack(">Hq", 5, 1767225600000)
