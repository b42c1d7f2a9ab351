"""Spec 05 §5.4 through the agent's handlers on the simulated SQL Server: a full backup, log
backups, a failure, a tail-log backup (-no_truncate), a restore, and a recovery with the list
file that ``drmsqllogbackup -v`` printed, giving back exactly the rows committed; a missing log
refused before anything is applied; the chain rule after a partial roll-forward."""
from __future__ import annotations

import pytest

from events.outcomes import CommandCompleted, CommandRejected
from events.sql_log_list import parse
from events.sql_restore import (BackupSqlLogs, DeleteSqlLogInfo, ListSqlLogBackups,
                                LogListEntry, RecoverSqlDatabases, RestoreSqlDatabases)
from services.cli.sqlserver_restore import list_file_text
from tests.unit.sql_restore.engine_host import INSTANCE, SqlHost


@pytest.fixture
def host(tmp_path):
    made = SqlHost(tmp_path)
    made.create("DB1")
    yield made
    made.close()


def rows(host) -> int:
    return host.engine.count_rows(INSTANCE, "DB1")["rows"]


def completed(outcome):
    assert isinstance(outcome, CommandCompleted), outcome
    return outcome.result


def logs_after_a_failure(host):
    """A (10 rows) full backup, B and C log backups (5, 7 rows), 3 rows more, the failure,
    and the tail-log backup that saves them."""
    host.engine.write_rows(INSTANCE, "DB1", 10)
    host.full_backup("0000000001", ("DB1",))
    for count in (5, 7):
        host.engine.write_rows(INSTANCE, "DB1", count)
        completed(host.run(BackupSqlLogs(instance=INSTANCE)))
    host.engine.write_rows(INSTANCE, "DB1", 3)
    host.engine.damage(INSTANCE, "DB1")
    refused = host.run(BackupSqlLogs(instance=INSTANCE))  # truncating: not on UNCONFIRMED
    completed(host.run(BackupSqlLogs(instance=INSTANCE, truncate=False)))
    return refused


def listed(host) -> tuple[LogListEntry, ...]:
    text = list_file_text(host.run(ListSqlLogBackups(instance=INSTANCE)))
    return tuple(LogListEntry(original_id=s.original_id, backup_id=s.backup_id,
                              database=s.database, files=s.files) for s in parse(text))


def test_roll_forward_to_the_moment_of_failure_gives_back_every_row(host):
    refused = logs_after_a_failure(host)
    assert refused.result["logs"] == []  # an UNCONFIRMED database has no truncating backup
    host.copy_back()
    restored = completed(host.run(RestoreSqlDatabases(backup_id="0000000001", resync=False)))
    assert restored["databases"] == [{"database": "DB1", "state": "LOADING"}]
    assert restored["unconfirmed"] == ["DB1"]
    [section] = listed(host)
    assert section.original_id == "0000000001" and len(section.files) == 3
    recovered = completed(host.run(RecoverSqlDatabases(instance=INSTANCE, log_list=(section,))))
    assert recovered["databases"][0]["chain_complete"]
    assert rows(host) == 25 and host.engine.count_rows(INSTANCE, "DB1")["missing"] == 0
    kinds = [type(e).__name__ for e in host.events]
    assert kinds[-4:] == ["SqlRollForwardRequested", "SqlRollForwardApplied",
                          "SqlDatabaseStateChanged", "SqlRecoveryCompleted"]
    completed(host.run(BackupSqlLogs(instance=INSTANCE)))  # the chain goes on


def test_a_missing_log_is_refused_before_anything_is_applied(host):
    logs_after_a_failure(host)
    host.copy_back()
    completed(host.run(RestoreSqlDatabases(backup_id="0000000001", resync=False)))
    [section] = listed(host)
    gap = section.model_copy(update={"files": (section.files[0], section.files[2])})
    before = len(host.events)
    refused = host.run(RecoverSqlDatabases(instance=INSTANCE, log_list=(gap,)))
    assert isinstance(refused, CommandRejected) and "DRM-10141" in refused.text
    assert "missing" in refused.text and len(host.events) == before
    assert host.engine.databases(INSTANCE)[-1].state == "LOADING"


def test_after_a_partial_roll_forward_the_next_log_backup_needs_a_new_backup(host):
    logs_after_a_failure(host)
    host.copy_back()
    completed(host.run(RestoreSqlDatabases(backup_id="0000000001", resync=False, undo=True)))
    [section] = listed(host)
    first = section.model_copy(update={"files": section.files[:1]})
    completed(host.run(RecoverSqlDatabases(instance=INSTANCE, log_list=(first,))))
    assert rows(host) == 15
    refused = host.run(BackupSqlLogs(instance=INSTANCE))
    assert isinstance(refused, CommandRejected) and "in part" in refused.text
    host.full_backup("0000000002", ("DB1",))
    made = completed(host.run(BackupSqlLogs(instance=INSTANCE)))
    assert made["backup_id"] == "0000000002" and len(made["logs"]) == 1


