"""The event store contract, run on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from adapters.event_store import ConcurrencyError
from events import EventDraft, EventSchemaError
from events.canonical import GENESIS_HASH
from events.outcomes import CommandCompleted
from tests.builders import a_context, completed_drafts


class TestAppendAndRead:
    def test_appends_and_reads_back_in_order(self, store, host):
        store.append(host, completed_drafts(3), 0, a_context())
        store.append(host, completed_drafts(2), 3, a_context())
        events = store.read(host)
        assert [e.seq for e in events] == [1, 2, 3, 4, 5]
        assert store.head(host) == (5, events[-1].hash)
        assert [e.seq for e in store.read(host, after_seq=3)] == [4, 5]

    def test_read_returns_what_was_appended(self, store, host):
        appended = store.append(host, completed_drafts(2), 0, a_context())
        assert store.read(host) == appended

    def test_new_host_starts_at_genesis(self, store, host):
        assert store.head(host) == (0, GENESIS_HASH)
        assert store.read(host) == []

    def test_read_all_orders_hosts_by_global_position(self, store, host):
        other = host + "-b"
        store.append(host, completed_drafts(1), 0, a_context())
        store.append(other, completed_drafts(1), 0, a_context())
        store.append(host, completed_drafts(1), 1, a_context())
        mine = [s for s in store.read_all() if s.event.host in (host, other)]
        assert [(s.event.host, s.event.seq) for s in mine] == [(host, 1), (other, 1), (host, 2)]
        positions = [s.position for s in mine]
        assert positions == sorted(positions)
        after = store.read_all(after_position=positions[0])
        assert positions[0] not in [s.position for s in after]

    def test_finds_the_events_and_outcome_of_a_command(self, store, host):
        context = a_context()
        store.append(host, completed_drafts(2), 0, context)
        outcome = store.outcome_of(context.command_id)
        assert outcome is not None and outcome.seq == 1
        assert [e.seq for e in store.events_of_command(context.command_id)] == [1, 2]
        assert store.outcome_of(a_context().command_id) is None


class TestConcurrency:
    def test_stale_expected_seq_is_refused_and_changes_nothing(self, store, host):
        store.append(host, completed_drafts(2), 0, a_context())
        with pytest.raises(ConcurrencyError) as caught:
            store.append(host, completed_drafts(1), 1, a_context())
        assert caught.value.actual_seq == 2
        assert len(store.read(host)) == 2

    def test_two_writers_racing_one_wins_and_nothing_interleaves(self, store, host):
        store.append(host, completed_drafts(1), 0, a_context())
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def writer(name: str) -> None:
            barrier.wait()
            try:
                store.append(host, completed_drafts(50, command=name), 1, a_context())
                outcomes[name] = "won"
            except ConcurrencyError as error:
                outcomes[name] = error

        threads = [threading.Thread(target=writer, args=(n,)) for n in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(str(type(v).__name__) for v in outcomes.values()) == \
            ["ConcurrencyError", "str"]
        winner = next(name for name, v in outcomes.items() if v == "won")
        events = store.read(host)
        assert len(events) == 51
        assert {e.payload["command"] for e in events[1:]} == {winner}
        assert store.verify(host).ok

    def test_two_new_streams_racing_for_seq_one(self, store, host):
        barrier = threading.Barrier(2)
        results = []

        def writer() -> None:
            barrier.wait()
            try:
                store.append(host, completed_drafts(5), 0, a_context())
                results.append("won")
            except ConcurrencyError:
                results.append("lost")

        threads = [threading.Thread(target=writer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["lost", "won"]
        assert len(store.read(host)) == 5


class TestBadDrafts:
    def test_unregistered_type_is_refused_before_anything_is_written(self, store, host):
        drafts = completed_drafts(2) + [EventDraft("NoSuchEvent", 1, CommandCompleted(command="x"))]
        with pytest.raises(EventSchemaError, match="NoSuchEvent"):
            store.append(host, drafts, 0, a_context())
        assert store.read(host) == [] and store.head(host)[0] == 0

    def test_payload_of_the_wrong_model_is_refused(self, store, host):
        from events.outcomes import CommandFailed

        drafts = [EventDraft("CommandCompleted", 1, CommandFailed(command="x", message_id="m",
                                                                  text="t"))]
        with pytest.raises(EventSchemaError) as caught:
            store.append(host, drafts, 0, a_context())
        assert caught.value.host == host and caught.value.field == "payload"
        assert store.read(host) == []


class TestVerify:
    def a_stream(self, store, host, count=5):
        store.append(host, completed_drafts(count), 0, a_context())

    def test_intact_chain_verifies(self, store, host):
        self.a_stream(store, host)
        result = store.verify(host)
        assert result.ok and result.checked == 5 and result.head_seq == 5

    def test_row_edited_with_plain_sql_is_found(self, store, host):
        self.a_stream(store, host)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE drm_events SET payload = :p WHERE host = :h AND seq = 3"),
                         {"p": '{"command":"Test","result":{"n":99}}', "h": host})
        result = store.verify(host)
        assert not result.ok and result.first_bad_seq == 3 and "edited" in result.problem

    def test_removed_row_is_found(self, store, host):
        self.a_stream(store, host)
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM drm_events WHERE host = :h AND seq = 2"), {"h": host})
        result = store.verify(host)
        assert result.first_bad_seq == 2 and "removed" in result.problem

    def test_removed_last_row_is_found_from_the_head(self, store, host):
        self.a_stream(store, host)
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM drm_events WHERE host = :h AND seq = 5"), {"h": host})
        assert store.verify(host).first_bad_seq == 5

    def test_inserted_row_is_found(self, store, host):
        self.a_stream(store, host, count=3)
        with store.engine.begin() as conn:
            # shift seq 3 to 4 and insert a forged seq 3 copied from seq 2
            conn.execute(text("UPDATE drm_events SET seq = 4 WHERE host = :h AND seq = 3"),
                         {"h": host})
            conn.execute(text(
                "INSERT INTO drm_events (event_id, host, seq, type, version, occurred_at, "
                "command_id, correlation_id, causation_id, principal, payload, prev_hash, hash) "
                "SELECT '00000000-0000-4000-8000-000000000000', host, 3, type, version, "
                "occurred_at, command_id, correlation_id, causation_id, principal, payload, "
                "hash, hash FROM drm_events WHERE host = :h AND seq = 2"), {"h": host})
        result = store.verify(host)
        assert not result.ok and result.first_bad_seq == 3


class TestOutbox:
    def test_new_events_wait_in_the_outbox_in_order(self, store, host):
        store.append(host, completed_drafts(3), 0, a_context())
        pending = store.pending(host=host)
        assert [p.event.seq for p in pending] == [1, 2, 3]

    def test_marked_events_leave_the_outbox(self, store, host):
        store.append(host, completed_drafts(3), 0, a_context())
        store.mark_published(host, 2)
        assert [p.event.seq for p in store.pending(host=host)] == [3]
        assert store.pending_count(host) == 1
        assert len(store.read(host)) == 3

    def test_the_publication_cursor_never_moves_back(self, store, host):
        store.append(host, completed_drafts(3), 0, a_context())
        store.mark_published(host, 3)
        store.mark_published(host, 1)
        assert store.pending(host=host) == []

    def test_pending_of_all_hosts_in_global_order(self, store, host):
        other = host + "-b"
        store.append(host, completed_drafts(2), 0, a_context())
        store.append(other, completed_drafts(1), 0, a_context())
        store.mark_published(host, 1)
        mine = [(p.event.host, p.event.seq) for p in store.pending(limit=10_000)
                if p.event.host in (host, other)]
        assert mine == [(host, 2), (other, 1)]
