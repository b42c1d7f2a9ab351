"""``EX_DRM_SQL_BACKUP <operation-ID>``: drmsqlbackup for the operation's instance and databases
(``BACKUP_OBJECT=MSSQL``, ``INSTANCE_NAME``, ``TARGET_NAME``; spec 05 §2.1, §3.9), writing the
new backup ID to the operation's backup ID file, as ``EX_DRM_FS_BACKUP`` does for file systems.
``TARGET_NAME`` blank backs up the instance; ``-system`` needs it blank.

``EX_DRM_SQL_DEF_CHECK <operation-ID> {-db | -bk}``: the check tool of such an operation.
"""
from __future__ import annotations

import argparse

from events.definitions import CheckOperationDefinition
from events.sql_commands import BackupSqlServer
from services import messages
from services.cli.entries import AgentEntry, Shown, arg, usage_error
from services.cli.ex_def_check import SIDES, checked_shown, operation_of, side_of
from services.cli.extended.entry import ExtendedEntry
from services.cli.extended.filesystem import detail, script_records
from services.cli.extended.operation import Operation
from services.cli.script_layouts import wrapped
from services.cli.sql_args import split_databases
from services.cli.sqlserver import (BACKUP_OPTIONS, BACKUP_PROGRESS_SHOWN, backup_command,
                                    backup_lines)
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
    said = [messages.line(messages.SQL_COLLECTING), *wrapped(result, lines)]  # as drmsqlbackup
    return Shown(detail(operation, "drmsqlbackup", said), data)


EX_DRM_SQL_BACKUP = ExtendedEntry(
    name="EX_DRM_SQL_BACKUP", summary="back up the operation's SQL Server databases",
    description="run drmsqlbackup for the operation's INSTANCE_NAME (and TARGET_NAME "
                "databases) and write\nthe new backup ID to the operation's backup ID file.",
    commands=(BackupSqlServer,), steps=sql_backup, records=script_records,
    options=BACKUP_OPTIONS, backup_object="MSSQL", progress_shown=BACKUP_PROGRESS_SHOWN)


# -- EX_DRM_SQL_DEF_CHECK --------------------------------------------------------------------------
def sql_def_check_request(args: argparse.Namespace) -> CheckOperationDefinition:
    return CheckOperationDefinition(operation_id=operation_of(args),
                                    side=side_of(args, "EX_DRM_SQL_DEF_CHECK"),
                                    backup_object="MSSQL")


SQL_DEF_CHECK = AgentEntry(
    name="EX_DRM_SQL_DEF_CHECK", manual="EX_DRM_SQL_DEF_CHECK",
    summary="check an SQL Server operation definition file and create its temporary "
            "directories",
    description="check the operation definition file script/conf/_<operation-ID>.dat of the "
                "host\n(BACKUP_OBJECT=MSSQL: INSTANCE_NAME an instance of this host, TARGET_NAME "
                "its databases)\nand create the operation's temporary directories, as "
                "EX_DRM_FS_DEF_CHECK does.",
    commands=(CheckOperationDefinition,), request=sql_def_check_request, show=checked_shown,
    framed=False, timeout=60.0,
    options=(arg("operation_id", help="the operation ID (script/conf/_<operation-ID>.dat)"),
             *SIDES))
