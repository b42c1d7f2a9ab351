"""The restore bench's reading of the server log (bench/pg_restore_rounds.py): the replay's
elapsed seconds of the last "redo done" line, None where there is none, and never another
exception, whatever the log holds."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bench.pg_restore_rounds import last_redo_seconds
from tests.fuzzing import examples

LINE = ("2026-12-05 09:42:50.462 UTC [12341] LOG:  redo done at 0/5C1000D8 system usage: "
        "CPU: user: 0.90 s, system: 1.98 s, elapsed: {} s\n")


def test_the_last_replay_of_the_log_is_read(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("LOG:  redo starts at 0/38600028\n" + LINE.format("28.08")
                   + "LOG:  archive recovery complete\n" + LINE.format("6.49"))
    assert last_redo_seconds(log) == 6.49


def test_a_log_without_a_replay_gives_none(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("LOG:  database system is ready to accept connections\n")
    assert last_redo_seconds(log) is None


def test_a_malformed_figure_is_not_read(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(LINE.format("1.2.3") + LINE.format("."))
    assert last_redo_seconds(log) is None


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=2000), st.text(alphabet="0123456789. s", max_size=12))
def test_any_log_gives_a_number_or_none(tmp_path_factory, data, figure):
    log = tmp_path_factory.mktemp("log") / "server.log"
    log.write_bytes(data + b"redo done at 0/1 elapsed: " + figure.encode() + b" s\n")
    found = last_redo_seconds(log)
    assert found is None or found >= 0
