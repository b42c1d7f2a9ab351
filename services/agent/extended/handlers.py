"""Handlers of the extended commands' own commands (``events.extended``).

Both are sent only by an extended command, so they carry an operation tag; one without it is
rejected before anything is recorded.
"""
from __future__ import annotations

from events.base import Payload
from events.extended import (ExportFileTransferred, OperationBackupIdSet, RecordFileTransfer,
                             RunRemoteScriptCommand, SetOperationBackupId)
from events.outcomes import CommandCompleted
from services import messages
from services.agent.errors import no_backup, reject
from services.agent.extended.scripts import run_remote_script_command
from services.agent.service import AgentContext


def _operation_id(context: AgentContext, command_name: str) -> str:
    tag = context.envelope.operation
    if tag is None:
        raise reject(messages.BAD_COMMAND, f"{command_name} is sent by an extended command only "
                                           f"(no operation ID given)")
    return tag.operation_id


def set_operation_backup_id(command: SetOperationBackupId,
                            context: AgentContext) -> list[Payload]:
    """``EX_DRM_BACKUPID_SET``: the backup ID must be a disk or tape entry of this host."""
    operation_id = _operation_id(context, command.name)
    if command.backup_id in context.view.catalog:
        kind = "disk"
    elif command.backup_id in context.view.tape:
        kind = "tape"
    else:
        raise no_backup(command.backup_id)
    return [OperationBackupIdSet(operation_id=operation_id, backup_id=command.backup_id,
                                 kind=kind),
            CommandCompleted(command=command.name,
                             result={"backup_id": command.backup_id, "kind": kind})]


def record_file_transfer(command: RecordFileTransfer, context: AgentContext) -> list[Payload]:
    operation_id = _operation_id(context, command.name)
    fields = command.arguments()
    return [ExportFileTransferred(operation_id=operation_id, method="ftp", **fields),
            CommandCompleted(command=command.name, result=fields)]


EXTENDED_COMMAND_HANDLERS = (
    (SetOperationBackupId, set_operation_backup_id),
    (RecordFileTransfer, record_file_transfer),
    (RunRemoteScriptCommand, run_remote_script_command),  # LOCATION=REMOTE, on the -s host
)
