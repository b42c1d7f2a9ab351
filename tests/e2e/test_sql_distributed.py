"""An online SQL Server backup and drmsqlcat through RabbitMQ, with ``drm agent`` for
DBServer in its own process (issue 13)."""
from __future__ import annotations

import signal

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.sql_story import HOST, check_metafiles, online_backup, stop_instances
from tests.e2e.test_distributed_cli import wait_for_output

pytestmark = pytest.mark.amqp


@pytest.fixture
def db_agent(broker, tmp_path):
    host = broker.host(HOST)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=host))
    cli.run("lab", "init", "--example", check=True)
    agent = cli.start("agent", "--host", host)
    try:
        wait_for_output(agent, "Connected to")
        yield cli
    finally:
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0
        stop_instances(cli)


def test_an_online_backup_and_its_catalog_over_the_broker(db_agent):
    backup_id = online_backup(db_agent)
    check_metafiles(db_agent, backup_id)
