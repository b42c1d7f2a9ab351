"""``init.conf`` (spec 02 §3, §5): the CLU_* keys and DRM_DB_PATH, the manual's defaults for
what does not parse, limits on what cannot be read, and hypothesis over arbitrary text."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.init_conf import (INIT_CONF_LIMIT, LINE_LIMIT, LINES_LIMIT, ClusterRetry,
                                       DbPath, InitConf, InitConfError, load_init_conf,
                                       parse_init_conf)
from tests.fuzzing import examples

MANUAL_EXAMPLE = ("LOGLEVEL=3\nCLU_RETRY_TIME=6\nCLU_RETRY_WAIT=10\n"
                  "DRM_DB_PATH=/shared/PTM;SQL001\n")


def test_the_manuals_example_is_read():
    conf = parse_init_conf(MANUAL_EXAMPLE)
    assert conf.clu_retry == ClusterRetry(6, 10.0)
    assert conf.db_paths == (DbPath("/shared/PTM", "SQL001"),)
    assert conf.db_path_for("sql001") == "/shared/PTM" and conf.db_path_for(None) is None
    assert conf.other == {"LOGLEVEL": "3"} and conf.warnings == ()


def test_no_file_gives_the_manuals_defaults(tmp_path):
    conf = load_init_conf(tmp_path / "init.conf")
    assert conf == InitConf()
    assert conf.clu_retry == ClusterRetry(0, 1.0) and conf.clu_mscs_restore == "OFFLINE"


@pytest.mark.parametrize("line, expected", [
    ("CLU_RETRY_TIME=3601", ClusterRetry(0, 1.0)), ("CLU_RETRY_TIME=-1", ClusterRetry(0, 1.0)),
    ("CLU_RETRY_TIME=ten", ClusterRetry(0, 1.0)), ("CLU_RETRY_WAIT=99999", ClusterRetry(0, 1.0)),
    ("CLU_RETRY_WAIT=", ClusterRetry(0, 1.0)), ("CLU_RETRY_TIME=3600", ClusterRetry(3600, 1.0)),
    ("CLU_RETRY_WAIT=0", ClusterRetry(0, 0.0)), ("CLU_RETRY_TIME= 60 ", ClusterRetry(60, 1.0)),
])
def test_a_value_out_of_range_takes_the_default_with_a_warning(line, expected):
    conf = parse_init_conf(line + "\n")
    assert conf.clu_retry == expected
    assert bool(conf.warnings) == (expected == ClusterRetry(0, 1.0) and "=0" not in line)


@pytest.mark.parametrize("value, mode, warned", [("ONLINE", "ONLINE", False),
                                                 ("OFFLINE", "OFFLINE", False),
                                                 ("", "OFFLINE", False),
                                                 ("online", "OFFLINE", True)])
def test_clu_mscs_restore(value, mode, warned):
    conf = parse_init_conf(f"CLU_MSCS_RESTORE={value}\n")
    assert conf.clu_mscs_restore == mode and bool(conf.warnings) == warned


@pytest.mark.parametrize("text, why", [
    ("DRM_DB_PATH=relative/PTM;VHOST\n", "absolute"),
    ("DRM_DB_PATH=/shared/PTM;VHOST", "linefeed"),
    ("DRM_DB_PATH=/shared/PTM;../x\n", "host"),
])
def test_a_db_path_against_the_manuals_rules_is_left_out(text, why):
    conf = parse_init_conf(text)
    assert conf.db_paths == () and why in conf.warnings[0]


def test_db_path_lines_one_per_virtual_server_and_the_last_lines():
    conf = parse_init_conf("DRM_DB_PATH=/j/PTM;VHOST1\r\nDRM_DB_PATH=/k/PTM;VHOST2\r\n"
                           "DRM_DB_PATH=/h/PTM\r\n")
    assert [p.virtual_server for p in conf.db_paths] == ["VHOST1", "VHOST2", None]
    assert conf.db_path_for(None) == "/h/PTM" and conf.warnings == ()
    late = parse_init_conf("DRM_DB_PATH=/h/PTM;V\nCLU_RETRY_TIME=5\n")
    assert late.clu_retry.retry_time == 5 and "last lines" in late.warnings[0]


def test_what_cannot_be_read_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "init.conf"
    path.write_bytes(b"CLU_RETRY_TIME=\xff\n")
    with pytest.raises(InitConfError, match="UTF-8"):
        load_init_conf(path)
    path.write_bytes(b"x" * (INIT_CONF_LIMIT + 1))
    with pytest.raises(InitConfError, match="larger than"):
        load_init_conf(path)
    with pytest.raises(InitConfError, match="longer than"):
        parse_init_conf("A=" + "x" * LINE_LIMIT)
    with pytest.raises(InitConfError, match="lines"):
        parse_init_conf("A=1\n" * (LINES_LIMIT + 1))
    with pytest.raises(InitConfError, match="cannot be read"):
        load_init_conf(tmp_path)  # a directory


LINES = st.one_of(
    st.text(max_size=60),
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(
        ["CLU_RETRY_TIME", "CLU_RETRY_WAIT", "CLU_MSCS_RESTORE", "DRM_DB_PATH", "LOGLEVEL",
         "clu_retry_time", " CLU_RETRY_TIME"]),
        st.one_of(st.integers(-10, 10_000).map(str), st.text(max_size=40),
                  st.sampled_from(["/a;VHOST", "/a;", "/a", "/a;x;y", "/a;\x00", "ONLINE"]))),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(LINES, max_size=30), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_any_text_gives_values_in_range_or_a_clear_error(lines, newline, ended):
    text = newline.join(lines) + (newline if ended else "")
    try:
        conf = parse_init_conf(text)
    except InitConfError as error:
        assert "init.conf" in str(error)
        return
    assert 0 <= conf.clu_retry.retry_time <= 3600 and 0 <= conf.clu_retry.retry_wait <= 3600
    assert conf.clu_mscs_restore in ("ONLINE", "OFFLINE")
    for path in conf.db_paths:
        assert path.directory.startswith("/") and "\x00" not in path.directory


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_as_a_file_give_a_conf_or_a_clear_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("conf") / "init.conf"
    path.write_bytes(data)
    try:
        load_init_conf(path)
    except InitConfError as error:
        assert "init.conf" in str(error)
