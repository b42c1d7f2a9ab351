from __future__ import annotations

import pytest

from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_HOST, init_example_lab, settings_for
from tests.tape_lab import BK_HOST


@pytest.fixture
def data_dir(tmp_path):
    init_example_lab(tmp_path)
    return tmp_path


@pytest.fixture
def fs_agent(data_dir):
    built = build_agent(settings_for(data_dir), FS_HOST)
    yield built
    built.ports.storage.wait_idle(10)


@pytest.fixture
def bk_agent(data_dir):
    built = build_agent(settings_for(data_dir), BK_HOST)
    yield built
    built.ports.storage.wait_idle(10)
