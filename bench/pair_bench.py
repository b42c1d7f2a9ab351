"""Benchmark of the CCI pair commands over RabbitMQ (issue 11). Run:
``python -m bench.pair_bench [--runs 100] [--amqp amqp://guest:guest@127.0.0.1:5672//]``.

A ``drm agent`` process serves a file server with one copy group of 16 ShadowImage volumes
(``-g BG01``). Measured, each ``--runs`` times, p50 and p99:

1. ``pairsplit -g BG01``: from the command's publication to its outcome (the agent reads the
   16 pairs, records 16 intents, splits each on the array, records 16 outcomes). Beside it,
   the array's own time: the same 16 ``pairsplit`` calls made directly on the array by this
   process, on the same data (alternating with the agent's runs). Target: p50 of the first at
   most 100 ms above the p50 of the second.
2. ``pairevtwait -g BG01 -s psus``: published while the pairs are PAIR; this process then
   splits them directly on the array (another host's CCI call); measured from the moment the
   last pair shows PSUS to the outcome (the wait's noticing time; the array's own time of a
   wait is nil). Target: p50 at most 100 ms.
3. Interpreter start-up, apart: ``pairsplit -h`` as a new process (what a CLI call adds).

Before each split every P-VOL gets 4 KiB of new data, so each split has a difference to sync.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from adapters.lab.loader import load_lab
from adapters.lab.provision import mount_path, provision
from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from adapters.messaging.topology import Topology
from adapters.storage.base import VolumeRef
from adapters.storage.simulated_array import SimulatedStorage
from events import CommandEnvelope
from events.pair_commands import ResyncPair, SplitPair, WaitPairEvent

VOLUMES = 16
HOST = "FSServer"
GROUP = "BG01"


def lab_toml() -> str:
    mounts = "".join(f'  [[hosts.mounts]]\n  path = "hosts/{HOST}/mnt/v{n:02d}"\n  array = 1\n'
                     f"  ldev = {n}\n" for n in range(1, VOLUMES + 1))
    ldevs = "".join(f'  [[arrays.ldevs]]\n  id = {n}\n  size = "4MiB"\n'
                    for n in [*range(1, VOLUMES + 1), *range(101, 101 + VOLUMES)])
    groups = "".join(f'[[copy_groups]]\ngroup = "{GROUP}"\ndevice = "D{n:02d}"\ncopy_type = "SI"\n'
                     f"mu = 0\npvol = {{ array = 1, ldev = {n} }}\n"
                     f"svol = {{ array = 1, ldev = {100 + n} }}\n" for n in range(1, VOLUMES + 1))
    return (f'name = "pairbench"\n[[hosts]]\nname = "{HOST}"\nrole = "FS"\n{mounts}'
            f'[[arrays]]\nserial = 1\n{ldevs}{groups}')


def populate(lab, data_dir: Path) -> None:
    for n in range(1, VOLUMES + 1):
        root = mount_path(data_dir, f"hosts/{HOST}/mnt/v{n:02d}")
        for f in range(8):
            (root / f"file{f}.dat").write_bytes(os.urandom(16 << 10))


def envelope(command) -> CommandEnvelope:
    return CommandEnvelope(command=command, target_host=HOST, principal="bench@local",
                           issued_at=datetime.now(timezone.utc))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


class Bench:
    def __init__(self, data_dir: Path, client: CommandClient) -> None:
        self.data_dir, self.client = data_dir, client
        self.storage = SimulatedStorage(data_dir / "arrays")
        self.pvols = [VolumeRef(serial="1", ldev=n) for n in range(1, VOLUMES + 1)]

    def call(self, command, timeout: float = 120):
        outcome = self.client.call(envelope(command), timeout=timeout)
        assert outcome.type == "CommandCompleted", outcome.payload
        return outcome

    def touch(self, run: int) -> None:
        for n in range(1, VOLUMES + 1):
            root = mount_path(self.data_dir, f"hosts/{HOST}/mnt/v{n:02d}")
            (root / f"change{run % 4}.dat").write_bytes(os.urandom(4096))

    def paired_again(self) -> None:
        """Resync through the agent and wait there, so the agent's view knows PAIR."""
        self.call(ResyncPair(group=GROUP))
        self.call(WaitPairEvent(group=GROUP, statuses=("pair",), timeout=120))

    def agent_split(self, run: int) -> float:
        self.touch(run)
        started = time.perf_counter()
        self.call(SplitPair(group=GROUP))
        elapsed = time.perf_counter() - started
        self.paired_again()
        return elapsed

    def array_split(self, run: int) -> float:
        self.touch(run)
        started = time.perf_counter()
        for volume in self.pvols:
            self.storage.pairsplit(volume, "0")
        elapsed = time.perf_counter() - started
        self.paired_again()
        return elapsed

    def wait_notice(self, run: int) -> tuple[float, float]:
        """(publication -> outcome, last PSUS -> outcome) of a pairevtwait -s psus."""
        self.touch(run)
        done: dict[str, float] = {}

        def wait() -> None:
            self.call(WaitPairEvent(group=GROUP, statuses=("psus",), timeout=60))
            done["at"] = time.perf_counter()

        published = time.perf_counter()
        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.05)  # the agent is waiting by now
        for volume in self.pvols:
            self.storage.pairsplit(volume, "0")
        split_at = time.perf_counter()
        waiter.join(120)
        self.paired_again()
        return done["at"] - published, done["at"] - split_at


