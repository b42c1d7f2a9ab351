"""The file-system story through RabbitMQ, with ``drm agent`` in its own process."""
from __future__ import annotations

import json

import pytest

from tests.e2e.fs_story import backup, check_story, mount_point, run_story
from tests.e2e.agent_process import example_lab_agent

pytestmark = pytest.mark.amqp


@pytest.fixture
def fs_agent(broker, tmp_path):
    """A CLI environment for host FSServer and its agent running as a separate process."""
    with example_lab_agent(broker, tmp_path, "FSServer") as cli:
        yield cli


def test_the_story_through_an_agent_process(fs_agent):
    check_story(run_story(fs_agent, provision=False))  # the fixture loaded the lab


def test_queries_and_failures_cross_the_broker(fs_agent):
    cli = fs_agent
    first = backup(cli, "-comment", "over amqp")
    mp = str(mount_point(cli))
    catalog = json.loads(cli.run(mp, "--json", program="drmfscat", check=True).stdout)
    assert [entry["backup_id"] for entry in catalog["result"]["entries"]] == [first]
    assert catalog["result"]["entries"][0]["comment"] == "over amqp"
    missing = cli.run(mp, "-backup_id", "0000000099", program="drmfscat")
    assert missing.returncode == 1 and "KAVX0024-E" in missing.stderr
    failed = cli.run("0000000042", "-resync", program="drmfsrestore")
    assert failed.returncode == 1 and failed.stderr.startswith("KAVX")

