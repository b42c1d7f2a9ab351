"""Healing a host after a gap (pure): the refolded view when the stored history is whole and
verifies, the reason otherwise; which earlier alerts a heal answers; one request per range."""
from __future__ import annotations

from dataclasses import replace

from events.codec import encode_event
from projections.host_fold import fold
from projections.reporting.heal import GAP_FILLED, Healed, heal, resolved
from projections.reporting.ingest import HostChain, Ingestor, SourceRecord
from projections.reporting.view_rows import view_rows
from services.audit.gap_requests import GapRequests
from tests.reporting_history import history


def untrusted_chain(events, since=6) -> HostChain:
    return HostChain(events[0].host, events[-1].seq, events[-1].hash, since,
                     f"gap: seq {since}..{since + 2} missing")


class TestHeal:
    def test_a_whole_verified_history_heals_into_the_clean_fold(self):
        events = list(history("FS1", 30))
        healed = heal(untrusted_chain(events), events)
        assert isinstance(healed, Healed)
        assert healed.rows == view_rows(fold("FS1", events))
        host, seq, kind, detail, offset = healed.alert
        assert (host, seq, kind, offset) == ("FS1", 6, GAP_FILLED, None)
        assert "untrusted from seq 6: gap: seq 6..8 missing" in detail

    def test_a_seq_still_missing_keeps_the_host_untrusted(self):
        events = list(history("FS1", 30))
        assert heal(untrusted_chain(events), events[:5] + events[7:]) == \
            "seq 6..7 still missing"

    def test_an_edited_event_keeps_the_host_untrusted(self):
        events = list(history("FS1", 30))
        edited = replace_payload(events[9], comment="forged")
        found = heal(untrusted_chain(events), events[:9] + [edited] + events[10:])
        assert found == "seq 10: content does not match its hash"

    def test_a_history_that_stops_short_of_the_chain_keeps_the_host_untrusted(self):
        events = list(history("FS1", 30))
        assert "ends at seq" in heal(untrusted_chain(events), events[:-1])

    def test_the_heal_matches_what_the_ingestor_would_have_folded_without_the_gap(self):
        events = list(history("FS1", 40))
        last = max(n for n, e in enumerate(events) if e.type == "BackupRecorded")
        ingestor = Ingestor(lambda host, seq: None)
        ingestor.ingest([SourceRecord(n, encode_event(e)) for n, e in enumerate(events)
                         if not last - 2 <= n <= last])
        chain = ingestor.chains["FS1"]
        assert chain.untrusted_from == events[last - 2].seq
        assert view_rows(ingestor.views["FS1"]) != view_rows(fold("FS1", events))
        healed = heal(chain, events)
        assert healed.rows == view_rows(fold("FS1", events))


def replace_payload(event, **changes):
    return event.model_copy(update={"payload": {**event.payload, **changes}})


class TestResolved:
    def test_a_gap_filled_answers_the_earlier_gap_late_and_fold_alerts_of_its_host(self):
        alerts = [{"id": 1, "host": "A", "kind": "gap"},
                  {"id": 2, "host": "A", "kind": "fold-error"},
                  {"id": 3, "host": "B", "kind": "gap"},
                  {"id": 4, "host": "A", "kind": "hash-mismatch"},
                  {"id": 5, "host": "A", "kind": "late-event"},
                  {"id": 6, "host": "A", "kind": GAP_FILLED},
                  {"id": 7, "host": "A", "kind": "gap"}]
        assert resolved(alerts) == {1, 2, 5}


class Sent:
    def __init__(self) -> None:
        self.commands = []

    def __call__(self, command) -> None:
        self.commands.append((command.target_host, command.name, command.command.arguments()))


class Changes:
    def __init__(self, *alerts) -> None:
        self.alerts = list(alerts)


class TestGapRequests:
    def test_one_request_per_missing_range_however_often_it_is_reported(self):
        missing = {"A": [(3, 5)], "B": [(2, 2), (9, 12)]}
        sent = Sent()
        requests = GapRequests(lambda host: missing[host], sent, "drm-report@test")
        requests.on_batch(Changes(("A", 6, "gap", "seq 3..5 missing", 1)))
        requests.on_batch(Changes(("A", 6, "gap", "again", 2), ("B", 13, "gap", "", 3),
                                  ("A", 2, "late-event", "", 4)))
        requests.wait_idle()
        missing["A"] = [(4, 5)]  # a re-publication filled seq 3 only
        requests.on_batch(Changes(("A", 20, "gap", "", 5)))
        requests.close()
        assert sent.commands == [
            ("A", "RepublishEvents", {"from_seq": 3, "to_seq": 5}),
            ("B", "RepublishEvents", {"from_seq": 2, "to_seq": 2}),
            ("B", "RepublishEvents", {"from_seq": 9, "to_seq": 12}),
            ("A", "RepublishEvents", {"from_seq": 4, "to_seq": 5})]

    def test_a_request_that_cannot_be_sent_is_logged_not_raised_and_asked_again_later(self):
        calls = []

        def broker_down(command):
            calls.append(command.command.arguments())
            if len(calls) == 1:
                raise ConnectionRefusedError("no broker")

        requests = GapRequests(lambda host: [(3, 5)], broker_down, "drm-report@test")
        requests.on_batch(Changes(("A", 6, "gap", "", 1)))
        requests.ask_open(["A"])
        requests.ask_open(["A"])
        requests.close()
        assert calls == [{"from_seq": 3, "to_seq": 5}] * 2
