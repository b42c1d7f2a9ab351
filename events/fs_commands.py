"""Commands of the file-system protection (issue: drmfsbackup … drmappcat) and their arguments.

The CLI builds ``CommandEnvelope(name=<NAME>, args=<Args>.model_dump())``; the agent validates
``args`` with the same model. Names are imperative. ``QUERIES`` append no events: the agent
answers from its view (a ``QueryReply`` whose ``result`` shape is given per query below).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

BACKUP_ID_PATTERN = r"^\d{10}$"
COPY_GROUP_PATTERN = r"^[^,\s]+,[^,\s]+$"


class _Args(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BackupFileSystemArgs(_Args):
    """``drmfsbackup``: ``targets`` are mount points (a target list file is expanded by the CLI)."""

    targets: tuple[str, ...] = Field(min_length=1)
    mode: Literal["online", "cold"] = "online"
    generation: str | None = None  # -rc [gen]: "local_0", "remote_0", …
    comment: str = ""
    # -s <host> -auto_import [-auto_mount [mp]]: see events.transfer (auto-import)
    backup_server: str | None = None
    auto_import: bool = False
    auto_mount: str | None = None

    @model_validator(mode="after")
    def _auto_import_needs_a_server(self):
        if self.auto_import and not self.backup_server:
            raise ValueError("-auto_import needs -s <backup-server>")
        if self.auto_mount is not None and not self.auto_import:
            raise ValueError("-auto_mount needs -auto_import")
        return self


class RestoreFileSystemArgs(_Args):
    """``drmfsrestore <backup-ID> -resync [-target mp,… | -f file] [-force]``."""

    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    targets: tuple[str, ...] = ()  # empty: every instance of the entry
    force: bool = False


class ResyncArgs(_Args):
    """``drmresync { -backup_id ID | -copy_group CG }``: exactly one of the two."""

    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    copy_group: str | None = Field(default=None, pattern=COPY_GROUP_PATTERN)


class LockArgs(_Args):
    """``drmcgctl { -backup_id ID | -copy_group CG } -mode lock|unlock``."""

    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    copy_group: str | None = Field(default=None, pattern=COPY_GROUP_PATTERN)
    mode: Literal["lock", "unlock"]


class DeleteEntryArgs(_Args):
    """``drmappcat <backup-ID> -delete``."""

    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)


class RefreshMapsArgs(_Args):
    """``drmfsdisplay -refresh``."""


class CatalogQueryArgs(_Args):
    """``drmfscat { mp | file } [-backup_id ID] [-comment text]`` and ``drmappcat`` (no targets)."""

    targets: tuple[str, ...] = ()
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    comment: str | None = None


class MapsQueryArgs(_Args):
    """``drmfsdisplay [mp]``."""

    target: str | None = None


class CopyGroupsQueryArgs(_Args):
    """``drmcgctl`` with no target: the list."""


# Exclusive ("No") commands, spec 04 §5, and their argument models.
COMMANDS: dict[str, type[_Args]] = {
    "BackupFileSystem": BackupFileSystemArgs,
    "RestoreFileSystem": RestoreFileSystemArgs,
    "ResyncCopyGroups": ResyncArgs,
    "SetCopyGroupLock": LockArgs,
    "DeleteCatalogEntry": DeleteEntryArgs,
    "RefreshDictionaryMaps": RefreshMapsArgs,
}

# Queries ("Yes" commands). Result shapes:
# - ListFileSystemCatalog -> {"entries": [entry…]} where entry = {"backup_id", "original_id",
#   "origin_host", "mode", "object_type", "instances", "generation", "copy_groups",
#   "started_at", "ended_at" (ISO 8601 UTC), "comment", "media",
#   "rows": [{"kind","file","file_system","disk_group","device","copy_group"}]}
# - ListCatalog -> same shape, every entry of the host
# - DisplayDictionaryMaps -> {"volumes": [VolumeMap.model_dump()…], "refreshed_seq": n}
# - ListCopyGroups -> {"copy_groups": [{"copy_group","locked","locked_by","backup_id",
#   "generation","copy_type","status","mount_point","mounted_at","last_backup_at"}]}
QUERIES: dict[str, type[_Args]] = {
    "ListFileSystemCatalog": CatalogQueryArgs,
    "ListCatalog": CatalogQueryArgs,
    "DisplayDictionaryMaps": MapsQueryArgs,
    "ListCopyGroups": CopyGroupsQueryArgs,
}
