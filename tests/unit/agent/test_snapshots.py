"""The agent's snapshots with a real SQLite store and real files: taken every N events and
recorded on the stream, loaded at start when (and only when) they match the stream; every
other file is ignored with a warning and the full fold is used."""
from __future__ import annotations

import hashlib
import logging
import shutil

import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from adapters.snapshots import SnapshotFiles
from events import REGISTRY
from events.codec import encode_event
from projections import host_snapshot
from projections.host_fold import rebuild
from projections.host_view import HostView
from projections.reporting.ingest import Ingestor, SourceRecord
from services.agent.filesystem.slot import CommandSlot, RetryPolicy
from services.agent.handlers import COMMAND_HANDLERS
from services.agent.service import HostAgent
from services.agent.snapshots import SnapshotKeeper
from tests.builders import a_context
from tests.unit.projections.test_host_fold_areas import every_kind_of_event
from tests.unit.projections.test_host_snapshot import assert_same_view

HOST = "FSServer"
EVERY = 20
KINDS = len(every_kind_of_event())  # the events ``append_history`` appends each time


@pytest.fixture
def store(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    return SqlEventStore(engine)


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def append_history(store, host: str = HOST, times: int = 1) -> None:
    for _ in range(times):
        head, _ = store.head(host)
        store.append(host, [REGISTRY.draft(p) for p in every_kind_of_event()], head, a_context())


def keeper(data_dir, host: str = HOST, every: int = EVERY, **options) -> SnapshotKeeper:
    return SnapshotKeeper(SnapshotFiles(data_dir, host), every, background=False, **options)


def start(store, data_dir, host: str = HOST, **options) -> HostAgent:
    return HostAgent(host, store, COMMAND_HANDLERS, snapshots=keeper(data_dir, host, **options))


def snapshot_now(store, data_dir, host: str = HOST) -> int:
    agent = start(store, data_dir, host)
    covered = agent.snapshots.take(agent)
    assert covered == agent.view.seq - 1
    return covered


def assert_full_fold(agent: HostAgent) -> None:
    assert_same_view(agent.view, rebuild(agent.store, agent.host))


class TestTaking:
    def test_a_snapshot_is_due_every_n_events_and_recorded_right_after_the_seq_it_covers(
            self, store, data_dir):
        append_history(store)  # KINDS events
        agent = start(store, data_dir)
        assert agent.snapshots.due(agent.view)
        agent.snapshot_if_due()
        events = store.read(HOST)
        recorded = events[-1]
        assert recorded.type == "HostViewSnapshotted" and recorded.seq == KINDS + 1
        assert recorded.command_id is None and recorded.principal == f"agent@{HOST}"
        payload = recorded.payload
        assert payload["covers_seq"] == KINDS and payload["head_hash"] == events[-2].hash
        data = SnapshotFiles(data_dir, HOST).path_of(KINDS).read_bytes()
        assert payload["content_sha256"] == hashlib.sha256(data).hexdigest()
        assert payload["size_bytes"] == len(data)
        assert agent.view.seq == KINDS + 1 and not agent.snapshots.due(agent.view)

    def test_the_snapshot_event_changes_no_view_and_the_history_still_verifies(
            self, store, data_dir):
        append_history(store)
        before = rebuild(store, HOST)
        start(store, data_dir).snapshot_if_due()
        after = rebuild(store, HOST)
        before.seq = after.seq
        assert after == before
        assert store.verify(HOST).ok

    def test_the_reporting_consumer_takes_the_snapshot_event_without_an_alert(
            self, store, data_dir):
        append_history(store)
        start(store, data_dir).snapshot_if_due()
        append_history(store)
        events = store.read(HOST)
        assert "HostViewSnapshotted" in {e.type for e in events}
        changes = Ingestor(lambda host, seq: None).ingest(
            [SourceRecord(n, encode_event(e)) for n, e in enumerate(events)])
        assert changes.alerts == [] and len(changes.events) == len(events)

    def test_only_the_two_newest_files_are_kept(self, store, data_dir):
        seqs = []
        for _ in range(3):
            append_history(store)
            seqs.append(snapshot_now(store, data_dir))
        assert [seq for seq, _ in SnapshotFiles(data_dir, HOST).candidates()] == seqs[:0:-1]

    def test_temporary_files_a_dead_writer_left_are_removed_once_stale(self, data_dir):
        files = SnapshotFiles(data_dir, HOST)
        files.directory.mkdir(parents=True)
        left = files.directory / ".view-00000000000000000007.json.123.abcd.tmp"
        left.write_bytes(b"half a snapshot")
        mtime = left.stat().st_mtime
        assert files.prune(2, now=mtime + 60) == [] and left.exists()
        assert files.prune(2, now=mtime + 7200) == [left] and not left.exists()

    def test_nothing_is_taken_while_another_process_holds_the_command_slot(
            self, store, data_dir, tmp_path):
        append_history(store)
        slot = CommandSlot(tmp_path / "command.lock", RetryPolicy(1, 0.0))
        agent = start(store, data_dir, slot=slot)
        with CommandSlot(tmp_path / "command.lock", RetryPolicy())():
            assert agent.snapshots.take(agent) is None
        assert store.head(HOST)[0] == KINDS and not SnapshotFiles(data_dir, HOST).candidates()
        assert agent.snapshots.take(agent) == KINDS

    def test_with_snapshots_off_none_is_ever_due(self, store, data_dir):
        append_history(store, times=3)
        agent = start(store, data_dir, every=0)
        agent.snapshot_if_due()
        assert store.head(HOST)[0] == 3 * KINDS

    def test_a_file_that_cannot_be_written_leaves_the_event_and_a_full_fold_next_time(
            self, store, data_dir):
        append_history(store)
        data_dir.mkdir()
        (data_dir / "hosts").write_text("not a directory")
        agent = start(store, data_dir)
        agent.snapshot_if_due()  # logged, not raised
        assert store.read(HOST)[-1].type == "HostViewSnapshotted"


class TestLoading:
    def test_the_agent_starts_from_the_latest_snapshot_and_folds_only_what_follows(
            self, store, data_dir, caplog):
        append_history(store)
        snapshot_now(store, data_dir)
        append_history(store)
        covered = snapshot_now(store, data_dir)
        append_history(store)
        with caplog.at_level(logging.INFO, logger="services.agent.snapshots"):
            agent = start(store, data_dir)
        assert agent.snapshots.last_seq == covered
        assert f"loaded from the snapshot of seq {covered}" in caplog.text
        assert_full_fold(agent)

    def test_an_agent_started_from_a_snapshot_goes_on_like_one_that_folded_everything(
            self, store, data_dir):
        append_history(store)
        snapshot_now(store, data_dir)
        agent = start(store, data_dir)
        assert agent.snapshots.last_seq == KINDS
        append_history(store, times=2)
        agent.catch_up()
        assert_full_fold(agent)


def corrupt(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def replace_header(data: bytes, **fields) -> bytes:
    header = host_snapshot.read_header(data)
    values = {**header.__dict__, **fields}
    body = data[data.index(b"\n") + 1:]
    return host_snapshot.canonical_bytes(values) + b"\n" + body


UNUSABLE = {
    "corrupted": (lambda data, files, store: corrupt(data), "SHA-256 is not the one"),
    "truncated": (lambda data, files, store: data[:-100], "bytes, its event records"),
    "extended": (lambda data, files, store: data + b" ", "bytes, its event records"),
    "not a snapshot": (lambda data, files, store: b"garbage", "no header line"),
    "other fold code": (lambda data, files, store: replace_header(data, fold="0" * 16),
                        "made by other fold code"),
    "other history": (lambda data, files, store: replace_header(data, head_hash="0" * 64),
                      "not the one it covers"),
    "unrecorded": (lambda data, files, store: host_snapshot.encode(
        rebuild(store, HOST), store.head(HOST)[1]), "no HostViewSnapshotted event"),
}


class TestUnusableSnapshotsAreIgnored:
    @pytest.mark.parametrize("case", sorted(UNUSABLE))
    def test_the_full_fold_is_used_and_the_log_says_why(self, store, data_dir, caplog, case):
        append_history(store)
        covered = snapshot_now(store, data_dir)
        append_history(store)
        files = SnapshotFiles(data_dir, HOST)
        spoil, why = UNUSABLE[case]
        path = files.path_of(covered)
        spoiled = spoil(path.read_bytes(), files, store)
        path.unlink()
        files.write(store.head(HOST)[0] if case == "unrecorded" else covered, spoiled)
        with caplog.at_level(logging.WARNING, logger="services.agent.snapshots"):
            agent = start(store, data_dir)
        assert agent.snapshots.last_seq == 0 and why in caplog.text and "ignored" in caplog.text
        assert_full_fold(agent)

    def test_a_snapshot_under_another_seq_name_is_ignored(self, store, data_dir, caplog):
        append_history(store)
        first = snapshot_now(store, data_dir)
        append_history(store)
        second = snapshot_now(store, data_dir)
        files = SnapshotFiles(data_dir, HOST)
        shutil.copyfile(files.path_of(first), files.path_of(second))  # swapped in
        with caplog.at_level(logging.WARNING, logger="services.agent.snapshots"):
            agent = start(store, data_dir)
        assert f"its header covers seq {first}, its name seq {second}" in caplog.text
        assert agent.snapshots.last_seq == first  # the next older one is still good
        assert_full_fold(agent)

    def test_a_snapshot_of_another_host_is_ignored(self, store, data_dir, caplog):
        append_history(store, host="BKServer")
        covered = snapshot_now(store, data_dir, host="BKServer")
        append_history(store)
        shutil.copytree(data_dir / "hosts" / "BKServer", data_dir / "hosts" / HOST)
        assert SnapshotFiles(data_dir, HOST).candidates()[0][0] == covered
        with caplog.at_level(logging.WARNING, logger="services.agent.snapshots"):
            agent = start(store, data_dir)
        assert "it is the view of host 'BKServer'" in caplog.text
        assert_full_fold(agent)

    def test_a_snapshot_newer_than_the_store_is_ignored(self, store, data_dir, caplog):
        append_history(store)
        files = SnapshotFiles(data_dir, HOST)
        files.write(500, host_snapshot.encode(HostView(HOST, seq=500), "0" * 64))
        with caplog.at_level(logging.WARNING, logger="services.agent.snapshots"):
            agent = start(store, data_dir)
        assert f"past the store's head (seq {KINDS})" in caplog.text
        assert_full_fold(agent)

    def test_a_file_past_the_size_limit_is_not_read(self, store, data_dir, caplog):
        append_history(store)
        snapshot_now(store, data_dir)
        with caplog.at_level(logging.WARNING, logger="services.agent.snapshots"):
            agent = start(store, data_dir, max_bytes=100)
        assert "larger than 100 bytes" in caplog.text and agent.snapshots.last_seq == 0
        assert_full_fold(agent)

    def test_files_that_are_not_named_as_snapshots_are_not_looked_at(self, store, data_dir):
        append_history(store)
        covered = snapshot_now(store, data_dir)
        directory = SnapshotFiles(data_dir, HOST).directory
        for name in ("view-1.json", "view-00000000000000000099.json.tmp", "notes.txt"):
            (directory / name).write_bytes(b"x")
        assert [seq for seq, _ in SnapshotFiles(data_dir, HOST).candidates()] == [covered]
