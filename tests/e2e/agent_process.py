"""One host's agent as a separate process on the example lab, for the tests over RabbitMQ.

``example_lab_agent`` loads the example lab into ``tmp_path/data``, starts ``drm agent`` for
``host`` (namespaced on the test broker), yields the CLI environment once the agent is
connected, and stops the agent with SIGTERM afterwards (it must exit 0); ``after`` runs last,
whatever happened (for example stopping the simulated SQL Server instances the lab started).
"""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Callable, Iterator

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.test_distributed_cli import wait_for_output


@contextmanager
def example_lab_agent(broker, tmp_path, host: str,
                      after: Callable[[Cli], object] | None = None) -> Iterator[Cli]:
    name = broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=name))
    cli.run("lab", "init", "--example", check=True)
    agent = cli.start("agent", "--host", name)
    try:
        wait_for_output(agent, "Connected to")
        yield cli
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            assert agent.wait(30) == 0
        finally:
            if after is not None:
                after(cli)
