"""The agent's own time on a backup: the whole command minus the time spent in the array."""
from __future__ import annotations

from dataclasses import replace
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from adapters.lab.example import populate_example, write_example
from adapters.lab.loader import load_lab
from adapters.lab.provision import provision
from events import CommandEnvelope
from events.catalogue import CATALOGUE
from services.agent.bootstrap import build_agent
from services.settings import load_settings


class TimedStorage:
    """The storage adapter with every call timed (same protocol, delegating)."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name):
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def _command(name: str, args: dict) -> CommandEnvelope:
    return CommandEnvelope(command=CATALOGUE[name].model_validate({**args, "name": name}),
                           target_host="FSServer", principal="bench@local",
                           issued_at=datetime.now(timezone.utc))


def measure_backup_overhead(backups: int) -> tuple[float, float, float]:
    """Median (total ms, array ms, overhead ms) of ``backups`` online backups."""
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        source = write_example(data_dir / "lab-example.toml")
        provision(load_lab(source), data_dir, source=source, populate=populate_example)
        settings = load_settings({"DRM_DATA_DIR": str(data_dir), "DRM_HOSTNAME": "FSServer"})
        agent = build_agent(settings, "FSServer")
        storage = TimedStorage(agent.ports.storage)
        agent.ports = replace(agent.ports, storage=storage)
        agent.handle(_command("RefreshDictionaryMaps", {}))
        mount_point = next(point for point, volume in agent.view.volumes.items()
                           if any(g.role == "P-VOL" for g in volume.copy_groups))
        totals, arrays = [], []
        for _ in range(backups + 1):
            storage.seconds = 0.0
            started = time.perf_counter()
            outcome = agent.handle(_command("BackupFileSystem", {"targets": [mount_point]}))
            totals.append((time.perf_counter() - started) * 1000)
            arrays.append(storage.seconds * 1000)
            assert outcome.type == "CommandCompleted", outcome.payload
        totals, arrays = totals[1:], arrays[1:]  # the first backup creates the pairs
        overheads = [t - a for t, a in zip(totals, arrays)]
        return statistics.median(totals), statistics.median(arrays), statistics.median(overheads)
