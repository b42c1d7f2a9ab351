"""Operation IDs and operation definition files (spec 03 §4.5-4.9): the manual's examples, every
rule of its tables, problems located by line and key, and hypothesis over arbitrary text."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.lines import ConfigError
from adapters.config.operation_file import (KEYS, OPERATION_FILE_LIMIT, BadOperationId,
                                            check_operation_id, find_operation_file,
                                            load_operation_file, operation_key,
                                            parse_operation_file)
from tests.fuzzing import examples

OPERATION_A = ("BACKUP_OBJECT=FILESYSTEM\nDB_SERVER_NAME=VServer_C\nINSTANCE_NAME=/mnt/d\n"
               "TARGET_NAME=\nFTP_HOME_DIR=/srv/FTP_ROOT\nFTP_SUB_DIR=script\n"
               "SET_DRM_HOSTNAME=1\n")
OPERATION_B = OPERATION_A.replace("INSTANCE_NAME=/mnt/d", "INSTANCE_NAME=app.txt") \
    .replace("SET_DRM_HOSTNAME=1", "SET_DRM_HOSTNAME=0")
SQL = ("BACKUP_OBJECT=MSSQL\nDB_SERVER_NAME=SQL001\nINSTANCE_NAME=DEFAULT\nTARGET_NAME=\n"
       "FTP_HOME_DIR=/srv/FTP_ROOT\nFTP_SUB_DIR=script\nSET_DRM_HOSTNAME=1\n")


def with_value(text: str, key: str, value: str) -> str:
    return "\n".join(f"{key}={value}" if line.startswith(f"{key}=") else line
                     for line in text.splitlines()) + "\n"


def test_the_manuals_file_system_examples():
    a = parse_operation_file(OPERATION_A, "Operation_A")
    assert (a.backup_object, a.db_server_name, a.instance_name, a.target_names) == \
        ("FILESYSTEM", "VServer_C", "/mnt/d", ())
    assert (a.ftp_home_dir, a.ftp_sub_dir, a.set_drm_hostname) == ("/srv/FTP_ROOT", "script",
                                                                    True)
    assert not a.instance_is_list_file and len(a.digest) == 64
    b = parse_operation_file(OPERATION_B, "Operation_B")
    assert b.instance_is_list_file and b.set_drm_hostname is False


def test_sql_and_exchange_definitions():
    sql = parse_operation_file(with_value(SQL, "TARGET_NAME", 'DB1,"My DB",DB3'), "op")
    assert sql.target_names == ("DB1", "My DB", "DB3")
    exchange = SQL.replace("MSSQL", "MSEXCHANGE").replace("INSTANCE_NAME=DEFAULT",
                                                          "INSTANCE_NAME=-")
    assert parse_operation_file(exchange, "op").instance_name == "-"


def test_comments_blank_lines_spaces_and_case_are_tolerated():
    text = "# operation A\n\n" + OPERATION_A.replace("FTP_SUB_DIR=script", " ftp_sub_dir = \t")
    definition = parse_operation_file(text, "Operation_A")
    assert definition.ftp_sub_dir == "HPtM"


@pytest.mark.parametrize("key, value, why", [
    ("BACKUP_OBJECT", "ORACLE", "not one of"),
    ("DB_SERVER_NAME", "", "needs a value"),
    ("DB_SERVER_NAME", "x" * 129, "longer than 128"),
    ("DB_SERVER_NAME", "bad/name", "host"),
    ("INSTANCE_NAME", "", "needs a value"),
    ("INSTANCE_NAME", "rel/dir", "absolute"),
    ("TARGET_NAME", "DB1", "without a value"),
    ("FTP_HOME_DIR", "", "needs a value"),
    ("FTP_HOME_DIR", "ftp", "absolute"),
    ("FTP_HOME_DIR", "/" + "x" * 128, "longer than 128"),
    ("FTP_SUB_DIR", "a\\b", "delimiter"),
    ("FTP_SUB_DIR", "a/b", "delimiter"),
    ("FTP_SUB_DIR", "/", "delimiter"),
    ("FTP_SUB_DIR", "..", "must not be .."),
    ("FTP_SUB_DIR", "x" * 129, "longer than 128"),
    ("SET_DRM_HOSTNAME", "2", "neither 0 nor 1"),
    ("SET_DRM_HOSTNAME", "", "needs a value"),
    ("SET_DRM_HOSTNAME", "01", "longer than 1"),
    ("FTP_HOME_DIR", "/a\x01b", "non-printable"),
])
def test_each_rule_is_reported_with_its_line_and_key(key, value, why):
    with pytest.raises(ConfigError) as caught:
        parse_operation_file(with_value(OPERATION_A, key, value), "Operation_A")
    [problem] = caught.value.problems
    assert problem.key == key and why in problem.text
    assert problem.line == KEYS.index(key) + 1
    assert f"line {problem.line}: {key}" in str(caught.value)


def test_the_limits_per_object_type():
    exchange = SQL.replace("MSSQL", "MSEXCHANGE").replace("DEFAULT", "-")
    with pytest.raises(ConfigError, match="longer than 63"):
        parse_operation_file(with_value(exchange, "DB_SERVER_NAME", "x" * 64), "op")
    with pytest.raises(ConfigError, match="must be -"):
        parse_operation_file(with_value(exchange, "INSTANCE_NAME", "INST"), "op")
    assert len(parse_operation_file(with_value(SQL, "TARGET_NAME", ",".join(["d"] * 512)[:1024]
                                               .rstrip(",")), "op").target_names) >= 500
    with pytest.raises(ConfigError, match="longer than 1024"):
        parse_operation_file(with_value(SQL, "TARGET_NAME", "d" * 1025), "op")
    with pytest.raises(ConfigError, match="empty name"):
        parse_operation_file(with_value(SQL, "TARGET_NAME", "a,,b"), "op")


def test_missing_unknown_and_repeated_keys_are_all_reported():
    text = OPERATION_A.replace("SET_DRM_HOSTNAME=1\n", "") + "COLOUR=red\nTARGET_NAME=\n" \
        + "no equals sign\n"
    with pytest.raises(ConfigError) as caught:
        parse_operation_file(text, "Operation_A")
    found = {(p.key, p.line) for p in caught.value.problems}
    assert ("COLOUR", 7) in found and ("TARGET_NAME", 8) in found
    assert ("SET_DRM_HOSTNAME", 0) in found and ("", 9) in found


@pytest.mark.parametrize("good", ["Operation_A", "a", "x" * 64, "!#$%&'()+_-^@,.", "a-", "..a"])
def test_operation_ids_the_manual_allows(good):
    assert check_operation_id(good) == good


@pytest.mark.parametrize("bad", ["", "-a", ".", "..", "x" * 65, "a b", "a/b", "a\\b", "é",
                                 "a\x00", "a*", None, 5])
def test_operation_ids_the_manual_refuses(bad):
    with pytest.raises(BadOperationId):
        check_operation_id(bad)


def test_operation_ids_are_not_case_sensitive(tmp_path):
    assert operation_key("Operation_A") == operation_key("OPERATION_a")
    (tmp_path / "_Operation_A.dat").write_text(OPERATION_A)
    assert find_operation_file(tmp_path, "operation_a").name == "_Operation_A.dat"
    definition = load_operation_file(tmp_path, "OPERATION_A")
    assert definition.operation_id == "Operation_A"  # the spelling of the file
    (tmp_path / "_operation_a.dat").write_text(OPERATION_A)
    with pytest.raises(ConfigError, match="not case-sensitive"):
        find_operation_file(tmp_path, "OPERATION_A")
    with pytest.raises(FileNotFoundError):
        load_operation_file(tmp_path, "other")


def test_files_that_cannot_be_read(tmp_path):
    path = tmp_path / "_op.dat"
    path.write_bytes(b"BACKUP_OBJECT=\xff\n")
    with pytest.raises(ConfigError, match="line 1: .*UTF-8"):
        load_operation_file(tmp_path, "op")
    path.write_bytes(b"#" * (OPERATION_FILE_LIMIT + 1))
    with pytest.raises(ConfigError, match="larger than"):
        load_operation_file(tmp_path, "op")
    with pytest.raises(ConfigError, match="longer than"):
        parse_operation_file("A=" + "x" * 5000, "op")


LINES = st.one_of(
    st.text(max_size=80),
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from([*KEYS, "OTHER", "backup_object", ""]),
              st.one_of(st.text(max_size=140), st.sampled_from(
                  ["FILESYSTEM", "MSSQL", "MSEXCHANGE", "0", "1", "/a", "-", "..", "", "a,b",
                   '"x y"', "x" * 129, "HPtM"]))))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(LINES, max_size=14), st.sampled_from(["\n", "\r\n"]))
def test_any_text_gives_a_valid_definition_or_located_problems(lines, newline):
    try:
        definition = parse_operation_file(newline.join(lines), "op")
    except ConfigError as error:
        assert error.problems and all(p.file == "_op.dat" for p in error.problems)
        return
    assert definition.backup_object in ("FILESYSTEM", "MSSQL", "MSEXCHANGE")
    assert definition.ftp_home_dir.startswith("/") and len(definition.ftp_home_dir) <= 128
    assert "/" not in definition.ftp_sub_dir and definition.ftp_sub_dir not in (".", "..", "")
    assert definition.db_server_name and definition.instance_name


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=80))
def test_any_operation_id_is_accepted_by_the_grammar_or_refused(text):
    try:
        check_operation_id(text)
    except BadOperationId as error:
        assert "operation ID" in str(error)
        return
    assert text.isascii() and 1 <= len(text) <= 64 and not text.startswith("-")
    assert "/" not in text and text not in (".", "..")
