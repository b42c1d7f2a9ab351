"""The user script file as the manual writes it (Tables 3-58, 3-59, 3-61): what it accepts,
what it refuses (naming the line), and that no input, however hostile, gets past it other than
as a checked ``UserScript`` or a ``ScriptError``."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from events.user_script import UserScript
from services.cli.user_script import ScriptError, parse_script, split_cmdline
from tests.fuzzing import examples

MANUAL = b"""LOCAL_BACKUP=YES
#Pre-processing section
[PRE_PROC]
[CMD]
CMDLINE=/opt/app/stop_app.sh
ENV=VAL=ApplicationName
TIMEOUT=60
END_CODE=100
LOCATION=LOCAL
[CMD]
CMDLINE="/opt/drm/bin/drmmount" -copy_group vg01,vol01
LOCATION=REMOTE
[POST_PROC]
[CMD]
CMDLINE=/opt/app/tapebackup.sh
TIMEOUT=NOWAIT
END_CODE=TERMINATE_NZ
LOCATION=REMOTE
PARENT_STAT=NORMAL
[CMD]
CMDLINE=/opt/app/recovery.sh
TIMEOUT=60
END_CODE=IGNORE
PARENT_STAT=ERROR
"""


def test_the_manuals_script_parses_with_its_values_and_defaults():
    script = parse_script(MANUAL)
    stop, mount = script.pre
    assert stop.argv == ("/opt/app/stop_app.sh",) and stop.env == (("VAL", "ApplicationName"),)
    assert (stop.timeout, stop.end_code, stop.location) == (60, 100, "LOCAL")
    assert mount.argv == ("/opt/drm/bin/drmmount", "-copy_group", "vg01,vol01")
    assert (mount.timeout, mount.end_code, mount.parent_stat) == (600, "TERMINATE_NZ", "NORMAL")
    tape, recovery = script.post
    assert tape.timeout is None and tape.location == "REMOTE"  # NOWAIT
    assert recovery.parent_stat == "ERROR" and recovery.end_code == "IGNORE"
    assert script.has_remote


def test_names_are_case_insensitive_blanks_around_equals_and_crlf_are_allowed():
    script = parse_script(b"local_backup = no\r\n[pre_proc]\r\n[cmd]\r\n  cmdline\t=\t/bin/true"
                          b" # not a comment\r\n   # a comment\r\n\r\n")
    assert script.local_backup is False  # kept as written; drmfsbackup treats NO as YES
    assert script.pre[0].argv == ("/bin/true", "#", "not", "a", "comment")


def test_the_sql_server_sections_are_parsed_and_fixed_local_normal():
    script = parse_script(b"LOCAL_BACKUP=YES\n[SPLIT_PROC]\n[CMD]\nCMDLINE=/bin/true\n"
                          b"LOCATION=REMOTE\nPARENT_STAT=ANY\n")
    assert script.split[0].location == "LOCAL" and script.split[0].parent_stat == "NORMAL"
    assert not script.has_remote and script.pre == () and script.post == ()


@pytest.mark.parametrize("text, problem", [
    (b"[PRE_PROC]\n", "LOCAL_BACKUP must come before"),
    (b"", "LOCAL_BACKUP is missing"),
    (b"LOCAL_BACKUP=MAYBE\n", "YES or NO"),
    (b"LOCAL_BACKUP=YES\n[CMD]\nCMDLINE=/bin/true\n", "outside a section"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\nCMDLINE=/bin/true\n", "outside a [CMD]"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[PRE_PROC]\n", "given twice"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nTIMEOUT=5\n", "CMDLINE is missing"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=\n", "has no value"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=stop.sh\n", "absolute path"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=$HOME/x\n", "absolute path"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\nTIMEOUT=86401\n", "TIMEOUT"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\nEND_CODE=256\n", "END_CODE"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\nLOCATION=MARS\n", "LOCATION"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\nCMDLINE=/bin/true\n", "twice"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\nENV=1X=y\n", "NAME=VALUE"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=\"/bin/true\n", "not closed"),
    (b"LOCAL_BACKUP=YES\n[NO_PROC]\n", "unknown section"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\nCOLOR=red\n", "unknown item"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/x/drmmount -copy_group a,b\n",
     "Table 3-61"),
    (b"LOCAL_BACKUP=YES\n[POST_PROC]\n[CMD]\nCMDLINE=/x/drmfsdisplay -refresh\n", "-refresh"),
    (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/x/drmfsbackup /mnt\n", "Table 3-61"),
    ("LOCAL_BACKUP=YES\n# caf\u00e9\n".encode(), "not ASCII"),
    (b"LOCAL_BACKUP=YES\n\x01\n", "control character"),
    (b"LOCAL_BACKUP=YES\n#" + b"x" * 8192 + b"\n", "longer than 8192"),
])
def test_a_script_against_the_rules_is_refused_naming_the_problem(text, problem):
    with pytest.raises(ScriptError, match=problem.replace("[", r"\[").replace("$", r"\$")):
        parse_script(text)


def test_product_commands_run_where_table_3_61_allows_them():
    remote_mount = (b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/x/drmmount -copy_group a,b\n"
                    b"LOCATION=REMOTE\n[POST_PROC]\n[CMD]\nCMDLINE=/x/drmdbexport 1 -f /t\n"
                    b"LOCATION=REMOTE\n[CMD]\nCMDLINE=/x/drm fscat /mnt\n")
    script = parse_script(remote_mount)
    assert [c.argv[0] for c in (*script.pre, *script.post)] == ["/x/drmmount", "/x/drmdbexport",
                                                                "/x/drm"]


def test_cmdline_words_split_on_blanks_with_double_quotes_keeping_spaces():
    assert split_cmdline('"/opt/my tools/run" -a "b c"  d') == ("/opt/my tools/run", "-a",
                                                                 "b c", "d")
    assert split_cmdline('/bin/echo ""') == ("/bin/echo", "")


def test_end_code_thresholds_stop_when_the_return_value_is_greater():
    script = parse_script(b"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\n"
                          b"END_CODE=100\n[CMD]\nCMDLINE=/bin/true\n[CMD]\nCMDLINE=/bin/true\n"
                          b"END_CODE=IGNORE\n")
    threshold, nonzero, ignore = script.pre
    assert not threshold.stops(100, False) and threshold.stops(101, False)
    assert threshold.stops(0, True)  # a timeout stops unless IGNORE
    assert nonzero.stops(1, False) and not nonzero.stops(0, False)
    assert not ignore.stops(255, False) and not ignore.stops(0, True)


LINES = st.sampled_from([
    "LOCAL_BACKUP=YES", "LOCAL_BACKUP=NO", "[PRE_PROC]", "[POST_PROC]", "[SPLIT_PROC]", "[CMD]",
    "CMDLINE=/bin/true", 'CMDLINE="/a b/c" -x', "CMDLINE=rel", "ENV=A=1", "ENV=A=", "TIMEOUT=0",
    "TIMEOUT=NOWAIT", "TIMEOUT=99999", "END_CODE=7", "END_CODE=IGNORE", "LOCATION=REMOTE",
    "PARENT_STAT=ANY", "# comment", "", "   ", "[", "=", "X=", "CMDLINE=/x/drmmount"])


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.binary(max_size=2000),
                 st.lists(st.one_of(LINES, st.text(max_size=80)), max_size=40).map(
                     lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass"))))
def test_any_bytes_give_a_checked_script_or_a_script_error(data):
    try:
        script = parse_script(data)
    except ScriptError:
        return
    assert isinstance(script, UserScript)
    for command in (*script.pre, *script.post):
        assert command.argv[0].startswith("/") and len(command.cmdline) <= 2048
        assert command.timeout is None or 0 <= command.timeout <= 86400
