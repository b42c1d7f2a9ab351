"""Lab files from a careless or hostile hand: every one ends in a clear ``LabError`` naming the
file, or a checked lab; never a traceback, never a lab that breaks the naming rules."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from adapters.lab.example import example_toml
from adapters.lab.loader import LabError, load_lab
from events.names import check
from tests.fuzzing import examples

FUZZ = dict(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def load_text(tmp_path, text: str | bytes):
    path = tmp_path / "lab.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_lab(path)


@pytest.mark.parametrize("before, after, problem", [
    ('name = "FSServer"', 'name = ""', "host"),
    ('name = "FSServer"', 'name = "FS\\u0000Server"', "host"),
    ('name = "FSServer"', 'name = "../../x"', "host"),
    ("serial = 410001", 'serial = "../../x"', "serial"),
    ('path = "hosts/FSServer/mnt/fs1"', 'path = "../../outside"', ".."),
    ("id = 256", "id = -1", "greater than or equal"),
    ("retention_days = 30", "retention_days = -5", "greater than or equal"),
])
def test_each_known_bad_lab_is_refused_with_its_reason(tmp_path, before, after, problem):
    text = example_toml()
    assert before in text, before
    with pytest.raises(LabError, match=problem):
        load_text(tmp_path, text.replace(before, after, 1))


def test_binary_and_non_utf8_files_are_refused(tmp_path):
    with pytest.raises(LabError, match="UTF-8"):
        load_text(tmp_path, b"name = \"\xff\xfe\"\n")


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path):
    with pytest.raises(LabError, match="TOML"):
        load_text(tmp_path, "x = " + "[" * 100_000 + "]" * 100_000)


def test_an_oversized_lab_file_is_refused(tmp_path):
    with pytest.raises(LabError, match="larger than"):
        load_text(tmp_path, "# " + "x" * (5 << 20))


def _accepted_lab_follows_the_rules(lab) -> None:
    for host in lab.hosts:
        check("host", host.name)
    for array in lab.arrays:
        check("serial", array.serial)


@settings(**FUZZ)
@given(st.binary(max_size=2000))
def test_random_bytes_end_in_a_lab_error_or_a_lab(tmp_path, data):
    try:
        _accepted_lab_follows_the_rules(load_text(tmp_path, data))
    except LabError as error:
        assert error.problems and all(isinstance(p, str) for p in error.problems)


@settings(**FUZZ)
@given(st.data())
def test_mutated_example_labs_end_in_a_lab_error_or_a_sound_lab(tmp_path, data):
    text = example_toml()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        insert = data.draw(st.one_of(
            st.text(max_size=12), st.sampled_from(['"', "[", "]", "=", "\n", "-1", "..", "\x00",
                                                   "99999999999999999999", "[[hosts]]\n"])))
        text = text[:at] + insert + text[at + cut:]
    try:
        _accepted_lab_follows_the_rules(load_text(tmp_path, text))
    except LabError as error:
        assert error.problems
