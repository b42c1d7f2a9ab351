"""The transaction log list file (spec 05 §2.7): the manual's examples, refusals, a fuzz test."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.paths import PathOutsideRoot, confine
from events.names import BadName
from events.sql_log_list import LogListError, LogListSection, parse, render
from tests.fuzzing import examples

MANUAL = """# ORIGINAL-ID:0000000080
BACKUP-ID:0000000080
[DB03]
/mssql/log/DB03_20040811115351_0001.bk
/mssql/log/DB03_20040811115431_0002.bk
# ORIGINAL-ID:0000000080
BACKUP-ID:0000000080
[DB02]
/mssql/log/DB02_20040811115351_0001.bk
"""


def test_reads_the_manuals_two_line_header_form():
    first, second = parse(MANUAL)
    assert first == LogListSection("0000000080", "0000000080", "DB03",
                                   ("/mssql/log/DB03_20040811115351_0001.bk",
                                    "/mssql/log/DB03_20040811115431_0002.bk"))
    assert second.database == "DB02" and len(second.files) == 1


def test_reads_the_one_line_header_and_writes_both_forms_back():
    text = "# ORIGINAL-ID: 0000000002 BACKUP-ID: 0000000002\n[DB1]\n/g/DB1_1.bk\n/g/DB1_2.bk\n"
    sections = parse(text)
    assert sections[0].backup_id == "0000000002"
    assert render(sections, one_line_header=True) == text
    assert parse(render(sections)) == sections
    assert render(parse(MANUAL)) == MANUAL


def test_a_header_without_backup_id_is_a_no_cat_chain():
    assert parse("# ORIGINAL-ID:0000000003\n[DB1]\n/l/a.bk\n")[0].backup_id == ""


@pytest.mark.parametrize("text, problem", [
    ("[DB1]\n/l/a.bk\n", "before any header"),
    ("# ORIGINAL-ID:0000000001\n/l/a.bk\n", "before any [database]"),
    ("# ORIGINAL-ID:12\n[DB1]\n", "10-digit"),
    ("# ORIGINAL-ID:0000000001\n[DB1]\n/l/../etc/passwd\n", "'..'"),
    ("# ORIGINAL-ID:0000000001\n[]\n", "database name"),
    ("# ORIGINAL-ID:0000000001\n[DB1]\nBACKUP-ID:0000000001\n", "without its ORIGINAL-ID"),
])
def test_refuses_what_is_not_a_list_file_naming_the_line(text, problem):
    with pytest.raises(LogListError, match="line|longer") as error:
        parse(text)
    assert problem in str(error.value)


def test_refuses_a_file_over_the_size_limit():
    with pytest.raises(LogListError, match="longer than"):
        parse("#" * (4 * 1024 * 1024 + 1))


def test_a_listed_path_outside_the_log_backup_directory_is_refused(tmp_path):
    (tmp_path / "logs").mkdir()
    [section] = parse(f"# ORIGINAL-ID:0000000001\n[DB1]\n{tmp_path}/other/DB1_1.bk\n")
    with pytest.raises(PathOutsideRoot):
        confine(section.files[0], [tmp_path / "logs"], "log backup file")
    assert confine(f"{tmp_path}/logs/DB1_1.bk", [tmp_path / "logs"]).name == "DB1_1.bk"


NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                max_size=20)
SECTIONS = st.lists(st.builds(
    LogListSection, st.from_regex(r"\d{10}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"\d{10}", fullmatch=True)), NAMES,
    st.lists(NAMES.map(lambda n: "/logs/" + n), max_size=4).map(tuple)), max_size=4)


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_cleanly(text):
    try:
        sections = parse(text)
    except LogListError:
        return
    assert parse(render(sections)) == sections


@settings(max_examples=examples(200), deadline=None)
@given(SECTIONS)
def test_what_render_writes_parse_reads_back_or_render_refuses(sections):
    try:
        text = render(sections)
    except (LogListError, BadName):
        return
    assert parse(text) == tuple(sections)
