"""A stream of every SQL restore/log event (for the fold tests of every area)."""
from __future__ import annotations

from events import sql_logs as logs, sql_restore as sql
from tests.unit.agent_fs.views import T0

RW, CW, LW = "w-sql-restore", "w-sql-recover", "w-sql-log"


def log_backup(path: str, first: int, last: int, seq: int, original_id: str = "0000000001",
               database: str = "DB1", workflow_id: str = LW, truncated: bool = True):
    return logs.SqlLogBackupRecorded(
        workflow_id=workflow_id, instance="default", database=database, path=path,
        first_lsn=first, last_lsn=last, size=10, sha256="0" * 64, truncated=truncated,
        chain_seq=seq, backup_id=original_id, original_id=original_id, taken_at=T0)


def sql_restore_events() -> list:
    """Log backups, a restore that stops the instance, a recovery, and the log information of
    another backup deleted."""
    return [
        logs.SqlLogBackupRequested(workflow_id=LW, instance="default", databases=("DB1",),
                                   backup_id="0000000001", original_id="0000000001"),
        log_backup("/l/DB1_1.bk", 100, 200, 1),
        log_backup("/l/DB1_2.bk", 200, 300, 2),
        logs.SqlLogBackupCompleted(workflow_id=LW, instance="default", files=2),
        logs.SqlLogBackupRequested(workflow_id="w-log-2", instance="default",
                                   databases=("DB1",)),
        logs.SqlLogBackupAborted(workflow_id="w-log-2", instance="default", database="DB1",
                                 reason="the log might be corrupt"),
        sql.SqlRestoreRequested(workflow_id=RW, backup_id="0000000001",
                                original_id="0000000001", instance="default",
                                target_instance="default", databases=("DB1",),
                                copy_groups=("VG01,VOL01",), resync=True, standby=False),
        sql.SqlInstanceStopRequested(workflow_id=RW, instance="default"),
        sql.SqlInstanceStopped(workflow_id=RW, instance="default"),
        sql.SqlInstanceStartRequested(workflow_id=RW, instance="default"),
        sql.SqlInstanceStarted(workflow_id=RW, instance="default"),
        sql.SqlMetadataApplyRequested(workflow_id=RW, instance="default", databases=("DB1",),
                                      metafiles=("/m/META_5.dmp",), standby=False),
        logs.SqlDatabaseStateChanged(workflow_id=RW, instance="default", database="DB1",
                                     previous="UNCONFIRMED", state="LOADING"),
        sql.SqlRestoreCompleted(workflow_id=RW, backup_id="0000000001",
                                original_id="0000000001", target_instance="default",
                                databases=("DB1",)),
        sql.SqlRestoreRequested(workflow_id="w-r2", backup_id="0000000001",
                                original_id="0000000001", instance="default",
                                target_instance="default", databases=("DB1",),
                                copy_groups=(), resync=False, standby=True),
        sql.SqlRestoreAborted(workflow_id="w-r2", backup_id="0000000001", reason="refused"),
        sql.SqlRecoveryRequested(workflow_id=CW, instance="default", databases=("DB1",),
                                 finish="online", logs=1),
        logs.SqlRollForwardRequested(workflow_id=CW, instance="default", database="DB1",
                                     files=("/l/DB1_1.bk",), finish="ONLINE"),
        logs.SqlRollForwardApplied(workflow_id=CW, instance="default", database="DB1",
                                   files=("/l/DB1_1.bk",), first_lsn=100, last_lsn=200,
                                   finish="ONLINE", original_id="0000000001"),
        sql.SqlRecoveryCompleted(workflow_id=CW, instance="default", databases=("DB1",)),
        sql.SqlRecoveryRequested(workflow_id="w-c2", instance="default", databases=(),
                                 finish="loading", logs=0),
        sql.SqlRecoveryAborted(workflow_id="w-c2", instance="default", reason="refused"),
        logs.SqlLogInfoDeleted(original_id="0000000009", instance="default",
                               databases=("DB1",), files=0),
        sql.SqlMetafilesMoved(operation_id="Op_A", direction="pack", backup_id="0000000001",
                              files=(sql.MovedMetafile(source="/m/0000000001_0000000005.dmp",
                                                       target="/t/0000000001_0000000005.dmp",
                                                       size=3, sha256="0" * 64),)),
    ]
