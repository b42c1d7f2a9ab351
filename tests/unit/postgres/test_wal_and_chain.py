"""The restore-point proof, pure (issue 14): WAL names and LSNs, labels and history files,
the chain check (complete, missing, gap, diverged timeline, a second timeline followed) and
the retention rule."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agent.postgres.chain import check_chain, releasable
from services.agent.postgres.wal import (WalFormatError, file_kind, format_lsn, parse_history,
                                         parse_label, parse_lsn, parse_segment, segment_name)
from tests.fuzzing import examples

MB = 1 << 20
SEG = 16 * MB
LABEL = ("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
         "CHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
         "START TIME: 2026-12-05 03:00:00 UTC\nLABEL: drm 0000000001\nSTART TIMELINE: 1\n")


def seg(n: int, timeline: int = 1, size: int = SEG) -> str:
    return segment_name(timeline, n, size)


class TestNames:
    def test_a_segment_name_and_its_number_round_trip_for_any_segment_size(self):
        for size in (MB, SEG, 1 << 30):
            for number in (0, 1, 255, 256, 4095, 4096, 10 ** 6):
                assert parse_segment(segment_name(3, number, size), size) == (3, number)

    def test_sixteen_mib_segments_are_named_as_postgresql_names_them(self):
        assert segment_name(1, 0x100 + 2) == "000000010000000100000002"

    def test_an_lsn_round_trips(self):
        assert parse_lsn("16/B374D848") == 0x16B374D848
        assert format_lsn(parse_lsn("0/2000028")) == "0/2000028"

    def test_file_kinds(self):
        assert file_kind("000000010000000000000002") == "segment"
        assert file_kind("000000010000000000000002.partial") == "partial"
        assert file_kind("00000002.history") == "history"
        assert file_kind("000000010000000000000002.00000028.backup") == "backup"
        with pytest.raises(WalFormatError):
            file_kind("../etc/passwd")


class TestTexts:
    def test_a_label_gives_its_start_and_timeline(self):
        facts = parse_label(LABEL)
        assert (facts.start_lsn, facts.start_wal, facts.timeline, facts.stop_lsn) == (
            0x2000028, "000000010000000000000002", 1, None)

    def test_a_backup_history_text_gives_the_stop_too(self):
        facts = parse_label(LABEL + "STOP WAL LOCATION: 0/3000100 (file "
                                    "000000010000000000000003)\n")
        assert facts.stop_lsn == 0x3000100 and facts.stop_wal == "000000010000000000000003"

    def test_a_label_without_its_start_is_refused(self):
        with pytest.raises(WalFormatError, match="START WAL LOCATION"):
            parse_label("LABEL: x\nSTART TIMELINE: 1\n")

    def test_a_history_file_lists_its_switches(self):
        text = "1\t0/5000000\tno recovery target specified\n\n2\t0/9000A28\tbefore 2026\n"
        assert parse_history(text) == ((1, 0x5000000), (2, 0x9000A28))

    @settings(max_examples=examples(200), deadline=None)
    @given(st.text(max_size=300))
    def test_any_text_parses_or_is_refused_with_the_format_error(self, text):
        for parse in (parse_label, parse_history, parse_lsn, parse_segment, file_kind):
            try:
                parse(text)
            except WalFormatError:
                pass


class TestChain:
    def test_a_backup_with_its_wal_is_complete_and_latest_runs_to_the_newest_segment(self):
        report = check_chain(1, 2 * SEG + 0x28, 3 * SEG + 0x100, [seg(n) for n in range(2, 7)], {})
        assert report.complete and report.needed == (seg(2), seg(3))
        assert report.latest == seg(6) and report.gap is None and not report.diverged

    def test_a_stop_exactly_on_a_segment_boundary_needs_no_later_segment(self):
        report = check_chain(1, 2 * SEG + 0x28, 3 * SEG, [seg(2)], {})
        assert report.complete and report.needed == (seg(2), seg(2))

    def test_a_missing_segment_of_the_backup_makes_it_incomplete(self):
        report = check_chain(1, 2 * SEG, 4 * SEG + 1, [seg(2), seg(4), seg(5)], {})
        assert not report.complete and report.missing == (seg(3),)
        assert report.latest == seg(2) and report.gap == seg(3)

    def test_a_gap_after_the_backup_limits_latest_but_not_the_restore(self):
        report = check_chain(1, 2 * SEG, 3 * SEG + 1, [seg(n) for n in (2, 3, 4, 6, 7)], {})
        assert report.complete and report.latest == seg(4) and report.gap == seg(5)

    def test_a_second_timeline_is_followed_from_its_switch_segment(self):
        histories = {2: ((1, 5 * SEG + 0x80),)}
        have = [seg(n) for n in range(2, 5)] + [seg(n, 2) for n in range(5, 8)]
        report = check_chain(1, 2 * SEG, 3 * SEG + 1, have, histories)
        assert report.path == (1, 2) and report.latest == seg(7, 2) and report.gap is None

    def test_a_timeline_that_left_before_the_backup_ended_is_reported_diverged(self):
        histories = {2: ((1, 2 * SEG + 0x10),)}
        report = check_chain(1, 2 * SEG, 3 * SEG + 1, [seg(2), seg(3), seg(3, 2)], histories)
        assert report.complete and "diverged" in report.diverged and report.path == (1,)

    def test_a_backup_on_the_newer_timeline_is_not_held_back_by_the_older(self):
        histories = {2: ((1, 5 * SEG),)}
        report = check_chain(2, 6 * SEG, 6 * SEG + 9, [seg(6, 2), seg(7, 2)], histories)
        assert report.complete and report.latest == seg(7, 2) and not report.diverged

    def test_retention_releases_wal_before_the_oldest_live_backup_and_keeps_history(self):
        files = [seg(1), seg(2), seg(3), "00000002.history",
                 "000000010000000000000001.00000028.backup"]
        assert releasable([(1, 3 * SEG + 5), (1, 9 * SEG)], files) == (
            seg(1), "000000010000000000000001.00000028.backup", seg(2))
        assert releasable([], files) == ()
