"""SQL Server restore and recovery: the commands (``drmsqlrestore``, ``drmsqlrecover``,
``drmsqlrecovertool``, ``drmsqllogbackup`` and their extended forms) and the restore and
recovery workflow events (spec 05 §3.2-3.5).

A restore is bracketed by ``SqlRestoreRequested`` and ``SqlRestoreCompleted`` or
``SqlRestoreAborted``; its storage steps are the file-system restore's (``PairResyncRequested``
… with the same ``workflow_id``), its application steps the intents and outcomes below. A
recovery likewise (``SqlRecoveryRequested`` … ``SqlRecoveryCompleted``/``Aborted``). An agent
that restarts ends every bracket left open (``services.agent.sqlserver_restore.recovery``).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from events.base import Payload
from events.command_base import ANY_HOST, EXCLUSIVE, QUERY, Command
from events.fs_commands import BACKUP_ID_PATTERN
from events.names import PathText
from events.registry import REGISTRY
from events.sql_log_list import MAX_FILES, MAX_SECTIONS, check_database_name

MAX_DATABASES = 4096
INSTANCE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_$#-]{0,15}$"  # SQL Server: at most 16 characters
DatabaseName = Annotated[str, AfterValidator(check_database_name)]
Databases = Annotated[tuple[DatabaseName, ...], Field(max_length=MAX_DATABASES)]
InstanceName = Annotated[str, Field(pattern=INSTANCE_PATTERN)]
Finish = Literal["online", "standby", "loading"]


# -- commands ------------------------------------------------------------------------------------
class RestoreSqlDatabases(Command, console=("drmsqlrestore", "EX_DRM_SQL_RESTORE"),
                          concurrency=EXCLUSIVE, roles=ANY_HOST):
    """``drmsqlrestore <backup-ID> (-resync | -no_resync) [-undo] [-nochk_host] [-template]
    [-target db,… | -f file] [-instance other]``; ``targets`` empty: every database of the
    entry."""

    name: Literal["RestoreSqlDatabases"] = "RestoreSqlDatabases"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    resync: bool
    undo: bool = False
    nochk_host: bool = False
    template: bool = False
    targets: Databases = ()
    instance: InstanceName | None = None


class LogListEntry(BaseModel):
    """One section of a transaction log list file (``events.sql_log_list``), as sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    original_id: str = Field(pattern=BACKUP_ID_PATTERN)
    backup_id: str = Field(default="", pattern=r"^([0-9]{10})?$")
    database: DatabaseName
    files: tuple[PathText, ...] = Field(max_length=MAX_FILES)


class RecoverSqlDatabases(Command, console=("drmsqlrecover", "drmsqlrecovertool"),
                          concurrency=EXCLUSIVE, roles=ANY_HOST):
    """``drmsqlrecover <instance> [-undo | -loading] [-transact_log_list file] [-target db,…]``
    (``tool``: ``drmsqlrecovertool``'s choices, which table 6-2 treats apart)."""

    name: Literal["RecoverSqlDatabases"] = "RecoverSqlDatabases"
    instance: InstanceName
    finish: Finish = "online"
    log_list: tuple[LogListEntry, ...] = Field(default=(), max_length=MAX_SECTIONS)
    targets: Databases = ()
    tool: bool = False


class BackupSqlLogs(Command, console=("drmsqllogbackup", "EX_DRM_SQL_TLOG_BACKUP"),
                    concurrency=EXCLUSIVE, roles=ANY_HOST):
    """``drmsqllogbackup <instance> [-no_truncate | -no_cat] [-target db]``."""

    name: Literal["BackupSqlLogs"] = "BackupSqlLogs"
    instance: InstanceName
    truncate: bool = True
    no_cat: bool = False
    targets: Databases = ()

    @model_validator(mode="after")
    def _one_mode(self):
        if not self.truncate and self.no_cat:
            raise ValueError("-no_truncate and -no_cat cannot be given together")
        return self


class DeleteSqlLogInfo(Command, console=("drmsqllogbackup",), concurrency=EXCLUSIVE,
                       roles=ANY_HOST):
    """``drmsqllogbackup 0:<original-ID> -d`` (or a backup ID in that place)."""

    name: Literal["DeleteSqlLogInfo"] = "DeleteSqlLogInfo"
    original_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)

    @model_validator(mode="after")
    def _one_key(self):
        if (self.original_id is None) == (self.backup_id is None):
            raise ValueError("give one of 0:<original-ID> or a backup ID")
        return self


