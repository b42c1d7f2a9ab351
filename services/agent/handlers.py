"""Command handlers of the host agent: plain functions, one per command name.

A handler gets the command and the agent context and returns the payloads to record; the last
one may be the outcome (else ``CommandCompleted`` is added). It raises ``CommandRejection`` to
refuse before any change.
"""
from __future__ import annotations

from events import CommandEnvelope
from events.base import Payload
from events.outcomes import CommandCompleted
from services.agent.filesystem.handlers import FS_COMMAND_HANDLERS
from services.agent.filesystem.queries import FS_QUERY_HANDLERS
from services.agent.filesystem.recovery import RECOVER, recover_workflows
from services.agent.republish import REPUBLISH_QUERY_HANDLERS
from services.agent.service import AgentContext, Handler, QueryHandler
from services.agent.backup_server.handlers import BK_COMMAND_HANDLERS, BK_QUERY_HANDLERS
from services.agent.backup_server.recovery import RECOVER_BK, recover as recover_backup_server
from services.agent.data_files import set_up_data_files, show_data_files
from services.agent.transfer.handlers import TRANSFER_COMMAND_HANDLERS


def host_info(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    head_seq, _ = context.store.head(context.host)
    facts = context.adapters["host_facts"].describe()
    result = {
        "hostname": context.host,
        **facts,
        "store": context.store.engine.dialect.name,
        "stream_head_seq": head_seq,
    }
    return [CommandCompleted(command=command.name, result=result)]


COMMAND_HANDLERS: dict[str, Handler] = {
    "HostInfo": host_info,
    **FS_COMMAND_HANDLERS,
    **TRANSFER_COMMAND_HANDLERS,  # also BackupFileSystem: the fs backup plus -auto_import
    RECOVER: recover_workflows,
    **BK_COMMAND_HANDLERS,  # mounts, tape backup/restore, tape catalog
    RECOVER_BK: recover_backup_server,
    "SetUpDataFiles": set_up_data_files,  # drmdbsetup -i
}

QUERY_HANDLERS: dict[str, QueryHandler] = {
    **FS_QUERY_HANDLERS,
    **BK_QUERY_HANDLERS,
    **REPUBLISH_QUERY_HANDLERS,  # a consumer found a gap: publish a stored range again
    "ShowDataFiles": show_data_files,  # drmfsdisplay -v
}
