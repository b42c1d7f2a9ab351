"""Hostile command lines for the SQL Server, PostgreSQL, EX_DRM_SQL* and CCI commands: NUL
bytes, lone surrogates, huge and negative numbers, ``..`` and absolute paths, over-long text.
Every line ends with exit 0/1 (or CCI's exit code) and a message ID, never a traceback."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from services.cli import table
from tests.fuzzing import examples
from tests.unit.cli.fakes import FakeRunner, rejected

NEW = [name for name in table.ENTRIES
       if any(k in name.lower() for k in ("sql", "pg", "pair", "raid", "horc"))]
OPTIONS = ["-backup_id", "-backup_id_l", "-f", "-d", "-g", "-I", "-IM", "-ITC", "-t", "-s",
           "-c", "-p", "-target", "-transact_log_list", "-undodir", "-metadir", "-template",
           "-time", "-lsn", "-name", "-pf", "-script", "-comment", "-vdi_timeout",
           "-timeout_seconds", "-pace", "-serial", "-port", "-FBC", "-label_dir", "-log_dir",
           "-target_file", "-data", "-logs", "-x", "-wait", "-mode", "-status", "-rc",
           "-spread", "-v", "-nowait", "-restore", "-vl", "-no_cat", "-latest"]
VALUES = ["\x00", "a\x00b", "\ud800", "\u200b", "-1", "0", "99999999999999999999", "1e400",
          "nan", "inf", "-0", "2147483648", "../../etc/passwd", "/etc/passwd", "x" * 5000,
          "é" * 300, "DB01,DB01", ",", "[DB]", "0000000001", "\u0661" * 10, "SQLSRV01",
          "DEFAULT", "G1", "", " ", "\n", "%n%s", "$(id)", "'; DROP", "*", "-"]


class RefusingRunner(FakeRunner):
    def call(self, command, host, timeout=30.0, progress=None):
        self.calls.append((command.name, host, command.arguments()))
        return rejected(command.name, "KAVX0006-E", "refused by the test")


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=examples(300), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(NEW),
       words=st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES)),
                      max_size=6))
def test_a_hostile_line_gets_a_message_never_a_traceback(run, command, words):
    ran = run([command, *words], RefusingRunner())
    assert "Traceback" not in ran.err and "Traceback" not in ran.out
    assert ran.code in (0, 1) or 200 <= ran.code <= 255, ran
    if ran.code == 1:
        assert "KAVX" in ran.err or "DRMX" in ran.err, ran.err


@pytest.mark.parametrize("argv", [
    ["sqlrestore", "0000000001", "-resync", "-target", ""],
    ["sqlrestore", "0000000001", "-resync", "-target", ",, ,"],
    ["sqlrestore", "0000000001", "-resync", "-f", "EMPTY"],
    ["sqlrecover", "default", "-target", ","],
    ["sqllogbackup", "default", "-target", ""],
], ids=["restore -target ''", "restore -target ',,'", "restore -f empty", "recover -target ,",
        "logbackup -target ''"])
def test_a_target_option_that_names_no_database_is_refused_not_taken_as_all(run, tmp_path,
                                                                            argv):
    """Hostile finding: an empty -target (or a -f file of comments only) sent no targets,
    which the agent reads as every database of the backup or instance."""
    empty = tmp_path / "targets.txt"
    empty.write_text("# nothing\n\n")
    runner = RefusingRunner()
    ran = run([str(empty) if word == "EMPTY" else word for word in argv], runner)
    assert ran.code == 1 and "names no database" in ran.err
    assert runner.calls == []


@pytest.mark.parametrize("when", ["2026-13-45 99:99:99", "0000-01-01 00:00:00",
                                  "2026-02-30 00:00:00"])
def test_a_recovery_time_that_is_no_date_is_refused_before_the_agent(run, when):
    """Hostile finding: the time pattern took any digits; PostgreSQL would refuse the target
    only when the restored server starts in recovery."""
    runner = RefusingRunner()
    ran = run(["pgrecover", "main", "-time", when], runner)
    assert ran.code == 1 and "is not a date and time" in ran.err and runner.calls == []


def test_a_recovery_time_with_a_zone_passes(run):
    runner = RefusingRunner()
    run(["pgrecover", "main", "-time", "2026-01-01 00:00:00.5 UTC"], runner)
    run(["pgrecover", "main", "-time", "2026-01-01T00:00:00+01:00"], runner)
    assert len(runner.calls) == 2


def test_drmsqlinit_reads_a_bounded_answer_from_an_endless_stdin(run, monkeypatch):
    """Hostile finding: ``drmsqlinit X < /dev/zero`` read one unbounded line (no newline ever
    comes) until memory ran out."""
    import io

    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    runner = RefusingRunner()
    ran = run(["sqlinit", "DEFAULT"], runner)
    assert ran.code == 1 and "longer than" in ran.err and runner.calls == []
