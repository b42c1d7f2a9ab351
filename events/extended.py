"""Extended commands (``EX_DRM_*``): the operation tag, their own events and commands.

An extended command (spec 03 §4, spec 08 §2) names an *operation ID*; it reads the operation's
definition file and runs basic commands. Each basic command it sends carries an
``OperationTag`` in its envelope, and the agent records ``OperationCommandStarted`` as the
first event of that command: every event of the command shares its ``command_id``, so "the
whole operation across hosts" is the set of commands tagged with the operation ID (plus the
commands they caused, by ``correlation_id``). Operation IDs are case-insensitive: the tag keeps
the ID as given and ``key`` (``events.operation_ids.operation_key``) compares them.

Events:
- ``OperationCommandStarted``: a basic command ran on behalf of an extended command;
- ``OperationBackupIdSet``: ``EX_DRM_BACKUPID_SET`` checked a backup ID against the catalog
  before writing the operation's backup ID file;
- ``ExportFileTransferred``: ``EX_DRM_FTP_PUT``/``EX_DRM_FTP_GET`` moved the operation's export
  file (never the password: the user name only), with its size and SHA-256 (hashed while it
  streams, for files up to ``adapters.ftp.HASH_LIMIT``: every export file; a larger file is not
  an export document, and is recorded with its size only).

Commands: ``SetOperationBackupId`` and ``RecordFileTransfer`` (exclusive), only ever sent with
an operation tag; ``RunRemoteScriptCommand`` (concurrent: the command it runs may itself run
``drmmount`` on that host), sent by an agent for a ``LOCATION=REMOTE`` user script command.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from events.base import Payload
from events.command_base import CONCURRENT, EXCLUSIVE, Command
from events.fs_commands import BACKUP_ID_PATTERN
from events.names import HostName
from events.operation_ids import OperationId, operation_key
from events.registry import REGISTRY
from events.user_script import MAX_COMMANDS, EnvName, EnvValue, ScriptCommand

EXTENDED_NAME_PATTERN = r"^EX_DRM_[A-Z_]{2,40}$"


class OperationTag(BaseModel):
    """Which extended command, for which operation, sent a basic command."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operation_id: OperationId
    extended_command: str = Field(pattern=EXTENDED_NAME_PATTERN)

    @property
    def key(self) -> str:
        return operation_key(self.operation_id)


# -- events --------------------------------------------------------------------------------------
class OperationCommandStarted(Payload):
    operation_id: str
    operation_key: str  # casefolded: IDs differing only in case are one operation
    extended_command: str
    command: str


class OperationBackupIdSet(Payload):
    operation_id: str
    backup_id: str
    kind: Literal["disk", "tape"]


class ExportFileTransferred(Payload):
    operation_id: str
    direction: Literal["put", "get"]
    method: Literal["ftp"]
    server: str
    user: str
    remote_path: str
    file_name: str
    bytes: int = Field(ge=0)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")  # None: not hashed


for _model in (OperationCommandStarted, OperationBackupIdSet, ExportFileTransferred):
    REGISTRY.register(_model.__name__, _model)


# -- commands ------------------------------------------------------------------------------------
class SetOperationBackupId(Command, console=("EX_DRM_BACKUPID_SET",), concurrency=EXCLUSIVE):
    """``EX_DRM_BACKUPID_SET <op> -backup_id ID``: the ID must be in the catalog (disk or tape);
    the CLI writes the backup ID file after the agent recorded it."""

    name: Literal["SetOperationBackupId"] = "SetOperationBackupId"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)


class RecordFileTransfer(Command, console=("EX_DRM_FTP_PUT", "EX_DRM_FTP_GET"),
                         concurrency=EXCLUSIVE):
    """What an FTP transfer of the CLI moved, recorded on the host that ran it."""

    name: Literal["RecordFileTransfer"] = "RecordFileTransfer"
    direction: Literal["put", "get"]
    server: HostName
    user: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    remote_path: str = Field(min_length=1, max_length=1024, pattern=r"^[^\x00-\x1f\x7f]+$")
    file_name: str = Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f/]+$")
    bytes: int = Field(ge=0, le=1 << 50)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")  # None: not hashed



class RunRemoteScriptCommand(Command, concurrency=CONCURRENT):
    """A ``LOCATION=REMOTE`` user script command, sent by a file server's agent to the backup
    server's (``-s``) during a backup; answered with ``{"return_code", "timed_out", "nowait",
    "output"}``. ``env`` holds the ``DRMENV_*`` values; ``import_command_id`` names the
    auto-import whose new backup ID becomes ``DRMENV_R_BACKUPID``."""

    name: Literal["RunRemoteScriptCommand"] = "RunRemoteScriptCommand"
    workflow_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    section: Literal["PRE_PROC", "POST_PROC"]
    index: int = Field(ge=0, le=MAX_COMMANDS)
    command: ScriptCommand
    env: tuple[tuple[EnvName, EnvValue], ...] = Field(default=(), max_length=8)
    import_command_id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")


EXTENDED_COMMANDS = (SetOperationBackupId, RecordFileTransfer, RunRemoteScriptCommand)
