"""A lab with one real PostgreSQL cluster on P-VOLs (data, WAL, tablespace), for tests.

The server runs as ``postgres``, which must traverse every directory above its files. pytest's
``tmp_path`` lies under a per-user base directory of mode 0700 (root's, here), so the lab goes
into a fresh directory of the system temp dir with mode 0711 instead (``pg_base``): the
postgres user can pass through it but not list it.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import tempfile
from pathlib import Path

from adapters.lab.checking import lab_from_data
from adapters.lab.postgres import cluster_specs
from adapters.lab.provision import mount_path, provision
from adapters.postgres.server import find_bindir
from adapters.storage.base import VolumeRef

HOST, SERIAL, CLUSTER = "DBServer", "64001", "pg1"
PLACES = {"data": (1, 11), "wal": (2, 12), "ts": (3, 13)}


def missing_postgres() -> str:
    """Why the PostgreSQL tests cannot run here, or ''."""
    if find_bindir() is None:
        return "PostgreSQL server binaries not found (pg_config --bindir)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no 'postgres' OS user to run the server as"
    if os.geteuid() != 0 and os.geteuid() != pwd.getpwnam("postgres").pw_uid:
        return "the tests must run as root or as postgres to start servers as postgres"
    if shutil.which("runuser") is None and os.geteuid() == 0:
        return "runuser not found (needed to run PostgreSQL as postgres)"
    return ""


def free_port() -> int:
    """A port no server listens on (the socket name of our private server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg_base() -> Path:
    base = Path(tempfile.mkdtemp(prefix="drm-pg-"))
    base.chmod(0o711)
    return base


BACKUP_SERVER = "BKServer"


def lab_data(port: int, segment_mb: int = 1, backup_server: bool = False,
             volume_size: str = "1GiB") -> dict:
    """``volume_size``: of every LDEV (the benchmark's 1 GiB database needs more than 1 GiB)."""
    mount = lambda name: f"hosts/{HOST}/mnt/{name}"  # noqa: E731
    ldevs = [{"id": n, "size": volume_size} for pair in PLACES.values() for n in pair]
    data = {
        "name": "pg-lab",
        "hosts": [{"name": HOST, "role": "DB", "mounts": [
            {"path": mount(f"pg{name}"), "array": SERIAL, "ldev": p} for name, (p, _) in PLACES.items()]}],
        "arrays": [{"serial": SERIAL, "ldevs": ldevs}],
        "copy_groups": [{"group": "PG", "device": name.upper(), "copy_type": "SI", "mu": 0,
                         "pvol": {"array": SERIAL, "ldev": p}, "svol": {"array": SERIAL, "ldev": s},
                         "initial_status": "PSUS"} for name, (p, s) in PLACES.items()],
        "postgres_clusters": [{"name": CLUSTER, "host": HOST, "data": mount("pgdata"),
                               "wal": mount("pgwal"), "port": port, "wal_segment_mb": segment_mb,
                               "tablespaces": [{"name": "ts1", "mount": mount("pgts")}]}],
    }
    if backup_server:  # issue 14 (pg-more): a backup server with a tape library, for tape
        data["hosts"].append({"name": BACKUP_SERVER, "role": "BK", "mounts": [
            {"path": f"hosts/{BACKUP_SERVER}/mnt/pg{name}", "array": SERIAL, "ldev": s,
             "mounted": False} for name, (_, s) in PLACES.items()]})
        data["tape_library"] = {"name": "LIB01", "drives": 1, "slots": 4,
                                "media": ["TP0001", "TP0002"], "retention_days": 30}
    return data


def make_lab(data_dir: Path, port: int, backup_server: bool = False, volume_size: str = "1GiB"):
    """Provision the lab; returns (lab, storage, the cluster's spec)."""
    lab = lab_from_data(lab_data(port, backup_server=backup_server, volume_size=volume_size),
                        "pg-lab")
    storage = provision(lab, data_dir)
    storage.wait_idle()
    (spec,) = cluster_specs(lab, data_dir, HOST, mount_path)
    return lab, storage, spec


def pvol(name: str) -> VolumeRef:
    return VolumeRef(serial=SERIAL, ldev=PLACES[name][0])


@contextlib.contextmanager
def cluster_agent(after=None):
    """A fresh lab with the cluster initialised and running, and its host's agent (built in
    process): yields ``(agent, application, spec, settings)``. Afterwards ``after`` runs (if
    given), then the application is closed, the cluster stopped (a failed test may have left
    none), the array's copies waited for and the lab removed."""
    from services.agent.bootstrap import build_agent
    from services.settings import load_settings

    base = pg_base()
    _, storage, spec = make_lab(base, free_port())
    settings = load_settings(environ={}, data_dir=base, hostname=HOST)
    agent = build_agent(settings, HOST)
    app = agent.ports.application("postgresql")
    app.initdb(CLUSTER)
    app.start(CLUSTER)
    try:
        yield agent, app, spec, settings
    finally:
        if after is not None:
            after()
        app.close()
        with contextlib.suppress(Exception):
            app.stop(CLUSTER)
        storage.wait_idle(10)
        shutil.rmtree(base, ignore_errors=True)


def needs_postgres():
    """The ``pytestmark`` of the tests that start real PostgreSQL servers: skipped, with the
    reason shown, where the binaries or the ``postgres`` user are missing, except under
    ``DRM_REQUIRE_SERVICES=1`` (CI), where they run and so fail."""
    import pytest

    from tests.services import REQUIRE

    reason = missing_postgres()
    return pytest.mark.skipif(bool(reason) and not REQUIRE, reason=reason or "PostgreSQL here")
