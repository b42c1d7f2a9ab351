"""Run one CLI command line against a ``FakeRunner``: exit code, stdout, stderr."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from services.cli.main import run as run_cli


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@pytest.fixture(autouse=True)
def cli_env(monkeypatch, tmp_path):
    for key in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_NAMESPACE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DRM_HOSTNAME", "FSServer")
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def run(capsys):
    def run_line(argv: list[str], runner) -> Ran:
        capsys.readouterr()
        code = run_cli(argv, connect=runner.connect())
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run_line
