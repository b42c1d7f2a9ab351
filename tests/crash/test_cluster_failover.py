"""Cluster failover with a real SIGKILL of the active node's agent in the middle of a backup.

Two agent processes serve virtual server FSServer from nodes NodeA and NodeB, sharing the data
directory (the cluster's shared disk) and the queue ``<p>.agent.FSServer`` (single active
consumer). NodeA starts first and is the active node: while it lives, NodeB takes no command.
NodeA is killed with SIGKILL in the middle of a cold backup (during the resync copy, seen on the
array; right after the backup was requested; right after the S-VOL was split): NodeB takes
over, records ``ClusterNodeActivated``, ends the workflow by start-up recovery (aborted, or
recorded when the split had happened) and answers the killed command, which the client that
sent it receives (no command lost). The command never runs twice (one ``BackupRequested``, at
most one catalog entry), sending it again gives the same answer, and the host is sound.
"""
from __future__ import annotations

import signal
import uuid
from datetime import datetime, timezone

import pytest

from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.storage.base import VolumeRef
from adapters.storage.fault import FaultInjector
from adapters.storage.simulated_array import SimulatedStorage
from events import CommandEnvelope
from events.catalogue import CATALOGUE
from services.agent.bootstrap import build_agent, open_store
from services.settings import load_settings
from tests.cluster_lab import NODES, VIRTUAL_SERVER, init_cluster_lab, start_node, wait_for_file
from tests.fs_lab import FS_MOUNT

pytestmark = pytest.mark.amqp

PVOL = VolumeRef(serial="410001", ldev=256)


def a_command(name: str, **args) -> CommandEnvelope:
    return CommandEnvelope(command=CATALOGUE[name].model_validate({**args, "name": name}),
                           target_host=VIRTUAL_SERVER, principal="tester@lab",
                           issued_at=datetime.now(timezone.utc))


def cold_backup() -> CommandEnvelope:
    return a_command("BackupFileSystem", targets=[FS_MOUNT], mode="cold")


@pytest.fixture
def cluster(broker, tmp_path):
    """The lab, three backups made (every local generation PSUS, so the next cold backup
    resyncs local_0 first), the broker namespace and a client."""
    broker.host(VIRTUAL_SERVER)
    init_cluster_lab(tmp_path)
    settings = load_settings(environ={}, data_dir=tmp_path, hostname=VIRTUAL_SERVER)
    agent = build_agent(settings, VIRTUAL_SERVER)
    for _ in range(3):
        assert agent.handle(a_command("BackupFileSystem", targets=[FS_MOUNT])).type \
            == "CommandCompleted"
    connection = open_connection(broker.url)
    processes = []
    yield tmp_path, broker, CommandClient(connection, broker.topology), processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    connection.release()


def events_of(data_dir):
    settings = load_settings(environ={}, data_dir=data_dir, hostname=VIRTUAL_SERVER)
    return open_store(settings, VIRTUAL_SERVER, sign=False).read(VIRTUAL_SERVER)


def activations(events) -> list[str]:
    return [e.payload["node"] for e in events if e.type == "ClusterNodeActivated"]


def check_once(data_dir, client, sent, outcome) -> list:
    """The killed command ran once, and sending it again gives the same answer."""
    events = events_of(data_dir)
    ids = [e.event_id for e in events]
    assert len(set(ids)) == len(ids), "an event id was reused"
    of_command = [e for e in events if e.command_id == sent.command_id]
    assert [e.type for e in of_command].count("BackupRequested") == 1, "the command ran twice"
    assert [e.type for e in of_command].count("BackupRecorded") <= 1
    again = client.call(sent, timeout=30)
    assert again == outcome
    assert len(events_of(data_dir)) == len(events)  # answered from the store, nothing new
    agent = build_agent(load_settings(environ={}, data_dir=data_dir, hostname=VIRTUAL_SERVER),
                        VIRTUAL_SERVER, recover_now=False)
    assert not agent.view.unfinished_workflows()
    return sorted(agent.view.catalog)


def test_the_standby_takes_no_command_while_the_active_node_lives(cluster):
    data_dir, broker, client, processes = cluster
    processes += [start_node(data_dir, node, broker.url, broker.topology.namespace)
                  for node in NODES]
    for _ in range(5):
        assert client.call(a_command("HostInfo"), timeout=30).type == "CommandCompleted"
    assert client.call(cold_backup(), timeout=60).type == "CommandCompleted"
    assert activations(events_of(data_dir)) == ["NodeA"]
    assert not any("takes over" in line for line in processes[1].lines)


def test_active_node_killed_during_the_resync_copy(cluster):
    """A plain kill from outside, while the array copies: NodeB waits the copy out and aborts
    the backup (the split never happened); the older entries stay."""
    data_dir, broker, client, processes = cluster
    processes += [start_node(data_dir, node, broker.url, broker.topology.namespace)
                  for node in NODES]
    faults = FaultInjector(data_dir / "arrays")
    faults.slow_copy("*", 0.2)
    sent = client.send(cold_backup())
    watcher = SimulatedStorage(data_dir / "arrays")
    wait_until(lambda: watcher.pairdisplay(PVOL, "0").status.value == "COPY")
    processes[0].send_signal(signal.SIGKILL)
    assert processes[0].wait(10) == -9
    faults.clear()
    outcome = client.wait(sent.command_id, VIRTUAL_SERVER, timeout=60)
    assert outcome.type == "CommandFailed" and "restarted" in outcome.payload["text"]
    assert activations(events_of(data_dir)) == ["NodeA", "NodeB"]
    assert check_once(data_dir, client, sent, outcome) == ["0000000002", "0000000003"]
    assert client.call(cold_backup(), timeout=60).type == "CommandCompleted"  # NodeB serves
    assert activations(events_of(data_dir)) == ["NodeA", "NodeB"]


@pytest.mark.parametrize("kill_after, completed", [("BackupRequested", False),
                                                   ("PairSplit", True)])
def test_active_node_killed_at_a_step_of_the_backup(cluster, kill_after, completed):
    data_dir, broker, client, processes = cluster
    marker = data_dir / f"paused-{uuid.uuid4().hex}"
    processes.append(start_node(data_dir, "NodeA", broker.url, broker.topology.namespace,
                                pause_after=kill_after, marker=marker))
    processes.append(start_node(data_dir, "NodeB", broker.url, broker.topology.namespace))
    sent = client.send(cold_backup())
    wait_for_file(marker)
    processes[0].send_signal(signal.SIGKILL)
    assert processes[0].wait(10) == -9
    outcome = client.wait(sent.command_id, VIRTUAL_SERVER, timeout=60)
    catalog = check_once(data_dir, client, sent, outcome)
    if completed:
        assert outcome.type == "CommandCompleted", outcome.payload
        assert outcome.payload["result"]["backup_id"] == "0000000004"
        assert catalog == ["0000000002", "0000000003", "0000000004"]
    else:
        assert outcome.type == "CommandFailed" and "restarted" in outcome.payload["text"]
        assert catalog == ["0000000002", "0000000003"]
    assert activations(events_of(data_dir)) == ["NodeA", "NodeB"]


def wait_until(condition, timeout: float = 30) -> None:
    import time
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)
