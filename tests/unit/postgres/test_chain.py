"""The WAL chain check: gaps, the backup's own range, timeline switches and divergence."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.postgres.chain import MAX_REPORTED, check_chain
from adapters.postgres.wal import MIB, Segment, TimelineSwitch

from tests.fuzzing import examples

SIZE = MIB
FUZZ = settings(max_examples=examples(300), deadline=None)


def names(timeline: int, *numbers: int) -> list[str]:
    return [Segment(timeline, n, SIZE).name for n in numbers]


def at(number: int, offset: int = 0x28) -> int:
    """An LSN inside segment ``number``."""
    return number * SIZE + offset


def test_an_unbroken_run_from_the_backup_start_is_complete():
    report = check_chain(names(1, 3, 4, 5), {}, at(3), 1, SIZE, backup_end_lsn=at(4))
    assert report.complete and report.timelines == (1,)
    assert (report.first_needed, report.last_available) == (names(1, 3)[0], names(1, 5)[0])
    assert report.end_lsn == 6 * SIZE


def test_a_deleted_segment_is_a_gap_that_stops_recovery_there():
    report = check_chain(names(1, 3, 4, 6, 7), {}, at(3), 1, SIZE)
    assert not report.complete
    assert report.missing == tuple(names(1, 5))
    assert report.end_lsn == 5 * SIZE and "0/500000" in report.problem


def test_segments_older_than_the_backup_are_not_needed():
    assert check_chain(names(1, 1, 3, 4), {}, at(3), 1, SIZE).complete


def test_the_segment_holding_the_backup_start_must_be_there():
    report = check_chain(names(1, 4, 5), {}, at(3), 1, SIZE)
    assert report.missing == tuple(names(1, 3)) and report.last_available == ""


def test_the_backup_end_must_be_reached():
    report = check_chain(names(1, 3), {}, at(3), 1, SIZE, backup_end_lsn=at(5))
    assert report.missing == tuple(names(1, 4, 5))


def test_a_later_timeline_is_followed_from_its_switch_segment():
    histories = {2: (TimelineSwitch(1, at(5, 0x90)),)}
    segments = names(1, 3, 4, 5, 6) + names(2, 5, 6, 7)  # tl 1 went on to 6 before the restore
    report = check_chain(segments, histories, at(3), 1, SIZE)
    assert report.complete and report.timelines == (1, 2)
    assert report.last_available == names(2, 7)[0]


def test_the_switch_segment_of_the_new_timeline_is_needed():
    histories = {2: (TimelineSwitch(1, at(5, 0x90)),)}
    report = check_chain(names(1, 3, 4, 5) + names(2, 6), histories, at(3), 1, SIZE)
    assert report.missing == tuple(names(2, 5))


def test_a_timeline_that_left_before_the_backup_started_diverged():
    histories = {2: (TimelineSwitch(1, at(2)),)}
    report = check_chain(names(1, 3, 4) + names(2, 2, 3), histories, at(3), 1, SIZE)
    assert not report.complete and report.diverged == (2,) and "diverged" in report.problem


def test_a_diverged_timeline_can_be_set_aside_by_naming_the_target():
    histories = {2: (TimelineSwitch(1, at(2)),)}
    report = check_chain(names(1, 3, 4) + names(2, 2, 3), histories, at(3), 1, SIZE,
                         target_timeline=1)
    assert report.complete and report.diverged == (2,)


def test_a_third_timeline_follows_two_switches():
    histories = {2: (TimelineSwitch(1, at(4)),),
                 3: (TimelineSwitch(1, at(4)), TimelineSwitch(2, at(6)))}
    segments = names(1, 3) + names(2, 4, 5) + names(3, 6, 7)
    report = check_chain(segments, histories, at(3), 1, SIZE)
    assert report.complete and report.timelines == (1, 2, 3)


def test_after_a_pitr_onto_the_older_timeline_timeline_2_is_skipped():
    histories = {2: (TimelineSwitch(1, at(6)),),
                 3: (TimelineSwitch(1, at(6)), TimelineSwitch(2, at(4)))}  # as PostgreSQL writes
    segments = names(1, 3, 4, 5, 6) + names(2, 6, 7) + names(3, 4, 5)
    report = check_chain(segments, histories, at(3), 1, SIZE)
    assert report.complete and report.last_available == names(3, 5)[0]
    assert check_chain(names(1, 3) + names(3, 4, 5), histories, at(3), 1, SIZE).complete
    assert check_chain(names(1, 3, 4) + names(3, 5), histories, at(3), 1, SIZE).missing == \
        tuple(names(3, 4))


def test_a_huge_gap_is_counted_without_listing_every_segment():
    report = check_chain(names(1, 3, 1 << 30), {}, at(3), 1, SIZE)
    assert len(report.missing) == MAX_REPORTED
    assert report.problem.startswith(f"{(1 << 30) - 4} WAL segment(s) missing")


@FUZZ
@given(st.sets(st.integers(0, 40), max_size=30), st.integers(0, 40), st.integers(0, SIZE - 1))
def test_one_timeline_matches_a_reference_model(present, start, offset):
    report = check_chain(names(1, *present), {}, start * SIZE + offset, 1, SIZE)
    newest = max([n for n in present if n >= start] + [start])
    expected_missing = [n for n in range(start, newest + 1) if n not in present]
    assert report.missing == tuple(names(1, *expected_missing))
    assert report.complete == (not expected_missing)
    run_end = start
    while run_end in present:
        run_end += 1
    assert report.end_lsn == (run_end * SIZE if run_end > start else start * SIZE + offset)


@FUZZ
@given(st.sets(st.integers(0, 20), max_size=20), st.sets(st.integers(0, 30), max_size=20),
       st.integers(0, 10), st.integers(0, 25))
def test_two_timelines_need_the_old_one_up_to_the_switch_and_the_new_one_after(
        old, new, start, switch_segment):
    switch = switch_segment * SIZE + 0x40
    histories = {2: (TimelineSwitch(1, switch),)}
    report = check_chain(names(1, *old) + names(2, *new), histories, at(start), 1, SIZE)
    if switch < at(start):
        assert report.diverged == (2,) and not report.complete
        return
    needed = [(1, n) for n in range(start, switch_segment)]
    newest = max([n for n in new if n >= switch_segment] + [switch_segment])
    needed += [(2, n) for n in range(switch_segment, newest + 1)]
    missing = [(t, n) for t, n in needed if n not in (old if t == 1 else new)]
    assert report.missing == tuple(Segment(t, n, SIZE).name for t, n in missing)
    assert report.complete == (not missing)
