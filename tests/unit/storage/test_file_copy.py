"""The differential copy of one file (pg-speed: the destination compared through a mapping)."""
from __future__ import annotations

import os

import pytest

from adapters.storage import file_copy
from adapters.storage.file_copy import CHUNK, Ticker, diff_copy

MIB = CHUNK


def _diff(tmp_path, src: bytes, dst: bytes, copy=diff_copy) -> tuple[bytes, int, int]:
    (tmp_path / "src").write_bytes(src)
    (tmp_path / "dst").write_bytes(dst)
    fin = os.open(tmp_path / "src", os.O_RDONLY)
    fout = os.open(tmp_path / "dst", os.O_RDWR)
    try:
        read, written = copy(fin, fout, len(src), Ticker(len(src), None))
    finally:
        os.close(fin)
        os.close(fout)
    return (tmp_path / "dst").read_bytes(), read, written


CASES = {
    "equal": (b"a" * (3 * MIB), b"a" * (3 * MIB), 0),
    "one chunk changed": (b"a" * MIB + b"b" * MIB + b"a" * 10, b"a" * (2 * MIB + 10), MIB),
    "last partial chunk changed": (b"a" * MIB + b"xy", b"a" * MIB + b"xz", 2),
    "destination longer": (b"a" * MIB, b"a" * (3 * MIB), 0),
    "destination shorter": (b"a" * (2 * MIB + 5), b"a" * (MIB + 1), MIB + 5),
    "destination empty": (b"q" * 100, b"", 100),
    "source empty": (b"", b"old", 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_destination_ends_equal_and_only_differing_chunks_are_written(tmp_path, name):
    src, dst, expected_written = CASES[name]
    result, _, written = _diff(tmp_path, src, dst)
    assert result == src
    assert written == expected_written


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_mapped_comparison_counts_as_reading_both_sides(tmp_path, name):
    src, dst, _ = CASES[name]
    mapped = _diff(tmp_path, src, dst)
    read = _diff(tmp_path, src, dst, file_copy._diff_copy_read)
    assert mapped == read


@pytest.fixture
def striped_from_two_chunks(monkeypatch):
    """Every file of two chunks or more is compared by ``STRIPES`` threads."""
    monkeypatch.setattr(file_copy, "STRIPED_FROM", 2 * MIB)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_striped_comparison_gives_what_one_thread_gives(tmp_path, name,
                                                            striped_from_two_chunks):
    src, dst, expected_written = CASES[name]
    result, read, written = _diff(tmp_path, src, dst)
    assert (result, written) == (src, expected_written)
    assert (result, read, written) == _diff(tmp_path, src, dst, file_copy._diff_copy_read)


def test_a_striped_comparison_stops_at_a_source_shorter_than_announced(tmp_path,
                                                                       striped_from_two_chunks):
    """The source shrank after it was listed: the copy ends where it ends, on any stripe."""
    for length in (MIB, 2 * MIB, 2 * MIB + 7, 3 * MIB):
        src = bytes([length % 251]) * length
        (tmp_path / "src").write_bytes(src)
        (tmp_path / "dst").write_bytes(b"z" * (5 * MIB))
        fin, fout = os.open(tmp_path / "src", os.O_RDONLY), os.open(tmp_path / "dst", os.O_RDWR)
        try:
            diff_copy(fin, fout, 5 * MIB, Ticker(5 * MIB, None))
        finally:
            os.close(fin)
            os.close(fout)
        assert (tmp_path / "dst").read_bytes() == src


def test_a_failing_progress_stops_every_stripe_and_is_raised(tmp_path, striped_from_two_chunks):
    seen = []

    def progress(done, total):
        seen.append(done)
        if done >= 2 * MIB:
            raise RuntimeError("stop here")

    (tmp_path / "src").write_bytes(b"a" * (16 * MIB))
    (tmp_path / "dst").write_bytes(b"b" * (16 * MIB))
    fin, fout = os.open(tmp_path / "src", os.O_RDONLY), os.open(tmp_path / "dst", os.O_RDWR)
    try:
        with pytest.raises(RuntimeError, match="stop here"):
            diff_copy(fin, fout, 16 * MIB, Ticker(16 * MIB, progress))
    finally:
        os.close(fin)
        os.close(fout)
    assert max(seen) < 16 * MIB  # neither stripe went on to the end
