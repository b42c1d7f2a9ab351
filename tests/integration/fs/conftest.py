from __future__ import annotations

import pytest

from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_HOST, init_example_lab, settings_for


@pytest.fixture
def data_dir(tmp_path):
    init_example_lab(tmp_path)
    return tmp_path


@pytest.fixture
def agent(data_dir):
    built = build_agent(settings_for(data_dir), FS_HOST)
    yield built
    built.ports.storage.wait_idle(10)
