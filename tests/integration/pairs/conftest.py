from __future__ import annotations

import pytest

from services.agent.bootstrap import build_agent
from services.settings import load_settings
from tests.fs_lab import FS_HOST, init_example_lab

BK_HOST = "BKServer"


@pytest.fixture
def data_dir(tmp_path):
    init_example_lab(tmp_path)
    return tmp_path


def agent_for(data_dir, host):
    return build_agent(load_settings(environ={}, data_dir=data_dir, hostname=host), host)


@pytest.fixture
def fs_agent(data_dir):
    built = agent_for(data_dir, FS_HOST)
    yield built
    built.ports.storage.wait_idle(10)


@pytest.fixture
def bk_agent(data_dir):
    built = agent_for(data_dir, BK_HOST)
    yield built
    built.ports.storage.wait_idle(10)
