"""Copy-group list files (spec 03 §1.1): the manual's examples, each rule with its line, and
hypothesis over arbitrary text."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.cg_list import MAX_COPY_GROUPS, load_cg_list, parse_cg_list
from adapters.config.lines import ConfigError
from tests.fuzzing import examples


def test_the_manuals_examples():
    assert parse_cg_list("VG01,dev01\nVG01,dev02\n").copy_groups == ("VG01,dev01", "VG01,dev02")
    listed = parse_cg_list("# generation 1\r\nVG01,VOL11\r\n\r\nVG01,VOL12\r\n")
    assert listed.copy_groups == ("VG01,VOL11", "VG01,VOL12") and len(listed.digest) == 64


@pytest.mark.parametrize("text, line, why", [
    (" VG01,dev01\n", 1, "leftmost column"),
    ("VG01,dev01\nVG01\n", 2, "not <group>,<device>"),
    ("VG01,dev01\nVG01,dev01\n", 2, "listed again"),
    ("VG01,dev01\nVG01,de v\n", 2, "not <group>,<device>"),
    ("# only a comment\n", 0, "no copy group"),
    ("", 0, "no copy group"),
])
def test_each_rule_with_its_line(text, line, why):
    with pytest.raises(ConfigError) as caught:
        parse_cg_list(text, "CG01.txt")
    [problem] = caught.value.problems
    assert problem.line == line and why in problem.text and "CG01.txt" in str(caught.value)


def test_names_are_case_sensitive_and_the_count_is_bounded(tmp_path):
    assert parse_cg_list("vg01,DEV01\nVG01,dev01\n").copy_groups == ("vg01,DEV01", "VG01,dev01")
    many = "".join(f"VG01,d{n}\n" for n in range(MAX_COPY_GROUPS + 1))
    with pytest.raises(ConfigError, match="more than"):
        parse_cg_list(many)
    path = tmp_path / "CG01.txt"
    path.write_bytes(b"VG01,dev\xff\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_cg_list(path)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.sampled_from(
    ["VG01,dev01", " VG01,dev02", "#x", "", "a,b,c", "VG01,", ",dev"])), max_size=20))
def test_any_text_gives_valid_copy_groups_or_located_problems(lines):
    try:
        listed = parse_cg_list("\n".join(lines), "f")
    except ConfigError as error:
        assert error.problems and all(p.file == "f" for p in error.problems)
        return
    assert listed.copy_groups and len(set(listed.copy_groups)) == len(listed.copy_groups)
    assert all(cg.count(",") == 1 for cg in listed.copy_groups)
