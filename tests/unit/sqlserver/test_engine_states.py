"""The simulated instance's database states and what each allows (manual tables 6-1 to 6-4,
as far as the instance itself decides them), instances, IDs and recovery models."""
from __future__ import annotations

import pytest

from adapters.sqlserver.engine import SqlServerEngine
from services.agent.application_port import (LOADING, OFFLINE, ONLINE, RUNNING, STANDBY,
                                             STOPPED, UNCONFIRMED, ApplicationError,
                                             ApplicationPort)


def put_in_state(lab, state: str):
    """DB1 in ``state`` after a full backup; returns that backup."""
    lab.write(3)
    backup = lab.backup()
    lab.write(2)
    if state == OFFLINE:
        lab.engine.set_offline("default", "DB1")
    elif state in (LOADING, STANDBY):
        lab.engine.set_offline("default", "DB1")
        lab.put_back(backup)
        lab.engine.restored("default", ["DB1"], backup.metadata, standby=state == STANDBY)
    elif state == UNCONFIRMED:
        lab.engine.damage("default", "DB1")
    assert lab.engine.databases("default")[-1].state == state
    return backup


def restore(lab, backup):
    lab.put_back(backup)
    return lab.engine.restored("default", ["DB1"], backup.metadata, standby=False)


OPERATIONS = {
    "write": lambda lab, backup: lab.engine.write_rows("default", "DB1", 1),
    "count": lambda lab, backup: lab.engine.count_rows("default", "DB1"),
    "freeze": lambda lab, backup: lab.backup(),
    "log backup": lambda lab, backup: lab.engine.log_backup("default", "DB1", lab.root / "logs"),
    "tail-log backup": lambda lab, backup: lab.engine.log_backup(
        "default", "DB1", lab.root / "logs", truncate=False),
    "recover": lambda lab, backup: lab.engine.apply_logs("default", "DB1", [], finish=ONLINE),
    "restored": restore,
}
ALLOWED = {  # operation: the states it runs in
    "write": {ONLINE},
    "count": {ONLINE, STANDBY},
    "freeze": {ONLINE},
    "log backup": {ONLINE},
    "tail-log backup": {ONLINE, UNCONFIRMED},
    "recover": {LOADING, STANDBY},
    "restored": {OFFLINE, LOADING, STANDBY, UNCONFIRMED},  # ONLINE only with system databases
}


@pytest.mark.parametrize("state", [ONLINE, OFFLINE, LOADING, STANDBY, UNCONFIRMED])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_what_each_database_state_allows(lab, state, operation):
    backup = put_in_state(lab, state)
    if state in ALLOWED[operation]:
        OPERATIONS[operation](lab, backup)
    else:
        with pytest.raises(ApplicationError) as refused:
            OPERATIONS[operation](lab, backup)
        assert refused.value.reason == "state"
        assert lab.engine.databases("default")[-1].state == state  # refused: nothing changed


@pytest.mark.parametrize("finish", [ONLINE, LOADING, STANDBY])
@pytest.mark.parametrize("start", [LOADING, STANDBY])
def test_recovery_leaves_the_state_asked_for(lab, start, finish):
    put_in_state(lab, start)
    assert lab.engine.apply_logs("default", "DB1", [], finish=finish).state == finish


def test_a_damaged_data_file_found_at_start_makes_the_database_unconfirmed(lab):
    lab.write(2)
    lab.engine.stop("default")
    lab.vol1.joinpath("DB1.mdf").write_bytes(b"garbage")
    lab.engine.start("default")
    assert lab.engine.databases("default")[-1].state == UNCONFIRMED
    assert lab.engine.damage("default", "DB1", "corrupt").state == UNCONFIRMED


def test_an_offline_database_that_is_damaged_is_both(lab):
    lab.engine.set_offline("default", "DB1")
    assert lab.engine.damage("default", "DB1").state == f"{OFFLINE}+{UNCONFIRMED}"


