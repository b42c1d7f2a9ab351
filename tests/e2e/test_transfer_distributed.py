"""Worked example B and auto-import over RabbitMQ, FSServer and BKServer agents in their own
processes (sharing the lab's data directory, as two hosts share an array)."""
from __future__ import annotations

import json
import signal
import subprocess

import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from tests.e2e.conftest import Cli, clean_env
from tests.e2e.fs_story import mount_point
from tests.e2e.test_distributed_cli import wait_for_output
from tests.e2e.transfer_story import (BK, FS, catalog, check_example_b, check_lineage,
                                      check_replay, load_split_lab, run, run_example_b)

pytestmark = pytest.mark.amqp


def start_agent(cli: Cli, host: str) -> subprocess.Popen:
    agent = cli.start("agent", "--host", host)
    wait_for_output(agent, "Connected to")
    return agent


def stop_agent(agent: subprocess.Popen) -> None:
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(30) == 0


@pytest.fixture
def cli(broker, tmp_path):
    for host in (FS, BK):
        broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=FS))
    load_split_lab(cli, tmp_path)
    return cli


@pytest.fixture
def fs_agent(cli):
    agent = start_agent(cli, FS)
    yield agent
    stop_agent(agent)


def imported_events(cli: Cli, host: str) -> list:
    engine = make_engine(f"sqlite:///{cli.env['DRM_DATA_DIR']}/hosts/{host}/events.db")
    try:
        return [e for e in SqlEventStore(engine).read(host) if e.type == "BackupImported"]
    finally:
        engine.dispose()


def test_worked_example_b_between_two_agent_processes(cli, fs_agent, tmp_path):
    bk_agent = start_agent(cli, BK)
    try:
        check_example_b(run_example_b(cli, tmp_path))
        check_replay(cli)
        check_lineage(cli)
    finally:
        stop_agent(bk_agent)


def test_auto_import_over_the_bus_with_one_correlation(cli, fs_agent):
    bk_agent = start_agent(cli, BK)
    try:
        run(cli, "drmresync", "-copy_group", "VG01,VOL01")
        out = run(cli, "drmfsbackup", str(mount_point(cli)), "-s", BK, "-auto_import",
                  "-auto_mount", "--json")
        answer = json.loads(out)
        backup, imported = answer["backup"], answer["import"]
        assert imported["host"] == BK and imported["payload"]["result"]["backup_id"] == \
            "0000000001"
        assert imported["correlation_id"] == backup["correlation_id"] == backup["command_id"]
        assert catalog(cli, BK) == {"0000000001": ("0000000001", FS)}
        assert imported["payload"]["result"]["mount"]["mounts"][0]["copy_group"] == \
            "VG01,VOL01"
    finally:
        stop_agent(bk_agent)


def test_auto_import_while_the_backup_server_is_down_runs_once_when_it_starts(cli, fs_agent):
    run(cli, "drmresync", "-copy_group", "VG01,VOL01")
    result = cli.run(str(mount_point(cli)), "-s", BK, "-auto_import", program="drmfsbackup",
                     check=True)
    assert "Backup ID = 0000000001" in result.stdout
    assert "DRMX1080-W The import on BKServer is pending" in result.stdout
    assert "KAVX5159-I" not in result.stdout
    bk_agent = start_agent(cli, BK)
    try:
        assert catalog(cli, BK) == {"0000000001": ("0000000001", FS)}  # queued before this
    finally:
        stop_agent(bk_agent)
    bk_agent = start_agent(cli, BK)  # a restart finds nothing left to do
    try:
        assert catalog(cli, BK) == {"0000000001": ("0000000001", FS)}
    finally:
        stop_agent(bk_agent)
    [event] = imported_events(cli, BK)
    assert (event.payload["source_host"], event.payload["source_backup_id"]) == \
        (FS, "0000000001")
