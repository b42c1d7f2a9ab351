"""Restore plus roll-forward of many logged transactions (issue 13): the agent's own time
beside the simulated SQL Server's (and the array's), on the example lab's DBServer.

A full backup of UserDB1, ``transactions`` one-row transactions with a log backup every
``per_log``, a failure, a tail-log backup, then the measured part: ``drmsqlrestore -resync``
and ``drmsqlrecover`` with the list file of every log. The application port and the storage
port are wrapped with timers; the agent's overhead is the commands' time minus theirs
(target: at most 10% of the total). Run: ``python -m bench.sql_restore_bench [transactions]``.
"""
from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from adapters.lab.example import populate_example, write_example
from adapters.lab.loader import load_lab
from adapters.lab.provision import provision
from bench.backup_overhead import TimedStorage
from events import CommandEnvelope
from bench.agent_commands import command, completed
from events.sql_restore import LogListEntry
from services.agent.bootstrap import build_agent
from services.settings import load_settings

HOST, INSTANCE, DATABASE = "DBServer", "default", "UserDB1"


def _command(name: str, **args) -> CommandEnvelope:
    return command(HOST, name, **args)


def _ok(agent, name: str, **args):
    return completed(agent, HOST, name, **args)


def measure(transactions: int, per_log: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        source = write_example(data_dir / "lab-example.toml")
        provision(load_lab(source), data_dir, source=source, populate=populate_example)
        settings = load_settings({"DRM_DATA_DIR": str(data_dir), "DRM_HOSTNAME": HOST})
        agent = build_agent(settings, HOST)
        application = TimedStorage(agent.ports.application("sqlserver"))
        storage = TimedStorage(agent.ports.storage)
        agent.ports = replace(agent.ports, storage=storage,
                              applications={"sqlserver": application})
        base = data_dir / "hosts" / HOST / "mssql"
        _ok(agent, "InitSqlServer", instance=INSTANCE, vdi_timeout=300,
            undo_dir=str(base / "undo"), log_backup_dir=str(base / "tlog"))
        _ok(agent, "BackupSqlServer", instance=INSTANCE)
        port = application.inner
        for done in range(1, transactions + 1):
            port.write_rows(INSTANCE, DATABASE, 1)
            if done % per_log == 0:
                _ok(agent, "BackupSqlLogs", instance=INSTANCE, targets=[DATABASE])
        expected = port.count_rows(INSTANCE, DATABASE)["rows"]
        port.damage(INSTANCE, DATABASE)
        _ok(agent, "BackupSqlLogs", instance=INSTANCE, truncate=False, targets=[DATABASE])
        listing = agent.handle(_command("ListSqlLogBackups", instance=INSTANCE,
                                        targets=[DATABASE])).result
        sections = [LogListEntry(original_id=s["original_id"], backup_id=s["backup_id"],
                                 database=s["database"], files=tuple(s["files"]))
                    for s in listing["sections"]]
        for generation in ("SI02", "SI03"):
            _ok(agent, "SplitPair", group=generation, device="sql01")
        application.seconds = storage.seconds = 0.0
        started = time.perf_counter()
        backup_id = next(iter(agent.view.catalog))
        _ok(agent, "RestoreSqlDatabases", backup_id=backup_id, resync=True, targets=[DATABASE])
        _ok(agent, "RecoverSqlDatabases", instance=INSTANCE,
            log_list=[s.model_dump() for s in sections])
        total = time.perf_counter() - started
        rows = port.count_rows(INSTANCE, DATABASE)["rows"]
    outside = application.seconds + storage.seconds
    return {"transactions": transactions, "logs": sum(len(s.files) for s in sections),
            "rows_back": rows == expected, "total_s": total,
            "application_s": application.seconds, "array_s": storage.seconds,
            "agent_s": total - outside, "agent_share": (total - outside) / total}


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    found = measure(count, max(1, count // 10))
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                   for k, v in found.items()))
