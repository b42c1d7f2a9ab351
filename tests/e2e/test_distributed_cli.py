"""``drm agent`` as its own process and the CLI talking to it over RabbitMQ."""
from __future__ import annotations

import json
import signal
import time

import pytest

from tests.e2e.conftest import Cli, clean_env


@pytest.fixture
def distributed_cli(broker, tmp_path):
    return Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                         DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME="FSServer"))


def wait_for_output(process, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"agent never said {text!r}: {''.join(seen)}")


def test_hostinfo_round_trip_through_an_agent_process(broker, distributed_cli):
    host = broker.host("FSServer")
    agent = distributed_cli.start("agent", "--host", host)
    try:
        wait_for_output(agent, "Connected to")
        result = distributed_cli.run("hostinfo", "--host", host, program="drm", check=True)
        assert "HOSTNAME" in result.stdout and "RECORDED AS" in result.stdout
        time.sleep(0.5)  # the relay publishes right after the reply
        replayed = distributed_cli.run("log", "--source", "stream", "--json", check=True)
        event = json.loads(replayed.stdout)
        assert event["host"] == host and event["type"] == "CommandCompleted"
    finally:
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0


def test_hostinfo_for_a_host_without_agent_times_out_naming_it(broker, distributed_cli):
    host = broker.host("Ghost")
    result = distributed_cli.run("hostinfo", "--host", host, "--timeout", "1")
    assert result.returncode == 1
    assert "KAVX0006-E" in result.stderr and "Ghost" in result.stderr
    assert "stays queued" in result.stderr


def test_the_shared_log_of_a_namespace_never_declared_is_a_clear_error(broker, tmp_path):
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=f"{broker.topology.namespace}x", DRM_HOSTNAME="FSServer"))
    result = cli.run("log", "--source", "stream")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "KAVX0006-E" in result.stderr and "404" in result.stderr
    assert ":guest@" not in result.stderr  # the password is not printed


def test_a_stream_protocol_port_that_does_not_answer_is_a_clear_error(broker, tmp_path):
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME="FSServer",
                        DRM_STREAM_URL="rabbitmq-stream://guest:guest@127.0.0.1:1/%2f"))
    result = cli.run("log", "--source", "stream")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "KAVX0006-E" in result.stderr and "cannot read the shared log" in result.stderr
