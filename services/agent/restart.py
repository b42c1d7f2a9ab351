"""What an agent does at start, before it takes commands: end what a dead agent left open.

1. note the commands a crash interrupted (events, no outcome) at the tail of the stream;
2. run the recoveries, each an exclusive command of its own: ``RecoverWorkflows`` (file-system
   backups and restores), ``RecoverBackupServer`` (mounts, tape copies), ``ResendImports``;
3. record each interrupted command's outcome as recovery left it
   (``services.agent.interrupted``), so the command, delivered again, answers with it and never
   runs twice.
"""
from __future__ import annotations

from services.agent.backup_server.recovery import recover_backup_server
from services.agent.filesystem.recovery import recover
from services.agent.service import HostAgent
from services.agent.sqlserver_restore.recovery import recover_sql_restores  # issue 13
from services.agent.transfer.handlers import recover_imports


def recover_at_start(agent: HostAgent) -> None:
    interrupted = agent.interrupted_commands()
    recover(agent)
    recover_sql_restores(agent)  # after the file-system recovery settled the volume copies
    recover_backup_server(agent)
    recover_imports(agent)
    if interrupted:
        agent.settle_interrupted(interrupted)
