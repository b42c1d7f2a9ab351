from __future__ import annotations

import pytest

from tests.fs_lab import init_example_lab
from tests.sql_lab import sql_agent, sql_engine


@pytest.fixture
def data_dir(tmp_path):
    init_example_lab(tmp_path)
    return tmp_path


@pytest.fixture
def engine(data_dir):
    built = sql_engine(data_dir)
    yield built
    built.close()


@pytest.fixture
def agent(data_dir, engine):
    built = sql_agent(data_dir, engine)
    yield built
    built.ports.storage.wait_idle(10)
