"""The real console commands: every error exits 1, usage errors show the usage, ``-help``
works, ``--json`` failures are JSON on stdout, an unknown host is named."""
from __future__ import annotations

import json


def test_help_in_the_manuals_spelling(embedded_cli):
    result = embedded_cli.run("-help", program="drmfscat")
    assert result.returncode == 0 and result.stdout.startswith("usage: drm fscat")


def test_an_argparse_error_exits_1_with_the_usage_and_a_kavx_message(embedded_cli):
    result = embedded_cli.run("-mode", "warm", "/mnt/fs1", program="drmfsbackup")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("usage: drm fsbackup")
    assert lines[-1].startswith("KAVX0006-E An error that stopped processing occurred. "
                                "(DRM-90100: argument -mode/--mode: invalid choice: 'warm'")


def test_a_failure_with_json_is_a_json_object_on_stdout(embedded_cli):
    result = embedded_cli.run("/mnt/nothing", "--json", program="drmfscat")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"error": {
        "message_id": "KAVX0024-E", "text": "The specified backup data does not exist.",
        "detail": None}, "exit_code": 1}
    assert result.stderr.strip() == "KAVX0024-E The specified backup data does not exist."


def test_an_unknown_host_is_named_by_the_agent_commands_and_the_log(embedded_cli):
    fscat = embedded_cli.run("/mnt/fs1", "--host", "Nope", program="drmfscat")
    assert fscat.returncode == 1 and "the host Nope is unknown" in fscat.stderr
    assert "backup data does not exist" not in fscat.stderr
    log = embedded_cli.run("log", "--host", "Nope")
    assert log.returncode == 1 and "the host Nope is unknown" in log.stderr
