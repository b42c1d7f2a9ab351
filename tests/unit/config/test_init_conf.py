"""``init.conf`` (spec 02 §3, §5): the CLU_* keys and DRM_DB_PATH, the manual's defaults for
what does not parse, limits on what cannot be read, and hypothesis over arbitrary text."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.init_conf import (INIT_CONF_LIMIT, LINE_LIMIT, LINES_LIMIT, NUMBERS,
                                       ClusterRetry, DbPath, InitConf, InitConfError,
                                       RetryPolicy, load_init_conf, parse_init_conf)
from tests.fuzzing import examples

MANUAL_EXAMPLE = ("LOGLEVEL=3\nCLU_RETRY_TIME=6\nCLU_RETRY_WAIT=10\n"
                  "DRM_DB_PATH=/shared/PTM;SQL001\n")


def test_the_manuals_example_is_read():
    conf = parse_init_conf(MANUAL_EXAMPLE)
    assert conf.clu_retry == ClusterRetry(6, 10.0)
    assert conf.db_paths == (DbPath("/shared/PTM", "SQL001"),)
    assert conf.db_path_for("sql001") == "/shared/PTM" and conf.db_path_for(None) is None
    assert conf.loglevel == 3 and conf.other == {} and conf.warnings == ()


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


# -- every parameter of the manual (automation files) ----------------------------------------------
DB_SERVER_EXAMPLE = ("LOGLEVEL=3\nPP_LOGFILE_NUM=2\nCOM_RETRY_TIME=0\nCOM_RETRY_WAIT=10\n"
                     "CLU_RETRY_TIME=6\nCLU_RETRY_WAIT=10\nSVC_RETRY_TIME=6\nSVC_RETRY_WAIT=10\n"
                     "DRM_DB_PATH=/l/PTM;SQL001\n")


def test_the_appendix_example_and_every_default():
    conf = parse_init_conf(DB_SERVER_EXAMPLE)
    assert (conf.loglevel, conf.pp_logfile_num) == (3, 2)
    assert conf.svc_retry == RetryPolicy(6, 10.0) and conf.com_retry == RetryPolicy(0, 10.0)
    assert conf.warnings == () and len(conf.digest) == 64
    default = InitConf()
    assert (default.loglevel, default.pp_logfile_num, default.sql_quick_backup,
            default.drm_db_sync, default.sql_checkdb, default.verify_parallel_count,
            default.service_timeout_min, default.response_timeout_min) == \
        (3, 2, False, True, False, 1, 1440, 1296)
    assert default.svc_retry == RetryPolicy(0, 1.0) and default.com_retry == RetryPolicy(0, 10.0)


@pytest.mark.parametrize("line, field, value", [
    ("LOGLEVEL=9", "loglevel", 9), ("LOGLEVEL=0", "loglevel", 0),
    ("PP_LOGFILE_NUM=16", "pp_logfile_num", 16), ("SQL_QUICK_BACKUP=1", "sql_quick_backup", True),
    ("DRM_DB_SYNC=NO", "drm_db_sync", False), ("SQL_CHECKDB=YES", "sql_checkdb", True),
    ("VERIFY_PARALLEL_COUNT=32", "verify_parallel_count", 32),
    ("SERVICE_TIMEOUT=0", "service_timeout_min", 0),
    ("RESPONSE_TIMEOUT=10080", "response_timeout_min", 10080),
])
def test_each_parameter_in_range(line, field, value):
    conf = parse_init_conf(line + "\n")
    assert getattr(conf, field) == value and conf.warnings == ()


@pytest.mark.parametrize("line, field, default", [
    ("LOGLEVEL=4", "loglevel", 3), ("LOGLEVEL=", "loglevel", 3),
    ("PP_LOGFILE_NUM=1", "pp_logfile_num", 2), ("PP_LOGFILE_NUM=17", "pp_logfile_num", 2),
    ("SQL_QUICK_BACKUP=2", "sql_quick_backup", False), ("DRM_DB_SYNC=yes", "drm_db_sync", True),
    ("VERIFY_PARALLEL_COUNT=0", "verify_parallel_count", 1),
    ("SERVICE_TIMEOUT=10081", "service_timeout_min", 1440),
    ("RESPONSE_TIMEOUT=-1", "response_timeout_min", 1296),
])
def test_a_value_out_of_range_takes_the_manuals_default_with_a_located_warning(
        line, field, default):
    conf = parse_init_conf("# comment\n" + line + "\n")
    assert getattr(conf, field) == default
    assert len(conf.warnings) == 1 and conf.warnings[0].startswith("init.conf line 2:")


def test_sql_checkdb_anything_but_yes_is_no_without_warning():
    assert parse_init_conf("SQL_CHECKDB=maybe\n").sql_checkdb is False
    assert parse_init_conf("SQL_CHECKDB=maybe\n").warnings == ()


def test_an_unknown_key_is_kept_and_warned():
    conf = parse_init_conf("LOGLEVEL=3\nCOLOUR=red\n")
    assert conf.other == {"COLOUR": "red"}
    assert conf.warnings == ("init.conf line 2: COLOUR is not a parameter of init.conf; ignored",)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.builds(lambda k, v: f"{k}={v}", st.sampled_from(sorted(NUMBERS) + [
    "LOGLEVEL", "SQL_QUICK_BACKUP", "DRM_DB_SYNC", "SQL_CHECKDB", "X_Y"]),
    st.one_of(st.integers(-20, 20_000).map(str), st.text(max_size=12))), max_size=20))
def test_any_parameters_give_values_in_the_manuals_ranges(lines):
    conf = parse_init_conf("\n".join(lines) + "\n")
    assert conf.loglevel in (0, 1, 2, 3, 9) and 2 <= conf.pp_logfile_num <= 16
    assert 1 <= conf.verify_parallel_count <= 32
    assert 0 <= conf.service_timeout_min <= 10080 and 0 <= conf.response_timeout_min <= 10080
    for policy in (conf.svc_retry, conf.com_retry):
        assert 0 <= policy.retry_time <= 3600 and 0 <= policy.retry_wait <= 3600
