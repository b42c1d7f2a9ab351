"""The resync falls back to the full comparison whenever the change journal cannot vouch for
the period since the pair's last copy, says why on the pair, and still leaves the exact S-VOL."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adapters.storage import journal as journal_module
from adapters.storage.base import VolumeRef
from adapters.storage.pairs import CopyType
from adapters.storage.simulated_array import SimulatedStorage
from tests.unit.storage.trees import tree_digest, write_tree

REPO = Path(__file__).resolve().parents[3]
P, S = VolumeRef(serial="1", ldev=1), VolumeRef(serial="1", ldev=2)


@pytest.fixture
def arrays(tmp_path):
    storage = SimulatedStorage(tmp_path / "arrays")
    storage.define_array("1")
    for vol in (P, S):
        storage.create_ldev(vol, 64 << 20)
    write_tree(storage.data_dir(P), {f"d{i}/f{j}": os.urandom(2000) for i in range(3) for j in range(4)})
    storage.paircreate(P, S, CopyType.SI, "0")
    storage.pairevtwait(P, "0", "PAIR", 30)
    storage.pairsplit(P, "0")
    yield storage
    storage.wait_idle(30)


def resync(storage: SimulatedStorage):
    storage.pairresync(P, "0")
    record = storage.pairevtwait(P, "0", "PAIR", 30)
    assert tree_digest(storage.data_dir(S)) == tree_digest(storage.data_dir(P))
    storage.pairsplit(P, "0")
    return record


def test_the_first_copy_a_process_makes_compares_everything_then_the_journal_takes_over(tmp_path):
    storage = SimulatedStorage(tmp_path / "arrays")
    storage.define_array("1")
    for vol in (P, S):
        storage.create_ldev(vol, 64 << 20)
    write_tree(storage.data_dir(P), {"a": b"alpha"})
    storage.paircreate(P, S, CopyType.SI, "0")
    first = storage.pairevtwait(P, "0", "PAIR", 30)
    assert first.comparison == "full" and "agent restarted" in first.comparison_note
    split = storage.pairsplit(P, "0")
    assert (split.comparison, split.comparison_note) == ("journal", "")
    (storage.data_dir(P) / "a").write_bytes(b"beta")
    assert resync(storage).comparison == "journal"


def test_a_process_that_did_not_watch_the_period_compares_everything(arrays):
    (arrays.data_dir(P) / "d0" / "f0").write_bytes(b"changed while the agent was down")
    child = textwrap.dedent("""
        import sys
        from pathlib import Path
        from adapters.storage.base import VolumeRef
        from adapters.storage.simulated_array import SimulatedStorage
        storage = SimulatedStorage(Path(sys.argv[1]))
        p = VolumeRef(serial="1", ldev=1)
        storage.pairresync(p, "0")
        record = storage.pairevtwait(p, "0", "PAIR", 30)
        print(record.comparison, "|", record.comparison_note)
    """)
    done = subprocess.run([sys.executable, "-c", child, str(arrays.root)], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.startswith("full | no journal covers the period"), done.stdout
    assert tree_digest(arrays.data_dir(S)) == tree_digest(arrays.data_dir(P))


def test_more_changed_paths_than_the_journal_keeps_make_it_compare_everything(arrays, monkeypatch):
    monkeypatch.setattr(journal_module, "MAX_MARKS", 5)
    for n in range(8):
        (arrays.data_dir(P) / f"new{n}").write_bytes(b"x" * n)
    record = resync(arrays)
    assert record.comparison == "full" and "forgot the oldest changes" in record.comparison_note
    (arrays.data_dir(P) / "new0").write_bytes(b"after the overflow")
    assert resync(arrays).comparison == "journal"  # positions after the overflow are vouched for


def test_events_the_kernel_dropped_make_it_compare_everything(arrays):
    (arrays.data_dir(P) / "d1" / "f1").write_bytes(b"seen")
    found = journal_module.journal()
    with found.lock:
        found._event(-1, journal_module.IN_Q_OVERFLOW, "")
    record = resync(arrays)
    assert record.comparison == "full" and "dropped events" in record.comparison_note


def test_a_replaced_svol_directory_is_compared_in_full(arrays):
    shutil.rmtree(arrays.data_dir(S))
    arrays.data_dir(S).mkdir()
    record = resync(arrays)
    assert record.comparison == "full" and "removed or replaced" in record.comparison_note


def test_a_file_a_copy_saw_linked_from_outside_the_volume_is_never_trusted_to_the_journal(arrays, tmp_path):
    outside = tmp_path / "outside"
    os.link(arrays.data_dir(P) / "d2" / "f3", outside)  # one file system for every LDEV: possible here
    resync(SimulatedStorage(arrays.root, journal=False))  # a full comparison sees the link count
    assert resync(arrays).comparison == "full"  # (that copy was not this journal's)
    with open(outside, "r+b") as handle:  # written under a name no watch covers
        handle.write(b"through the other name")
    record = resync(arrays)
    assert record.comparison == "full" and "hard links" in record.comparison_note
    assert (arrays.data_dir(S) / "d2" / "f3").read_bytes().startswith(b"through the other name")


def test_arrays_with_the_journal_turned_off_always_compare_everything(arrays):
    storage = SimulatedStorage(arrays.root, journal=False)
    (arrays.data_dir(P) / "d0" / "f2").write_bytes(b"y")
    record = resync(storage)
    assert record.comparison == "full" and "turned off" in record.comparison_note


def test_thin_image_snapshots_go_through_the_journal_after_the_first(tmp_path):
    storage = SimulatedStorage(tmp_path / "arrays")
    storage.define_array("1")
    for vol in (P, S):
        storage.create_ldev(vol, 64 << 20)
    write_tree(storage.data_dir(P), {"a": os.urandom(3 << 20), "d/b": b"b"})
    storage.paircreate(P, S, CopyType.TI, "3")
    first = storage.pairsplit(P, "3")
    assert first.comparison == "full"
    storage.pairresync(P, "3")
    (storage.data_dir(P) / "d" / "b").write_bytes(b"changed")
    second = storage.pairsplit(P, "3")
    assert (second.comparison, second.comparison_note) == ("journal", "")
    assert (storage.volume_path(S) / "d" / "b").read_bytes() == b"changed"
