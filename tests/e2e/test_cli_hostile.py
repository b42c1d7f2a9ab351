"""Command lines from issue 15 that used to end in a traceback: each ends in a KAVX-style
message on stderr and exit 1, and changes nothing."""
from __future__ import annotations

import pytest

CASES = [
    (("fsbackup", "/mnt/fs1", "-comment", "\udcff\udcfe"), "not valid UTF-8"),
    (("log", "--after", "99999999999999999999999"), "is not a seq"),
    (("report", "catalog", "--host", "FSServer", "--as-of", "0001-01-01T00:00"),
     "between the years 1 and 9999"),
    (("fscat", "a" * 100_000), "longer than 1024"),
    (("hostinfo", "--host", "../../x"), "unknown"),
]


@pytest.mark.parametrize("argv, says", CASES, ids=[c[1] for c in CASES])
def test_a_hostile_command_line_is_a_clear_error_not_a_traceback(embedded_cli, tmp_path, argv,
                                                                 says):
    result = embedded_cli.run(*argv)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("KAVX0006-E")
    assert says in result.stderr
    assert not (tmp_path / "x").exists()


def test_a_key_for_an_overlong_host_name_is_refused_by_the_host_rule(embedded_cli, tmp_path):
    result = embedded_cli.run("key", "rotate", "--host", "a" * 300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "DRM-90005" in result.stderr and "host" in result.stderr
    assert not (tmp_path / "data" / "keys" / ("a" * 300)).exists()


def test_a_bad_setting_is_named_as_the_operators_error(embedded_cli, tmp_path):
    bad = tmp_path / "secret.json"
    bad.write_text("{}")
    embedded_cli.env.update(DRM_BROKER_SECRET_FILE=str(bad),
                            DRM_BROKER_URL="amqp://127.0.0.1:1//")
    result = embedded_cli.run("hostinfo")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "DRM-90005" in result.stderr and "DRM_BROKER_SECRET_FILE" in result.stderr
