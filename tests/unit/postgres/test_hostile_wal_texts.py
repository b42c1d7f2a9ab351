"""Hostile backup labels and timeline history files (the agent's reader,
``services.agent.postgres.wal``): a timeline is ASCII digits from 1 to 2**32-1, anything else is
a ``WalFormatError`` (``int`` alone took ``-5``, ``0``, ``1_0``, ``٣``, ``²`` and 10**22); a
damaged or oversized history file in the log backup area is left alone, never recorded, and does
not fail the log backup."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from projections.host_view import HostView
from services.agent.postgres import logs
from services.agent.postgres.wal import (MAX_HISTORY_CHARS, WalFormatError, parse_history,
                                         parse_label)
from tests.fuzzing import EXTREME_TEXT, examples

LABEL = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nSTART TIMELINE: {}\n"


@pytest.mark.parametrize("timeline", ["-5", "0", "1_0", "\u0663", "\u00b2", "9" * 23,
                                      "4294967296", "", "+1", "0x1"])
def test_a_label_with_a_bad_timeline_is_refused(timeline):
    with pytest.raises(WalFormatError):
        parse_label(LABEL.format(timeline))


def test_a_label_with_a_good_timeline_passes():
    assert parse_label(LABEL.format("4294967295")).timeline == 4294967295


@pytest.mark.parametrize("line", ["\u00b2\t0/1\tx", "99999999999999999999999\t0/1\tx",
                                  "0\t0/1\tx", "-1\t0/1\tx", "1_0\t0/1\tx"])
def test_a_history_with_a_bad_timeline_is_refused(line):
    with pytest.raises(WalFormatError):
        parse_history(line)


def test_an_oversized_history_text_is_refused():
    with pytest.raises(WalFormatError):
        parse_history("#" * (MAX_HISTORY_CHARS + 1))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(EXTREME_TEXT, st.sampled_from(["1\t0/1\tx", "2", "0/1", "\t"])),
                max_size=6))
def test_any_text_is_a_history_or_a_wal_format_error(parts):
    text = "\n".join(parts)
    for parser in (parse_history, parse_label):
        try:
            parser(text)
        except WalFormatError:
            pass


def test_a_damaged_history_file_is_left_alone_and_the_rest_recorded(tmp_path):
    (tmp_path / "00000002.history").write_text("\u00b2\t0/3000000\tforged\n")
    (tmp_path / "00000003.history").write_bytes(b"#" * (MAX_HISTORY_CHARS + 1))
    (tmp_path / "000000010000000000000001").write_bytes(b"\0" * 16)
    found = logs.new_files(HostView(host="DBServer"), "main", tmp_path)
    assert [event.file_name for event in found] == ["000000010000000000000001"]


def test_a_file_deleted_while_the_collection_reads_the_area_is_left_out(tmp_path, monkeypatch):
    """The retention sweep deletes released WAL that is not yet recorded: one such file
    going between the listing and its hashing fails nothing; the others are recorded."""
    for n in (1, 2, 3):
        (tmp_path / f"00000001000000000000000{n}").write_bytes(b"\0" * 16)
    real = logs.sha256_of

    def swept_meanwhile(path):
        if path.name.endswith("2"):
            path.unlink()  # the sweep's unlink lands here
        return real(path)

    monkeypatch.setattr(logs, "sha256_of", swept_meanwhile)
    found = logs.new_files(HostView(host="DBServer"), "main", tmp_path)
    assert [e.file_name for e in found] == ["000000010000000000000001", "000000010000000000000003"]


@pytest.mark.parametrize("content", [b"\xff\xfe1\t0/1\n", b"#" * (4 * 1024 * 1024 + 1),
                                     "\u00b2\t0/1\tx\n".encode()])
def test_the_adapters_area_refuses_a_damaged_history_file_with_its_own_error(tmp_path, content):
    from adapters.postgres.receiver import WalArea
    from adapters.postgres.wal import WalNameError

    (tmp_path / "00000002.history").write_bytes(content)
    with pytest.raises(WalNameError):
        WalArea(tmp_path, 16 * 1024 * 1024, "main").histories()


def test_a_restored_label_longer_than_recorded_is_refused_without_reading_it_whole(tmp_path):
    """The adapter reads a label or ``backup.json`` to restore with its recorded size as the
    bound (it read the whole file, then compared): a grown file is refused as damaged."""
    import hashlib

    from adapters.postgres.recovery import _verified
    from services.agent.application_port import ApplicationError, Metadata

    label = tmp_path / "backup_label"
    label.write_bytes(b"START WAL LOCATION: 0/2000028\n")
    data = label.read_bytes()
    item = Metadata("main", str(label), len(data), hashlib.sha256(data).hexdigest())
    assert _verified(item) == data
    label.write_bytes(data + b"x" * (1 << 20))
    with pytest.raises(ApplicationError, match="SHA-256"):
        _verified(item)


def test_a_symlink_named_like_a_segment_is_never_recorded(tmp_path):
    """The area is written by the server's user; a symlink there named like a segment would
    have been hashed and later restored into pg_wal from wherever it points."""
    area = tmp_path / "wal"
    area.mkdir()
    secret = tmp_path / "secret"
    secret.write_bytes(b"not a segment")
    (area / "000000010000000000000001").symlink_to(secret)
    (area / "000000010000000000000002").write_bytes(b"\0" * 16)
    found = logs.new_files(HostView(host="DBServer"), "main", area)
    assert [event.file_name for event in found] == ["000000010000000000000002"]


@pytest.mark.parametrize("target", ["name:x\\' , restore_command = 'id", "xid:\u00b2",
                                    "time:2026-01-01\n"])
def test_the_adapter_refuses_a_target_that_could_escape_its_quotes(target):
    """Defence in depth behind the command's patterns: the adapter writes the target quoted
    into a PostgreSQL configuration file, where a backslash escapes the closing quote."""
    from adapters.postgres.recovery import parse_target
    from services.agent.application_port import ApplicationError

    with pytest.raises(ApplicationError):
        parse_target(target)
