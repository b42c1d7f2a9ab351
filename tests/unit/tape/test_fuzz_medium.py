"""Hostile media: the manifest parser and the medium reader take any bytes and either give the
archive or refuse with a ``TapeError``; never another exception, never a write outside the
target."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from adapters.tape import SimulatedTapeLibrary, TapeError
from adapters.tape.tar_format import DamagedMedium, Manifest, parse_manifest
from tests.fuzzing import JSON_VALUES, examples

FUZZ = settings(max_examples=examples(200), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
GOOD = {"format": "drm-tape/1", "hash": "blake3", "label": "L",
        "entries": [["", "d", 0, ""], ["a", "f", 3, "0" * 64], ["b", "l", 0, "a"],
                    ["c", "h", 0, "a"]]}


def outcome(data: bytes):
    try:
        return parse_manifest(data, "L")
    except DamagedMedium as refused:
        return refused


@FUZZ
@given(st.binary(max_size=400))
def test_the_manifest_parser_takes_any_bytes(data):
    assert isinstance(outcome(data), (Manifest, DamagedMedium))


@FUZZ
@given(st.sampled_from(["format", "hash", "label", "entries"]), JSON_VALUES)
def test_the_manifest_parser_takes_any_field_value(field, value):
    assert isinstance(outcome(json.dumps({**GOOD, field: value}).encode()),
                      (Manifest, DamagedMedium))


@FUZZ
@given(st.integers(0, 3), st.integers(0, 3), JSON_VALUES)
def test_the_manifest_parser_takes_any_entry(index, part, value):
    entries = [list(e) for e in GOOD["entries"]]
    entries[index][part] = value
    result = outcome(json.dumps({**GOOD, "entries": entries}).encode())
    assert isinstance(result, (Manifest, DamagedMedium))
    if isinstance(result, Manifest):
        assert all(".." not in e.name.split("/") and not e.name.startswith("/")
                   for e in result.entries)


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a//b", "./a", "a/./b", "a/..", "",
                                  "a\x00b", "\ud800"])  # a lone surrogate (found by the fuzz)
def test_a_manifest_naming_a_path_outside_is_refused(name):
    entries = [["", "d", 0, ""], [name, "f", 3, "0" * 64]]
    with pytest.raises(DamagedMedium):
        parse_manifest(json.dumps({**GOOD, "entries": entries}).encode(), "L")


@pytest.fixture(scope="module")
def medium() -> bytes:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "src"
        (source / "d").mkdir(parents=True)
        (source / "d" / "small.txt").write_bytes(b"small file\n" * 30)
        (source / "big.bin").write_bytes(os.urandom((1 << 20) + 777))
        os.symlink("d/small.txt", source / "link")
        library = SimulatedTapeLibrary(Path(work) / "tape", ("T",))
        library.write("T", "L", source)
        return library.archive_path("T", "L").read_bytes()


def read_back(data: bytes) -> tuple[object, list[str]]:
    """Read ``data`` as medium ``L``; the outcome and what appeared beside the target."""
    with tempfile.TemporaryDirectory() as work:
        library = SimulatedTapeLibrary(Path(work) / "tape", ("T",))
        path = library.archive_path("T", "L")
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        (Path(work) / "svol").mkdir()
        try:
            result = library.read("T", "L", Path(work) / "svol")
        except TapeError as refused:
            result = refused
        beside = sorted(p.name for p in Path(work).iterdir())
        return result, beside


@FUZZ
@given(st.data())
def test_a_mutated_medium_is_read_whole_or_refused(medium, data):
    mutated = bytearray(medium)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(mutated) - 1))
        mutated[at] = data.draw(st.integers(0, 255))
    result, beside = read_back(bytes(mutated))
    assert beside == ["svol", "tape"]
    assert isinstance(result, TapeError) or result.bytes == 330 + (1 << 20) + 777


@FUZZ
@given(st.data())
def test_a_cut_or_spliced_medium_is_refused(medium, data):
    cut = data.draw(st.integers(0, len(medium) - 1))
    if data.draw(st.booleans()):
        spliced = medium[:cut]
    else:
        spliced = medium[:cut] + medium[data.draw(st.integers(cut + 1, len(medium))):]
    result, beside = read_back(spliced)
    assert beside == ["svol", "tape"]
    assert isinstance(result, TapeError), "a medium missing bytes was accepted"
