"""A two-node cluster for failover tests and the failover benchmark.

The example lab with FSServer made a virtual server of nodes NodeA and NodeB; each node's agent
is a real process (``tests.crash.cluster_node``, which is ``drm agent`` with an optional pause
point) sharing the data directory, the cluster's shared disk.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from adapters.lab.example import example_toml, populate_example
from adapters.lab.loader import load_lab
from adapters.lab.provision import provision

REPO = Path(__file__).resolve().parents[1]
NODES = ("NodeA", "NodeB")
VIRTUAL_SERVER = "FSServer"


def cluster_toml() -> str:
    text = example_toml()
    marker = 'name = "FSServer"\nrole = "FS"\n'
    assert marker in text
    return text.replace(marker, marker + 'nodes = ["NodeA", "NodeB"]\n')


def init_cluster_lab(data_dir: Path) -> None:
    """What ``drm lab init`` does with the cluster lab."""
    path = data_dir / "lab-cluster.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cluster_toml())
    provision(load_lab(path), data_dir, populate=populate_example).wait_idle()


def node_env(data_dir: Path, node: str, url: str, namespace: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRM_")}
    env.update(PYTHONPATH=str(REPO), DRM_DATA_DIR=str(data_dir), DRM_BROKER_URL=url,
               DRM_NAMESPACE=namespace, DRM_NODE_NAME=node, DRM_HOSTNAME=VIRTUAL_SERVER)
    return env


def start_node(data_dir: Path, node: str, url: str, namespace: str, pause_after: str = "",
               marker: Path | None = None) -> subprocess.Popen:
    """A node's agent; with ``pause_after`` (an event type) it stops dead after storing the
    first such event and touches ``marker``, so the caller can SIGKILL it at that point."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash.cluster_node", pause_after, str(marker or "")],
        cwd=REPO, env=node_env(data_dir, node, url, namespace), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for_line(process, "Connected to")
    process.lines = []  # what it says from now on, read by a thread so its pipe never fills
    threading.Thread(target=lambda: process.lines.extend(iter(process.stdout.readline, "")),
                     daemon=True).start()
    return process


def wait_for_line(process: subprocess.Popen, text: str, timeout: float = 30) -> None:
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"the node never said {text!r}: {''.join(seen)}")


def wait_for_file(path: Path, timeout: float = 60, poll: float = 0.002) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared")
        time.sleep(poll)
