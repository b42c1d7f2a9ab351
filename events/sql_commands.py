"""SQL Server commands (issue 13, sql-backup): drmsqlinit, drmsqldisplay, drmsqlbackup,
drmsqlcat and the extended EX_DRM_SQL_BACKUP (spec 05 §2.4, §2.5, §3.1, §3.6, §3.7, §3.9).

Instance and database names follow one rule (``SQL_NAME``: 1 to 64 letters, digits, ``_ $ -``,
a file-name-safe subset of SQL Server's identifiers, as the simulated instance keeps them);
``DEFAULT`` is the default instance. Queries record nothing; their result shapes are on each.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from events.command_base import APPLICATION_SERVERS, EXCLUSIVE, QUERY, Command
from events.limits import APP_TIMEOUT_MAX
from events.names import (GENERATION_PATTERN, CommentText, HostName, OptionalPathText,
                          PathText)
from events.user_script import UserScript

SQL_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_$-]{0,63}$"
MAX_SQL_DATABASES = 64  # drmsqlbackup: "run it again for 65 or more"
SqlName = Annotated[str, Field(pattern=SQL_NAME)]
SqlTargets = Annotated[tuple[SqlName, ...], Field(max_length=MAX_SQL_DATABASES)]


class InitSqlServer(Command, console=("drmsqlinit",), concurrency=EXCLUSIVE,
                    roles=APPLICATION_SERVERS):
    """``drmsqlinit <instance>``: the four answers (the CLI prompts KAVX1100-I .. KAVX1107-I,
    or takes them as options). Directories: "" = not registered; else a path the agent
    confines to its data directory."""

    name: Literal["InitSqlServer"] = "InitSqlServer"
    instance: SqlName
    metadata_dir: OptionalPathText = ""
    vdi_timeout: int = Field(ge=0, le=APP_TIMEOUT_MAX)
    undo_dir: OptionalPathText = ""
    log_backup_dir: OptionalPathText = ""


class RefreshSqlMap(Command, console=("drmsqldisplay",), concurrency=EXCLUSIVE,
                    roles=APPLICATION_SERVERS):
    """``drmsqldisplay [<instance>] -refresh``: the dictionary maps, then the application map
    of the instance (every running instance without one). Result: ``{"instances": [names]}``."""

    name: Literal["RefreshSqlMap"] = "RefreshSqlMap"
    instance: SqlName | None = None


class DisplaySqlServer(Command, console=("drmsqldisplay",), concurrency=QUERY):
    """``drmsqldisplay [<instance>] [-cf] [-remote]`` from the application map (any state).

    Result: ``{"refreshed": bool, "instances": [{"instance", "status", "databases": [{"name",
    "database_id", "system", "recovery_model", "state", "files": [{"path", "kind",
    "mount_point", "device", "copy_groups": [{"copy_group", "copy_func", "generation", "mu",
    "pvol", "svol", "copy_type"}]}]}]}]}``."""

    name: Literal["DisplaySqlServer"] = "DisplaySqlServer"
    instance: SqlName | None = None


class BackupSqlServer(Command, console=("drmsqlbackup", "EX_DRM_SQL_BACKUP"),
                      concurrency=EXCLUSIVE, roles=APPLICATION_SERVERS):
    """``drmsqlbackup <instance> [-system | -target db,… | -f file] [-rc gen] [-pf file]
    [-script file] [-s host [-auto_import [-auto_mount mp]]] [-comment text] [-template]``.

    ``targets`` empty: every user database (with ``system``: and master, model, msdb).
    Result: ``{"backup_id", "instance", "databases", "generation", "copy_groups", "mode",
    "template", "metafiles": [{"database", "path", "size", "sha256"}], "superseded"}``."""

    name: Literal["BackupSqlServer"] = "BackupSqlServer"
    instance: SqlName
    system: bool = False
    targets: SqlTargets = ()
    generation: str | None = Field(default=None, pattern=GENERATION_PATTERN)
    comment: CommentText = ""
    template: bool = False
    backup_server: HostName | None = None
    auto_import: bool = False
    auto_mount: OptionalPathText | None = None
    copy_parameters: PathText | None = None
    script: UserScript | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.system and self.targets:
            raise ValueError("-system backs up every database: give it without -target/-f")
        if self.auto_import and not self.backup_server:
            raise ValueError("-auto_import needs -s <backup-server>")
        if self.auto_mount is not None and not self.auto_import:
            raise ValueError("-auto_mount needs -auto_import")
        if self.template and (self.script or self.auto_import):
            raise ValueError("-template makes no backup: no -script or -auto_import with it")
        return self


class ListSqlCatalog(Command, console=("drmsqlcat",), concurrency=QUERY):
    """``drmsqlcat <instance> [-template]`` (any instance or database state).

    Result: ``{"instance", "entries": [{"backup_id", "original_id", "origin_host", "mode",
    "started_at", "ended_at", "generation", "copy_groups", "comment", "template",
    "rows": [{"kind" (M|D|T), "database", "object" (METAFILE|DATAFILE|TRANSACT), "file",
    "file_system", "disk_group", "device", "copy_groups"}]}]}``."""

    name: Literal["ListSqlCatalog"] = "ListSqlCatalog"
    instance: SqlName
    template: bool = False


SQL_COMMANDS = (InitSqlServer, RefreshSqlMap, DisplaySqlServer, BackupSqlServer, ListSqlCatalog)
