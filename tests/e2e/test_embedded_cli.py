"""The CLI on a fresh machine without servers: the agent runs in-process."""
from __future__ import annotations

import json
import sqlite3


def test_hostinfo_prints_the_manual_framing_and_records_an_event(embedded_cli):
    result = embedded_cli.run("hostinfo", check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "KAVX0001-I The drmhostinfo command will now start."
    assert lines[-1] == "KAVX0002-I The drmhostinfo command will now end."
    assert any(line.startswith("HOSTNAME") and line.endswith(": FSServer") for line in lines)
    log = embedded_cli.run("log", "--json", check=True)
    event = json.loads(log.stdout)
    assert event["type"] == "CommandCompleted" and event["seq"] == 1
    assert event["payload"]["result"]["hostname"] == "FSServer"


def test_console_alias_and_json_output(embedded_cli):
    first = embedded_cli.run(program="drmhostinfo", check=True)
    assert "KAVX0001-I The drmhostinfo command" in first.stdout
    second = json.loads(embedded_cli.run("hostinfo", "--json", check=True).stdout)
    assert second["seq"] == 2 and second["payload"]["result"]["stream_head_seq"] == 1


def test_verify_passes_then_names_the_edited_seq(embedded_cli, tmp_path):
    for _ in range(3):
        embedded_cli.run("hostinfo", check=True)
    assert "chain intact" in embedded_cli.run("verify", check=True).stdout
    database = tmp_path / "data" / "hosts" / "FSServer" / "events.db"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE drm_events SET principal = 'mallory@elsewhere' WHERE seq = 2")
    result = embedded_cli.run("verify")
    assert result.returncode == 1
    assert "KAVX0006-E" in result.stderr and "seq 2" in result.stderr


def test_unknown_option_is_a_usage_error_that_changes_nothing(embedded_cli):
    result = embedded_cli.run("hostinfo", "--bogus")
    assert result.returncode == 1 and "unrecognized arguments" in result.stderr
    assert result.stderr.startswith("usage: drm hostinfo")
    assert embedded_cli.run("log", check=True).stdout.strip().count("\n") == 0


def test_help_explains_each_command(embedded_cli):
    result = embedded_cli.run("--help", check=True)
    for command in ("hostinfo", "log", "verify", "agent"):
        assert command in result.stdout
