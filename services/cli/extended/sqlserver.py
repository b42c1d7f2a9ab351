"""``EX_DRM_SQL_BACKUP <operation-ID>``: drmsqlbackup for the operation's instance and databases
(``BACKUP_OBJECT=MSSQL``, ``INSTANCE_NAME``, ``TARGET_NAME``; spec 05 §2.1, §3.9), writing the
new backup ID to the operation's backup ID file, as ``EX_DRM_FS_BACKUP`` does for file systems.
``TARGET_NAME`` blank backs up the instance; ``-system`` needs it blank.
"""
from __future__ import annotations

import argparse

from events.sql_commands import BackupSqlServer
from services.cli.entries import Shown, usage_error
from services.cli.extended.entry import ExtendedEntry
from services.cli.extended.filesystem import detail, script_records
from services.cli.extended.operation import Operation
from services.cli.script_layouts import wrapped
from services.cli.sql_args import split_databases
from services.cli.sqlserver import BACKUP_OPTIONS, backup_command, backup_lines
from services.cli.transfer import auto_import_shown


def sql_backup(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    definition = operation.definition
    targets = split_databases(",".join(definition.target_names)) \
        if definition.target_names else ()
    if args.system and targets:
        raise usage_error(f"-system needs TARGET_NAME blank in {definition.file}")
    args.template = False
    command = backup_command(args, definition.instance_name, targets)
    outcome = agent.ask(command)
    result = outcome.payload["result"]
    operation.write_backup_id(result["backup_id"])
    lines = backup_lines(result)
    data = {"backup_id": result["backup_id"], "backup": outcome.to_wire()}
    if "import" in result:
        more, data["import"] = auto_import_shown(agent, result["import"], echo=False)
        lines += more
    return Shown(detail(operation, "drmsqlbackup", wrapped(result, lines)), data)


EX_DRM_SQL_BACKUP = ExtendedEntry(
    name="EX_DRM_SQL_BACKUP", summary="back up the operation's SQL Server databases",
    description="run drmsqlbackup for the operation's INSTANCE_NAME (and TARGET_NAME "
                "databases) and write\nthe new backup ID to the operation's backup ID file.",
    commands=(BackupSqlServer,), steps=sql_backup, records=script_records,
    options=BACKUP_OPTIONS, backup_object="MSSQL")
