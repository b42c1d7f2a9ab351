"""The AMQP 0-9-1 frames of the stream reader: tables both ways, deliveries out of bytes cut
anywhere, and damaged input refused."""
from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from adapters.log_readers import amqp_frames as wire


def a_delivery(tag: int, body: bytes, headers: dict | None = None, frame_max: int = 4096,
               user_id: str | None = None) -> bytes:
    """The frames a broker sends for one delivery on channel 1, the body split at frame_max;
    with ``user_id``, every property before it is set too (the parser must skip them)."""
    deliver = (wire.short_string("ctag") + struct.pack(">QB", tag, 0)
               + wire.short_string("drm.events") + wire.short_string("H1.Thing"))
    flags = 0x8000 | (0x2000 if headers is not None else 0)
    properties = wire.short_string("application/json") + (
        wire.table(headers) if headers is not None else b"")
    if user_id is not None:
        flags |= 0x1FF0 & ~0x2000  # delivery-mode .. user-id
        properties += (bytes([2, 0]) + wire.short_string("corr") + wire.short_string("reply")
                       + wire.short_string("60000") + wire.short_string("msg-1")
                       + struct.pack(">Q", 1_700_000_000) + wire.short_string("Thing")
                       + wire.short_string(user_id))
    header = struct.pack(">HHQH", 60, 0, len(body), flags) + properties
    frames = [wire.method(1, wire.BASIC_DELIVER, deliver), wire.frame(wire.FRAME_HEADER, 1, header)]
    frames += [wire.frame(wire.FRAME_BODY, 1, body[at:at + frame_max])
               for at in range(0, len(body), frame_max)]
    return b"".join(frames)


class TestTables:
    def test_a_table_decodes_to_what_was_encoded(self):
        fields = {"x-stream-offset": 123456789012, "name": "first", "on": True, "ratio": 0.5,
                  "nested": {"a": 1}, "nothing": None}
        decoded, end = wire.read_table(wire.table(fields), 0)
        assert decoded == fields and end == len(wire.table(fields))

    def test_a_timestamp_decodes_to_an_aware_datetime(self):
        moment = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
        assert wire.read_table(wire.table({"at": moment}), 0)[0] == {"at": moment}

    def test_an_unknown_field_type_is_a_protocol_error(self):
        data = struct.pack(">I", 3) + wire.short_string("k")[:2] + b"?"
        with pytest.raises(wire.ProtocolError, match="field type"):
            wire.read_table(data, 0)

    def test_a_short_string_longer_than_255_bytes_is_refused(self):
        with pytest.raises(ValueError):
            wire.short_string("x" * 256)


class TestDeliveryParser:
    def parse(self, data: bytes, cuts: list[int]) -> tuple[list, list]:
        methods: list = []
        parser = wire.DeliveryParser(lambda ch, cm, args: methods.append((ch, cm, bytes(args))))
        out, last = [], 0
        for cut in sorted(cuts) + [len(data)]:
            out += parser.feed(data[last:cut])
            last = cut
        assert not parser.pending, "every byte belongs to a complete frame"
        return out, methods

    @settings(max_examples=60, deadline=None)
    @given(bodies=st.lists(st.binary(min_size=0, max_size=9000), min_size=1, max_size=6),
           cuts=st.lists(st.integers(min_value=0, max_value=60000), max_size=12))
    def test_deliveries_come_out_whole_wherever_the_bytes_are_cut(self, bodies, cuts):
        data = b"".join(a_delivery(n + 1, body, {"x-stream-offset": 100 + n})
                        for n, body in enumerate(bodies))
        out, methods = self.parse(data, [c for c in cuts if c < len(data)])
        assert [(tag, headers["x-stream-offset"], body) for tag, headers, body, _ in out] == [
            (n + 1, 100 + n, body) for n, body in enumerate(bodies)]
        assert methods == []

    def test_a_delivery_without_headers_has_an_empty_header_table(self):
        out, _ = self.parse(a_delivery(7, b"{}", headers=None), [])
        assert out == [(7, {}, b"{}", None)]

    def test_the_user_id_property_comes_out_after_every_property_before_it(self):
        out, _ = self.parse(a_delivery(3, b"{}", {"x-stream-offset": 9}, user_id="drm-agent-H1")
                            + a_delivery(4, b"{}", None, user_id="u"), [50])
        assert out == [(3, {"x-stream-offset": 9}, b"{}", "drm-agent-H1"), (4, {}, b"{}", "u")]

    def test_other_methods_and_heartbeats_are_not_deliveries(self):
        close = wire.method(1, wire.CHANNEL_CLOSE, struct.pack(">H", 404)
                            + wire.short_string("NOT_FOUND") + struct.pack(">HH", 60, 20))
        methods: list = []
        parser = wire.DeliveryParser(lambda ch, cm, args: methods.append((ch, cm)))
        assert parser.feed(wire.heartbeat() + close + a_delivery(1, b"x")) == [(1, {}, b"x", None)]
        assert methods == [(1, wire.CHANNEL_CLOSE)] and parser.heartbeats == 1

    def test_a_frame_without_its_end_octet_is_a_protocol_error(self):
        broken = bytearray(a_delivery(1, b"abc"))
        broken[-1] = 0
        with pytest.raises(wire.ProtocolError, match="0xCE"):
            wire.DeliveryParser(lambda *a: None).feed(bytes(broken))
