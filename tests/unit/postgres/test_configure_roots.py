"""drmpginit's directories stay inside the host's roots (the data directory, the lab host's
mount roots, the adapter's own defaults): a log backup area anywhere else was created and later
had released WAL deleted from it. A refusal records nothing and creates nothing."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from events.pg_commands import ConfigurePgCluster
from services.agent.errors import CommandRejection
from services.agent.ports import AgentPorts
from services.agent.postgres.handlers import configure
from tests.unit.agent_fs.views import view_of
from tests.unit.postgres.fake_postgres import FakePostgres
from tests.unit.postgres.streams import CLUSTER, DATA, pg_maps


def _context(tmp_path):
    recorded = []
    server = FakePostgres(CLUSTER, ((f"{DATA}/base", "data"),))
    ports = AgentPorts(applications={"postgresql": server}, data_dir=tmp_path / "data")
    return SimpleNamespace(host="DBServer", view=view_of(pg_maps()), ports=ports,
                           record=recorded.extend), recorded


@pytest.mark.parametrize("where", ["outside", "symlink"])
def test_a_directory_outside_the_roots_is_refused_and_nothing_is_made(tmp_path, where):
    context, recorded = _context(tmp_path)
    (tmp_path / "data").mkdir()
    outside = tmp_path / "elsewhere"
    if where == "symlink":
        (tmp_path / "data" / "link").symlink_to(tmp_path)
        log_dir = str(tmp_path / "data" / "link" / "elsewhere")
    else:
        log_dir = str(outside)
    command = ConfigurePgCluster(cluster=CLUSTER, log_backup_dir=log_dir,
                                 metadata_dir=str(tmp_path / "data" / "labels"))
    with pytest.raises(CommandRejection, match="outside"):
        configure(command, context)
    assert recorded == [] and not outside.exists()
    assert not (tmp_path / "data" / "labels").exists()


def test_directories_inside_the_data_directory_pass(tmp_path):
    context, recorded = _context(tmp_path)
    command = ConfigurePgCluster(cluster=CLUSTER, log_backup_dir="pg/wal",
                                 metadata_dir=str(tmp_path / "data" / "pg" / "labels"))
    configure(command, context)
    assert (tmp_path / "data" / "pg" / "wal").is_dir() and recorded
