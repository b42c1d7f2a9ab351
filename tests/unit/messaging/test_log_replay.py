"""``log_replay.replay`` over any ``LogReader``: events in order with their offsets, an
undecodable body reported (never skipped), and the end of a replay decided by quiet time."""
from __future__ import annotations

from adapters.log_readers import FIRST_DELIVERY_WAIT, LogReader
from adapters.messaging.log_replay import replay
from events import seal
from events.canonical import GENESIS_HASH
from events.codec import encode_event
from tests.builders import a_context, completed_drafts
from tests.unit.log_readers.fakes import ScriptedLogReader


def bodies(count: int) -> list[bytes]:
    return [encode_event(e).encode() for e in seal("FSServer", 0, GENESIS_HASH, completed_drafts(count),
                                          a_context())]


def opener(reader: ScriptedLogReader):
    def open_reader(url, stream, offset, stream_url):
        assert (url, stream, offset, stream_url) == ("amqp://b//", "drm.events.log", 7, None)
        return reader.open()
    return open_reader


def test_the_fake_is_a_log_reader():
    assert isinstance(ScriptedLogReader([]), LogReader)


def test_records_come_in_order_and_a_bad_body_is_reported_not_skipped():
    good = bodies(3)
    reader = ScriptedLogReader([[(7, good[0]), (8, b"not json")], [(9, good[1]), (10, good[2])]])
    records = list(replay("amqp://b//", "drm.events.log", 7, idle_timeout=0.5,
                          open_reader=opener(reader)))
    assert [r.offset for r in records] == [7, 8, 9, 10]
    assert [r.event.seq if r.event else None for r in records] == [1, None, 2, 3]
    assert records[1].error is not None
    assert reader.closed and reader.polls == [0.5, 0.5, 0.5]  # quiet once after data: the end


def test_limit_stops_inside_a_batch():
    reader = ScriptedLogReader([[(7 + n, b) for n, b in enumerate(bodies(3))]])
    records = list(replay("amqp://b//", "drm.events.log", 7, limit=2, open_reader=opener(reader)))
    assert [r.event.seq for r in records] == [1, 2] and reader.closed


def test_before_the_first_delivery_quiet_is_waited_out_up_to_the_first_delivery_wait():
    reader = ScriptedLogReader([])
    assert list(replay("amqp://b//", "drm.events.log", 7, idle_timeout=1.0,
                       open_reader=opener(reader))) == []
    assert sum(reader.polls) == FIRST_DELIVERY_WAIT
