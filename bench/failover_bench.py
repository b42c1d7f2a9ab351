"""Issue 11 benchmark: cluster failover, from SIGKILL of the active node to the standby's outcome.

    python -m bench.failover_bench [--runs 10] [--kill-after BackupRequested]

A virtual server (the example lab's FSServer with nodes NodeA and NodeB, ``tests.cluster_lab``)
is served by two real agent processes over RabbitMQ (``DRM_TEST_AMQP_URL``, default the local
broker), sharing one data directory. Each run: NodeA (active) and NodeB (standby) start; a
client sends a file-system backup; NodeA stops dead right after storing the ``--kill-after``
event and the bench kills it with SIGKILL. Measured from the kill (target: the first, p50 of
``--runs`` <= 5 s):

- ``outcome``: the standby's first outcome event, i.e. the killed command's outcome as stored
  (its ``occurred_at`` minus the wall-clock time of the kill);
- ``activated``: the standby's ``ClusterNodeActivated`` (stored ``occurred_at``), i.e. the
  hand-over itself, before start-up recovery;
- ``reply``: the outcome received by the client that sent the command (monotonic clock).

Side by side, the peer: no standby, the operator's (or a supervisor's) restart in place: the
same node started again at once after the kill, measured the same way; its interpreter start-up
(process start until connected to the broker) is reported apart. The load average of the
machine is printed with the figures.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.messaging.topology import Topology
from events import CommandEnvelope
from events.fs_commands import BackupFileSystem
from services.agent.bootstrap import open_store
from services.settings import load_settings
from tests.cluster_lab import VIRTUAL_SERVER, init_cluster_lab, start_node, wait_for_file
from tests.fs_lab import FS_MOUNT

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def one_run(data_dir: Path, url: str, namespace: str, kill_after: str, standby: bool) -> dict:
    marker = data_dir / f"paused-{uuid.uuid4().hex}"
    active = start_node(data_dir, "NodeA", url, namespace, kill_after, marker)
    started = time.monotonic()
    survivor = start_node(data_dir, "NodeB", url, namespace) if standby else None
    with open_connection(url) as connection:
        client = CommandClient(connection, Topology(namespace))
        sent = client.send(CommandEnvelope(
            command=BackupFileSystem(targets=(FS_MOUNT,)), target_host=VIRTUAL_SERVER,
            principal="bench@lab", issued_at=datetime.now(timezone.utc)))
        wait_for_file(marker)
        kill_wall, kill_clock = time.time(), time.monotonic()
        active.send_signal(signal.SIGKILL)
        active.wait(10)
        startup = None
        if survivor is None:  # the peer: restart in place
            started = time.monotonic()
            survivor = start_node(data_dir, "NodeA", url, namespace)
            startup = time.monotonic() - started
        outcome = client.wait(sent.command_id, VIRTUAL_SERVER, timeout=120)
        reply = time.monotonic() - kill_clock
    survivor.send_signal(signal.SIGTERM)
    survivor.wait(30)
    settings = load_settings(environ={}, data_dir=data_dir, hostname=VIRTUAL_SERVER)
    events = open_store(settings, VIRTUAL_SERVER, sign=False).read(VIRTUAL_SERVER)
    activated = [e for e in events if e.type == "ClusterNodeActivated"][-1]
    assert outcome.type in ("CommandCompleted", "CommandFailed"), outcome.payload
    return {"outcome": outcome.occurred_at.timestamp() - kill_wall,
            "activated": activated.occurred_at.timestamp() - kill_wall,
            "reply": reply, "startup": startup, "type": outcome.type}


def series(url: str, runs: int, kill_after: str, standby: bool) -> list[dict]:
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    topology = Topology(namespace)
    results = []
    with tempfile.TemporaryDirectory(prefix="drm-failover-") as scratch:
        data_dir = Path(scratch)
        init_cluster_lab(data_dir)
        try:
            for _ in range(runs):
                results.append(one_run(data_dir, url, namespace, kill_after, standby))
        finally:
            with open_connection(url) as connection:
                topology.delete_all(connection.channel(), hosts=(VIRTUAL_SERVER,))
    return results


def summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return (f"{name:>10}: p50 {statistics.median(values):6.3f} s  min {values[0]:6.3f}  "
            f"p90 {p90:6.3f}  max {values[-1]:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--kill-after", default="BackupRequested",
                        help="the event type after which the active node is killed")
    args = parser.parse_args()
    url = os.environ.get("DRM_TEST_AMQP_URL", DEFAULT_AMQP)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs); kill after {args.kill_after}; {args.runs} runs each")
    for label, standby in (("failover to the standby", True), ("restart in place (peer)", False)):
        results = series(url, args.runs, args.kill_after, standby)
        print(f"{label}: outcomes {sorted({r['type'] for r in results})}")
        for key in ("outcome", "activated", "reply", "startup"):
            values = [r[key] for r in results if r[key] is not None]
            if values:
                print(summary(key, values))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("target: outcome p50 <= 5 s for the failover")


if __name__ == "__main__":
    main()
