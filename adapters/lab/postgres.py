"""PostgreSQL clusters in a lab: which host runs one, on which mount points, on which port.

A lab file declares them as ``[[postgres_clusters]]`` tables::

    [[postgres_clusters]]
    name = "pg1"
    host = "DBServer"
    data = "hosts/DBServer/mnt/pgdata"      # a mount point of the host (its own P-VOL)
    wal = "hosts/DBServer/mnt/pgwal"        # another one: initdb -X puts pg_wal there
    tablespaces = [{ name = "ts1", mount = "hosts/DBServer/mnt/pgts1" }]
    port = 55432                            # names the private socket; never 5432
    wal_segment_mb = 16

The cluster's files live in a subdirectory of each mount point (``pgdata``, ``pgwal``,
``pgts``), owned by the server's OS user, so the mount point itself stays as the array made
it. The run directory (socket, server log, labels) and the WAL log-backup area are host-local:
``<data dir>/pg/<host>/<cluster>/{run,log-backup}``. This module imports no other lab module
(``model`` imports it), so ``check_postgres`` takes the lab by its attributes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from events.names import HostName, PathText

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,30}$")
SUBDIRS = {"data": "pgdata", "wal": "pgwal", "tablespace": "pgts"}
SYSTEM_PORT = 5432


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("1 to 31 letters, digits, '_' or '-', starting with a letter")
    return value


def _segment_mb(value: int) -> int:
    if value & (value - 1):
        raise ValueError("a power of two (1 to 1024)")
    return value


ClusterName = Annotated[str, AfterValidator(_name)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PgTablespace(_Frozen):
    name: ClusterName
    mount: PathText


class PostgresCluster(_Frozen):
    name: ClusterName
    host: HostName
    data: PathText
    wal: PathText
    tablespaces: tuple[PgTablespace, ...] = Field(default=(), max_length=16)
    port: int = Field(ge=1024, le=65535)
    wal_segment_mb: Annotated[int, AfterValidator(_segment_mb)] = Field(default=16, ge=1, le=1024)
    os_user: ClusterName = "postgres"


def check_postgres(lab) -> list[tuple[tuple, str]]:
    """Problems of the lab's clusters: an unknown host, a path that is not one of the host's
    mount points, two locations on one P-VOL, the system port, a name or port used twice."""
    problems: list[tuple[tuple, str]] = []
    hosts = {h.name: h for h in lab.hosts}
    seen: set[tuple[str, str]] = set()
    ports: set[tuple[str, int]] = set()
    for i, cluster in enumerate(lab.postgres_clusters):
        key = ("postgres_clusters", i)
        host = hosts.get(cluster.host)
        if host is None:
            problems.append((key + ("host",), f"cluster {cluster.name}: no host {cluster.host}"))
            continue
        for ident, store in (((cluster.host, cluster.name.lower()), seen),
                             ((cluster.host, cluster.port), ports)):
            if ident in store:
                problems.append((key, f"cluster {cluster.name}: {ident[1]} is used twice on "
                                      f"{cluster.host}"))
            store.add(ident)
        if cluster.port == SYSTEM_PORT:
            problems.append((key + ("port",), f"cluster {cluster.name}: 5432 belongs to the "
                                               "system server; choose a private port"))
        mounts = {m.path: (m.array, m.ldev) for m in host.mounts}
        places = [("data", cluster.data), ("wal", cluster.wal)] + [
            ("tablespaces", t.mount) for t in cluster.tablespaces]
        volumes: dict[tuple, str] = {}
        for field, path in places:
            volume = mounts.get(path)
            if volume is None:
                problems.append((key + (field,), f"cluster {cluster.name}: {path} is not a "
                                                 f"mount point of {cluster.host}"))
            elif volume in volumes:
                problems.append((key + (field,), f"cluster {cluster.name}: {path} is on the "
                                                 f"same volume as {volumes[volume]}"))
            else:
                volumes[volume] = path
    return problems


def cluster_specs(lab, data_dir: Path, host: str, mount_path) -> tuple:
    """The ``ClusterSpec`` of each cluster of ``host``; ``mount_path(data_dir, path, roots)``
    resolves (and confines) a mount point."""
    from adapters.postgres.server import ClusterSpec

    specs = []
    host_entry = next((h for h in lab.hosts if h.name == host), None)
    roots = host_entry.mount_roots if host_entry else ()
    for cluster in lab.postgres_clusters:
        if cluster.host != host:
            continue
        place = lambda path, kind: mount_path(data_dir, path, roots) / SUBDIRS[kind]  # noqa: E731
        base = Path(data_dir) / "pg" / host / cluster.name
        specs.append(ClusterSpec(
            name=cluster.name, data_dir=place(cluster.data, "data"),
            wal_dir=place(cluster.wal, "wal"), port=cluster.port, run_dir=base / "run",
            log_area=base / "log-backup", wal_segment_mb=cluster.wal_segment_mb,
            os_user=cluster.os_user,
            tablespaces=tuple((t.name, place(t.mount, "tablespace")) for t in cluster.tablespaces)))
    return tuple(specs)
