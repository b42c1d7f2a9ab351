"""The lab's SQL Server: DBServer in the example lab, the lab checks, lab init writing the
databases onto the P-VOLs (and so the S-VOLs), ``drm lab sql`` and the agent's port."""
from __future__ import annotations

import pytest

import services.cli.main as cli
from adapters.lab.checking import lab_from_data, parse_toml
from adapters.lab.example import example_toml, populate_example, write_example
from adapters.lab.loader import LabError, load_lab
from adapters.lab.provision import provision
from adapters.sqlserver.engine import SqlServerEngine
from adapters.sqlserver.lab import application_ports, roots, state_dir, stop_all
from services.agent.application_port import ApplicationPort
from services.agent.bootstrap import agent_ports
from services.settings import load_settings


def test_the_example_lab_has_a_database_server_with_three_generations(tmp_path):
    lab = load_lab(write_example(tmp_path / "lab.toml"))
    db_server = next(h for h in lab.hosts if h.name == "DBServer")
    (instance,) = db_server.sql_instances
    assert db_server.role == "DB" and instance.name == "default"
    assert [d.name for d in instance.databases] == ["UserDB1", "UserDB2"]
    assert instance.metafile_dir == "" and instance.vdi_timeout == 300 and instance.log_backup_dir
    pvols = {m.path: m.ldev for m in db_server.mounts}
    for database in instance.databases:
        (data,) = database.data
        groups = [cg for cg in lab.copy_groups if cg.pvol.ldev == pvols[data]]
        assert sorted(cg.generation_name for cg in groups) == ["local_0", "local_1", "local_2"]
        assert {cg.copy_type.value for cg in groups} == {"SI"}
    bk = next(h for h in lab.hosts if h.name == "BKServer")
    svols = {cg.svol.ldev for cg in lab.copy_groups if cg.pvol.ldev in pvols.values()}
    assert svols <= {m.ldev for m in bk.mounts}


@pytest.mark.parametrize("change, problem", [
    ('data = ["hosts/DBServer/mnt/sql1"]', 'data = ["hosts/DBServer/elsewhere"]'),
    ('name = "UserDB2"', 'name = "userdb1"'),
    ('name = "UserDB2"', 'name = "msdb"'),
])
def test_the_lab_checks_sql_server_definitions(change, problem):
    text = example_toml().replace(change, problem, 1)
    with pytest.raises(LabError) as refused:
        lab_from_data(parse_toml(text, "lab.toml"), "lab.toml", text)
    assert "sql_instances" in str(refused.value.problems)


def test_lab_init_writes_the_databases_onto_the_pvols_before_the_pairs(tmp_path):
    data = tmp_path / "data"
    lab = load_lab(write_example(tmp_path / "lab.toml"))
    provision(lab, data, populate=populate_example)
    db_server = next(h for h in lab.hosts if h.name == "DBServer")
    engine = SqlServerEngine(state_dir(data, "DBServer"), roots(data, db_server))
    try:
        for name in ("UserDB1", "UserDB2"):
            assert engine.count_rows("default", name) == {"rows": 100, "max_row": 100,
                                                          "lsn": 1, "missing": 0}
    finally:
        engine.close()
    copies = sorted(p.parent.name for p in (data / "arrays").rglob("UserDB1.mdf"))
    assert copies == ["300", "302", "304", "306"]  # the P-VOL and its three S-VOLs


@pytest.fixture
def drm(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))

    def run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out + err

    assert run("lab", "init", "--example")[0] == 0
    yield run
    data_dir = load_settings().data_dir
    stop_all(data_dir, load_lab(tmp_path / "data" / "lab-example.toml"))


def test_drm_lab_sql_writes_counts_and_damages(drm):
    assert drm("lab", "sql", "status") == (0, "DRMX5183-I The SQL Server instance process of "
                                              "DBServer is not running.\n")
    code, out = drm("lab", "sql", "write", "UserDB1", "--rows", "20", "--batch", "5")
    assert code == 0 and "rows 101-120 committed (LSN 2-5)" in out
    assert drm("lab", "sql", "count", "userdb1")[1] == \
        "userdb1: rows=120 max_row=120 missing=0 lsn=5\n"
    code, out = drm("lab", "sql", "create-db", "Sales", "--data", "hosts/DBServer/mnt/sql1",
                    "--data", "hosts/DBServer/mnt/sql2", "--log", "hosts/DBServer/mnt/sql2")
    assert code == 0 and "database ID 7" in out
    assert "UNCONFIRMED" in drm("lab", "sql", "damage", "Sales")[1]
    code, out = drm("lab", "sql", "count", "Sales")
    assert code != 0 and "DRMX5180-E" in out and "not readable" in out
    code, out = drm("lab", "sql", "create-db", "X", "--data", "/", "--log", "/")
    assert code != 0 and "DRMX5180-E" in out
    assert "DRMX5182-I" in drm("lab", "sql", "status")[1]
    assert "was stopped" in drm("lab", "sql", "stop")[1]
    assert "Sales" in drm("lab", "sql", "databases")[1]  # started again on demand


def test_the_agent_of_the_database_server_gets_the_sql_server_port(drm, tmp_path):
    settings = load_settings()
    ports = agent_ports(settings, host="DBServer")
    client = ports.application("sqlserver")
    assert isinstance(client, ApplicationPort) and client.kind == "sqlserver"
    assert agent_ports(settings, host="FSServer").applications == {}
    assert [d.name for d in client.databases("DEFAULT")][-2:] == ["UserDB1", "UserDB2"]
    client.close()
    assert application_ports(settings.data_dir, None, "DBServer") == {}
