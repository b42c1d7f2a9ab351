"""An online SQL Server backup and drmsqlcat through RabbitMQ, with ``drm agent`` for
DBServer in its own process (issue 13)."""
from __future__ import annotations


import pytest

from tests.e2e.sql_story import HOST, check_metafiles, online_backup, stop_instances
from tests.e2e.agent_process import example_lab_agent

pytestmark = pytest.mark.amqp


@pytest.fixture
def db_agent(broker, tmp_path):
    with example_lab_agent(broker, tmp_path, HOST, after=stop_instances) as cli:
        yield cli


def test_an_online_backup_and_its_catalog_over_the_broker(db_agent):
    backup_id = online_backup(db_agent)
    check_metafiles(db_agent, backup_id)
