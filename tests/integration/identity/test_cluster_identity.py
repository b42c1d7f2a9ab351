"""Both nodes of a virtual server hold its broker identity and its signing key, and nothing
else: ``drm lab credentials`` writes a bundle per node, the broker loads the definitions, each
node's agent runs with its own bundle (its secret file, its key directory), and a failover
with a real SIGKILL goes through with identities on: the standby publishes and signs as the
virtual server, the reporting consumer accepts every event, the history verifies."""
from __future__ import annotations

import json
import shutil
import signal
import threading
import time
import uuid
from datetime import datetime, timezone

import pytest

from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.messaging.definitions import Principals
from adapters.messaging.identities import Identities, agent_user, cli_user
from adapters.reporting.sources import StreamSource
from events import CommandEnvelope
from events.fs_commands import BackupFileSystem
from services.agent.bootstrap import open_store
from services.cli.main import main
from services.settings import load_settings
from tests.broker_identities import BrokerIdentities
from tests.cluster_lab import init_cluster_lab, start_node, wait_for_file
from tests.fs_lab import FS_MOUNT

pytestmark = pytest.mark.amqp


@pytest.fixture
def cluster_identities(amqp_url, tmp_path, monkeypatch):
    tag = uuid.uuid4().hex[:6]
    server, namespace, vhost = f"V{tag}", f"t{tag}", f"t-{tag}"
    data_dir = tmp_path / "shared"
    init_cluster_lab(data_dir, server)
    for key in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_KEY_DIR", "DRM_TRUSTED_KEYS",
                "DRM_BROKER_SECRET_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DRM_NAMESPACE", namespace)
    credentials = tmp_path / "creds"
    assert main(["lab", "credentials", str(credentials), "--vhost", vhost,
                 "--cli", f"cli-{tag}", "--reporter", f"report-{tag}"]) == 0
    shutil.rmtree(data_dir / "keys")  # the nodes sign with their bundles' copies only
    principals = Principals(("BKServer", server), (f"cli-{tag}",), (f"report-{tag}",))
    # BKServer is a lab host too; its user name is not unique to this test: leave it out
    loaded = BrokerIdentities.written(amqp_url, credentials, principals, namespace, vhost)
    loaded.principals = Principals((server,), principals.clis, principals.reporters)
    loaded.admin_definitions["users"] = [u for u in loaded.admin_definitions["users"]
                                         if u["name"] != agent_user("BKServer")]
    for key in ("permissions", "topic_permissions"):
        loaded.admin_definitions[key] = [row for row in loaded.admin_definitions[key]
                                         if row["user"] != agent_user("BKServer")]
    loaded.load()
    yield server, data_dir, credentials, loaded
    loaded.cleanup()


def test_a_failover_with_identities_on_signs_and_publishes_as_the_virtual_server(
        cluster_identities):
    server, data_dir, credentials, broker = cluster_identities
    anonymous = "amqp://" + broker.url().split("@", 1)[-1]
    user = agent_user(server)
    nodes = {}
    marker = data_dir / "paused"
    for node in ("NodeA", "NodeB"):
        bundle = credentials / "nodes" / node
        nodes[node] = start_node(
            data_dir, node, anonymous, broker.namespace,
            pause_after="BackupRequested" if node == "NodeA" else "",
            marker=marker if node == "NodeA" else None, DRM_HOSTNAME=server,
            DRM_BROKER_SECRET_FILE=str(bundle / "secrets" / f"{user}.json"),
            DRM_KEY_DIR=str(bundle / "keys"))
    try:
        with open_connection(broker.cli()) as connection:
            client = CommandClient(connection, broker.topology)
            sent = client.send(CommandEnvelope(
                command=BackupFileSystem(targets=(FS_MOUNT,)), target_host=server,
                principal=f"tester@{broker.principals.clis[0]}",
                issued_at=datetime.now(timezone.utc)))
            wait_for_file(marker)
            nodes["NodeA"].send_signal(signal.SIGKILL)
            outcome = client.wait(sent.command_id, server, timeout=60)
            client.close()
        store = open_store(load_settings(environ={}, data_dir=data_dir), server, sign=False)
        deadline = time.monotonic() + 30
        while store.pending(host=server):  # NodeB's relay publishes what NodeA had not
            assert time.monotonic() < deadline, "events left unpublished"
            time.sleep(0.05)
    finally:
        for process in nodes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
    assert outcome.type == "CommandFailed" and "restarted" in outcome.payload["text"]
    events = store.read(server)
    assert [e.payload["node"] for e in events if e.type == "ClusterNodeActivated"] == \
        ["NodeA", "NodeB"]
    verdict = store.verify(server)
    assert verdict.ok
    bundle_key = json.loads((data_dir / "trusted_keys.json").read_text())["hosts"][server]
    assert [k["key_id"] for k in bundle_key] == [
        p.stem for p in (credentials / "nodes" / "NodeB" / "keys" / server).iterdir()]
    source = StreamSource(broker.reporter(), broker.topology.event_log_name,
                          identities=Identities(enabled=True))
    published = [r.body["seq"] for batch in source.batches(None, threading.Event(),
                                                           stop_when_idle=5.0)
                 for r in batch if r.body["host"] == server]
    assert source.refused == 0
    assert sorted(set(published)) == [e.seq for e in events]
