"""Commands of the file-system protection (drmfsbackup … drmappcat), one class each.

Each class is a ``Command`` (``events.command_base``) declared with its console names and
concurrency class; ``events.catalogue`` assembles them. Names are imperative. Queries append no
events: the agent answers from its view (a ``QueryReply`` whose ``result`` shape is given on
each query below).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from events.command_base import APPLICATION_SERVERS, EXCLUSIVE, QUERY, Command
from events.definitions import FileDigest
from events.user_script import UserScript
from events.names import (COPY_GROUP_PATTERN, GENERATION_PATTERN, MAX_TARGETS, CommentText,
                          HostName, OptionalPathText, PathText)

BACKUP_ID_PATTERN = r"^[0-9]{10}$"
Targets = Annotated[tuple[PathText, ...], Field(max_length=MAX_TARGETS)]


class BackupFileSystem(Command, console=("drmfsbackup", "EX_DRM_FS_BACKUP"),
                       concurrency=EXCLUSIVE,
                       roles=APPLICATION_SERVERS):
    """``drmfsbackup``: ``targets`` are mount points (a target list file is expanded by the CLI)."""

    name: Literal["BackupFileSystem"] = "BackupFileSystem"
    targets: Targets = Field(min_length=1)
    mode: Literal["online", "cold"] = "online"
    # -rc [gen]: "local_0", "remote_0", …
    generation: str | None = Field(default=None, pattern=GENERATION_PATTERN)
    comment: CommentText = ""
    # -s <host> -auto_import [-auto_mount [mp]]: see events.transfer (auto-import)
    backup_server: HostName | None = None
    auto_import: bool = False
    auto_mount: OptionalPathText | None = None
    copy_parameters: PathText | None = None  # -pf: a file of the host's conf/raid
    # -script <file>: parsed by the CLI; [PRE_PROC] before, [POST_PROC] after the backup
    script: UserScript | None = None

    @model_validator(mode="after")
    def _auto_import_needs_a_server(self):
        if self.auto_import and not self.backup_server:
            raise ValueError("-auto_import needs -s <backup-server>")
        if self.auto_mount is not None and not self.auto_import:
            raise ValueError("-auto_mount needs -auto_import")
        return self


class RestoreFileSystem(Command, console=("drmfsrestore", "EX_DRM_FS_RESTORE"),
                        concurrency=EXCLUSIVE,
                        roles=APPLICATION_SERVERS):
    """``drmfsrestore <backup-ID> -resync [-target mp,… | -f file] [-force]``."""

    name: Literal["RestoreFileSystem"] = "RestoreFileSystem"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    targets: Targets = ()  # empty: every instance of the entry
    force: bool = False
    copy_parameters: PathText | None = None  # -pf: a file of the host's conf/raid


class ResyncCopyGroups(Command, console=("drmresync", "EX_DRM_RESYNC"),
                       concurrency=EXCLUSIVE):
    """``drmresync { -backup_id ID | -copy_group CG }``: exactly one of the two."""

    name: Literal["ResyncCopyGroups"] = "ResyncCopyGroups"
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    copy_group: str | None = Field(default=None, pattern=COPY_GROUP_PATTERN)
    copy_size: int | None = Field(default=None, ge=1, le=15)  # -copy_size: the copy pace
    copy_parameters: PathText | None = None  # -pf: a file of the host's conf/raid
    copy_group_list: FileDigest | None = None  # -cg_file: the list the copy group came from


class SetCopyGroupLock(Command, console=("drmcgctl",), concurrency=EXCLUSIVE):
    """``drmcgctl { -backup_id ID | -copy_group CG } -mode lock|unlock``."""

    name: Literal["SetCopyGroupLock"] = "SetCopyGroupLock"
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    copy_group: str | None = Field(default=None, pattern=COPY_GROUP_PATTERN)
    mode: Literal["lock", "unlock"]


class DeleteCatalogEntry(Command, console=("drmappcat",), concurrency=EXCLUSIVE):
    """``drmappcat <backup-ID> -delete``."""

    name: Literal["DeleteCatalogEntry"] = "DeleteCatalogEntry"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)


class RefreshDictionaryMaps(Command, console=("drmfsdisplay",), concurrency=EXCLUSIVE,
                            roles=APPLICATION_SERVERS):
    """``drmfsdisplay -refresh``."""

    name: Literal["RefreshDictionaryMaps"] = "RefreshDictionaryMaps"


class RecoverWorkflows(Command, concurrency=EXCLUSIVE):
    """Sent by an agent to itself at start: end every workflow a dead agent left open."""

    name: Literal["RecoverWorkflows"] = "RecoverWorkflows"


# -- queries ("Yes" commands that read the view) -------------------------------------------------
class _CatalogSelection(Command):
    targets: Targets = ()
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    comment: CommentText | None = None


class ListFileSystemCatalog(_CatalogSelection, console=("drmfscat",), concurrency=QUERY):
    """``drmfscat { mp | file } [-backup_id ID] [-comment text]``.

    Result: ``{"entries": [entry…]}`` where entry = ``{"backup_id", "original_id",
    "origin_host", "mode", "object_type", "instances", "generation", "copy_groups",
    "started_at", "ended_at" (ISO 8601 UTC), "comment", "media", "rows": [{"kind", "file",
    "file_system", "disk_group", "device", "copy_group"}]}``."""

    name: Literal["ListFileSystemCatalog"] = "ListFileSystemCatalog"


class ListCatalog(_CatalogSelection, console=("drmappcat",), concurrency=QUERY):
    """``drmappcat``: every entry of the host, in the shape of ``ListFileSystemCatalog``."""

    name: Literal["ListCatalog"] = "ListCatalog"


class DisplayDictionaryMaps(Command, console=("drmfsdisplay",), concurrency=QUERY):
    """``drmfsdisplay [mp]``. Result: ``{"volumes": [VolumeMap.model_dump()…],
    "refreshed_seq": n}``."""

    name: Literal["DisplayDictionaryMaps"] = "DisplayDictionaryMaps"
    target: PathText | None = None


class ListCopyGroups(Command, console=("drmcgctl",), concurrency=QUERY):
    """``drmcgctl`` with no target. Result: ``{"copy_groups": [{"copy_group", "locked",
    "locked_by", "backup_id", "generation", "copy_type", "status", "mount_point",
    "mounted_at", "last_backup_at"}]}``."""

    name: Literal["ListCopyGroups"] = "ListCopyGroups"


FS_COMMANDS = (BackupFileSystem, RestoreFileSystem, ResyncCopyGroups, SetCopyGroupLock,
               DeleteCatalogEntry, RefreshDictionaryMaps, RecoverWorkflows,
               ListFileSystemCatalog, ListCatalog, DisplayDictionaryMaps, ListCopyGroups)