class ListSqlLogBackups(Command, console=("drmsqllogbackup",), concurrency=QUERY,
                        roles=ANY_HOST):
    """``drmsqllogbackup <instance> -v [BACKUP-ID] [-target db]`` or ``0:<original-ID> -v``.

    Result: ``{"sections": [{"original_id", "backup_id", "database", "files": [path…],
    "logs": [{"path", "chain_seq", "first_lsn", "last_lsn", "truncated"}…]}…]}``, in apply
    order; ``start_points``: ``{"start_points": [{"original_id", "backup_id", "database"}…]}``.
    """

    name: Literal["ListSqlLogBackups"] = "ListSqlLogBackups"
    instance: InstanceName | None = None
    original_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    targets: Databases = ()
    start_points: bool = False


class MovedMetafile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: PathText
    target: PathText
    size: int = Field(ge=0, le=1 << 20)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class RecordSqlMetafiles(Command, console=("EX_DRM_SQLFILE_PACK", "EX_DRM_SQLFILE_EXTRACT"),
                         concurrency=EXCLUSIVE, roles=ANY_HOST):
    """What ``EX_DRM_SQLFILE_PACK``/``_EXTRACT`` copied (the CLI copies, the host records it
    with the files' hashes, so an audit can tell which metafiles a restore found)."""

    name: Literal["RecordSqlMetafiles"] = "RecordSqlMetafiles"
    direction: Literal["pack", "extract"]
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    files: tuple[MovedMetafile, ...] = Field(max_length=MAX_DATABASES)


class RecoverSqlWorkflows(Command, concurrency=EXCLUSIVE):
    """Sent by an agent to itself at start: end every SQL restore, recovery or log backup a
    dead agent left open (``services.agent.sqlserver_restore.recovery``)."""

    name: Literal["RecoverSqlWorkflows"] = "RecoverSqlWorkflows"


SQL_RESTORE_COMMANDS = (RestoreSqlDatabases, RecoverSqlDatabases, BackupSqlLogs,
                        DeleteSqlLogInfo, ListSqlLogBackups, RecordSqlMetafiles,
                        RecoverSqlWorkflows)


# -- restore and recovery events ----------------------------------------------------------------
class SqlRestoreRequested(Payload):
    workflow_id: str
    backup_id: str
    original_id: str
    instance: str  # the entry's instance
    target_instance: str  # where the databases go (-instance), else ``instance``
    databases: tuple[str, ...]
    copy_groups: tuple[str, ...]
    resync: bool
    standby: bool
    includes_system: bool = False
    unconfirmed: tuple[str, ...] = ()  # deleted, then restored (table 6-2 #2)


class SqlInstanceStopRequested(Payload):
    workflow_id: str
    instance: str


class SqlInstanceStopped(Payload):
    workflow_id: str
    instance: str


class SqlInstanceStartRequested(Payload):
    workflow_id: str
    instance: str


class SqlInstanceStarted(Payload):
    workflow_id: str
    instance: str


class SqlMetadataApplyRequested(Payload):
    """The VDI metafiles are about to be applied (``ApplicationPort.restored``)."""

    workflow_id: str
    instance: str
    databases: tuple[str, ...]
    metafiles: tuple[str, ...]
    standby: bool


class SqlRestoreCompleted(Payload):
    workflow_id: str
    backup_id: str
    original_id: str
    target_instance: str
    databases: tuple[str, ...]


class SqlRestoreAborted(Payload):
    workflow_id: str
    backup_id: str
    reason: str
    step: str = ""


class SqlRecoveryRequested(Payload):
    workflow_id: str
    instance: str
    databases: tuple[str, ...]
    finish: Finish
    logs: int = Field(ge=0)  # log backups to apply, over all databases


class SqlRecoveryCompleted(Payload):
    workflow_id: str
    instance: str
    databases: tuple[str, ...]


class SqlRecoveryAborted(Payload):
    workflow_id: str
    instance: str
    reason: str
    step: str = ""


class SqlMetafilesMoved(Payload):
    """History: VDI metafiles packed into or extracted from an operation's temporary
    directory (``RecordSqlMetafiles``)."""

    operation_id: str = ""
    direction: Literal["pack", "extract"]
    backup_id: str
    files: tuple[MovedMetafile, ...]


for _model in (SqlMetafilesMoved, SqlRestoreRequested, SqlInstanceStopRequested, SqlInstanceStopped,
               SqlInstanceStartRequested, SqlInstanceStarted, SqlMetadataApplyRequested,
               SqlRestoreCompleted, SqlRestoreAborted, SqlRecoveryRequested,
               SqlRecoveryCompleted, SqlRecoveryAborted):
    REGISTRY.register(_model.__name__, _model)
