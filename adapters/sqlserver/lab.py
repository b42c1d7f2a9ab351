"""The simulated SQL Server of a lab host: where its process lives, how it is started, and
how the lab's definition (``adapters.lab.sql_model``) becomes instances and databases.

Per host, under the data directory: ``hosts/<host>/mssql/state/`` (the instances' catalog,
the process's log) and ``hosts/<host>/mssql/instance.sock`` (the process's socket). Every file
of an instance lies in the data directory or the host's ``mount_roots``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from adapters.lab.model import Host, Lab
from adapters.lab.provision import mount_path
from adapters.paths import host_dir
from adapters.sqlserver.client import NotConnected, SqlServerClient
from adapters.sqlserver.engine import SqlServerEngine
from adapters.sqlserver.process import start_server, stop_server
from services.agent.application_port import ApplicationError


def sql_home(data_dir: Path, host: str) -> Path:
    return host_dir(data_dir, host) / "mssql"


def state_dir(data_dir: Path, host: str) -> Path:
    return sql_home(data_dir, host) / "state"


def socket_path(data_dir: Path, host: str) -> Path:
    return sql_home(data_dir, host) / "instance.sock"


def roots(data_dir: Path, host: Host) -> list[Path]:
    return [Path(data_dir)] + [Path(r) for r in host.mount_roots]


def lab_host(lab: Lab | None, name: str) -> Host | None:
    return next((h for h in lab.hosts if h.name.lower() == name.lower()), None) if lab else None


def system_dir(data_dir: Path, host: Host, instance) -> Path:
    if instance.system_dir:
        return mount_path(data_dir, instance.system_dir, host.mount_roots)
    return sql_home(data_dir, host.name) / instance.name.lower() / "system"


def provision_instances(port, data_dir: Path, host: Host, *, write_rows: bool = False) -> None:
    """Define the host's instances and create the databases the lab lists that the instance
    does not have yet (``port``: an engine or a client). With ``write_rows``, a new database
    gets the lab's initial numbered rows."""
    for instance in host.sql_instances:
        name = port.define_instance(instance.name, system_dir(data_dir, host, instance),
                                    replication=instance.replication)
        known = {d.name.lower() for d in port.databases(name)}
        for database in instance.databases:
            if database.name.lower() in known:
                continue
            data = [mount_path(data_dir, p, host.mount_roots) for p in database.data]
            log = mount_path(data_dir, database.log, host.mount_roots)
            port.create_database(name, database.name, data, log, database.recovery_model)
            left = database.rows if write_rows else 0
            while left:
                count = min(left, 10_000)
                port.write_rows(name, database.name, count)
                left -= count


def populate_instances(lab: Lab, data_dir: Path) -> None:
    """At lab init, before the pairs are made: every host's instances with their databases
    and initial rows, written in-process. An instance process of a lab this one replaces is
    stopped and its catalog removed first (its files went with the old lab)."""
    for host in lab.hosts:
        if not host.sql_instances:
            continue
        stop_host(data_dir, host.name)
        shutil.rmtree(state_dir(data_dir, host.name), ignore_errors=True)
        engine = SqlServerEngine(state_dir(data_dir, host.name), roots(data_dir, host))
        try:
            provision_instances(engine, data_dir, host, write_rows=True)
        finally:
            engine.close()


def start_host(data_dir: Path, lab: Lab, host_name: str) -> int | None:
    """Start the instance process of ``host_name`` unless it runs, and make sure the lab's
    instances and databases exist. Returns the new process ID (None if it was running)."""
    host = lab_host(lab, host_name)
    if host is None or not host.sql_instances:
        raise ApplicationError(f"host {host_name} has no SQL Server instance in the lab",
                               reason="not-found")
    pid = start_server(state_dir(data_dir, host.name), socket_path(data_dir, host.name),
                       roots(data_dir, host))
    client = SqlServerClient(socket_path(data_dir, host.name))
    try:
        provision_instances(client, data_dir, host)
    finally:
        client.close()
    return pid


def stop_host(data_dir: Path, host_name: str) -> bool:
    """Stop the instance process of ``host_name``; False when none ran."""
    return stop_server(socket_path(data_dir, host_name))


def stop_all(data_dir: Path, lab: Lab | None) -> list[str]:
    """Stop every instance process of the lab (lab removal, test teardown)."""
    stopped = []
    for host in lab.hosts if lab else ():
        if host.sql_instances and stop_host(data_dir, host.name):
            stopped.append(host.name)
    return stopped


class AutoStartClient(SqlServerClient):
    """A client that starts the host's instance process when it does not answer (the agent's
    port: an agent of a database server needs its instance, as a service starts at boot)."""

    def __init__(self, data_dir: Path, lab: Lab, host_name: str,
                 starter: Callable[[], object] | None = None) -> None:
        super().__init__(socket_path(data_dir, host_name))
        self._starter = starter or (lambda: start_host(data_dir, lab, host_name))

    def call(self, op: str, **args):
        try:
            return super().call(op, **args)
        except NotConnected:
            pass  # nothing was sent: start the process, then send
        self._starter()
        return super().call(op, **args)


def application_ports(data_dir: Path, lab: Lab | None, host_name: str) -> dict:
    """``AgentPorts.applications`` of ``host_name``: ``{"sqlserver": client}`` when the lab
    gives the host SQL Server instances, else empty."""
    host = lab_host(lab, host_name)
    if host is None or not host.sql_instances:
        return {}
    return {"sqlserver": AutoStartClient(data_dir, lab, host.name)}
