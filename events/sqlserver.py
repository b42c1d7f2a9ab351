"""SQL Server events (issue 13): settings (``drmsqlinit``), the application map
(``drmsqldisplay -refresh``) and the SQL details of a catalog entry.

A SQL Server backup records the same ``filesystem.BackupRecorded`` as a file-system backup
(``object_type="MSSQL"``), so every catalog consumer (drmfscat, report, lineage, transfer,
tape, export) keeps working; ``SqlBackupDetails``, recorded in the same batch just before it,
adds what only SQL Server has: the instance, each database with its ID, type, recovery model
and files, and the VDI metafiles with their hashes. A template entry (``drmsqlbackup
-template``) is a ``SqlBackupDetails`` with ``template=True`` and no ``BackupRecorded``.
``SqlBackupRequested`` opens the workflow of a backup next to ``filesystem.BackupRequested``
(which the workflow area and recovery already follow) and says it is a SQL Server one.

The host view keeps them in ``HostView.sql`` (``projections.sql_view``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from events.application import AppName, AppPath, Databases, MetadataFile
from events.base import Payload
from events.limits import (APP_DATABASES_MAX, APP_FILES_MAX, APP_PATH_MAX, APP_TIMEOUT_MAX,
                           BACKUP_ID_MAX)
from events.registry import REGISTRY

OptionalPath = Annotated[str, Field(max_length=APP_PATH_MAX)]
BackupId = Annotated[str, Field(pattern=r"^[0-9]{10}$")]  # the host view reads it as a number
COPY_GROUPS_MAX = 64


class SqlFileRecord(Payload):
    """One database file: ``kind`` ``data`` (catalog row D) or ``log`` (row T), on the volume
    mounted at ``mount_point`` (device ``serial:ldev``), whose pairs are ``copy_groups``."""

    path: AppPath
    kind: Literal["data", "log"]
    mount_point: OptionalPath = ""
    device: Annotated[str, Field(max_length=64)] = ""
    copy_groups: Annotated[tuple[Annotated[str, Field(max_length=APP_PATH_MAX)], ...],
                           Field(max_length=COPY_GROUPS_MAX)] = ()


class SqlDatabaseRecord(Payload):
    name: AppName
    database_id: int = Field(ge=0, le=2 ** 31 - 1)
    system: bool = False
    recovery_model: Annotated[str, Field(max_length=32)] = "FULL"
    state: Annotated[str, Field(max_length=128)] = "ONLINE"
    files: Annotated[tuple[SqlFileRecord, ...], Field(max_length=APP_FILES_MAX)] = ()


class SqlSettingsRegistered(Payload):
    """``drmsqlinit <instance>``: the database configuration definition of one instance.
    Directories are absolute paths inside the host's data root; "" = not registered."""

    instance: AppName
    metadata_dir: OptionalPath = ""
    vdi_timeout: int = Field(ge=0, le=APP_TIMEOUT_MAX)
    undo_dir: OptionalPath = ""
    log_backup_dir: OptionalPath = ""


class SqlInstanceMap(Payload):
    instance: AppName
    status: Annotated[str, Field(max_length=16)]  # RUNNING | STOPPED
    databases: Annotated[tuple[SqlDatabaseRecord, ...], Field(max_length=APP_DATABASES_MAX)]


class SqlApplicationMapRefreshed(Payload):
    """``drmsqldisplay [<instance>] -refresh``: the application map of the instances named
    (every instance of the host when ``whole``): database -> files -> mount points -> copy
    groups. It replaces their previous map; with ``whole`` it drops instances not listed."""

    instances: Annotated[tuple[SqlInstanceMap, ...], Field(max_length=256)]
    whole: bool = True


class SqlBackupRequested(Payload):
    """A SQL Server backup's workflow starts (beside its ``BackupRequested``). ``records``:
    the databases as the entry will keep them (each file with the copy group split), so that
    recovery can record the entry of a backup whose splits and thaw all happened."""

    workflow_id: str
    backup_id: BackupId
    instance: AppName
    databases: Databases
    system: bool = False
    records: Annotated[tuple[SqlDatabaseRecord, ...], Field(max_length=APP_DATABASES_MAX)] = ()
    metadata_dir: OptionalPath = ""


class SqlBackupDetails(Payload):
    """The SQL Server side of catalog entry ``backup_id`` (see the module docstring)."""

    backup_id: BackupId
    instance: AppName
    databases: Annotated[tuple[SqlDatabaseRecord, ...], Field(max_length=APP_DATABASES_MAX)]
    metafiles: Annotated[tuple[MetadataFile, ...], Field(max_length=APP_DATABASES_MAX)] = ()
    metadata_dir: OptionalPath = ""  # "" = the metafiles lie on the P-VOL
    online: bool = True
    template: bool = False
    system: bool = False  # -system: master, model and msdb included
    recorded_at: datetime | None = None
    comment: Annotated[str, Field(max_length=1024)] = ""
    workflow_id: str = Field(default="", max_length=128)
    original_id: Annotated[str, Field(max_length=BACKUP_ID_MAX)] = ""  # "": backup_id (imports)


for _model in (SqlSettingsRegistered, SqlApplicationMapRefreshed, SqlBackupRequested,
               SqlBackupDetails):
    REGISTRY.register(_model.__name__, _model)
