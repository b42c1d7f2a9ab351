"""Auto-import round trip over RabbitMQ: backup completed on FSServer -> entry on BKServer.

Two ``drm agent`` processes (FSServer, BKServer) on the example lab, a client sending
``drmfsbackup <mp> -s BKServer -auto_import`` as the CLI does. Per backup:
- **beyond the backup**: ``BackupImported.occurred_at`` on BKServer minus
  ``BackupRecorded.occurred_at`` on FSServer (both agents stamp from this machine's clock):
  export, intent event, publish, the other agent's consume, checks, append;
- **seen by the CLI**: from the backup's outcome reaching the client to the import's outcome
  reaching it (the extra wait ``drmfsbackup -auto_import`` has over a plain backup);
- the backup command itself, for scale.

Run: ``python -m bench.auto_import_bench [rounds]`` (RabbitMQ from DRM_TEST_AMQP_URL).
"""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.lab.example import populate_example, write_example
from adapters.lab.loader import load_lab
from adapters.lab.provision import mount_path, provision
from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.messaging.topology import Topology
from events import CommandEnvelope
from events.catalogue import CATALOGUE

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
TARGET_MS = 50.0
HOSTS = ("FSServer", "BKServer")


def _command(name: str, host: str, args: dict) -> CommandEnvelope:
    return CommandEnvelope(command=CATALOGUE[name].model_validate({**args, "name": name}),
                           target_host=host, principal="bench@local",
                           issued_at=datetime.now(timezone.utc))


def _start_agent(env: dict, host: str) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "drm"), "agent", "--host", host,
                             "--log-level", "WARNING"], env=env)


def _events(data_dir: Path, host: str, kind: str) -> list:
    engine = make_engine(f"sqlite:///{data_dir / 'hosts' / host / 'events.db'}")
    try:
        return [e for e in SqlEventStore(engine).read(host) if e.type == kind]
    finally:
        engine.dispose()


def measure(amqp_url: str, rounds: int) -> dict[str, list[float]]:
    namespace = f"bench{uuid.uuid4().hex[:6]}"
    topology = Topology(namespace)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        source = write_example(data_dir / "lab-example.toml")
        provision(load_lab(source), data_dir, source=source, populate=populate_example)
        target = str(mount_path(data_dir, "hosts/FSServer/mnt/fs1"))
        env = {**os.environ, "DRM_BROKER_URL": amqp_url, "DRM_NAMESPACE": namespace,
               "DRM_DATA_DIR": scratch}
        env.pop("DRM_DATABASE_URL", None)
        agents = [_start_agent(env, host) for host in HOSTS]
        connection = open_connection(amqp_url)
        cli_ms, backup_ms = [], []
        try:
            client = CommandClient(connection, topology)
            for host in HOSTS:  # warm up: agents ready, maps built
                client.call(_command("RefreshDictionaryMaps", host, {}), timeout=120)
            for _ in range(rounds + 1):
                started = time.perf_counter()
                outcome = client.call(_command("BackupFileSystem", "FSServer", {
                    "targets": [target], "backup_server": "BKServer", "auto_import": True}),
                    timeout=300)
                backed_up = time.perf_counter()
                info = outcome.payload["result"]["import"]
                imported = client.wait(info["command_id"], "BKServer", timeout=60)
                assert imported.type == "CommandCompleted", imported.payload
                cli_ms.append((time.perf_counter() - backed_up) * 1000)
                backup_ms.append((backed_up - started) * 1000)
        finally:
            for agent in agents:
                agent.send_signal(signal.SIGTERM)
                agent.wait(30)
            topology.delete_all(connection.channel(), hosts=HOSTS)
            connection.release()
        recorded = {e.payload["backup_id"]: e.occurred_at
                    for e in _events(data_dir, "FSServer", "BackupRecorded")}
        beyond = [(e.occurred_at - recorded[e.payload["source_backup_id"]]).total_seconds()
                  * 1000 for e in _events(data_dir, "BKServer", "BackupImported")]
    # the first round builds the pairs and BKServer's maps: left out
    return {"beyond": beyond[1:], "cli": cli_ms[1:], "backup": backup_ms[1:]}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    figures = measure(os.environ.get("DRM_TEST_AMQP_URL", DEFAULT_AMQP), rounds)
    print(f"auto-import round trip over RabbitMQ, {rounds} backups (FSServer -> BKServer)")
    for key, label in (("beyond", "backup recorded on FSServer -> entry recorded on BKServer"),
                       ("cli", "backup outcome at the CLI -> import outcome at the CLI"),
                       ("backup", "the backup command itself (for scale)")):
        values = figures[key]
        print(f"  {label}: p50 {statistics.median(values):.1f} ms, "
              f"p90 {percentile(values, 0.9):.1f} ms, max {max(values):.1f} ms")
    p50 = statistics.median(figures["beyond"])
    verdict = "met" if p50 <= TARGET_MS else "NOT met"
    print(f"target: p50 beyond the backup <= {TARGET_MS:.0f} ms -> {p50:.1f} ms ({verdict})")


if __name__ == "__main__":
    main()
