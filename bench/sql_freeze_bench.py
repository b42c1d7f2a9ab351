"""The freeze window of an online SQL Server backup (issue 13): how long writers are blocked.

One lab per case: DBServer with ``databases`` user databases of ``size_mib`` MiB each (32-byte
rows), each on its own P-VOL with one ShadowImage generation, the instance in its own process
(as ``drm lab init`` runs it). A first ``drmsqlbackup`` makes the S-VOLs; then ``changed`` of
every database is written (new rows) and the measured ``drmsqlbackup`` runs in-process while a
writer thread commits one-row transactions to the first database through its own connection.

Reported per case: ``window_s`` (from ``ApplicationFrozen`` to ``ApplicationThawed``, the events'
times: the instance holds the writes), ``hold_s`` (from ``FreezeRequested``, the freeze call and
the metafiles included), ``writer_stall_s`` (the writer's longest wait for one commit during the
backup), the whole backup's time and the splits inside the window (one per database volume;
the window is mostly their sum). Target: window ≤ 1 s for 64 databases.

Run: ``python -m bench.sql_freeze_bench [--quick] [--cases 1x100,16x100,64x100,4x1024]
[--changed 0.01]``. ``--quick`` divides every size by 25 (the full cases write 7.6 GiB of rows
and need about twice that on disk: P-VOLs and S-VOLs); free disk space is checked first.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from adapters.lab.loader import load_lab
from adapters.lab.provision import mount_path, provision
from adapters.sqlserver.client import SqlServerClient
from adapters.sqlserver.engine import SqlServerEngine
from adapters.sqlserver.lab import provision_instances, roots, socket_path, state_dir, stop_all
from adapters.sqlserver.pages import ROW
from events import CommandEnvelope
from bench.agent_commands import command, completed
from services.agent.bootstrap import build_agent
from services.settings import load_settings

HOST, INSTANCE = "DBServer", "default"
MIB = 1 << 20
QUICK_DIVISOR = 25


def lab_toml(databases: int, size_mib: float, changed: float) -> str:
    """DBServer with one P-VOL per database (room for the data, its growth and the log)."""
    ldev_mib = int(size_mib * (1 + 3 * changed) * 1.3) + 16
    hosts, ldevs, groups = [], [], []
    for i in range(databases):
        hosts.append(f'  [[hosts.mounts]]\n  path = "hosts/{HOST}/mnt/db{i}"\n  array = 410001\n'
                     f"  ldev = {1000 + i}\n")
        for ldev in (1000 + i, 2000 + i):
            ldevs.append(f'  [[arrays.ldevs]]\n  id = {ldev}\n  size = "{ldev_mib}MiB"\n'
                         f'  port = "CL1-A"\n  lu = {ldev - 1000}\n')
        groups.append(f'[[copy_groups]]\ngroup = "BG01"\ndevice = "db{i}"\ncopy_type = "SI"\n'
                      f"mu = 0\npvol = {{ array = 410001, ldev = {1000 + i} }}\n"
                      f'svol = {{ array = 410001, ldev = {2000 + i} }}\ngeneration = "local_0"\n')
    dbs = "".join(f'    [[hosts.sql_instances.databases]]\n    name = "DB{i}"\n'
                  f'    data = ["hosts/{HOST}/mnt/db{i}"]\n    log = "hosts/{HOST}/mnt/db{i}"\n'
                  for i in range(databases))
    return (f'name = "freeze-bench"\n[[hosts]]\nname = "{HOST}"\nrole = "DB"\n{"".join(hosts)}'
            f'  [[hosts.sql_instances]]\n  name = "{INSTANCE}"\n  metafile_dir = ""\n'
            f'  vdi_timeout = 600\n{dbs}\n[[arrays]]\nserial = 410001\nmodel = "VSP"\n'
            f'{"".join(ldevs)}\n' + "\n".join(groups))


def rows_for(mib: float) -> int:
    return max(1, int(mib * MIB) // ROW.size)


def fill(data_dir: Path, rows: int):
    """``provision``'s populate: the databases with ``rows`` rows each, before the pairs."""
    def populate(lab, _data_dir: Path) -> None:
        host = lab.hosts[0]
        engine = SqlServerEngine(state_dir(data_dir, HOST), roots(data_dir, host))
        try:
            provision_instances(engine, data_dir, host)
            for instance in host.sql_instances:
                for database in instance.databases:
                    left = rows
                    while left:
                        count = min(left, 100_000)
                        engine.write_rows(INSTANCE, database.name, count)
                        left -= count
        finally:
            engine.close()
    return populate


def _command(name: str, **args) -> CommandEnvelope:
    return command(HOST, name, **args)


def _ok(agent, name: str, **args):
    return completed(agent, HOST, name, **args)