def test_log_backup_information_is_viewed_and_deleted_by_original_id(host):
    logs_after_a_failure(host)
    points = host.run(ListSqlLogBackups(original_id="0000000001", start_points=True))
    assert points["start_points"] == [{"original_id": "0000000001",
                                       "backup_id": "0000000001", "database": "DB1"}]
    assert completed(host.run(DeleteSqlLogInfo(original_id="0000000001")))["files"] == 3
    assert host.run(ListSqlLogBackups(instance=INSTANCE)) == {"sections": []}


def test_a_restore_onto_an_online_user_database_is_refused_and_changes_nothing(host):
    host.engine.write_rows(INSTANCE, "DB1", 4)
    host.full_backup("0000000001", ("DB1",))
    before = len(host.events)
    refused = host.run(RestoreSqlDatabases(backup_id="0000000001", resync=False))
    assert isinstance(refused, CommandRejected) and "ONLINE" in refused.text
    assert len(host.events) == before and rows(host) == 4


def test_a_restore_into_another_instance_user_databases_only(host):
    """§5.14: the S-VOL's files in place (-no_resync), another host's backup (-nochk_host),
    instance instB; it recovers there with every row."""
    from events import sqlserver as sqlev

    host.engine.write_rows(INSTANCE, "DB1", 6)
    host.full_backup("0000000001", ("DB1",))
    host.engine.drop_database(INSTANCE, "DB1", delete_files=False)  # server 1 lets go of it
    host.engine.define_instance("instB", host.root / "sysB")
    host.record(sqlev.SqlSettingsRegistered(instance="instB", vdi_timeout=300))
    restored = completed(host.run(RestoreSqlDatabases(
        backup_id="0000000001", resync=False, nochk_host=True, instance="instB")))
    assert restored["instance"] == "instB"
    completed(host.run(RecoverSqlDatabases(instance="instB")))
    assert host.engine.count_rows("instB", "DB1")["rows"] == 6


def test_a_metafile_carried_into_the_registered_directory_is_found_there(host):
    """After EX_DRM_SQLFILE_EXTRACT the metafile lies in the VDI metafile directory as
    <original-ID>_<database-ID>.dmp, not where the catalog recorded it."""
    import shutil
    from events import sqlserver as sqlev

    host.engine.write_rows(INSTANCE, "DB1", 2)
    host.full_backup("0000000001", ("DB1",))
    host.engine.damage(INSTANCE, "DB1")
    host.copy_back()
    [meta] = host.view.sql.backup("0000000001").metafiles
    registered = host.root / "meta"
    registered.mkdir()
    moved = registered / f"0000000001_{host.engine.databases(INSTANCE)[-1].database_id:010d}.dmp"
    shutil.move(meta.path, moved)
    missing = host.run(RestoreSqlDatabases(backup_id="0000000001", resync=False))
    assert isinstance(missing, CommandRejected) and "no VDI metafile" in missing.text
    host.record(sqlev.SqlSettingsRegistered(instance=INSTANCE, vdi_timeout=300,
                                            metadata_dir=str(registered),
                                            log_backup_dir=str(host.root / "logs")))
    completed(host.run(RestoreSqlDatabases(backup_id="0000000001", resync=False)))
    applied = [e for e in host.events if type(e).__name__ == "SqlMetadataApplyRequested"]
    assert applied[-1].metafiles == (str(moved),)


def test_a_template_restores_with_the_metafile_that_came_on_the_p_vol(host):
    """§2.8 / §5.11: a template entry records no backup and no metafile; the metafile that
    travelled with the volume (META_<database-ID>.dmp beside the data) is applied."""
    from events import sqlserver as sqlev

    host.engine.write_rows(INSTANCE, "DB1", 8)
    host.full_backup("0000000001", ("DB1",))  # the remote copy, made without a local entry
    details = host.view.sql.backup("0000000001")
    host.record(sqlev.SqlBackupDetails(
        backup_id="0000000002", instance=INSTANCE, template=True, online=False,
        databases=(sqlev.SqlDatabaseRecord(name="DB1", database_id=details.databases[0]
                                           .database_id, files=tuple(sqlev.SqlFileRecord(
                                               path=f.path, kind=f.kind,
                                               mount_point=f.mount_point)
                                               for f in details.databases[0].files)),)))
    host.engine.damage(INSTANCE, "DB1")
    host.copy_back()
    refused = host.run(RestoreSqlDatabases(backup_id="0000000002", resync=False))
    assert isinstance(refused, CommandRejected) and "KAVX0024-E" == refused.message_id
    completed(host.run(RestoreSqlDatabases(backup_id="0000000002", resync=False,
                                           template=True)))
    completed(host.run(RecoverSqlDatabases(instance=INSTANCE)))
    assert rows(host) == 8
