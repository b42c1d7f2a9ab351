"""``host.dat`` (spec 03 §4.4): the manual's examples and model, each rule with its line and key,
and hypothesis over arbitrary text and bytes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.host_dat import (HOST_DAT_LIMIT, KEYS, MODEL_TEXT, HostSettings,
                                      load_host_dat, parse_host_dat)
from adapters.config.lines import ConfigError
from tests.fuzzing import examples


def test_the_manuals_examples_and_the_model():
    db = parse_host_dat("HOST_ROLE=DB\nMAX_LOG_LINES=1000\n")
    assert (db.host_role, db.max_log_lines, db.msg_output) == ("DB", 1000, "NORMAL")
    bk = parse_host_dat("HOST_ROLE=BK\r\nMAX_LOG_LINES=100000\r\nMSG_OUTPUT=DETAIL\r\n")
    assert (bk.host_role, bk.max_log_lines, bk.msg_output) == ("BK", 100000, "DETAIL")
    model = parse_host_dat(MODEL_TEXT)
    assert (model.host_role, model.max_log_lines) == (HostSettings().host_role,
                                                       HostSettings().max_log_lines)


@pytest.mark.parametrize("text, line, key, why", [
    ("HOST_ROLE=AP\nMAX_LOG_LINES=1000\n", 1, "HOST_ROLE", "not one of"),
    ("HOST_ROLE=DB\nMAX_LOG_LINES=999\n", 2, "MAX_LOG_LINES", "1000 to 100000"),
    ("HOST_ROLE=DB\nMAX_LOG_LINES=100001\n", 2, "MAX_LOG_LINES", "1000 to 100000"),
    ("HOST_ROLE=DB\nMAX_LOG_LINES=1e4\n", 2, "MAX_LOG_LINES", "1000 to 100000"),
    ("HOST_ROLE=DB\nMAX_LOG_LINES=" + "9" * 400 + "\n", 2, "MAX_LOG_LINES", "integer"),
    ("HOST_ROLE=DB\nMAX_LOG_LINES=1000\nMSG_OUTPUT=LOUD\n", 3, "MSG_OUTPUT", "not one of"),
    ("MAX_LOG_LINES=1000\n", 0, "HOST_ROLE", "cannot be omitted"),
    ("HOST_ROLE=DB\n", 0, "MAX_LOG_LINES", "cannot be omitted"),
    ("HOST_ROLE=DB\nMAX_LOG_LINES=1000\nCOLOUR=red\n", 3, "COLOUR", "unknown key"),
    ("HOST_ROLE=DB\nHOST_ROLE=BK\nMAX_LOG_LINES=1000\n", 2, "HOST_ROLE", "given again"),
])
def test_each_rule_with_its_line_and_key(text, line, key, why):
    with pytest.raises(ConfigError) as caught:
        parse_host_dat(text)
    [problem] = caught.value.problems
    assert (problem.line, problem.key) == (line, key) and why in problem.text


def test_files_that_cannot_be_read(tmp_path):
    path = tmp_path / "host.dat"
    with pytest.raises(FileNotFoundError):
        load_host_dat(path)
    path.write_bytes(b"HOST_ROLE=DB\nMAX_LOG_LINES=1000\n\xfe")
    with pytest.raises(ConfigError, match="line 3: .*UTF-8"):
        load_host_dat(path)
    path.write_bytes(b"\n" * (HOST_DAT_LIMIT + 1))
    with pytest.raises(ConfigError, match="larger than"):
        load_host_dat(path)
    path.write_text(MODEL_TEXT)
    assert load_host_dat(path).file == str(path)


LINES = st.one_of(st.text(max_size=60), st.builds(
    lambda k, v: f"{k}={v}", st.sampled_from([*KEYS, "X", "host_role"]),
    st.one_of(st.text(max_size=20), st.integers(-5, 200_000).map(str),
              st.sampled_from(["DB", "BK", "NORMAL", "DETAIL"]))))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(LINES, max_size=10))
def test_any_text_gives_settings_in_range_or_located_problems(lines):
    try:
        host = parse_host_dat("\n".join(lines))
    except ConfigError as error:
        assert error.problems and all(p.file == "host.dat" for p in error.problems)
        return
    assert host.host_role in ("DB", "BK") and host.msg_output in ("NORMAL", "DETAIL")
    assert 1000 <= host.max_log_lines <= 100_000


@settings(max_examples=examples(100), deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_settings_or_a_config_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("h") / "host.dat"
    path.write_bytes(data)
    try:
        load_host_dat(path)
    except ConfigError as error:
        assert str(path) in str(error)
