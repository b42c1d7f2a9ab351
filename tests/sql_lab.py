"""Helpers for SQL Server agent tests (issue 13): the example lab with a simulated SQL Server
instance whose user databases lie on FSServer's P-VOL (``hosts/FSServer/mnt/fs1``) and whose
system databases lie off it, plugged into an agent as its ``sqlserver`` application port."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from adapters.sqlserver.engine import SqlServerEngine
from services.agent.bootstrap import build_agent
from services.agent.restart import recover_at_start
from tests.fs_lab import FS_HOST, fs_root, settings_for

INSTANCE = "DEFAULT"


def sql_engine(data_dir: Path) -> SqlServerEngine:
    """The instance DEFAULT (system databases in ``hosts/FSServer/sys``) with UserDB1 (data
    and log on the P-VOL, in ``sql/``), recovery model FULL."""
    engine = SqlServerEngine(data_dir / "sqlserver-state", [data_dir])
    engine.define_instance(INSTANCE, data_dir / "hosts" / FS_HOST / "sys")
    root = fs_root(data_dir) / "sql"
    if engine.databases(INSTANCE) and not any(d.name == "UserDB1"
                                              for d in engine.databases(INSTANCE)):
        engine.create_database(INSTANCE, "UserDB1", [root], root)
    return engine


def sql_agent(data_dir: Path, engine: SqlServerEngine, recover: bool = True):
    """The FSServer agent with ``engine`` as its SQL Server (recovery after it is plugged)."""
    agent = build_agent(settings_for(data_dir), FS_HOST, recover_now=False)
    agent.ports = dataclasses.replace(agent.ports, applications={"sqlserver": engine})
    if recover:
        recover_at_start(agent)
    return agent
