"""A cluster node's side of a virtual server: the cluster resource and its CLU_* retries,
activation (recorded, once), standing by again; the lab's nodes; ``drm agent`` on a virtual
server from a machine that is not one of its nodes; the node bundles of ``drm lab
credentials`` (the virtual server's broker secret and signing key, on each node)."""
from __future__ import annotations

import json
import stat
import threading

import pytest

from adapters.config.init_conf import ClusterRetry
from adapters.lab.loader import LabError, load_lab
from services.agent.bootstrap import build_agent, open_store
from services.agent.cluster import (ClusterNode, ClusterResource, ClusterResourceBusy,
                                    cluster_nodes, resource_path)
from services.cli.main import main
from services.settings import load_settings
from services.trust import host_signer
from tests.cluster_lab import VIRTUAL_SERVER, cluster_toml, init_cluster_lab


def a_resource(tmp_path, retry=ClusterRetry(2, 0.0), stop=None) -> ClusterResource:
    return ClusterResource(tmp_path / "cluster.lock", retry, stop or threading.Event())


def test_the_resource_is_held_by_one_node_and_retried_clu_retry_time_times(tmp_path):
    first, second = a_resource(tmp_path), a_resource(tmp_path)
    waits = []
    stop = threading.Event()
    second.stop = type("Stop", (), {"wait": lambda self, s: waits.append(s) or False})()
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held
    assert waits == [0.0, 0.0]  # the first check, then CLU_RETRY_TIME=2 retries after a wait
    first.release()
    assert second.acquire()
    second.release()
    forever = a_resource(tmp_path, ClusterRetry(0, 0.01), stop)
    first.acquire()
    threading.Timer(0.1, stop.set).start()
    assert not forever.acquire()  # 0 = for ever: only a stop ends the wait
    first.release()


@pytest.fixture
def node(tmp_path):
    init_cluster_lab(tmp_path)
    settings = load_settings(environ={}, data_dir=tmp_path, hostname=VIRTUAL_SERVER)
    agent = build_agent(settings, VIRTUAL_SERVER, recover_now=False)
    relays = []

    def start_relay():
        relays.append("started")
        return threading.Event(), lambda: relays.append("stopped")
    resource = ClusterResource(resource_path(tmp_path, VIRTUAL_SERVER), ClusterRetry(1, 0.0),
                               threading.Event())
    return ClusterNode(agent, "NodeB", resource, start_relay), relays, tmp_path


def activations(node) -> list:
    return [(e.payload["node"], e.principal) for e in node.agent.store.read(VIRTUAL_SERVER)
            if e.type == "ClusterNodeActivated"]


def test_a_node_activates_once_and_stands_by_again(node):
    node, relays, data_dir = node
    node.ensure_active()
    node.ensure_active()
    assert node.active and relays == ["started"]
    assert activations(node) == [("NodeB", "cluster@NodeB")]
    assert not a_resource(data_dir / "hosts" / VIRTUAL_SERVER).acquire()  # held while active
    node.deactivate()
    assert not node.active and relays == ["started", "stopped"]
    other = a_resource(data_dir / "hosts" / VIRTUAL_SERVER)
    assert other.acquire()  # freed on standing by
    with pytest.raises(ClusterResourceBusy, match="CLU_RETRY_TIME=1"):
        node.ensure_active()
    assert not node.active and len(activations(node)) == 1  # nothing recorded meanwhile
    other.release()
    node.ensure_active()
    assert [n for n, _ in activations(node)] == ["NodeB", "NodeB"]


def test_the_lab_names_a_virtual_servers_nodes(tmp_path):
    path = tmp_path / "lab.toml"
    path.write_text(cluster_toml())
    lab = load_lab(path)
    assert cluster_nodes(lab, "fsserver") == ("NodeA", "NodeB")
    assert cluster_nodes(lab, "BKServer") == () and cluster_nodes(None, "X") == ()


@pytest.mark.parametrize("nodes, problem", [('["NodeA"]', "at least two"),
                                            ('["NodeA", "nodea"]', "named twice"),
                                            ('["NodeA", "FSServer"]', "own name"),
                                            ('["NodeA", "../x"]', "host")])
def test_bad_nodes_are_refused_with_the_reason(tmp_path, nodes, problem):
    path = tmp_path / "lab.toml"
    path.write_text(cluster_toml().replace('nodes = ["NodeA", "NodeB"]', f"nodes = {nodes}"))
    with pytest.raises(LabError, match=problem):
        load_lab(path)


@pytest.fixture
def cluster_cli(tmp_path, monkeypatch):
    for key in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_NAMESPACE", "DRM_NODE_NAME",
                "DRM_INIT_CONF", "DRM_KEY_DIR", "DRM_TRUSTED_KEYS", "DRM_BROKER_SECRET_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRM_HOSTNAME", VIRTUAL_SERVER)
    init_cluster_lab(tmp_path / "data")
    return tmp_path


def test_drm_agent_refuses_a_machine_that_is_not_a_node(cluster_cli, monkeypatch, capsys):
    monkeypatch.setenv("DRM_BROKER_URL", "amqp://guest:guest@127.0.0.1:1//")
    monkeypatch.setenv("DRM_NODE_NAME", "NodeC")
    assert main(["agent"]) == 1
    err = capsys.readouterr().err
    assert "KAVX0006-E" in err and "DRM-90060" in err and "NodeA, NodeB" in err


def test_drm_agent_refuses_an_unreadable_init_conf(cluster_cli, monkeypatch, capsys):
    conf = cluster_cli / "init.conf"
    conf.write_bytes(b"CLU_RETRY_TIME=\xff\n")
    monkeypatch.setenv("DRM_BROKER_URL", "amqp://guest:guest@127.0.0.1:1//")
    monkeypatch.setenv("DRM_NODE_NAME", "NodeA")
    monkeypatch.setenv("DRM_INIT_CONF", str(conf))
    assert main(["agent"]) == 1
    err = capsys.readouterr().err
    assert "DRM-90061" in err and "UTF-8" in err and "Traceback" not in err


def test_credentials_give_each_node_the_virtual_servers_identity_and_key(cluster_cli,
                                                                         capsys):
    target = cluster_cli / "creds"
    assert main(["lab", "credentials", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.count("DRMX5160-I") == 2
    user = f"drm-agent-{VIRTUAL_SERVER}"
    shared = json.loads((target / "secrets" / f"{user}.json").read_text())
    data = load_settings(environ={}, data_dir=cluster_cli / "data")
    for node in ("NodeA", "NodeB"):
        bundle = target / "nodes" / node
        assert json.loads((bundle / "secrets" / f"{user}.json").read_text()) == shared
        files = [p for p in bundle.rglob("*") if p.is_file()]
        assert len(files) == 2
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
        # the node: its own data directory and key directory, the registry it is given
        on_node = load_settings(environ={}, data_dir=cluster_cli / node,
                                key_dir=bundle / "keys",
                                trusted_keys=data.trusted_keys_file,
                                broker_url="amqp://127.0.0.1//",
                                broker_secret_file=bundle / "secrets" / f"{user}.json")
        assert on_node.broker_url.startswith(f"amqp://{user}:")
        signer = host_signer(on_node, VIRTUAL_SERVER)
        assert signer is not None and signer.key_id == host_signer(data,
                                                                    VIRTUAL_SERVER).key_id
        store = open_store(on_node, VIRTUAL_SERVER)
        assert store.signer.key_id == signer.key_id
