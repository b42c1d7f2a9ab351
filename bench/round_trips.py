"""Sequential ``hostinfo`` round trips: CLI-side client → RabbitMQ → ``drm agent`` process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.messaging.topology import Topology
from events import CommandEnvelope
from events.host_commands import HostInfo


def _host_info(host: str) -> CommandEnvelope:
    return CommandEnvelope(command=HostInfo(), target_host=host, principal="bench@local",
                           issued_at=datetime.now(timezone.utc))


def measure_round_trips(amqp_url: str, count: int) -> tuple[float, float]:
    """Return (p50, p99) in milliseconds."""
    namespace, host = f"bench{uuid.uuid4().hex[:6]}", "BenchHost"
    topology = Topology(namespace)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "DRM_BROKER_URL": amqp_url, "DRM_NAMESPACE": namespace,
               "DRM_DATA_DIR": data_dir, "DRM_HOSTNAME": host}
        env.pop("DRM_DATABASE_URL", None)
        agent = subprocess.Popen([str(Path(sys.executable).parent / "drm"), "agent", "--host",
                                  host, "--log-level", "WARNING"], env=env)
        connection = open_connection(amqp_url)
        try:
            client = CommandClient(connection, topology)
            client.call(_host_info(host), timeout=60)  # warm up: agent ready, queues declared
            latencies = []
            for _ in range(count):
                started = time.perf_counter()
                client.call(_host_info(host), timeout=30)
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
            topology.delete_all(connection.channel(), hosts=(host,))
            connection.release()
    latencies.sort()
    return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1]