def start_up(runs: int = 10) -> list[float]:
    program = str(Path(sys.executable).parent / "pairsplit")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([program, "-h"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--amqp", default=os.environ.get(
        "DRM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"))
    args = parser.parse_args()
    namespace = f"pairbench{uuid.uuid4().hex[:6]}"
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        (data_dir / "lab.toml").write_text(lab_toml())
        provision(load_lab(data_dir / "lab.toml"), data_dir, populate=populate).wait_idle()
        env = {**os.environ, "DRM_BROKER_URL": args.amqp, "DRM_NAMESPACE": namespace,
               "DRM_DATA_DIR": str(data_dir), "DRM_HOSTNAME": HOST}
        env.pop("DRM_DATABASE_URL", None)
        agent = subprocess.Popen([str(Path(sys.executable).parent / "drm"), "agent", "--host",
                                  HOST, "--log-level", "WARNING"], env=env)
        connection = open_connection(args.amqp)
        topology = Topology(namespace)
        try:
            bench = Bench(data_dir, CommandClient(connection, topology))
            bench.paired_again()  # warm up: agent ready, view knows PAIR
            agent_runs, array_runs, waits, notices = [], [], [], []
            for run in range(args.runs):
                agent_runs.append(bench.agent_split(run) * 1000)
                array_runs.append(bench.array_split(run) * 1000)
                total, notice = bench.wait_notice(run)
                waits.append(total * 1000)
                notices.append(notice * 1000)
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
            topology.delete_all(connection.channel(), hosts=(HOST,))
            connection.release()
    starts = [t * 1000 for t in start_up()]
    load_after = os.getloadavg()
    over = statistics.median(agent_runs) - statistics.median(array_runs)
    print(f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} "
          f"({os.cpu_count()} CPUs); {args.runs} runs each")
    print(f"pairsplit -g {GROUP} ({VOLUMES} volumes) via agent : p50 {statistics.median(agent_runs):7.1f} ms"
          f"  p99 {pct(agent_runs, 0.99):7.1f} ms")
    print(f"  the array's own time (16 direct calls)   : p50 {statistics.median(array_runs):7.1f} ms"
          f"  p99 {pct(array_runs, 0.99):7.1f} ms")
    print(f"  beyond the array's time (p50 - p50)      : {over:7.1f} ms   target <= 100 ms: "
          f"{'MET' if over <= 100 else 'NOT MET'}")
    print(f"pairevtwait -s psus, publication->outcome  : p50 {statistics.median(waits):7.1f} ms"
          f"  p99 {pct(waits, 0.99):7.1f} ms (includes 50 ms before the split and the split)")
    print(f"  noticing PSUS (last split -> outcome)    : p50 {statistics.median(notices):7.1f} ms"
          f"  p99 {pct(notices, 0.99):7.1f} ms   target <= 100 ms: "
          f"{'MET' if statistics.median(notices) <= 100 else 'NOT MET'}")
    print(f"interpreter start-up (pairsplit -h)        : p50 {statistics.median(starts):7.1f} ms"
          f"  p99 {pct(starts, 0.99):7.1f} ms (10 runs; not part of the figures above)")


if __name__ == "__main__":
    main()