def test_instances_system_databases_ids_and_case(tmp_path):
    engine = SqlServerEngine(tmp_path / "state", [tmp_path])
    try:
        assert isinstance(engine, ApplicationPort) and engine.kind == "sqlserver"
        engine.define_instance("default", tmp_path / "sys")
        engine.define_instance("INSTANCE_1", tmp_path / "sys1", replication=True)
        engine.create_database("DEFAULT", "UserDB1", [tmp_path / "a"], tmp_path / "a")
        engine.create_database("default", "UserDB2", [tmp_path / "a", tmp_path / "b"],
                               tmp_path / "b", "SIMPLE")
        ids = {d.name: d.database_id for d in engine.databases("Default")}
        assert ids == {"master": 1, "tempdb": 2, "model": 3, "msdb": 4, "UserDB1": 5, "UserDB2": 6}
        named = {d.name: d for d in engine.databases("instance_1")}
        assert named["distribution"].system and named["distribution"].database_id == 5
        spanning = engine.databases("default")[-1]
        assert [f.kind for f in spanning.files] == ["data", "data", "log"]
        assert spanning.recovery_model == "SIMPLE"
        with pytest.raises(ApplicationError, match="already exists"):
            engine.create_database("default", "userdb1", [tmp_path / "c"], tmp_path / "c")
        engine.stop("DEFAULT")
        assert engine.status("default") == STOPPED and engine.status("instance_1") == RUNNING
        assert len(engine.databases("default")) == 6  # the catalog reads while stopped
        with pytest.raises(ApplicationError) as stopped:
            engine.write_rows("default", "UserDB1", 1)
        assert stopped.value.reason == "not-running"
        with pytest.raises(ApplicationError) as missing:
            engine.status("nope")
        assert missing.value.reason == "not-found"
    finally:
        engine.close()


def test_the_catalog_survives_a_restart_and_one_engine_owns_it(tmp_path):
    engine = SqlServerEngine(tmp_path / "state", [tmp_path])
    engine.define_instance("default", tmp_path / "sys")
    engine.create_database("default", "DB1", [tmp_path / "v"], tmp_path / "v")
    engine.write_rows("default", "DB1", 5)
    with pytest.raises(ApplicationError, match="another process"):
        SqlServerEngine(tmp_path / "state", [tmp_path])
    engine.close()
    again = SqlServerEngine(tmp_path / "state", [tmp_path])
    try:
        assert again.count_rows("default", "db1") == {"rows": 5, "max_row": 5, "lsn": 1,
                                                     "missing": 0}
    finally:
        again.close()


@pytest.mark.parametrize("bad", ["", "a b", "../x", "x" * 65, "a/b", "é"])
def test_bad_names_and_paths_outside_the_roots_are_refused(lab, bad, tmp_path_factory):
    with pytest.raises(ApplicationError):
        lab.engine.create_database("default", bad, [lab.vol2], lab.vol2)
    outside = tmp_path_factory.mktemp("outside")
    with pytest.raises(ApplicationError, match="outside"):
        lab.engine.create_database("default", "DB9", [outside], lab.vol2)
    assert [d.name for d in lab.engine.databases("default")][-1] == "DB1"


def test_system_databases_refuse_log_backups_and_tempdb_a_backup(lab):
    lab.backup(databases=("master", "model", "msdb"), volumes=("system",))
    for name in ("master", "model", "msdb", "tempdb"):
        with pytest.raises(ApplicationError, match="system database"):
            lab.engine.log_backup("default", name, lab.root / "logs")
    with pytest.raises(ApplicationError, match="tempdb"):
        lab.engine.freeze("default", ["tempdb"], 10, None, "1")


def test_a_restore_with_the_system_databases_runs_stopped_and_replaces_online_ones(lab):
    lab.write(4)
    backup = lab.backup(databases=("master", "model", "msdb", "DB1"), volumes=("system", "vol1"))
    lab.write(2)
    lab.engine.stop("default")
    lab.put_back(backup, volumes=("system", "vol1"))
    states = {d.name: d.state for d in lab.engine.restored(
        "default", ["master", "model", "msdb", "DB1"], backup.metadata, standby=False)}
    assert states == {"master": ONLINE, "model": ONLINE, "msdb": ONLINE, "DB1": LOADING}
    lab.engine.start("default")
    lab.engine.apply_logs("default", "DB1", [], finish=ONLINE)
    assert lab.engine.count_rows("default", "DB1")["rows"] == 4
    with pytest.raises(ApplicationError, match="nothing to recover"):
        lab.engine.apply_logs("default", "master", [], finish=ONLINE)


@pytest.mark.parametrize("base", [OFFLINE, LOADING, STANDBY])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_combined_states_allow_only_a_restore(lab, base, operation):
    """Manual table 6-3: a damaged OFFLINE, LOADING or STANDBY database is in a combined
    state; only a restore acts on it (the damaged database is replaced)."""
    backup = put_in_state(lab, base)
    combined = lab.engine.damage("default", "DB1").state
    assert combined == "+".join(s for s in (LOADING, STANDBY, OFFLINE, UNCONFIRMED)
                                if s in (base, UNCONFIRMED))
    if operation == "restored":
        assert restore(lab, backup)[0].state == LOADING
        return
    with pytest.raises(ApplicationError) as refused:
        OPERATIONS[operation](lab, backup)
    assert refused.value.reason == "state"
    assert lab.engine.databases("default")[-1].state == combined
