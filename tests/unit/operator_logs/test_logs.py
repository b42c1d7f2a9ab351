"""drm_output.log, drm_script.log and drm_pp_trace<n>.log: the manual's record layouts, their
rotation (10 MB to .old, MAX_LOG_LINES, the PP_LOGFILE_NUM ring), masking of passwords, and
hypothesis over arbitrary messages."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st

from adapters.operator_logs.common import mask_argv, mask_secrets
from adapters.operator_logs.output_log import OutputLog
from adapters.operator_logs.script_log import ScriptLog, script_record
from adapters.operator_logs.trace_log import TraceLog
from tests.fuzzing import examples

WHEN = datetime(2005, 10, 8, 19, 22, 32, 560_000)


def test_output_log_records_as_the_manuals_mail_example(tmp_path):
    log = OutputLog(tmp_path / "log" / "drm_output.log", pid=3896, clock=lambda: WHEN)
    log.command(["drmexgbackup", "-mode", "vss"])
    log.write(["KAVX0001-I The drmexgbackup command will now start.",
               "KAVX0256-I A connection to the Protection Manager service will now be "
               "established.\nHost name = 10.106.136.125"])
    assert (tmp_path / "log" / "drm_output.log").read_text().splitlines() == [
        "2005/10/08 19:22:32(00003896) drmexgbackup -mode vss",
        "2005/10/08 19:22:32(00003896) KAVX0001-I The drmexgbackup command will now start.",
        "2005/10/08 19:22:32(00003896) KAVX0256-I A connection to the Protection Manager "
        "service will now be established.",
        "Host name = 10.106.136.125"]


def test_output_log_turns_to_old_at_its_size(tmp_path):
    path = tmp_path / "drm_output.log"
    log = OutputLog(path, pid=1, clock=lambda: WHEN, max_bytes=200)
    for n in range(5):
        log.write([f"message {n} " + "x" * 40])
    old = (tmp_path / "drm_output.log.old").read_text()
    assert path.stat().st_size <= 200 and "message 4" in path.read_text()
    assert "message 3" in old and "message 0" not in old  # two generations only


def test_passwords_never_reach_a_log(tmp_path):
    log = OutputLog(tmp_path / "drm_output.log", pid=1, clock=lambda: WHEN)
    log.command(["EX_DRM_FTP_PUT", "op", "-server", "bk", "-user", "u", "-password", "s3cret"])
    log.write(["connecting to ftp://u:s3cret@bk/ with password=s3cret"])
    assert "s3cret" not in (tmp_path / "drm_output.log").read_text()
    assert mask_argv(["-password=x", "--password", "y", "-user", "z"]) == \
        ["-password=****", "--password", "****", "-user", "z"]
    assert mask_secrets("EX_DRM_FTP_GET op -password \"a b\" -user u") == \
        "EX_DRM_FTP_GET op -password **** -user u"


def test_script_log_lines_are_the_manuals_records():
    line = script_record(datetime(2003, 7, 31, 20, 15, 11, 560_000), "START", "operation1",
                         "FSServer_A", "M:", "EX_DRM_FS_BACKUP", [],
                         "KAVX0450-I The EX_DRM_FS_BACKUP command will now start.")
    assert line == ("2003/07/31 20:15:11.560 |START |operation1 |FSServer_A |M: "
                    "|EX_DRM_FS_BACKUP |KAVX0450-I The EX_DRM_FS_BACKUP command will now start.")
    end = script_record(datetime(2003, 7, 31, 20, 17, 22, 60_000), "END", "operation1",
                        "DBServer_A", "", "EX_DRM_SQL_BACKUP", [],
                        "KAVX0451-I The EX_DRM_SQL_BACKUP command will now end.")
    assert end == ("2003/07/31 20:17:22.060 |END   |operation1 |DBServer_A |- "
                   "|EX_DRM_SQL_BACKUP |KAVX0451-I The EX_DRM_SQL_BACKUP command will now end.")
    masked = script_record(WHEN, "INFO", "op", "h", "-", "EX_DRM_FTP_PUT",
                           ["-password", "pw"], "a\nb")
    assert "|EX_DRM_FTP_PUT -password **** |a b" in masked and "pw" not in masked
    with pytest.raises(ValueError):
        script_record(WHEN, "LOUD", "op", "h", "-", "c", [], "m")


def test_script_log_rotates_by_max_log_lines(tmp_path):
    path = tmp_path / "script" / "log" / "drm_script.log"
    log = ScriptLog(path, max_lines=1000, clock=lambda: WHEN)
    for n in range(1001):
        log.record("INFO", "op", "h", "-", "EX_DRM_FS_BACKUP", f"record {n}")
    assert len(path.read_text().splitlines()) == 1
    assert len((path.parent / "drm_script.log.old").read_text().splitlines()) == 1000
    with pytest.raises(ValueError):
        ScriptLog(path, max_lines=999)


def test_script_log_falls_back_to_the_output_log(tmp_path):
    blocked = tmp_path / "script"
    blocked.write_text("a file where the directory should be")
    output = OutputLog(tmp_path / "drm_output.log", pid=7, clock=lambda: WHEN)
    log = ScriptLog(blocked / "log" / "drm_script.log", fallback=output, clock=lambda: WHEN)
    log.record("ERROR", "op", "h", "-", "EX_DRM_FS_BACKUP", "failed")
    assert "|ERROR |op |h |- |EX_DRM_FS_BACKUP |failed" in output.path.read_text()


def test_trace_log_filters_by_loglevel_and_rings_over_its_files(tmp_path):
    trace = TraceLog(tmp_path, loglevel=1, files=3, application="drmfsbackup",
                     max_bytes=300, clock=lambda: WHEN, pid=42)
    assert trace.record("ER", "KAVX0006-E", "failed") and trace.record("WR", "", "warned")
    assert not trace.record("IF", "KAVX0001-I", "started")
    first = (tmp_path / "drm_pp_trace1.log").read_text().splitlines()
    assert first[0].startswith("0000000001 2005/10/08 19:22:32.560 drmfsbackup 42 ")
    assert first[0].endswith(" KAVX0006-E ER failed") and first[1].endswith(" - WR warned")
    for n in range(30):
        trace.record("ER", "KAVX0006-E", f"error {n} " + "e" * 30)
    names = sorted(p.name for p in tmp_path.glob("drm_pp_trace*.log"))
    assert names == ["drm_pp_trace1.log", "drm_pp_trace2.log", "drm_pp_trace3.log"]
    assert all(p.stat().st_size <= 300 for p in tmp_path.glob("drm_pp_trace*.log"))
    numbers = [int(line.split()[0]) for p in tmp_path.glob("drm_pp_trace*.log")
               for line in p.read_text().splitlines()]
    assert max(numbers) == 32 and len(set(numbers)) == len(numbers)
    everything = TraceLog(tmp_path / "all", loglevel=9)
    assert everything.record("DB", "", "debug")
    with pytest.raises(ValueError):
        TraceLog(tmp_path, loglevel=4)
    with pytest.raises(ValueError):
        TraceLog(tmp_path, files=17)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=5), st.text(max_size=30))
def test_any_message_is_logged_as_lines_without_its_password(tmp_path_factory, texts, secret):
    directory = tmp_path_factory.mktemp("logs")
    output = OutputLog(directory / "drm_output.log", pid=1, clock=lambda: WHEN)
    argv = ["EX_DRM_FTP_GET", "op", "-password", "S" + secret.replace(" ", "_") + "Z"]
    output.command(argv)
    written = output.write(texts)
    data = (directory / "drm_output.log").read_bytes()
    assert data.endswith(b"\n") and len(written) >= len(texts)
    assert ("S" + secret.replace(" ", "_") + "Z").encode("utf-8", "backslashreplace") \
        not in data.split(b"\n")[0]
    script = ScriptLog(directory / "drm_script.log", clock=lambda: WHEN)
    for text in texts:
        line = script.record("INFO", "op", "h", text, "EX_DRM_FS_BACKUP", text)
        assert "\n" not in line and line.count(" |") >= 6
