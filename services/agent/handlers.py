"""The host agent's handler tables: one handler per command type, built and checked once.

A handler gets its typed command and the agent context and returns the payloads to record; the
last one may be the outcome (else ``CommandCompleted`` is added). It raises ``CommandRejection``
to refuse before any change. ``COMMAND_HANDLERS`` and ``QUERY_HANDLERS`` are built by
``services.agent.table.handler_table`` (a command type listed twice raises) and checked
complete against ``events.catalogue.CATALOGUE`` by ``check_complete`` (a test runs it).

``BackupFileSystem`` is the one handler with an explicit wrapper: the file-system backup runs
inside ``with_auto_import``, which adds the export and the import for ``-auto_import``.
"""
from __future__ import annotations

from events.base import Payload
from events.cluster import ActivateClusterNode, ClusterNodeActivated
from events.fs_commands import BackupFileSystem, RecoverWorkflows
from events.host_commands import HostInfo
from events.outcomes import CommandCompleted
from events.data_files import SetUpDataFiles, ShowDataFiles
from events.tape import RecoverBackupServer
from services.agent.backup_server.handlers import BK_COMMAND_HANDLERS, BK_QUERY_HANDLERS
from services.agent.backup_server.recovery import recover as recover_backup_server
from services.agent.filesystem.handlers import FS_COMMAND_HANDLERS, backup_file_system
from services.agent.filesystem.queries import FS_QUERY_HANDLERS
from services.agent.filesystem.recovery import recover_workflows
from services.agent.republish import REPUBLISH_QUERY_HANDLERS
from services.agent.service import AgentContext, Handler, QueryHandler
from services.agent.table import handler_table
from services.agent.transfer.handlers import TRANSFER_COMMAND_HANDLERS, with_auto_import
from services.agent.data_files import set_up_data_files, show_data_files
from services.agent.pairs.display import PAIR_QUERY_HANDLERS
from services.agent.pairs.handlers import PAIR_COMMAND_HANDLERS
from services.agent.pairs.waiting import PAIR_WAIT_HANDLERS
from services.agent.devices.handlers import DEVICE_COMMAND_HANDLERS, DEVICE_QUERY_HANDLERS
from services.agent.extended.handlers import EXTENDED_COMMAND_HANDLERS
from services.agent.extended.scripts import with_user_script
from services.agent.definitions import DEFINITION_COMMAND_HANDLERS
# SQL restore and logs (issue 13)
from events.sql_restore import RecoverSqlWorkflows
from services.agent.sqlserver_restore.handlers import SQL_RESTORE_COMMAND_HANDLERS
from services.agent.sqlserver_restore.queries import SQL_RESTORE_QUERY_HANDLERS
from services.agent.sqlserver_restore.recovery import recover_sql_workflows
from services.agent.postgres.handlers import PG_COMMAND_HANDLERS  # issue 14: pg-commands
from services.agent.postgres.queries import PG_QUERY_HANDLERS  # issue 14: pg-commands
from events.sql_commands import BackupSqlServer  # issue 13 (sql-backup)
from services.agent.sqlserver.handlers import SQL_COMMAND_HANDLERS, backup_sql_server
from services.agent.sqlserver.queries import SQL_QUERY_HANDLERS


def host_info(command: HostInfo, context: AgentContext) -> list[Payload]:
    head_seq, _ = context.store.head(context.host)
    facts = context.ports.host_facts.describe() if context.ports.host_facts else {}
    result = {
        "hostname": context.host,
        **facts,
        "store": context.store.engine.dialect.name,
        "stream_head_seq": head_seq,
    }
    return [CommandCompleted(command=command.name, result=result)]


def activate_cluster_node(command: ActivateClusterNode, context: AgentContext) -> list[Payload]:
    """A node of the virtual server became its active node (``services.agent.cluster``)."""
    result = {"node": command.node, "virtual_server": context.host}
    return [ClusterNodeActivated(node=command.node, virtual_server=context.host),
            CommandCompleted(command=command.name, result=result)]


COMMAND_HANDLERS: dict[type, Handler] = handler_table([
    (HostInfo, host_info),
    (BackupFileSystem, with_user_script(with_auto_import(backup_file_system))),
    *FS_COMMAND_HANDLERS,
    (RecoverWorkflows, recover_workflows),
    *TRANSFER_COMMAND_HANDLERS,
    *BK_COMMAND_HANDLERS,  # mounts, tape backup/restore, tape catalog
    (RecoverBackupServer, recover_backup_server),
    (SetUpDataFiles, set_up_data_files),  # drmdbsetup -i
    *EXTENDED_COMMAND_HANDLERS,  # EX_DRM_BACKUPID_SET, the FTP transfers' record
    (ActivateClusterNode, activate_cluster_node),  # a cluster node takes over
    *PAIR_COMMAND_HANDLERS, *PAIR_WAIT_HANDLERS,  # CCI pair commands (issue 11)
    *DEVICE_COMMAND_HANDLERS,  # drmdevctl -detach / -attach
    *DEFINITION_COMMAND_HANDLERS,  # EX_DRM_*_DEF_CHECK: the check tools
    *SQL_RESTORE_COMMAND_HANDLERS,  # drmsqlrestore, drmsqlrecover, drmsqllogbackup (issue 13)
    (RecoverSqlWorkflows, recover_sql_workflows),  # SQL workflows a dead agent left (issue 13)
    *PG_COMMAND_HANDLERS,  # PostgreSQL (issue 14: pg-commands)
    # SQL Server (issue 13, sql-backup): drmsqlbackup wrapped as drmfsbackup is
    (BackupSqlServer, with_user_script(with_auto_import(backup_sql_server))),
    *SQL_COMMAND_HANDLERS,
])

QUERY_HANDLERS: dict[type, QueryHandler] = handler_table([
    *FS_QUERY_HANDLERS,
    *BK_QUERY_HANDLERS,
    *REPUBLISH_QUERY_HANDLERS,  # a consumer found a gap: publish a stored range again
    (ShowDataFiles, show_data_files),  # drmfsdisplay -v
    *PAIR_QUERY_HANDLERS,  # pairdisplay, raidscan
    *DEVICE_QUERY_HANDLERS,  # drmdevctl (no option)
    *SQL_RESTORE_QUERY_HANDLERS,  # drmsqllogbackup -v (issue 13)
    *PG_QUERY_HANDLERS,  # PostgreSQL (issue 14: pg-commands)
    *SQL_QUERY_HANDLERS,  # drmsqldisplay, drmsqlcat (issue 13)
])
