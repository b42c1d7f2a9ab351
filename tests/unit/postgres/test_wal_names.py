"""WAL names, LSNs and history files: round trips, and no input other than a WalNameError."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.postgres.wal import (MIB, Segment, WalNameError, classify, format_lsn,
                                   parse_backup_name, parse_history, parse_history_name,
                                   parse_lsn, parse_segment, segment_of)
from tests.fuzzing import EXTREME_TEXT, examples

FUZZ = settings(max_examples=examples(300), deadline=None)
SIZES = st.sampled_from([MIB, 2 * MIB, 16 * MIB, 64 * MIB, 1024 * MIB])
HEXISH = st.text(alphabet="0123456789ABCDEFabcdef./historyackupl \t\n#", max_size=40)


def test_a_16_mib_segment_name_splits_its_number_at_256_segments():
    segment = parse_segment("00000001000000020000003F", 16 * MIB)
    assert (segment.timeline, segment.number) == (1, 2 * 256 + 0x3F)
    assert format_lsn(segment.start_lsn) == "2/3F000000"


def test_a_1_mib_segment_number_within_its_high_part_reaches_fff():
    assert parse_segment("000000030000000000000FFF", MIB).number == 0xFFF
    with pytest.raises(WalNameError):
        parse_segment("000000030000000000000FFF", 16 * MIB)


def test_timeline_zero_and_lower_case_are_not_segment_names():
    for name in ("000000000000000000000001", "00000001000000000000000a", "0000000100000000000001"):
        with pytest.raises(WalNameError):
            parse_segment(name, 16 * MIB)


def test_a_history_file_lists_parents_in_order():
    switches = parse_history("1\t0/3000090\tno recovery target specified\n\n"
                             "2\t0/5000000\tat restore point \"x\"\n")
    assert [(s.parent, s.switch_lsn) for s in switches] == [(1, 0x3000090), (2, 0x5000000)]


def test_a_history_going_backwards_is_refused():
    with pytest.raises(WalNameError):
        parse_history("2\t0/5000000\tx\n1\t0/6000000\ty\n")


def test_a_history_switching_back_in_lsn_is_what_a_pitr_onto_an_older_timeline_writes():
    switches = parse_history("1\t0/2700000\tno recovery target specified\n"
                             "2\t0/22FA7D8\tbefore 2026-12-05 03:32:11+00\n")
    assert [s.switch_lsn for s in switches] == [0x2700000, 0x22FA7D8]


def test_file_kinds():
    size = 16 * MIB
    assert classify("000000010000000000000003", size) == "segment"
    assert classify("000000010000000000000003.partial", size) == "partial"
    assert classify("00000002.history", size) == "history"
    assert classify("000000010000000000000003.00000028.backup", size) == "backup"
    assert classify("archive_status", size) == "other"
    assert parse_backup_name("000000010000000000000003.00000028.backup", size)[1] == 0x3000028


@FUZZ
@given(st.integers(1, 0xFFFFFFFF), st.integers(0, (1 << 64) - 1), SIZES)
def test_a_segment_name_round_trips(timeline, lsn, size):
    segment = segment_of(lsn, timeline, size)
    assert parse_segment(segment.name, size) == segment
    assert segment.start_lsn <= lsn < segment.end_lsn


@FUZZ
@given(st.integers(0, (1 << 64) - 1))
def test_an_lsn_round_trips(lsn):
    assert parse_lsn(format_lsn(lsn)) == lsn


@FUZZ
@given(st.one_of(EXTREME_TEXT, HEXISH), SIZES)
def test_any_text_is_a_name_or_a_wal_name_error(text, size):
    for parse in (lambda t: parse_segment(t, size), parse_lsn, parse_history_name,
                  lambda t: parse_backup_name(t, size), parse_history):
        try:
            parse(text)
        except WalNameError:
            pass
    assert classify(text, size) in ("segment", "partial", "history", "backup", "other")


@FUZZ
@given(st.lists(st.tuples(st.integers(-5, 1 << 33), st.integers(0, 1 << 40),
                          st.one_of(EXTREME_TEXT, st.just(""))), max_size=6))
def test_history_lines_parse_or_are_refused(lines):
    text = "\n".join(f"{t}\t{format_lsn(l)}\t{r}" for t, l, r in lines)
    try:
        switches = parse_history(text)
    except WalNameError:
        return
    assert all(a.parent < b.parent for a, b in zip(switches, switches[1:]))
    assert all(isinstance(s, type(switches[0])) for s in switches)


def test_segment_sizes_outside_initdb_range_are_refused():
    for size in (0, MIB - 1, 3 * MIB, 2048 * MIB):
        with pytest.raises(WalNameError):
            parse_segment("000000010000000000000000", size)
