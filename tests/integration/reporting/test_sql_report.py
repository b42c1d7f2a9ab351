"""SQL Server in the reports (issue 13), against a real PostgreSQL reporting database, embedded:
``drm report lineage`` of a SQL backup follows its freeze and thaw, the log backups of its chain,
its restore with the database states and the recovery that rolled it forward, and leaves the
other backup out; ``drm report summary`` shows each database's state, log chain, restore and
roll-forward."""
from __future__ import annotations

import orjson
import pytest

from events import application as app, filesystem as fs, sql_logs as logs, sql_restore as rs
from events.outcomes import CommandCompleted
from services.cli.main import main
from tests.integration.reporting.test_embedded import host_store
from tests.reporting_history import HistoryWriter, write_to_store

HOST = "DBServer"
HELD = dict(kind="mssql", instance="default", databases=("UserDB1",))


@pytest.fixture
def data_dir(tmp_path, monkeypatch, report_url):
    for name in ("DRM_BROKER_URL", "DRM_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRM_REPORT_DATABASE_URL", report_url)
    return tmp_path


def backup(writer: HistoryWriter, workflow: str, backup_id: str):
    entry = fs.BackupRecorded(
        backup_id=backup_id, original_id=backup_id, origin_host=HOST, mode="ONLINE",
        object_type="MSSQL", instances=("default",), rows=(), generation="local_0",
        copy_groups=("SI01,sql01",), started_at=writer.clock, ended_at=writer.clock,
        workflow_id=workflow)
    return writer._seal([app.ApplicationFrozen(workflow_id=workflow, token="t", frozen_at=0,
                                               timeout=60, **HELD),
                         app.ApplicationThawed(workflow_id=workflow, **HELD), entry,
                         CommandCompleted(command="BackupSqlServer")])


def log_backup(writer: HistoryWriter, workflow: str, backup_id: str, seq: int):
    return writer._seal([logs.SqlLogBackupRecorded(
        workflow_id=workflow, instance="default", database="UserDB1", path=f"/l/{seq}.trn",
        first_lsn=seq * 10, last_lsn=seq * 10 + 9, size=1, sha256="a" * 64, chain_seq=seq,
        backup_id=backup_id, original_id=backup_id, taken_at=writer.clock),
        logs.SqlLogBackupCompleted(workflow_id=workflow, instance="default", files=1),
        CommandCompleted(command="BackupSqlLogs")])


def restore_and_recover(writer: HistoryWriter, backup_id: str, n: int):
    restore, recover = f"restore-{n}", f"recover-{n}"
    return [*writer._seal([
        rs.SqlRestoreRequested(workflow_id=restore, backup_id=backup_id, original_id=backup_id,
                               instance="default", target_instance="default",
                               databases=("UserDB1",), copy_groups=(), resync=True,
                               standby=False),
        logs.SqlDatabaseStateChanged(workflow_id=restore, instance="default",
                                     database="UserDB1", previous="OFFLINE", state="LOADING",
                                     reason="restored"),
        rs.SqlRestoreCompleted(workflow_id=restore, backup_id=backup_id,
                               original_id=backup_id, target_instance="default",
                               databases=("UserDB1",)),
        CommandCompleted(command="RestoreSqlDatabases")]), *writer._seal([
            rs.SqlRecoveryRequested(workflow_id=recover, instance="default",
                                    databases=("UserDB1",), finish="online", logs=1),
            logs.SqlRollForwardApplied(workflow_id=recover, instance="default",
                                       database="UserDB1", files=("/l/1.trn",), first_lsn=10,
                                       last_lsn=19, finish="ONLINE", original_id=backup_id,
                                       chain_complete=True),
            logs.SqlDatabaseStateChanged(workflow_id=recover, instance="default",
                                         database="UserDB1", previous="LOADING",
                                         state="ONLINE", reason="recovered"),
            rs.SqlRecoveryCompleted(workflow_id=recover, instance="default",
                                    databases=("UserDB1",)),
            CommandCompleted(command="RecoverSqlDatabases")])]


@pytest.fixture
def sql_host(data_dir):
    writer = HistoryWriter(HOST)
    events = [*backup(writer, "backup-1", "0000000001"), *log_backup(writer, "log-1",
                                                                     "0000000001", 1),
              *backup(writer, "backup-2", "0000000002"), *log_backup(writer, "log-2",
                                                                     "0000000002", 1),
              *restore_and_recover(writer, "0000000001", 1),
              *restore_and_recover(writer, "0000000002", 2)]
    write_to_store(host_store(data_dir, HOST), events)
    return events


def report(capsys, *args) -> dict:
    assert main(["report", *args, "--json"]) == 0
    return orjson.loads(capsys.readouterr().out)


def test_the_report_lineage_of_a_sql_backup_shows_what_acted_on_it(sql_host, capsys):
    events = report(capsys, "lineage", HOST, "0000000001")["events"]
    types = [e["type"] for e in events]
    assert types == ["ApplicationFrozen", "ApplicationThawed", "BackupRecorded",
                     "SqlLogBackupRecorded", "SqlLogBackupCompleted", "SqlRestoreRequested",
                     "SqlDatabaseStateChanged", "SqlRestoreCompleted", "SqlRecoveryRequested",
                     "SqlRollForwardApplied", "SqlDatabaseStateChanged",
                     "SqlRecoveryCompleted"]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    own = {e.seq for e in sql_host if e.payload.get("workflow_id") in
           ("backup-1", "log-1", "restore-1", "recover-1")}
    assert set(seqs) == own  # the second backup's events are not there
    assert main(["report", "lineage", HOST, "0000000001"]) == 0
    assert "SqlRollForwardApplied" in capsys.readouterr().out


def test_the_summary_shows_each_sql_database(sql_host, capsys):
    [host] = report(capsys, "summary")["hosts"]
    assert host["sql_databases"] == [{
        "database": "default/UserDB1", "state": "ONLINE", "log_backups": 2,
        "last_log": {"backup_id": "0000000002", "chain_seq": 1, "last_lsn": 19,
                     "taken_at": host["sql_databases"][0]["last_log"]["taken_at"]},
        "restored_from": "0000000002",
        "roll_forward": {"last_lsn": 19, "finish": "ONLINE", "chain_complete": True}}]
    assert main(["report", "summary"]) == 0
    shown = capsys.readouterr().out
    assert "SQL DATABASES:" in shown
    assert "default/UserDB1 ONLINE 2    0000000002#1 LSN 19 0000000002" in shown