class Writer(threading.Thread):
    """Commits one-row transactions to DB0 until stopped; the longest commit while armed."""

    def __init__(self, socket: Path) -> None:
        super().__init__(daemon=True)
        self.client = SqlServerClient(socket)
        self.stop, self.armed = threading.Event(), threading.Event()
        self.longest, self.commits = 0.0, 0

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            self.client.write_rows(INSTANCE, "DB0", 1)
            took = time.perf_counter() - started
            if self.armed.is_set():
                self.longest, self.commits = max(self.longest, took), self.commits + 1
        self.client.close()


def measure(databases: int, size_mib: float, changed: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="sql-freeze-") as scratch:
        data_dir = Path(scratch)
        source = data_dir / "lab.toml"
        source.write_text(lab_toml(databases, size_mib, changed))
        lab = load_lab(source)
        started = time.perf_counter()
        provision(lab, data_dir, source=source, populate=fill(data_dir, rows_for(size_mib)))
        setup = time.perf_counter() - started
        agent = build_agent(load_settings({"DRM_DATA_DIR": str(data_dir),
                                           "DRM_HOSTNAME": HOST}), HOST)
        writer = None
        try:
            _ok(agent, "BackupSqlServer", instance=INSTANCE)  # the S-VOLs: the last backup
            port = agent.ports.application("sqlserver")
            for i in range(databases):  # "changed since the last backup": new rows
                left = rows_for(size_mib * changed)
                while left:
                    count = min(left, 100_000)
                    port.write_rows(INSTANCE, f"DB{i}", count)
                    left -= count
            writer = Writer(socket_path(data_dir, HOST))
            writer.start()
            time.sleep(0.2)
            writer.armed.set()
            began = time.perf_counter()
            _ok(agent, "BackupSqlServer", instance=INSTANCE)
            backup_s = time.perf_counter() - began
            writer.armed.clear()
            events = list(agent.store.read(HOST))
        finally:
            if writer is not None:
                writer.stop.set()
                writer.join(30)
            port = agent.ports.application("sqlserver")
            if port is not None:
                port.close()
            stop_all(data_dir, lab)
        last = {e.type: e.occurred_at for e in events
                if e.type in ("FreezeRequested", "ApplicationFrozen", "ApplicationThawed")}
        frozen = max(i for i, e in enumerate(events) if e.type == "ApplicationFrozen")
        splits = [e for e in events[frozen:] if e.type == "PairSplit"]
        return {"databases": databases, "size_mib": round(size_mib, 2), "changed": changed,
                "changed_mib_total": round(databases * size_mib * changed, 2),
                "window_s": (last["ApplicationThawed"] - last["ApplicationFrozen"]).total_seconds(),
                "hold_s": (last["ApplicationThawed"] - last["FreezeRequested"]).total_seconds(),
                "splits": len(splits),
                "writer_stall_s": writer.longest, "writer_commits": writer.commits,
                "backup_s": backup_s, "setup_s": setup}


CASE = re.compile(r"^([1-9][0-9]{0,2})x([0-9]{1,6}(?:\.[0-9]{1,3})?)$")


def parse_cases(text: str) -> list[tuple[int, float]]:
    """``16x100,4x1024`` -> [(16, 100.0), (4, 1024.0)]: 1-64 databases of up to 64 GiB each."""
    cases = []
    for part in text.split(",")[:16]:
        found = CASE.match(part.strip())
        if not found or not 1 <= int(found.group(1)) <= 64 or not 0 < float(found.group(2)) \
                <= 65536:
            raise argparse.ArgumentTypeError(f"not a case: {part!r} (<1-64>x<MiB>)")
        cases.append((int(found.group(1)), float(found.group(2))))
    return cases


def share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("--changed is a share in (0, 1]")
    return value


def check_disk(where: str, cases, changed: float) -> None:
    need = sum(2 * n * s * (1 + 3 * changed) * 1.3 * MIB for n, s in cases) + 512 * MIB
    free = shutil.disk_usage(where).free
    if free < need:
        sys.exit(f"not enough disk space in {where}: {free / MIB:.0f} MiB free, "
                 f"{need / MIB:.0f} MiB needed (use --quick)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes / {QUICK_DIVISOR}")
    parser.add_argument("--cases", default="1x100,16x100,64x100,4x1024", type=parse_cases,
                        help="<databases>x<MiB each>, comma-separated")
    parser.add_argument("--changed", type=share, default=0.01,
                        help="share of each database written since the last backup")
    args = parser.parse_args(argv)
    cases = [(n, s / QUICK_DIVISOR if args.quick else s) for n, s in args.cases]
    check_disk(tempfile.gettempdir(), cases, args.changed)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for databases, size in cases:
        found = measure(databases, size, args.changed)
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in found.items()), flush=True)


if __name__ == "__main__":
    main()
