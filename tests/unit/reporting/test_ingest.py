"""The pure ingest: sequence, chain and hash checks, the host fold, rows for the store."""
from __future__ import annotations

import orjson
import pytest

from events.codec import encode_event
from projections.host_fold import fold
from projections.reporting.ingest import Ingestor, SourceRecord
from projections.reporting.view_rows import view_rows
from tests.reporting_history import HistoryWriter, history


def records(events, first_offset=0):
    return [SourceRecord(first_offset + n, encode_event(e)) for n, e in enumerate(events)]


class StoredHashes:
    """What the store would answer for events already applied (the ingestor's only read)."""

    def __init__(self) -> None:
        self.hashes: dict[tuple[str, int], str] = {}

    def keep(self, changes) -> None:
        for row in changes.events:
            self.hashes[(row[0], row[1])] = row[12]

    def __call__(self, host, seq):
        return self.hashes.get((host, seq))


@pytest.fixture
def stored():
    return StoredHashes()


def ingest(ingestor, stored, recs):
    changes = ingestor.ingest(recs)
    stored.keep(changes)
    return changes


def kinds(changes):
    return [alert[2] for alert in changes.alerts]


def tampered(event, **payload_changes):
    body = event.to_wire()
    body["payload"] = {**body["payload"], **payload_changes}
    return orjson.dumps(body)


class TestInOrder:
    def test_applies_every_event_once_and_rows_equal_the_in_memory_fold(self, stored):
        events = list(history("FS1", 120)) + list(history("FS2", 40))
        ingestor = Ingestor(stored)
        rows: dict = {}
        for start in range(0, len(events), 333):
            changes = ingest(ingestor, stored, records(events[start:start + 333], start))
            for host, view, key, data in changes.changed_rows:
                rows[(host, view, key)] = data
            for host, view, key in changes.removed_rows:
                del rows[(host, view, key)]
            assert not changes.alerts
        for host in ("FS1", "FS2"):
            expected = view_rows(fold(host, [e for e in events if e.host == host]))
            assert {(v, k): d for (h, v, k), d in rows.items() if h == host} == expected
        assert ingestor.chains["FS1"].last_seq == max(e.seq for e in events if e.host == "FS1")
        assert ingestor.chains["FS1"].untrusted_from is None

    def test_records_each_command_start_and_outcome(self, stored):
        writer = HistoryWriter("FS1")
        events = writer.refresh_maps() + writer.backup(0) + writer.backup(1, fail=True)
        changes = ingest(Ingestor(stored), stored, records(events))
        assert {row[0] for row in changes.starts} == {e.command_id for e in events}
        outcomes = {(o[0], o[1], o[2]) for o in changes.outcomes}
        assert ("BackupFileSystem", "CommandFailed", "KAVX0006-E") in outcomes
        assert ("BackupFileSystem", "CommandCompleted", None) in outcomes
        assert changes.position == len(events) - 1


class TestDuplicatesAndGaps:
    def test_a_redelivered_event_is_dropped_without_alert(self, stored):
        events = list(history("FS1", 10))
        ingestor = Ingestor(stored)
        ingest(ingestor, stored, records(events))
        again = ingest(ingestor, stored, records(events[3:6], 100))
        assert again.duplicates == 3 and not again.events and not again.alerts

    def test_a_duplicate_with_other_content_is_an_alert_and_not_applied(self, stored):
        events = list(history("FS1", 10))
        ingestor = Ingestor(stored)
        ingest(ingestor, stored, records(events))
        changes = ingest(ingestor, stored, [SourceRecord(50, tampered(events[2], x=1))])
        assert kinds(changes) == ["duplicate-conflict"] and not changes.events

    def test_a_gap_is_an_alert_naming_the_range_and_distrusts_the_views(self, stored):
        events = list(history("FS1", 10))
        ingestor = Ingestor(stored)
        changes = ingest(ingestor, stored, records(events[:5] + events[8:]))
        assert kinds(changes) == ["gap"]
        assert "6..8" in changes.alerts[0][3]
        assert ingestor.chains["FS1"].untrusted_from == 6
        late = ingest(ingestor, stored, records(events[5:6], 99))
        assert kinds(late) == ["late-event"] and late.events[0][14] is False


class TestTampering:
    def test_an_edited_payload_is_an_alert_and_distrusts_the_views_from_that_seq(self, stored):
        events = list(history("FS1", 10))
        target = next(e for e in events if e.type == "BackupRecorded")
        bodies = [tampered(e, comment="forged") if e is target else encode_event(e)
                  for e in events]
        ingestor = Ingestor(stored)
        changes = ingest(ingestor, stored, [SourceRecord(n, b) for n, b in enumerate(bodies)])
        assert kinds(changes) == ["hash-mismatch"]
        assert changes.alerts[0][1] == target.seq
        assert ingestor.chains["FS1"].untrusted_from == target.seq

    def test_a_removed_link_is_a_broken_chain(self, stored):
        events = list(history("FS1", 5))
        body = events[3].to_wire()
        body["prev_hash"] = "f" * 64
        ingestor = Ingestor(stored)
        changes = ingest(ingestor, stored, [SourceRecord(0, encode_event(e)) for e in events[:3]]
                         + [SourceRecord(3, orjson.dumps(body))])
        assert sorted(kinds(changes)) == ["chain-broken", "hash-mismatch"]


class TestUnknownInput:
    def test_an_unknown_event_type_is_stored_reported_and_folded_as_a_no_op(self, stored):
        events = list(history("FS1", 5))
        body = {**events[-1].to_wire(), "seq": events[-1].seq + 1, "type": "TapeTeleported",
                "prev_hash": events[-1].hash, "payload": {"backup_id": "0000000042"}}
        from events.envelope import EventEnvelope
        body["hash"] = EventEnvelope.model_validate({**body, "hash": "0" * 64}).expected_hash()
        ingestor = Ingestor(stored)
        changes = ingest(ingestor, stored, records(events) + [SourceRecord(9, orjson.dumps(body))])
        assert kinds(changes) == ["unknown-type"]
        row = changes.events[-1]
        assert row[3] == "TapeTeleported" and row[13] is False and row[15] == "0000000042"
        assert ingestor.views["FS1"].seq == body["seq"]
        assert ingestor.chains["FS1"].untrusted_from is None

    @pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"host": "FS1", "seq": 1}'])
    def test_a_message_that_is_not_an_event_is_an_alert(self, stored, body):
        changes = ingest(Ingestor(stored), stored, [SourceRecord(7, body)])
        assert kinds(changes) == ["undecodable"] and changes.position == 7

    def test_a_payload_the_fold_cannot_read_is_an_alert_not_a_crash(self, stored):
        writer = HistoryWriter("FS1")
        events = writer.refresh_maps()
        follow = writer.lock(0, 0)
        body = follow[0].to_wire()
        body["payload"] = {"by": "drmcgctl"}  # no copy group
        from events.envelope import EventEnvelope
        body["hash"] = EventEnvelope.model_validate(body).expected_hash()
        ingestor = Ingestor(stored)
        changes = ingest(ingestor, stored, records(events) + [SourceRecord(5, orjson.dumps(body))])
        assert kinds(changes) == ["fold-error"]
        assert ingestor.chains["FS1"].untrusted_from == body["seq"]
