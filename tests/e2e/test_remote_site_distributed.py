"""Worked example E (local site <-> remote site over TrueCopy) with the basic and CCI console
commands over RabbitMQ, FSServer's and BKServer's agents each in its own process (sharing the
lab's arrays, as the two sites' hosts share the TrueCopy link)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.remote_site_story import BK, FS, check_example_e, run_example_e
from tests.e2e.test_transfer_distributed import start_agent, stop_agent
from tests.e2e.transfer_story import check_replay

pytestmark = pytest.mark.amqp


@pytest.fixture
def cli(broker, tmp_path):
    for host in (FS, BK):
        broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=FS))
    cli.run("lab", "init", "--example", check=True)
    agents = [start_agent(cli, host) for host in (FS, BK)]
    yield cli
    for agent in agents:
        stop_agent(agent)


def test_worked_example_e_over_rabbitmq_with_an_agent_per_host(cli, tmp_path):
    check_example_e(run_example_e(cli, tmp_path))
    check_replay(cli)
