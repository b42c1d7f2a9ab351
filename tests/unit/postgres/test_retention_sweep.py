"""Released WAL leaves the log backup area in the background, by the retention rule, and never a
file the catalog still lists (``services.agent.postgres.retention``)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.postgres.wal import Segment
from services.agent.postgres.retention import delete_in_background, sweep, to_delete
from tests.fuzzing import examples

MIB = 1 << 20
START = [(1, 4 * MIB + 0x28)]  # the oldest live backup starts in segment 4


def seg(n: int, timeline: int = 1) -> str:
    return Segment(timeline, n, MIB).name


def an_area(tmp_path):
    names = [seg(n) for n in range(1, 7)] + [
        "00000002.history", "000000010000000000000002.00000028.backup", "notes.txt",
        "000000010000000000000001.partial"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / seg(0)).mkdir()  # a directory is never swept, even named as a released segment
    return names


def test_what_the_rule_releases_goes_and_what_the_catalog_lists_stays(tmp_path):
    an_area(tmp_path)
    listed = {seg(2)}  # a later event still has to release it
    gone = sweep(tmp_path, START, listed, MIB)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert gone == 4
    assert seg(1) not in left and seg(3) not in left
    assert "000000010000000000000001.partial" not in left
    assert "000000010000000000000002.00000028.backup" not in left
    assert {seg(0), seg(2), seg(4), seg(5), seg(6), "00000002.history", "notes.txt"} <= set(left)


def test_no_live_backup_releases_nothing(tmp_path):
    names = an_area(tmp_path)
    assert sweep(tmp_path, [], set(), MIB) == 0
    assert set(names) <= {p.name for p in tmp_path.iterdir()}


def test_the_background_deletion_ends_with_the_same_area(tmp_path):
    an_area(tmp_path)
    delete_in_background(tmp_path, START, set(), MIB).join(10)
    assert not (tmp_path / seg(3)).exists() and (tmp_path / seg(4)).exists()


def test_a_missing_area_is_no_error(tmp_path):
    assert sweep(tmp_path / "gone", START, set(), MIB) == 0


names = st.one_of(st.text(max_size=40), st.sampled_from([seg(n) for n in range(8)]),
                  st.builds(lambda n, t: seg(n, t), st.integers(0, 20), st.integers(1, 3)),
                  st.just("00000002.history"), st.just("FFFFFFFF000000FF000000FF"))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(names, max_size=30), st.sets(names, max_size=5),
       st.lists(st.tuples(st.integers(1, 3), st.integers(0, 1 << 40)), max_size=3))
def test_any_listing_gives_a_subset_without_listed_or_history_files(area, listed, starts):
    chosen = to_delete(area, starts, listed, MIB)
    assert set(chosen) <= set(area)
    assert not set(chosen) & listed
    assert not [n for n in chosen if n.endswith(".history")]
    if not starts:
        assert chosen == []
