"""An existing reporting database upgrades cleanly to the application view names (alembic
0008) and to a fold that prunes ``sql.originals``: after the upgrade, a resumed consumer leaves
the rows a consumer of the new code that never stopped would, with no row left under an old
name and no original the fold no longer keeps."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from adapters.migrations import downgrade, upgrade
from adapters.reporting.queries import ReportQueries
from events import filesystem as fs, sqlserver as sql
from events.outcomes import CommandCompleted
from projections.host_fold import fold
from projections.reporting.view_rows import view_rows
from services.audit.consumer import ReportConsumer
from tests.integration.reporting.conftest import consume_all, source_for
from tests.reporting_history import HistoryWriter

pytestmark = [pytest.mark.amqp, pytest.mark.postgres]

DB = sql.SqlDatabaseRecord(name="UserDB1", database_id=5, files=(sql.SqlFileRecord(
    path="/mnt/sql/UserDB1.mdf", kind="data", mount_point="/mnt/sql", device="100:0001",
    copy_groups=("SI01,sql01",)),))


def sql_backup(writer: HistoryWriter, backup_id: str, superseding: str = "") -> list:
    deleted = [fs.BackupEntryDeleted(backup_id=superseding, reason="superseded",
                                     copy_groups=("SI01,sql01",))] if superseding else []
    return writer._seal([*deleted, fs.BackupRecorded(
        backup_id=backup_id, original_id=backup_id, origin_host=writer.host, mode="ONLINE",
        object_type="MSSQL", instances=("default",), rows=(), generation="local_0",
        copy_groups=("SI01,sql01",), started_at=writer.clock, ended_at=writer.clock),
        sql.SqlBackupDetails(backup_id=backup_id, instance="default", databases=(DB,)),
        CommandCompleted(command="BackupSqlServer")])


def test_an_old_reporting_database_upgrades_to_the_rows_of_the_new_code(
        broker, stream, report_store):
    writer = HistoryWriter(broker.host())
    first = writer.refresh_maps() + sql_backup(writer, "0000000001") + sql_backup(
        writer, "0000000002", superseding="0000000001")
    stream(first)
    consume_all(report_store, source_for(broker))
    engine = report_store.engine
    downgrade(engine, "0007_heads_in_rows")  # the database as the older code left it:
    with engine.begin() as conn:  # old names, and the original the old fold kept
        conn.execute(text("INSERT INTO report_views (host, view, key, data) "
                          "VALUES (:host, 'originals', '0000000001', '{}')"),
                     {"host": writer.host})
    names = {view for view, _ in ReportQueries(report_store).view_rows(writer.host)}
    assert {"backups", "originals"} <= names and "sql_backups" not in names
    upgrade(engine)

    resumed = ReportConsumer(report_store)
    later = sql_backup(writer, "0000000003", superseding="0000000002")
    stream(later)
    resumed.follow_stream(source_for(broker), threading.Event(), stop_when_idle=1.5)
    rows = ReportQueries(report_store).view_rows(writer.host)
    assert rows == view_rows(fold(writer.host, first + later))
    assert {key for view, key in rows if view in ("sql_originals", "sql_backups")} == {
        "0000000003"}
