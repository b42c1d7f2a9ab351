"""The SQL Server extended commands of the restore side: ``EX_DRM_SQL_RESTORE`` (drmsqlrestore
of the backup ID in the operation's backup ID file) and ``EX_DRM_SQL_TLOG_BACKUP``
(drmsqllogbackup of the operation's instance), spec 05 §3.9.
"""
from __future__ import annotations

import argparse

from events.sql_restore import BackupSqlLogs, RestoreSqlDatabases
from services.cli.entries import Shown, flag, opt
from services.cli.extended.entry import ExtendedEntry
from services.cli.extended.filesystem import detail
from services.cli.extended.operation import Operation
from services.cli.filesystem_args import build
from services.cli.sqlserver_restore import (RESTORE_OPTIONS, restore_command, restore_lines,
                                            split_names)


def sql_restore(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    backup_id = operation.read_backup_id()
    args.target = ",".join(operation.definition.target_names) or None
    args.target_file = None
    outcome = agent.ask(restore_command(args, backup_id))
    return Shown(detail(operation, "drmsqlrestore", restore_lines()),
                 {"backup_id": backup_id, "restore": outcome.to_wire()})


EX_DRM_SQL_RESTORE = ExtendedEntry(
    name="EX_DRM_SQL_RESTORE", summary="restore the SQL backup of the backup ID file",
    description="run drmsqlrestore for the backup ID in the operation's backup ID file\n"
                "(the databases of TARGET_NAME, else all of the backup).",
    commands=(RestoreSqlDatabases,), steps=sql_restore, options=RESTORE_OPTIONS,
    backup_object="MSSQL")


def tlog_backup(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    definition = operation.definition
    targets = split_names(args.target) or definition.target_names
    outcome = agent.ask(build(BackupSqlLogs, instance=definition.instance_name,
                              truncate=not args.no_truncate, targets=targets))
    return Shown(detail(operation, "drmsqllogbackup", []), {"logbackup": outcome.to_wire()})


EX_DRM_SQL_TLOG_BACKUP = ExtendedEntry(
    name="EX_DRM_SQL_TLOG_BACKUP", summary="back up the logs of the operation's instance",
    description="run drmsqllogbackup for the operation's INSTANCE_NAME (and TARGET_NAME).",
    commands=(BackupSqlLogs,), steps=tlog_backup,
    options=(flag("no_truncate", "tail-log backup without truncation"),
             opt("target", help="only these databases (comma-separated)")),
    backup_object="MSSQL")
