"""Running the real ``drm`` console commands as subprocesses."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def run(self, *args: str, program: str = "drm", timeout: float = 120,
            check: bool = False) -> subprocess.CompletedProcess:
        result = subprocess.run([str(BIN / program), *args], env=self.env, text=True,
                                capture_output=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "drm"), *args], env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRM_")}
    env.update(overrides)
    return env


@pytest.fixture
def embedded_cli(tmp_path):
    return Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_HOSTNAME="FSServer"))
