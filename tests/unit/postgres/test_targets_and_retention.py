"""Recovery targets from the agent's text, and which WAL files a catalog lets go."""
from __future__ import annotations

import pytest
from hypothesis import given, settings

from adapters.postgres.receiver import WalArea
from adapters.postgres.recovery import RecoveryTarget, parse_target
from adapters.postgres.wal import MIB, Segment
from services.agent.application_port import ApplicationError
from tests.fuzzing import EXTREME_TEXT, examples


@pytest.mark.parametrize("text,target", [
    ("", RecoveryTarget("latest")), ("latest", RecoveryTarget("latest")),
    ("immediate", RecoveryTarget("immediate")),
    ("time:2026-12-05 03:00:00+00", RecoveryTarget("time", "2026-12-05 03:00:00+00")),
    ("lsn:0/3000028", RecoveryTarget("lsn", "0/3000028")),
    ("name:before upgrade", RecoveryTarget("name", "before upgrade")),
    ("xid:1234", RecoveryTarget("xid", "1234"))])
def test_targets_the_agent_may_name(text, target):
    assert parse_target(text) == target


def test_a_quote_in_a_target_is_escaped_for_postgresql_conf():
    assert parse_target("name:it's").settings() == {"recovery_target_name": "'it''s'"}


@pytest.mark.parametrize("text", ["time:", "lsn:xyz", "xid:-1", "when:now", "name:a\nb"])
def test_other_targets_are_refused(text):
    with pytest.raises(ApplicationError) as caught:
        parse_target(text)
    assert caught.value.reason == "state"


@settings(max_examples=examples(300), deadline=None)
@given(EXTREME_TEXT)
def test_any_target_text_parses_or_is_refused(text):
    try:
        target = parse_target(text)
    except ApplicationError:
        return
    for value in target.settings().values():
        assert value.count("'") % 2 == 0 and "\n" not in value


def test_segments_ending_before_the_oldest_backup_start_may_be_released(tmp_path):
    for name in [Segment(1, n, MIB).name for n in range(1, 7)] + [
            "00000002.history", "000000010000000000000002.00000028.backup",
            "000000010000000000000005.00000028.backup", "000000010000000000000006.partial"]:
        (tmp_path / name).write_bytes(b"x")
    area = WalArea(tmp_path, MIB, "pg1")
    oldest_start = 5 * MIB + 0x28
    assert area.releasable(oldest_start) == sorted(
        [Segment(1, n, MIB).name for n in range(1, 5)] + ["000000010000000000000002.00000028.backup"])
    described = area.describe("000000010000000000000005.00000028.backup")
    assert described.first_lsn == oldest_start and described.timeline == 1
