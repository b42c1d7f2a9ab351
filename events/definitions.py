"""The check tools of the extended commands' definition files (spec 03 §4.4, §4.6, §4.11;
spec 08 §2.20): commands and the event they record.

- ``CheckOperationDefinition`` (``EX_DRM_FS_DEF_CHECK <operation-ID> {-db | -bk}``): checks the
  operation definition file ``_<operation-ID>.dat`` of the host and creates the operation's
  temporary directories (``-db``: ``script_work/<op>/DB``; ``-bk``:
  ``<FTP_HOME_DIR>/<FTP_SUB_DIR>/<op>/BK`` and ``AP``).
- ``CheckCopyGroupList`` (``EX_DRM_CG_DEF_CHECK <operation-ID> -cg_file <file>``, the options
  [INFERRED]: the manual defers them to its CLI reference): checks a copy-group list file
  against the host's copy groups.
- ``CheckHostSettings`` (``EX_DRM_HOST_DEF_CHECK {-db | -bk} -f <file>``): checks a host
  environment settings file and that its ``HOST_ROLE`` is the side asked for.

Each records ``DefinitionChecked`` (the file, its SHA-256 and what was created) when the file
passes; a file with problems is refused (``CommandRejected`` naming file, line and key) and
nothing is created. The checks run on the host's agent, against the host's own files, one at a
time with the host's other exclusive commands (extended commands never run in parallel on one
server, spec 03 §4.5).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from events.base import Payload
from events.command_base import EXCLUSIVE, Command
from events.names import MAX_PATH
from events.operation_ids import OperationId
from events.registry import REGISTRY

Side = Literal["db", "bk"]
MAX_CREATED = 8
DIGEST_PATTERN = r"^[0-9a-f]{64}$"


class CheckOperationDefinition(Command, console=("EX_DRM_FS_DEF_CHECK",
                                                "EX_DRM_SQL_DEF_CHECK"),  # issue 13
                               concurrency=EXCLUSIVE):
    name: Literal["CheckOperationDefinition"] = "CheckOperationDefinition"
    operation_id: OperationId
    side: Side
    # the object type the tool checks: EX_DRM_FS_DEF_CHECK or (issue 13) EX_DRM_SQL_DEF_CHECK
    backup_object: Literal["FILESYSTEM", "MSSQL"] = "FILESYSTEM"


class CheckCopyGroupList(Command, console=("EX_DRM_CG_DEF_CHECK",), concurrency=EXCLUSIVE):
    name: Literal["CheckCopyGroupList"] = "CheckCopyGroupList"
    operation_id: OperationId
    file: str = Field(min_length=1, max_length=MAX_PATH)


class CheckHostSettings(Command, console=("EX_DRM_HOST_DEF_CHECK",), concurrency=EXCLUSIVE):
    name: Literal["CheckHostSettings"] = "CheckHostSettings"
    side: Side
    file: str = Field(min_length=1, max_length=MAX_PATH)


DEFINITION_COMMANDS = (CheckOperationDefinition, CheckCopyGroupList, CheckHostSettings)


class DefinitionChecked(Payload):
    """A definition file passed its check tool; ``digest`` is the SHA-256 of its bytes, so an
    audit can tell which version was checked; ``created`` the directories the tool made."""

    kind: Literal["operation", "copy_group_list", "host"]
    file: str = Field(max_length=MAX_PATH)
    digest: str = Field(pattern=DIGEST_PATTERN)
    side: Side | None = None
    operation_id: str | None = Field(default=None, max_length=64)
    created: tuple[str, ...] = Field(default=(), max_length=MAX_CREATED)


REGISTRY.register("DefinitionChecked", DefinitionChecked)

MAX_CONFIG_FILES = 8
MAX_CONFIG_WARNINGS = 20
WARNING_MAX = 512


class FileDigest(BaseModel):
    """A configuration file a command read: its name and the SHA-256 of its bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(min_length=1, max_length=MAX_PATH)
    digest: str = Field(pattern=DIGEST_PATTERN)


class ConfigurationUsed(Payload):
    """The configuration a pair command (``drmfsbackup``, ``drmfsrestore``, ``drmresync``) ran
    under, recorded before its first step when it read any: the files (``conf/raid/DEFAULT.dat``,
    a ``-pf`` copy parameter file, a ``-cg_file`` copy-group list) with their hashes, the copy
    pace it chose (``-copy_size`` > ``DRM_COPY_SIZE`` > ``COPY_SIZE``; None: CCI's default) and
    its pair-status wait (checks after the first, 0 = for ever; interval in 10 ms)."""

    command: str = Field(max_length=128)
    files: tuple[FileDigest, ...] = Field(default=(), max_length=MAX_CONFIG_FILES)
    copy_pace: int | None = Field(default=None, ge=1, le=15)
    retry_time: int = Field(ge=0, le=3600)
    retry_wait_10ms: int = Field(ge=0, le=360000)
    warnings: tuple[str, ...] = Field(default=(), max_length=MAX_CONFIG_WARNINGS)


REGISTRY.register("ConfigurationUsed", ConfigurationUsed)
