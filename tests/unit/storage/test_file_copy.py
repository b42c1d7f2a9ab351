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
