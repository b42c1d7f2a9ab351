"""The PostgreSQL commands through the agent on a real server (issue 14): an online backup
while rows are written, WAL log backups, the restore-point proof, a disaster that destroys the
data volume, a restore and a point-in-time recovery that gives the rows up to the target and
none after; a raw pairsplit marks its generation crash-consistent. Skipped (reason shown) where
the PostgreSQL binaries or the postgres user are absent."""
from __future__ import annotations

import subprocess
import pathlib
import shutil
import time
from datetime import timezone

import psycopg
import pytest

from services.agent.bootstrap import build_agent
from tests.fs_lab import command
from tests.pg_lab import CLUSTER, HOST, cluster_agent, needs_postgres

pytestmark = needs_postgres()


def result(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def send(agent, name, **args):
    return agent.handle(command(name, host=HOST, **args))


@pytest.fixture
def lab():
    with cluster_agent() as (agent, app, spec, settings):
        agent.settings = settings
        yield agent, app, spec


def sql(spec, statement: str, *params):
    with psycopg.connect(spec.conninfo(), autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def rows(spec) -> list[int]:
    return [r[0] for r in sql(spec, "SELECT n FROM checks ORDER BY n")]


def test_backup_logs_disaster_restore_and_point_in_time_recovery(lab):
    agent, app, spec = lab
    setup = result(send(agent, "ConfigurePgCluster", cluster=CLUSTER))
    assert {"PG,DATA", "PG,WAL", "PG,TS"} <= set(setup["copy_groups"])
    sql(spec, "CREATE TABLE checks (n int PRIMARY KEY, at timestamptz DEFAULT now())")
    sql(spec, "INSERT INTO checks (n) SELECT generate_series(1, 100)")

    backup = result(send(agent, "BackupPgCluster", cluster=CLUSTER))
    backup_id = backup["backup_id"]
    sql(spec, "INSERT INTO checks (n) VALUES (101)")
    time.sleep(1.1)
    target = sql(spec, "SELECT now()")[0][0].astimezone(timezone.utc)
    time.sleep(1.1)
    sql(spec, "INSERT INTO checks (n) VALUES (102)")
    result(send(agent, "BackupPgLogs", cluster=CLUSTER))

    [entry] = agent.handle(command("ListPgCatalog", host=HOST, cluster=CLUSTER,
                                   chain=True)).result["entries"]
    assert entry["consistency"] == "application-consistent" and entry["chain"]["complete"]
    listed = agent.handle(command("ListPgLogBackups", host=HOST, cluster=CLUSTER)).result
    assert any(c["backup_id"] == backup_id and c["files"] for c in listed["chains"])

    # a deleted log backup is a gap, reported before any restore, and the restore refuses it
    area = agent.view.postgres.clusters[CLUSTER].log_backup_dir
    needed = pathlib.Path(area) / entry["chain"]["needed_to"]
    kept = needed.read_bytes()
    needed.unlink()
    [broken] = agent.handle(command("ListPgCatalog", host=HOST, cluster=CLUSTER,
                                    chain=True)).result["entries"]
    assert not broken["chain"]["complete"] and broken["chain"]["missing"] == [needed.name]
    refused = send(agent, "RestorePgCluster", backup_id=backup_id)
    assert refused.type == "CommandRejected" and needed.name in refused.payload["text"]
    needed.write_bytes(kept)

    app.stop(CLUSTER)  # disaster: the data volume is lost, the log backups survive
    for item in spec.data_dir.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()

    restored = result(send(agent, "RestorePgCluster", backup_id=backup_id))
    assert restored["chain"]["complete"]
    when = target.strftime("%Y-%m-%d %H:%M:%S.%f+00")
    ended = result(send(agent, "RecoverPgCluster", cluster=CLUSTER, target="time",
                        target_value=when))
    assert rows(spec) == list(range(1, 102))  # up to the target, none after
    assert ended["timeline"] == 2 and ended["reached_at"] and ended["lsn"]
    recovery = list(agent.view.postgres.recoveries.values())[-1]
    assert recovery.ended == "ended" and recovery.timeline == 2

    # the next backup follows the new timeline (and supersedes the first: one generation here)
    second = result(send(agent, "BackupPgCluster", cluster=CLUSTER))
    assert second["timeline"] == 2 and second["superseded"] == [backup_id]
    result(send(agent, "BackupPgLogs", cluster=CLUSTER))
    [entry] = agent.handle(command("ListPgCatalog", host=HOST, cluster=CLUSTER,
                                   chain=True)).result["entries"]
    assert entry["chain"]["complete"] and entry["chain"]["timeline"] == 2


class AgentKilled(BaseException):
    """Stands for the agent process dying in the middle of a step."""


def test_an_agent_killed_between_start_and_stop_leaves_no_entry_and_an_unusable_generation(
        lab, monkeypatch):
    agent, app, spec = lab
    result(send(agent, "ConfigurePgCluster", cluster=CLUSTER))
    storage = agent.ports.storage

    def killed(*args, **kwargs):
        raise AgentKilled()

    monkeypatch.setattr(storage, "pairsplit", killed)
    with pytest.raises(AgentKilled):
        send(agent, "BackupPgCluster", cluster=CLUSTER)
    app.close()  # the dead process's session ends: the server aborts its backup
    monkeypatch.undo()

    again = build_agent(agent.settings, HOST)  # the restart recovers the workflow
    try:
        view = again.view
        assert view.catalog == {} and view.postgres.backups == {}
        types = [e.type for e in again.store.read(HOST)]
        assert "ApplicationThawed" in types and types.index("BackupAborted") > types.index(
            "FreezeRequested")
        shown = again.handle(command("DisplayPgCluster", host=HOST, cluster=CLUSTER)).result
        marks = {g["copy_group"]: g["consistency"] for f in shown["clusters"][0]["files"]
                 for g in f["copy_groups"]}
        assert set(marks.values()) == {"unusable"}
        result(send(again, "BackupPgCluster", cluster=CLUSTER))  # the next backup heals it
        shown = again.handle(command("DisplayPgCluster", host=HOST, cluster=CLUSTER)).result
        assert {g["consistency"] for f in shown["clusters"][0]["files"]
                for g in f["copy_groups"]} == {"application-consistent"}
    finally:
        again.ports.application("postgresql").close()


def test_an_online_backup_under_pgbench_recovers_to_latest_with_exactly_the_committed_rows(lab):
    agent, app, spec = lab
    control = app.control(CLUSTER)
    where = ("-h", str(spec.socket_dir), "-p", str(spec.port))
    result(send(agent, "ConfigurePgCluster", cluster=CLUSTER))
    control.run("pgbench", "-i", "-q", "-s", "1", *where, "postgres")
    sql(spec, "CREATE TABLE checks (n int PRIMARY KEY, digest text)")
    load = subprocess.Popen(control.command("pgbench", "-T", "3", "-c", "2", *where,
                                            "postgres"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        backup_id = result(send(agent, "BackupPgCluster", cluster=CLUSTER))["backup_id"]
        for n in range(1, 51):  # committed one by one while pgbench writes
            sql(spec, "INSERT INTO checks VALUES (%s, md5(%s::text))", n, n)
    finally:
        load.wait(60)
    committed = sql(spec, "SELECT md5(string_agg(digest, ',' ORDER BY n)) FROM checks")
    accounts = sql(spec, "SELECT sum(abalance) FROM pgbench_accounts")
    result(send(agent, "BackupPgLogs", cluster=CLUSTER))

    app.stop(CLUSTER)  # the data volume is lost
    for item in spec.data_dir.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    result(send(agent, "RestorePgCluster", backup_id=backup_id))
    # the split copied the receiver's slot and pg_wal: a slot from the past would hold every
    # segment recovery replays; the restore leaves neither (pg_basebackup leaves them out too)
    assert not list((spec.data_dir / "pg_replslot").iterdir())
    assert not [p for p in spec.wal_dir.iterdir() if p.is_file()]
    ended = result(send(agent, "RecoverPgCluster", cluster=CLUSTER))
    assert sql(spec, "SELECT slot_name, restart_lsn >= %s::pg_lsn FROM pg_replication_slots",
               ended["lsn"]) == [("drm_wal", True)]  # the receiver's own, made afresh
    assert sql(spec, "SELECT md5(string_agg(digest, ',' ORDER BY n)) FROM checks") == committed
    assert sql(spec, "SELECT sum(abalance) FROM pgbench_accounts") == accounts
    assert ended["timeline"] == 2 and ended["lsn"]
    control.run("pg_amcheck", *where, "--install-missing", "postgres", timeout=300)
